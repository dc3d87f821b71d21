"""The alarm loop in a real Chromium: sign in, a new level-2 alarm rings and flashes, and an
operator takes it from open to closed; every step is recorded with who did it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

import callbacks.alarms
from data_loaders.store import session_scope
from data_loaders.store.schema import Alarm, AlarmEvent
from data_loaders.times import CHINA
from tests.browser.conftest import alarm_row, open_alarms, raise_alarm, sign_in
from views.alarm_panel import due_text

READY = "#map[data-map-ready=true]"


@pytest.fixture(params=["sqlite"])
def backend(request):  # the browser does not care which database serves the page
    return request.param


def test_an_operator_handles_a_new_alarm(page, signed_server, small_city, tmp_path):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, signed_server, "duty", "duty-pass-1")
    assert "duty" in page.locator("#user-box").inner_text()
    page.wait_for_function("window.onemap && window.onemap.seenAlarms !== undefined")
    before = open_alarms(small_city)  # the demo city's own
    tag, alarm_id = raise_alarm(small_city)
    # within a poll or two: the strip shows it, the page rings and flashes
    page.wait_for_function("window.onemap.tones >= 1", timeout=15_000)
    assert "on" in page.locator("#alarm-flash").get_attribute("class")
    page.wait_for_selector(".strip-items .alarm-item", timeout=10_000)
    page.wait_for_function(
        "n => document.getElementById('alarm-count').innerText === String(n)", arg=before + 1
    )

    page.click("#alarm-open")
    page.click(alarm_row(alarm_id))
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
    page.fill("#alarm-detail .field-assignee input", "")
    page.click(".act-dispatch")
    page.wait_for_function(
        "document.getElementById('alarm-message').innerText.includes('处置人')", timeout=10_000
    )
    page.fill("#alarm-detail .field-assignee input", "塘下镇安监站 王工")
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
        "n => document.getElementById('alarm-count').innerText === String(n)",
        arg=before,
        timeout=10_000,
    )
    with session_scope(small_city) as s:
        alarm = s.get(Alarm, alarm_id)
        events = s.execute(
            select(AlarmEvent.actor, AlarmEvent.action)
            .where(AlarmEvent.alarm_id == alarm_id)
            .order_by(AlarmEvent.id)
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
    tag, alarm_id = raise_alarm(small_city)
    sign_in(page, signed_server, "guest", "guest-pass-1")
    page.click("#alarm-open")
    page.click(alarm_row(alarm_id))
    # the chosen alarm's detail (not the "pick an alarm" line it replaces)
    page.wait_for_function(
        "tag => document.querySelector('.alarm-detail').innerText.includes(tag)", arg=tag
    )
    assert page.locator(".act").count() == 0
    assert "operator" in page.locator(".alarm-detail").inner_text()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_due_time_reads_in_the_page_language(
    page, signed_server, small_city, monkeypatch, lang
):
    """The dispatch form's due time shows the page's date format whatever the browser's
    locale (Chromium here is en-US: a native datetime-local showed 12/02/2026, 11:26 PM on
    the Chinese page), and what the operator picks is sent as China time."""
    sent: list[dict] = []
    act_as = callbacks.alarms.act_as

    def recording(engine, actor, role, alarm_id, action, body, now=None):  # type: ignore[no-untyped-def]
        sent.append({"action": action, **body})
        return act_as(engine, actor, role, alarm_id, action, body, now)

    monkeypatch.setattr(callbacks.alarms, "act_as", recording)
    _, alarm_id = raise_alarm(small_city)
    sign_in(page, signed_server, "duty", "duty-pass-1", "/?lang=en" if lang == "en" else "/")
    assert page.evaluate("navigator.language") == "en-US"  # the machine's browser locale
    page.click("#alarm-open")
    page.click(alarm_row(alarm_id))
    page.wait_for_selector(".act-dispatch")

    # the default, two hours ahead, in the page's format (a text field shows its value as is)
    soon = datetime.now(CHINA) + timedelta(hours=2)
    date_box, time_box = page.locator(".due-date input"), page.locator(".field-due_time input")
    shown = date_box.input_value()
    if lang == "zh":
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", shown) and shown == soon.strftime("%Y-%m-%d")
    else:
        assert shown == f"{soon.day} {soon:%b %Y}"  # e.g. 2 Dec 2026
    assert re.fullmatch(r"\d{2}:\d{2}", time_box.input_value())  # 24-hour, no AM/PM

    # pick the 15th of next month in the calendar, whose month and weekdays speak the page's
    # language, and a time
    date_box.click()
    calendar = page.locator(".dash-datepicker-calendar")
    calendar.wait_for()
    weekdays = calendar.locator("thead th").all_inner_texts()
    if lang == "zh":
        assert weekdays == ["一", "二", "三", "四", "五", "六", "日"]
    else:
        assert weekdays == ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"]
    page.click(".dash-datepicker-month-nav >> nth=1")  # next month
    calendar.locator("td.dash-datepicker-calendar-date-inside", has_text="15").first.click()
    month = soon.replace(day=1) + timedelta(days=32)
    picked = month.replace(day=15)
    expected = picked.strftime("%Y-%m-%d") if lang == "zh" else f"15 {picked:%b %Y}"
    page.wait_for_function(
        "v => document.querySelector('.due-date input').value === v", arg=expected
    )
    time_box.fill("10:34")
    page.fill("#alarm-detail .field-assignee input", "塘下镇安监站 王工")
    page.click(".act-dispatch")
    page.wait_for_selector(".act-dispose", timeout=10_000)
    # sent as China time, with its offset
    assert sent[-1]["action"] == "dispatch"
    assert sent[-1]["due"] == f"{picked:%Y-%m-%d}T10:34:00+08:00"
    # and shown back as the operator picked it
    assert f"{picked:%m-%d} 10:34" in page.locator(".alarm-detail .facts").inner_text()


@pytest.mark.parametrize(
    ("day", "hm", "text"),
    [
        ("2026-12-04", "10:34", "2026-12-04T10:34"),
        ("2026-12-04", "9:05", "2026-12-04T09:05"),
        ("2026-12-04", "1034", "2026-12-04T10:34"),
        ("2026-12-04", " 10：34 ", "2026-12-04T10:34"),  # a Chinese IME's full-width colon
        ("2026-12-04", "25:00", "2026-12-04 25:00"),  # passed on: the rule says it is bad
        ("2026-12-04", "", ""),  # no time: the rule asks for one
        (None, "10:34", ""),
    ],
)
def test_the_form_due_time_as_iso(day, hm, text):
    assert due_text(day, hm) == text


def test_an_alarmed_enterprise_is_reached_from_the_strip_and_from_search(
    page, signed_server, small_city
):
    """Search hits and alarm-strip items had the same ids: an enterprise with an alarm in the
    strip was not flown to when picked in the search list, and a strip item of an enterprise
    with two alarms there did nothing."""
    from data_loaders.store.schema import Enterprise, Sensor

    raise_alarm(small_city)
    raise_alarm(small_city)  # two alarms of one enterprise in the strip
    with session_scope(small_city) as s:
        code, name = s.execute(
            select(Enterprise.credit_code, Enterprise.name)
            .join(Sensor, Sensor.enterprise_id == Enterprise.id)
            .where(Sensor.tag.like("TEST-AMMO-%"))
        ).first()
    sign_in(page, signed_server, "duty", "duty-pass-1")
    page.wait_for_function(
        """name => [...document.querySelectorAll('.alarm-item')]
            .filter(b => b.innerText.includes(name)).length >= 2""",
        arg=name,
        timeout=15_000,
    )
    page.locator(".alarm-item", has_text=name).nth(1).click()
    page.wait_for_function("code => location.search.includes(code)", arg=code, timeout=15_000)
    page.wait_for_selector(READY)
    page.goto(signed_server + "/")
    page.wait_for_selector(READY)
    page.fill("#search input, input#search", name)
    page.locator("button.hit", has_text=name).first.click()
    page.wait_for_function("code => location.search.includes(code)", arg=code, timeout=15_000)
    page.wait_for_function("() => window.onemap.map.getZoom() >= 16", timeout=15_000)
