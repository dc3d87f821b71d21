"""The wall screen in a real Chromium, as the command centre's wall runs it: the tour walks on
by itself; a new level-2 alarm takes the screen and gives it back once acknowledged; the
ingest stopping shows `stale` and its return clears it; the server going away shows
`offline` with the last data kept, and the screen comes back by itself (reloading itself when
the server returns with another bundle); every layout has no text under 16 px."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from werkzeug.serving import make_server

from dashboard import app as app_module
from dashboard.app import create_app
from dashboard.settings import Settings
from data_loaders.actions.alarms import act_as
from data_loaders.scheduler import Ingest, IngestConfig
from data_loaders.store import bump_alarm_version, session_scope
from data_loaders.store.schema import Alarm
from data_loaders.walls import create_wall_link, revoke_wall_link
from tests.browser.conftest import raise_alarm

STATE = "document.documentElement.getAttribute('data-wall-state')"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(params=["sqlite"])
def backend(request):  # the browser does not care which database serves the page
    return request.param


class Server:
    """The app on a port that stays the same across a stop and a start."""

    def __init__(self, engine, anonymous_role: str = "viewer", **more) -> None:  # type: ignore[no-untyped-def]
        self.engine = engine
        self.anonymous_role = anonymous_role
        self.more = more
        self.port = 0
        self.server = None

    def start(self) -> str:
        settings = Settings(
            anonymous_role=self.anonymous_role,
            poll_seconds=1,
            wall_tour_seconds=2,
            heartbeat_seconds=1,
            warm_cache=False,
            **self.more,
        )
        app = create_app(settings, engine=self.engine)
        self.server = make_server("127.0.0.1", self.port, app.server, threaded=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Beat:
    """`onemap ingest`'s scheduler in a thread (its heartbeat every second, nothing else)."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.engine = engine
        self.ingest: Ingest | None = None

    def start(self) -> None:
        self.ingest = Ingest(self.engine, IngestConfig(heartbeat_s=1))
        threading.Thread(target=self.ingest.start, daemon=True).start()

    def stop(self) -> None:
        if self.ingest is not None:
            self.ingest.shutdown()
            self.ingest = None


@pytest.fixture
def wall(small_city) -> Iterator[tuple[Server, Beat]]:
    """A quiet city (its alarms acknowledged: none waits to take the screen), the server and
    a beating ingest."""
    with session_scope(small_city) as s:
        s.execute(update(Alarm).where(Alarm.state == "open").values(state="acknowledged"))
    server, beat = Server(small_city), Beat(small_city)
    beat.start()
    yield server, beat
    beat.stop()
    if server.server is not None:
        server.stop()


def wait_state(page, state: str, timeout: float = 20_000) -> None:
    page.wait_for_function(f"{STATE} === '{state}'", timeout=timeout)


def test_the_tour_walks_and_an_alarm_takes_over_until_acknowledged(page, wall, small_city):
    server, _beat = wall
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.start() + "/wall/")
    wait_state(page, "tour")
    first = page.locator("#wall-step-label").inner_text()
    count = int(first.split("/")[1].split(" ")[0])
    assert count == 1 + 15 + 4  # the county, its 15 towns, four panels
    page.wait_for_function(
        "t => document.getElementById('wall-step-label').innerText !== t", arg=first, timeout=8000
    )
    assert page.locator("#wall-panel h2").count() >= 1
    tones = page.evaluate("window.onemap.tones")

    _tag, alarm = raise_alarm(small_city)
    wait_state(page, "alarm")
    page.wait_for_selector(".wall-card.on h2", timeout=10_000)
    card = page.locator(".wall-card").inner_text()
    assert "报警" in card and "氨" in card and "待确认" in card
    assert page.evaluate("window.onemap.wall().holding") == alarm
    assert page.evaluate("window.onemap.tones") == tones + 1  # the tone, once
    page.wait_for_function("window.onemap.shownSearch().includes('enterprise=')", timeout=10_000)
    # the map flew there, and the place's symbol is the new level-2 alarm
    page.wait_for_selector(".onemap-alarm.alarm-l2:not(.recovered)", timeout=10_000)
    held = page.locator("#wall-step-label").inner_text()
    time.sleep(2.5)  # the tour waits while the alarm holds the screen
    assert page.locator("#wall-step-label").inner_text() == held

    act_as(small_city, "duty", "operator", alarm, "acknowledge", {})
    wait_state(page, "tour", timeout=10_000)
    page.wait_for_selector(".wall-card.on", state="detached", timeout=10_000)
    assert page.locator(".wall-card").get_attribute("class") == "wall-card"
    assert page.evaluate("window.onemap.tones") == tones + 1
    assert not errors, errors


