"""A drill in a real Chromium, as an operator runs it: opened from an enterprise's dossier,
its zones on the map and its watermark on the screen, a resource sent and arriving, a note,
closed with a summary, its report; and a viewer who cannot start one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import select

from data_loaders.store import session_scope
from data_loaders.store.schema import (
    Enterprise,
    HazardSubstance,
    IncidentEvent,
    MajorHazard,
    Sensor,
)
from data_loaders.telemetry.store import SensorDirectory, ingest_body
from tests.browser.conftest import READY, sign_in


@pytest.fixture(params=["sqlite"])
def backend(request):  # the browser does not care which database serves the page
    return request.param


def ammonia_site(engine) -> str:
    """An enterprise with a liquid-ammonia major hazard, now with a weather station."""
    with session_scope(engine) as s:
        ent = s.execute(
            select(Enterprise.id, Enterprise.credit_code)
            .join(MajorHazard, MajorHazard.enterprise_id == Enterprise.id)
            .join(HazardSubstance, HazardSubstance.hazard_id == MajorHazard.id)
            .where(HazardSubstance.substance == "液氨")
        ).first()
        for tag, kind in (("WXT-SPD", "wind_speed"), ("WXT-DIR", "wind_direction")):
            s.add(Sensor(tag=tag, kind=kind, unit="", enterprise_id=ent.id))
    now = datetime.now(UTC) - timedelta(seconds=30)
    body = orjson.dumps(
        [
            {"sensor": "WXT-SPD", "ts": now.isoformat(), "value": 2.4},
            {"sensor": "WXT-DIR", "ts": now.isoformat(), "value": 45},
        ]
    )
    with session_scope(engine) as s:
        ingest_body(s, body, SensorDirectory(), "http", datetime.now(UTC))
    return ent.credit_code


def test_an_operator_runs_a_drill_from_start_to_report(page, signed_server, small_city):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    code = ammonia_site(small_city)
    sign_in(page, signed_server, "duty", "duty-pass-1", f"/?enterprise={code}")
    page.wait_for_selector(".incident-start")
    assert page.locator("#drill-watermark").get_attribute("class") == "drill-watermark"
    page.click(".incident-start button.danger")  # a drill (ticked), toxic release, 1 kg/s
    page.wait_for_url("**incident=*", timeout=15_000)
    page.wait_for_selector(".incident-head.drill", timeout=15_000)
    page.wait_for_selector(READY, timeout=20_000)
    assert "演练" in page.locator(".incident-head").inner_text()
    # every screen says it is a drill, and the map draws the zones it holds
    assert "on" in page.locator("#drill-watermark").get_attribute("class")
    assert "incident.geojson" in page.evaluate("window.onemap.layerUrls().incident")
    assert page.locator(".incident-banner .incident-chip.drill").count() == 1
    zones = page.locator(".incident-table.zones tbody tr")
    assert zones.count() >= 4  # three rings and at least one AEGL footprint
    assert "AEGL" in page.locator(".incident-table.zones").inner_text()
    assert "实测" in page.locator(".right").inner_text()  # the station's wind, said so

    # the drill's injected alarm is on the real screens, marked 演练, and counted apart
    incident = page.url.split("incident=")[1].split("&")[0]
    with session_scope(small_city) as s:
        tag, level_2 = s.execute(
            select(Sensor.tag, Sensor.level_2).where(
                Sensor.kind == "ammonia", Sensor.level_2.is_not(None)
            )
        ).first()
    real_count = page.locator("#alarm-count").inner_text()
    now = datetime.now(UTC)
    readings = [
        {
            "sensor": tag,
            "ts": (now - timedelta(seconds=60 - 10 * i)).isoformat(),
            "value": level_2 * 1.5,
        }
        for i in range(6)
    ]
    injected = page.request.post(f"{signed_server}/api/incidents/{incident}/inject", data=readings)
    assert injected.status == 200, injected.text()
    page.wait_for_selector(".alarm-item.drill .tag-drill", timeout=15_000)
    page.wait_for_selector(".onemap-alarm.drill .alarm-drill", timeout=15_000)
    assert page.locator("#alarm-count").inner_text() == f"{real_count} +1 演练"

    page.locator(".incident-table.resources button").first.click()
    page.wait_for_selector(".incident-table.tasks", timeout=10_000)
    page.locator(".incident-table.tasks button").first.click()  # arrived
    page.wait_for_function(
        "document.querySelector('.incident-table.tasks').innerText.includes('已到达')",
        timeout=10_000,
    )
    page.fill(".incident-forms textarea >> nth=0", "现场东北风，下风向居民已通知")
    page.click(".incident-forms button >> nth=0")
    page.wait_for_function(
        "document.querySelector('.incident-timeline').innerText.includes('下风向居民')",
        timeout=10_000,
    )
    page.fill(".incident-forms textarea >> nth=1", "演练完成，处置流程顺畅")
    page.click(".incident-forms button.danger")
    page.wait_for_function(
        "document.querySelector('.incident-head').innerText.includes('已关闭')", timeout=10_000
    )
    page.wait_for_function(
        "document.getElementById('drill-watermark').className === 'drill-watermark'",
        timeout=10_000,
    )
    assert page.locator(".incident-forms").count() == 0  # a closed one's record stays as it is
    page.wait_for_function(  # its alarms closed with it, and leave the screens
        "!document.querySelector('.alarm-item.drill')"
        " && !document.querySelector('.onemap-alarm.drill')",
        timeout=15_000,
    )
    assert page.locator("#alarm-count").inner_text() == real_count
    with session_scope(small_city) as s:
        rows = s.execute(select(IncidentEvent.action, IncidentEvent.actor)).all()
    assert [a for a, _ in rows] == [
        "opened",
        "injected",
        "task_sent",
        "task_arrived",
        "note",
        "closed",
    ]
    assert {who for _, who in rows} == {"duty"}
    report = page.locator(".incident-links a").first.get_attribute("href")
    assert report.startswith("/api/incidents/") and ".pdf" in report
    assert not errors, errors


def test_a_viewer_cannot_start_one(page, signed_server, small_city):
    code = ammonia_site(small_city)
    sign_in(page, signed_server, "guest", "guest-pass-1", f"/?enterprise={code}")
    page.wait_for_selector(".right h2, .right h3", timeout=15_000)
    assert page.locator(".incident-start").count() == 0
    answer = page.request.post(
        signed_server + "/api/incidents",
        data={"kind": "fire", "enterprise": code, "drill": True},
    )
    assert answer.status == 403
