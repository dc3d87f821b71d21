"""The alarm loop in a real Chromium: sign in, a new level-2 alarm rings and flashes, and an
operator takes it from open to closed; every step is recorded with who did it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import select

from data_loaders.store import session_scope
from data_loaders.store.schema import Alarm, AlarmEvent, Sensor
from data_loaders.telemetry.store import SensorDirectory, ingest_body
from tests.browser.conftest import sign_in

READY = "#map[data-map-ready=true]"


@pytest.fixture(params=["sqlite"])
def backend(request):  # the browser does not care which database serves the page
    return request.param


def raise_alarm(engine) -> str:
    """Three ammonia readings far over level 2, 10 s apart: one level-2 alarm."""
    with session_scope(engine) as s:
        tag = s.scalar(select(Sensor.tag).where(Sensor.kind == "ammonia").order_by(Sensor.id))
    now = datetime.now(UTC)
    body = orjson.dumps(
        [
            {"sensor": tag, "ts": (now - timedelta(seconds=20 - 10 * i)).isoformat(), "value": 480}
            for i in range(3)
        ]
    )
    with session_scope(engine) as s:
        ingest_body(s, body, SensorDirectory(), "http", now)
    return tag


def test_an_operator_handles_a_new_alarm(page, signed_server, small_city, tmp_path):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, signed_server, "duty", "duty-pass-1")
    assert "duty" in page.locator("#user-box").inner_text()
    page.wait_for_function("window.onemap && window.onemap.seenAlarms !== undefined")
    tag = raise_alarm(small_city)
    # within a poll or two: the strip shows it, the page rings and flashes
    page.wait_for_function("window.onemap.tones >= 1", timeout=15_000)
    assert "on" in page.locator("#alarm-flash").get_attribute("class")
    page.wait_for_selector(".strip-items .alarm-item", timeout=10_000)
    assert page.locator("#alarm-count").inner_text() == "1"

    page.click("#alarm-open")
    page.click(".alarm-row")
    page.wait_for_selector(".act-acknowledge")
    assert tag in page.locator(".alarm-detail").inner_text()
    page.screenshot(path=str(tmp_path / "alarm-panel.png"))

    def act(action: str) -> None:
        page.click(f".act-{action}")
        page.wait_for_function(
            "document.getElementById('alarm-message').innerText.length > 0", timeout=10_000
        )

    act("acknowledge")
    page.wait_for_selector(".act-dispatch")
    # dispatching without a person or unit is refused, with a message in the page's language
    page.fill("#alarm-detail input[type=text]", "")
    page.click(".act-dispatch")
    page.wait_for_function(
        "document.getElementById('alarm-message').innerText.includes('处置人')", timeout=10_000
    )
    page.fill("#alarm-detail input[type=text]", "塘下镇安监站 王工")
    page.click(".act-dispatch")
    page.wait_for_selector(".act-dispose", timeout=10_000)
    page.fill("#alarm-detail textarea >> nth=0", "已关闭进氨阀，通风后复测 12 ppm")
    page.wait_for_timeout(1500)  # a poll passes: what the operator typed must stay
    page.click(".act-dispose")
    page.wait_for_function(
        "document.querySelectorAll('.act').length === 1", timeout=10_000
    )  # disposed: only closing is left
    page.click(".quick >> nth=2")  # 险情已处置
    page.wait_for_function(
        "[...document.querySelectorAll('#alarm-detail textarea')]"
        ".some(t => t.value === '险情已处置')"
    )
    page.click(".act-close")
    page.wait_for_function(
        "document.getElementById('alarm-count').innerText === '0'", timeout=10_000
    )
    with session_scope(small_city) as s:
        alarm = s.scalar(select(Alarm))
        events = s.execute(
            select(AlarmEvent.actor, AlarmEvent.action).order_by(AlarmEvent.id)
        ).all()
    assert alarm.state == "closed" and alarm.close_reason == "险情已处置"
    assert alarm.assignee == "塘下镇安监站 王工" and "12 ppm" in alarm.feedback
    assert [tuple(e) for e in events] == [
        ("system", "open"),
        ("duty", "acknowledge"),
        ("duty", "dispatch"),
        ("duty", "dispose"),
        ("duty", "close"),
    ]
    assert errors == []


def test_a_viewer_sees_alarms_but_gets_no_actions(page, signed_server, small_city):
    tag = raise_alarm(small_city)
    sign_in(page, signed_server, "guest", "guest-pass-1")
    page.click("#alarm-open")
    page.click(".alarm-row")
    # the chosen alarm's detail (not the "pick an alarm" line it replaces)
    page.wait_for_function(
        "tag => document.querySelector('.alarm-detail').innerText.includes(tag)", arg=tag
    )
    assert page.locator(".act").count() == 0
    assert "operator" in page.locator(".alarm-detail").inner_text()