def test_alarms_queue_time_out_and_an_escalation_takes_the_screen_again(page, wall, small_city):
    _server, _beat = wall
    server = Server(small_city, wall_alarm_seconds=5)
    base = server.start()
    try:
        page.goto(base + "/wall/")
        wait_state(page, "tour")
        _tag, first = raise_alarm(small_city)
        wait_state(page, "alarm")
        _tag, second = raise_alarm(small_city)
        page.wait_for_function(  # the second waits behind the first, and the card says so
            "document.querySelector('.wall-card .more') !== null", timeout=10_000
        )
        assert page.evaluate("window.onemap.wall().holding") == first
        assert "另有 1 条待确认" in page.locator(".wall-card").inner_text()
        page.wait_for_function(  # the first's time is up: the second's turn, with its tone
            f"window.onemap.wall().holding === {second}", timeout=12_000
        )
        assert page.evaluate("window.onemap.tones") == 2
        act_as(small_city, "duty", "operator", second, "acknowledge", {})
        wait_state(page, "tour", timeout=15_000)  # the first had its time: the tour
        with session_scope(small_city) as s:  # nobody acted on the first: it escalates
            s.execute(update(Alarm).where(Alarm.id == first).values(escalated=True))
            bump_alarm_version(s)  # (as escalate() does: the wall's state follows the versions)
        page.wait_for_function(f"window.onemap.wall().holding === {first}", timeout=10_000)
        assert page.evaluate("window.onemap.tones") == 3
        page.wait_for_function(  # the card is drawn by the server a moment after the hold
            "(() => { const c = document.querySelector('.wall-card.on');"
            " return c !== null && (c.innerText.includes('超时未确认')"
            " || c.querySelector('.esc') !== null); })()",
            timeout=4_000,
        )
        wait_state(page, "tour", timeout=15_000)  # its second time is up too
        page.reload()  # a reload remembers: no tone, no hold again
        page.wait_for_function(f"{STATE} !== null", timeout=15_000)
        time.sleep(2.5)
        assert page.evaluate(STATE) == "tour" and page.evaluate("window.onemap.tones") == 0
    finally:
        server.stop()


def test_a_wall_link_opens_the_wall_and_nothing_else_until_revoked(page, wall, small_city):
    _server, _beat = wall
    server = Server(small_city, anonymous_role="")  # sign-in required: the link signs in
    base = server.start()
    try:
        with session_scope(small_city) as s:
            token = create_wall_link(s, "大屏-东", datetime.now(UTC))
        page.goto(f"{base}/wall/link/{token}?screen=map")
        wait_state(page, "tour")
        assert page.url == f"{base}/wall/?screen=map"  # the token is not left in the address
        assert page.locator(".wall.screen-map").count() == 1
        page.wait_for_selector(".onemap-hazard", timeout=15_000)  # the map's layers load
        for path in ("/", "/api/stats", "/?enterprise=x"):
            answer = page.goto(base + path)
            assert answer.status == 403, path
        assert "大屏链接只能打开大屏" in page.content()
        page.goto(f"{base}/wall/?screen=map")
        wait_state(page, "tour")
        with session_scope(small_city) as s:
            revoke_wall_link(s, "大屏-东", datetime.now(UTC))
        page.wait_for_function(  # within a poll or two
            "location.pathname === '/wall/signed-out'", timeout=15_000
        )
        assert "此大屏链接已注销" in page.content()
        assert page.goto(f"{base}/wall/").url.endswith("/login?next=%2Fwall%2F")
    finally:
        server.stop()


