"""Real-browser fixtures: Debian's Chromium (never `playwright install`), a live server."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import func, select
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.auth import hash_password
from dashboard.settings import Settings
from data_loaders.rules.lifecycle import OPEN_STATES
from data_loaders.store import session_scope
from data_loaders.store.schema import Alarm, Sensor
from data_loaders.telemetry.store import SensorDirectory, ingest_body
from data_loaders.users import save_user
from tests.conftest import need_service

READY = "#map[data-map-ready=true]"
# Every change of #map's data-map-ready, recorded from the page's start (add_init_script), so
# a test can wait for the map to have gone not-ready and ready again after an action: a
# ready left over from before the action must not count.
READY_LOG = """
window.__readyLog = [];
new MutationObserver(() => {
  const el = document.getElementById('map');
  const value = el && el.getAttribute('data-map-ready');
  const log = window.__readyLog;
  if (value && (!log.length || log[log.length - 1][1] !== value)) {
    log.push([performance.now(), value]);
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-map-ready']});
"""


def redrawn(page, action, timeout: float = 20_000) -> None:
    """Do `action` and wait until the map has reloaded for it: data-map-ready went false
    after the action began and came back true. The map must be at rest first (a reload
    still running, new data say, would swallow the action's own drop to false). A timeout
    says where the map stood."""
    at_rest = """() => { const r = window.onemap.readiness();
      return r.busy === 0 && r.dash === 0 &&
        document.getElementById('map').getAttribute('data-map-ready') === 'true'; }"""
    reloaded = """t0 => {
      const log = window.__readyLog.filter(([t]) => t >= t0);
      const drop = log.findIndex(([, v]) => v === 'false');
      return drop >= 0 && log.slice(drop).some(([, v]) => v === 'true');
    }"""
    where = """() => ({ready: window.__readyLog.slice(-4), busy: window.onemap.readiness(),
      shown: window.onemap.shownSearch(), url: location.search})"""
    try:
        page.wait_for_function(at_rest, timeout=timeout)
        t0 = page.evaluate("performance.now()")
        action()
        page.wait_for_function(reloaded, arg=t0, timeout=timeout)
    except PlaywrightTimeout as exc:
        raise AssertionError(f"the map did not reload: {page.evaluate(where)}") from exc


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    """Launch the system Chromium with the flags this machine needs."""
    if not shutil.which(CHROMIUM):
        need_service("chromium", "install Debian's chromium (make test does when it can)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):  # type: ignore[no-untyped-def]
    """A wall-screen sized viewport; the pages' Content-Security-Policy bypassed, since
    Playwright evals a wait_for_function string in the page and the policy forbids eval
    (tests/browser/test_csp.py turns it back on and checks every page under it)."""
    return {
        **browser_context_args,
        "viewport": {"width": 1920, "height": 1080},
        "bypass_csp": True,
    }


@pytest.fixture
def live_server(small_city) -> Iterator[str]:
    """The app on a free port in a thread; yields its base URL."""
    app = create_app(Settings(anonymous_role="viewer"), engine=small_city)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def signed_server(small_city) -> Iterator[str]:
    """The app with sign-in required and a one-second poll; users duty (operator) and guest
    (viewer)."""
    with session_scope(small_city) as s:
        save_user(s, "duty", "operator", hash_password("duty-pass-1"))
        save_user(s, "guest", "viewer", hash_password("guest-pass-1"))
    app = create_app(Settings(poll_seconds=1, warm_cache=False), engine=small_city)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def sign_in(page, base: str, name: str, password: str, path: str = "/") -> None:
    """Sign in through the login page and wait for the map."""
    page.goto(base + path)
    page.wait_for_url("**/login**")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector(READY, timeout=20_000)


def raise_alarm(engine) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A new ammonia detector beside the first one (the demo city's own alarms hold its
    sensors) and three readings far over level 2, 10 s apart: one new level-2 alarm. The
    detector's tag and the alarm's id."""
    with session_scope(engine) as s:
        model = s.scalar(select(Sensor).where(Sensor.kind == "ammonia").order_by(Sensor.id))
        tag = f"TEST-AMMO-{s.scalar(select(func.count()).select_from(Sensor)) + 1}"
        s.add(
            Sensor(
                tag=tag,
                kind="ammonia",
                unit=model.unit,
                device=model.device,
                location=model.location,
                level_1=model.level_1,
                level_2=model.level_2,
                enterprise_id=model.enterprise_id,
            )
        )
    now = datetime.now(UTC)
    body = orjson.dumps(
        [
            {"sensor": tag, "ts": (now - timedelta(seconds=20 - 10 * i)).isoformat(), "value": 480}
            for i in range(3)
        ]
    )
    with session_scope(engine) as s:
        ingest_body(s, body, SensorDirectory(), "http", now)
    with session_scope(engine) as s:
        alarm = s.scalar(
            select(Alarm.id).join(Sensor, Sensor.id == Alarm.sensor_id).where(Sensor.tag == tag)
        )
    assert alarm is not None, f"no alarm at {tag}"
    return tag, alarm


def open_alarms(engine) -> int:  # type: ignore[no-untyped-def]
    """How many alarms are open (the alarm button's count)."""
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Alarm).where(Alarm.state.in_(OPEN_STATES)))


def alarm_row(alarm: int) -> str:
    """The alarm panel's row of an alarm (Dash writes dict ids as sorted JSON)."""
    return f"""[id='{{"id":{alarm},"type":"alarm-row"}}']"""