def test_stale_then_offline_and_back_by_itself(page, wall, small_city, monkeypatch):
    server, beat = wall
    base = server.start()
    page.goto(base + "/wall/")
    wait_state(page, "tour")

    beat.stop()  # the ingest stops: after 3 beats the wall says since when
    wait_state(page, "stale", timeout=15_000)
    assert "数据中断" in page.locator("#wall-banner").inner_text()
    beat.start()
    wait_state(page, "tour", timeout=15_000)
    assert page.locator("#wall-banner").inner_text() == ""

    strip = page.locator("#wall-kpi").inner_text()
    server.stop()  # the server goes away: the last data stays, with when it came
    wait_state(page, "offline", timeout=15_000)
    banner = page.locator("#wall-banner").inner_text()
    assert "连接中断" in banner and "最后更新 20" in banner
    assert page.locator("#wall-kpi").inner_text() == strip
    page.evaluate("window.__same_page = true")
    server.start()
    wait_state(page, "tour", timeout=30_000)
    assert page.evaluate("window.__same_page") is True  # the same bundle: no reload needed

    server.stop()
    wait_state(page, "offline", timeout=15_000)
    monkeypatch.setattr(app_module, "build_token", lambda _assets: "another-bundle")
    server.start()  # back with another bundle: the page reloads itself
    page.wait_for_function("window.__same_page === undefined", timeout=30_000)
    wait_state(page, "tour", timeout=30_000)


SMALL_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const text = n.textContent.trim();
    if (!text) continue;
    const el = n.parentElement;
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!r.width || !r.height || style.visibility === 'hidden' || style.opacity === '0') continue;
    if (r.bottom <= 0 || r.right <= 0 || r.top >= innerHeight || r.left >= innerWidth) continue;
    const size = parseFloat(style.fontSize);
    if (size < 16) out.push([style.fontSize, el.className, text.slice(0, 20)]);
  }
  return out;
}"""
HEADLINES = """() => [...document.querySelectorAll('.wall-kpi .strip-value, .tile b, .bigs b')]
  .filter(e => e.getBoundingClientRect().height > 0)
  .map(e => parseFloat(getComputedStyle(e).fontSize))"""


@pytest.mark.parametrize(
    "screen,width,height,scale",
    [
        ("all", 1920, 1080, 1),
        ("all", 1920, 1080, 2),  # a 3840×2160 wall at 200 %
        ("all", 5760, 1080, 1),  # three monitors as one
        ("map", 1920, 1080, 1),
        ("alarms", 1920, 1080, 1),
        ("panels", 1920, 1080, 1),
    ],
)
def test_every_layout_reads_from_across_the_room(
    browser, wall, small_city, screen, width, height, scale
):
    server, _beat = wall
    raise_alarm(small_city)  # the alarm card is part of every layout
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=scale,
        bypass_csp=True,  # (Playwright's string waits are eval: see browser_context_args)
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.start() + f"/wall/?screen={screen}")
    wait_state(page, "alarm")
    page.wait_for_selector(".wall-card.on h2", timeout=10_000)
    if screen in ("all", "map"):
        page.wait_for_selector(".onemap-alarm", timeout=15_000)
    time.sleep(1.5)  # the flight to the alarm and its symbols
    assert page.evaluate(SMALL_TEXT) == []
    headlines = page.evaluate(HEADLINES)
    if screen in ("all", "panels"):
        assert headlines and min(headlines) >= 36, headlines
    # nothing spills out of the screen: the page does not scroll
    assert page.evaluate("document.documentElement.scrollHeight") <= height
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"wall-{screen}-{width}x{height}@{scale}.png"))
    assert not errors, errors
    context.close()
