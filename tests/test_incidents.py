"""Incidents and drills through the API: who may open and close one, what a bad request
hears, the affected zones in metres and what they hold (checked against distances worked
out independently), the plume, and a drill that changes no real figure."""

from __future__ import annotations

from base64 import b64encode
from datetime import UTC, datetime, timedelta

import numpy as np
import orjson
import pytest
from pyproj import Geod
from sqlalchemy import select

from dashboard.app import create_app
from dashboard.auth import hash_password
from dashboard.settings import Settings
from data_loaders.actions.alarms import NotAllowed
from data_loaders.rules import plume as plume_rules
from data_loaders.rules.zones import ZoneError, parse_radii, ring
from data_loaders.store import session_scope
from data_loaders.store.schema import (
    Enterprise,
    HazardSubstance,
    IncidentEvent,
    MajorHazard,
    Resource,
    Sensor,
    SensorState,
)
from data_loaders.users import save_user

PASSWORDS = {"vera": "viewer-pass", "otto": "operator-pass"}
GEOD = Geod(ellps="WGS84")
WIND = {"wind_from_deg": 45.0, "wind_m_s": 2.0, "stability": "D"}


@pytest.fixture
def api(small_city):
    """The small demo city behind sign-in, with a viewer and an operator."""
    with session_scope(small_city) as s:
        for name, role in (("vera", "viewer"), ("otto", "operator")):
            save_user(s, name, role, hash_password(PASSWORDS[name]))
    # versions read on every request: a figure compared after a drill is not a cached one
    settings = Settings(warm_cache=False, version_seconds=0)
    return create_app(settings, engine=small_city).server.test_client()


def basic(name: str) -> dict[str, str]:
    token = b64encode(f"{name}:{PASSWORDS[name]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def ammonia_site(engine) -> tuple[str, float, float]:
    """(credit code, lon, lat) of an enterprise with a liquid-ammonia major hazard."""
    with session_scope(engine) as s:
        return s.execute(
            select(Enterprise.credit_code, Enterprise.lon, Enterprise.lat)
            .join(MajorHazard, MajorHazard.enterprise_id == Enterprise.id)
            .join(HazardSubstance, HazardSubstance.hazard_id == MajorHazard.id)
            .where(HazardSubstance.substance == "液氨")
        ).first()


def test_only_an_operator_opens_and_closes_and_everything_is_recorded(api, small_city):
    body = {"kind": "fire", "lon": 120.65, "lat": 27.80, "drill": False}
    assert api.post("/api/incidents", json=body).status_code == 401
    assert api.post("/api/incidents", json=body, headers=basic("vera")).status_code == 403
    form = api.post("/api/incidents", data={"kind": "fire"}, headers=basic("otto"))
    assert form.status_code == 415  # no cross-site form can open one
    made = api.post("/api/incidents", json=body, headers=basic("otto"))
    assert made.status_code == 201, made.json
    doc = made.json
    assert doc["state"] == "open" and doc["drill"] is False and doc["radii_m"] == [500, 1000, 3000]
    assert [e["action"] for e in doc["timeline"]] == ["opened"]
    assert doc["timeline"][0]["actor"] == "otto" and doc["opened_by"] == "otto"
    url = f"/api/incidents/{doc['id']}"
    assert api.get(url, headers=basic("vera")).json["id"] == doc["id"]  # a viewer sees it
    listed = api.get("/api/incidents", headers=basic("vera")).json
    assert [i["id"] for i in listed] == [doc["id"]]
    close = url + "/close"
    assert api.post(close, json={"summary": "x"}, headers=basic("vera")).status_code == 403
    no_summary = api.post(close, json={}, headers=basic("otto"))
    assert no_summary.status_code == 400 and no_summary.json["field"] == "summary"
    done = api.post(close, json={"summary": "明火已扑灭，无人员伤亡"}, headers=basic("otto"))
    assert done.status_code == 200 and done.json["state"] == "closed"
    assert done.json["closed_by"] == "otto" and done.json["summary"].startswith("明火")
    again = api.post(close, json={"summary": "again"}, headers=basic("otto"))
    assert again.status_code == 409 and again.json["code"] == "wrong_state"
    assert api.get("/api/incidents", headers=basic("vera")).json == []
    with session_scope(small_city) as s:
        actions = s.scalars(select(IncidentEvent.action).order_by(IncidentEvent.id)).all()
    assert actions == ["opened", "closed"]
    assert api.get("/api/incidents/999999", headers=basic("vera")).status_code == 404
    huge = api.post("/api/incidents/99999999999/close", json={}, headers=basic("otto"))
    assert huge.status_code == 404  # beyond any id the store holds: no such route


BAD_REQUESTS = [
    ({"kind": "meteor", "lon": 120.6, "lat": 27.8}, "kind"),
    ({"kind": "fire", "lon": 12.6, "lat": 27.8}, "lon"),
    ({"kind": "fire", "lon": "120.6", "lat": 27.8}, "lon"),
    ({"kind": "fire", "lat": 27.8}, "lon"),
    ({"kind": "fire", "lon": 120.6, "lat": 27.8, "drill": "yes"}, "drill"),
    ({"kind": "fire", "lon": 120.6, "lat": 27.8, "radii_m": [10]}, "radii_m"),
    ({"kind": "fire", "lon": 120.6, "lat": 27.8, "radii_m": [1] * 9}, "radii_m"),
    ({"kind": "fire", "lon": 120.6, "lat": 27.8, "title": "x" * 201}, "title"),
    ({"kind": "fire", "lon": 120.6, "lat": 27.8, "release": {"rate_kg_s": 1}}, "release"),
    (
        {"kind": "toxic_release", "lon": 120.6, "lat": 27.8, "release": {"rate_kg_s": 1}},
        "substance",
    ),
    (
        {
            "kind": "toxic_release",
            "lon": 120.6,
            "lat": 27.8,
            "release": {"substance": "氨", "rate_kg_s": -1, **WIND},
        },
        "rate_kg_s",
    ),
    (
        {
            "kind": "toxic_release",
            "lon": 120.6,
            "lat": 27.8,
            "release": {"substance": "氨", "rate_kg_s": 1, "wind_m_s": 2},
        },
        "release",
    ),
    (
        {
            "kind": "toxic_release",
            "lon": 120.6,
            "lat": 27.8,
            "release": {"substance": "氨", "rate_kg_s": 1, "colour": "red", **WIND},
        },
        "release",
    ),
]


@pytest.mark.parametrize("backend", ["sqlite"])  # checks made before the store is read
def test_a_bad_request_names_its_field_in_both_languages(api):
    for body, field in BAD_REQUESTS:
        answer = api.post("/api/incidents", json=body, headers=basic("otto"))
        assert answer.status_code == 400, (body, answer.json)
        assert answer.json["field"] == field, (body, answer.json)
        assert answer.json["error"] and answer.json["error_zh"]


def test_no_wind_anywhere_is_said_before_anything_is_stored(api, small_city):
    with session_scope(small_city) as s:  # no weather station reports
        for state in s.scalars(
            select(SensorState)
            .join(Sensor, Sensor.id == SensorState.sensor_id)
            .where(Sensor.kind.in_(("wind_speed", "wind_direction")))
        ):
            s.delete(state)
    body = {
        "kind": "toxic_release",
        "lon": 120.6,
        "lat": 27.8,
        "release": {"substance": "液氨", "rate_kg_s": 1},
    }
    answer = api.post("/api/incidents", json=body, headers=basic("otto"))
    assert answer.status_code == 400 and answer.json["code"] == "no_wind"
    assert api.get("/api/incidents", headers=basic("otto")).json == []
    unknown = {"kind": "fire", "enterprise": "91330381000000000X"}
    assert api.post("/api/incidents", json=unknown, headers=basic("otto")).status_code == 404


def test_the_rings_are_metres_and_hold_what_lies_within_them(api, small_city):
    lon, lat = 120.65, 27.80
    body = {"kind": "explosion", "lon": lon, "lat": lat, "radii_m": [3000, 1000, 1000, 2000]}
    doc = api.post("/api/incidents", json=body, headers=basic("otto")).json
    rings = [z for z in doc["zones"] if z["kind"] == "ring"]
    assert [z["radius_m"] for z in rings] == [1000, 2000, 3000]  # sorted, once each
    with session_scope(small_city) as s:
        points = s.execute(select(Enterprise.lon, Enterprise.lat, Enterprise.safety_class)).all()
        resources = s.execute(
            select(Resource.code, Resource.type, Resource.lon, Resource.lat)
        ).all()
    lons = np.array([p.lon for p in points])
    lats = np.array([p.lat for p in points])
    _, _, far = GEOD.inv(np.full_like(lons, lon), np.full_like(lats, lat), lons, lats)
    for zone in rings:
        r = zone["radius_m"]
        # every vertex of the ring is r metres away (true distance, not degrees)
        xs, ys = zip(*zone["polygon"]["coordinates"][0], strict=True)
        _, _, d = GEOD.inv([lon] * len(xs), [lat] * len(xs), xs, ys)
        assert np.allclose(d, r, rtol=1e-4)
        # what it holds: all within 0.999 r, none beyond r (the ring's chords cut 0.05 %)
        holds = zone["holds"]["enterprises"]
        sure, maybe = (far < 0.999 * r).sum(), (far <= r).sum()
        assert sure <= holds["total"] <= maybe
        assert sum(holds[c] for c in ("green", "blue", "yellow", "red")) == holds["total"]
    assert rings[0]["holds"]["enterprises"]["total"] <= rings[-1]["holds"]["enterprises"]["total"]
    # the nearest resources of each type, by straight-line distance, nearest first
    _, _, rfar = GEOD.inv(
        [lon] * len(resources),
        [lat] * len(resources),
        [r.lon for r in resources],
        [r.lat for r in resources],
    )
    for kind, listed in doc["resources"].items():
        mine = sorted(d for (_, t, *_), d in zip(resources, rfar, strict=True) if t == kind)
        assert [x["distance_m"] for x in listed] == [round(d) for d in mine[:3]]
    assert "直线" in doc["distance_note"]
    assert doc["contacts"] and all(c["person"] and c["phone"] for c in doc["contacts"])


def test_a_toxic_release_at_an_enterprise_screens_its_hazard_substance(api, small_city):
    code, lon, lat = ammonia_site(small_city)
    body = {"kind": "toxic_release", "enterprise": code, "release": {"rate_kg_s": 2, **WIND}}
    doc = api.post("/api/incidents", json=body, headers=basic("otto")).json
    assert (doc["lon"], doc["lat"]) == (lon, lat) and doc["enterprise"]["credit_code"] == code
    assert doc["release"]["substance"] == "液氨" and doc["wind"]["source"] == "request"
    expected = plume_rules.plume({**doc["release"]}, lon, lat)
    plume = doc["plume"]
    for level in ("aegl_1_m", "aegl_2_m", "aegl_3_m"):
        assert plume[level] == expected[level]
    assert plume["aegl_3_m"] < plume["aegl_2_m"] < plume["aegl_1_m"]
    footprints = [z for z in doc["zones"] if z["kind"] == "plume"]
    assert {z["id"] for z in footprints} == {"aegl_1", "aegl_2", "aegl_3"}
    # wind from the north-east: the plume lies to the south-west of the source
    xs, ys = zip(*footprints[0]["polygon"]["coordinates"][0], strict=True)
    assert max(xs) <= lon + 1e-4 and max(ys) <= lat + 1e-4


def test_a_drill_changes_no_real_figure(api, small_city):
    before = api.get("/api/stats", headers=basic("vera")).data
    alarms = api.get("/api/alarms", headers=basic("vera")).data
    body = {
        "kind": "toxic_release",
        "lon": 120.6,
        "lat": 27.8,
        "drill": True,
        "title": "液氨泄漏应急演练",
        "release": {"substance": "氨", "rate_kg_s": 1, **WIND},
    }
    doc = api.post("/api/incidents", json=body, headers=basic("otto")).json
    assert doc["drill"] is True and doc["drill_id"]
    assert orjson.loads(api.get("/api/stats", headers=basic("vera")).data) == orjson.loads(before)
    assert api.get("/api/alarms", headers=basic("vera")).data == alarms
    closed = api.post(
        f"/api/incidents/{doc['id']}/close", json={"summary": "演练结束"}, headers=basic("otto")
    )
    assert closed.status_code == 200 and closed.json["drill"] is True


def test_radii_are_bounded_and_rings_true():
    assert parse_radii(None) == (500, 1000, 3000)
    assert parse_radii([2000.4, 500]) == (500, 2000)
    for bad in ([], [49], [50_001], ["1"], [True], [float("nan")], "500", [1] * 6):
        with pytest.raises(ZoneError):
            parse_radii(bad)
    shape = ring(120.6, 27.8, 1000)
    xs, ys = zip(*shape["coordinates"][0], strict=True)
    # east–west and north–south reach are both 1 km (in degrees they differ by cos(lat))
    _, _, east = GEOD.inv(120.6, 27.8, max(xs), 27.8)
    _, _, north = GEOD.inv(120.6, 27.8, 120.6, max(ys))
    assert abs(east - 1000) < 1 and abs(north - 1000) < 1


def ammonia_sensor(engine) -> tuple[str, float]:
    """(tag, level 2) of a real ammonia sensor with thresholds."""
    with session_scope(engine) as s:
        return s.execute(
            select(Sensor.tag, Sensor.level_2).where(
                Sensor.kind == "ammonia", Sensor.is_drill.is_(False), Sensor.level_2.is_not(None)
            )
        ).first()


BRIEFED_AT = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


def real_figures(api, engine) -> dict:
    """Every real figure a drill could touch: the KPI documents, the bulletin, the alarms
    and the panels' read models, as JSON."""
    from datetime import date

    from caches.panel_documents import load_model

    paths = (
        "/api/stats",
        "/api/stats?grid=330381012",
        "/api/alarms",
        "/api/layers/grids.geojson?level=2",  # each town's open alarms
    )
    out = {path: orjson.loads(api.get(path, headers=basic("vera")).data) for path in paths}
    # the map's real alarms: a running drill's are drawn beside them, marked, counted apart
    alarm_layer = orjson.loads(api.get("/api/layers/alarms.geojson", headers=basic("vera")).data)
    out["map alarms"] = [f for f in alarm_layer["features"] if not f["properties"]["drill"]]
    for kind in ("closure", "listed", "campaigns", "committee", "tasks", "rankings"):
        doc = load_model(engine, kind, None, date(2026, 11, 20))
        out[kind] = orjson.loads(orjson.dumps(doc, default=str))
    # the briefings (issue 17): the running month's and a quarter's, taken at one fixed time
    # after the drill, so the alarms' waiting minutes move with nothing but the data
    from data_loaders.periods import parse_period
    from read_models.briefing import load_briefing

    later = BRIEFED_AT
    with session_scope(engine) as s:
        for code, grid in (("", None), ("2026-Q4", "330381012")):
            period = parse_period(code, later.date())
            out[f"briefing {code} {grid}"] = load_briefing(s, grid, period, later) | {"made_at": 0}
    # the rankings at that fixed time too (through the API they were now's, and an alarm
    # still waiting grew by a minute between two readings)
    from read_models.rankings import load_rankings

    with session_scope(engine) as s:
        for period in (None, "2026-Q4"):  # this month's (the route's default) and the quarter's
            ranked = load_rankings(s, period, later.date(), now=later)
            out[f"ranking {period}"] = orjson.loads(orjson.dumps(ranked, default=str))
    # the committee review (issue 18): a drill's tasks never reach it
    out["review"] = orjson.loads(api.get("/api/review", headers=basic("vera")).data)
    return out


def on_screens(api, engine, drill_ids: set[int]) -> None:
    """The operators' screens show exactly these drill alarms, each marked, beside the real
    ones (the alarm list, its count, the strip, the map): they practise on the real screens."""
    from callbacks.alarms import alarm_count
    from dashboard.i18n import t as label
    from read_models.alarms import load_alarm_feed, load_alarms
    from views.alarm_panel import create_alarm_list
    from views.alarm_strip import create_alarm_strip

    with session_scope(engine) as s:
        listed = load_alarms(s, ["open", "acknowledged", "dispatched"], 300, screens=True)
        feed = load_alarm_feed(s, limit=50)
    real = api.get("/api/alarms?state=open,acknowledged,dispatched", headers=basic("vera")).json
    assert {a["id"] for a in listed if a["is_drill"]} == drill_ids
    assert {a["id"] for a in listed if not a["is_drill"]} == {a["id"] for a in real}
    assert {a["id"] for a in feed if a["is_drill"]} <= drill_ids
    assert bool(drill_ids) == any(a["is_drill"] for a in feed)
    count = alarm_count(listed, label, "zh")
    if drill_ids:
        assert count[0] == str(len(real))
        assert count[1].children == f" +{len(drill_ids)} 演练"
        rows = [r for r in create_alarm_list(listed, None, label, "zh") if "drill" in r.className]
        assert len(rows) == len(drill_ids)
        assert all(r.children[0].children == "演练" for r in rows)
        items = create_alarm_strip(feed, label, "zh")[1:]
        marked = [i for i in items if "drill" in i.className]
        assert marked and all(i.children[0].children == "演练" for i in marked)
    else:
        assert count == str(len(real))
    layer = orjson.loads(api.get("/api/layers/alarms.geojson", headers=basic("vera")).data)
    drawn = {f["properties"]["id"] for f in layer["features"] if f["properties"]["drill"]}
    assert drawn == drill_ids


def test_injected_drill_alarms_run_the_real_loop_and_count_nowhere(api, small_city):
    from datetime import UTC, datetime, timedelta

    tag, level_2 = ammonia_sensor(small_city)
    before = real_figures(api, small_city)
    real = api.post(
        "/api/incidents", json={"kind": "fire", "lon": 120.6, "lat": 27.8}, headers=basic("otto")
    ).json
    body = {
        "kind": "toxic_release",
        "lon": 120.6,
        "lat": 27.8,
        "drill": True,
        "release": {"substance": "液氨", "rate_kg_s": 1, **WIND},
    }
    drill = api.post("/api/incidents", json=body, headers=basic("otto")).json
    now = datetime.now(UTC)
    readings = [
        {
            "sensor": tag,
            "ts": (now - timedelta(seconds=60 - 10 * i)).isoformat(),
            "value": level_2 * 1.5,
        }
        for i in range(6)
    ]
    url = f"/api/incidents/{drill['id']}/inject"
    assert api.post(url, json=readings, headers=basic("vera")).status_code == 403
    refused = api.post(f"/api/incidents/{real['id']}/inject", json=readings, headers=basic("otto"))
    assert refused.status_code == 409 and refused.json["code"] == "not_drill"
    unknown = api.post(url, json=[{**readings[0], "sensor": "NOPE"}], headers=basic("otto"))
    assert unknown.status_code == 400 and unknown.json["code"] == "unknown_sensor"
    done = api.post(url, json=readings, headers=basic("otto"))
    assert done.status_code == 200 and done.json["accepted"] == 6
    drills = api.get("/api/alarms?drill=1&state=open", headers=basic("vera")).json
    assert drills and all(a["is_drill"] and a["sensor"].startswith("DRILL") for a in drills)
    assert max(a["level"] for a in drills) == 2  # the real rules raised it
    assert real_figures(api, small_city) == before  # not one real figure moved
    on_screens(api, small_city, {a["id"] for a in drills})
    doc = api.get(f"/api/incidents/{drill['id']}", headers=basic("vera")).json
    mine = [e["action"] for e in doc["timeline"] if e["source"] == "incident"]
    assert mine == ["opened", "injected"]
    # the drill's alarms are on its timeline, and the response starts at the first of them
    assert any(e["source"] == "alarm" and e["action"] == "open" for e in doc["timeline"])
    first = min(a["opened_at"] for a in doc["alarms"])
    assert doc["response"]["start"] == first
    closed = api.post(
        f"/api/incidents/{drill['id']}/close", json={"summary": "演练结束"}, headers=basic("otto")
    )
    assert closed.status_code == 200
    left = api.get("/api/alarms?drill=1&state=open", headers=basic("vera")).json
    assert left == []  # closing the drill closed its alarms, and keeps them for review
    on_screens(api, small_city, set())  # and the screens no longer show them
    assert api.get("/api/alarms?drill=1&state=closed", headers=basic("vera")).json
    again = api.post(url, json=readings, headers=basic("otto"))
    assert again.status_code == 409 and again.json["code"] == "wrong_state"
    assert real_figures(api, small_city) == before


def test_resources_are_sent_as_tasks_and_the_response_is_timed(api, small_city):
    from datetime import UTC, datetime

    with session_scope(small_city) as s:
        team = s.scalar(select(Resource.code).where(Resource.type == "rescue_team"))
    doc = api.post(
        "/api/incidents", json={"kind": "fire", "lon": 120.6, "lat": 27.8}, headers=basic("otto")
    ).json
    base = f"/api/incidents/{doc['id']}"
    assert (
        api.post(base + "/tasks", json={"resource": team}, headers=basic("vera")).status_code == 403
    )
    bad = api.post(base + "/tasks", json={"resource": "NOPE"}, headers=basic("otto"))
    assert bad.status_code == 400 and bad.json["field"] == "resource"
    sent = api.post(base + "/tasks", json={"resource": team}, headers=basic("otto")).json
    [task] = sent["tasks"]
    assert task["state"] == "sent" and task["resource"] and task["by"] == "otto"
    step = f"{base}/tasks/{task['id']}"
    skip = api.post(step, json={"state": "done"}, headers=basic("otto"))
    assert skip.status_code == 409  # sent → arrived → done, one step at a time
    arrived = api.post(step, json={"state": "arrived"}, headers=basic("otto")).json
    assert arrived["tasks"][0]["state"] == "arrived" and arrived["tasks"][0]["arrived_at"]
    assert (
        api.post(f"{base}/tasks/999", json={"state": "done"}, headers=basic("otto")).status_code
        == 404
    )
    noted = api.post(base + "/notes", json={"note": "现场风向东北"}, headers=basic("otto")).json
    api.post(step, json={"state": "done"}, headers=basic("otto"))
    done = api.post(base + "/close", json={"summary": "处置完毕"}, headers=basic("otto")).json
    actions = [e["action"] for e in done["timeline"]]
    assert actions == ["opened", "task_sent", "task_arrived", "note", "task_done", "closed"]
    assert all(e["actor"] == "otto" for e in done["timeline"])
    assert noted["timeline"][-1]["note"] == "现场风向东北"
    steps = done["response"]["steps"]
    assert done["response"]["start"] == doc["opened_at"]  # no alarm: from the opening
    seconds = [steps[k]["after_s"] for k in ("opened", "dispatched", "arrived", "closed")]
    assert seconds == sorted(seconds) and seconds[0] == 0
    assert steps["first_alarm"]["at"] is None
    assert datetime.fromisoformat(steps["closed"]["at"]) <= datetime.now(UTC)
    late = api.post(base + "/notes", json={"note": "x"}, headers=basic("otto"))
    assert late.status_code == 409  # a closed incident's record is kept as it was


def test_a_scenario_plays_into_a_drill_in_its_own_time(api, small_city, monkeypatch):
    from click.testing import CliRunner

    from dashboard.cli import main
    from data_loaders.actions.incidents import play_scenario
    from data_loaders.telemetry.scenario import DEMO_SCENARIO, Step, parse_scenario

    body = {
        "kind": "toxic_release",
        "enterprise": ammonia_site(small_city)[0],
        "drill": True,
        "release": {"rate_kg_s": 1, **WIND},
    }
    drill = api.post("/api/incidents", json=body, headers=basic("otto")).json["id"]
    tag, level_2 = ammonia_sensor(small_city)
    steps = [Step(0, tag, 10), Step(30, tag, level_2 * 2), Step(30, tag + "-no", 1)]
    with pytest.raises(Exception, match="no sensor"):  # all or nothing, step by step
        play_scenario(small_city, "otto", "operator", drill, steps, speed=10, sleep=lambda s: None)
    waits: list[float] = []
    n = play_scenario(
        small_city, "otto", "operator", drill, steps[:2], speed=10, sleep=waits.append
    )
    assert n == 2 and len(waits) == 1 and 2.5 < waits[0] <= 3.0  # 30 s at ten times the speed
    with pytest.raises(NotAllowed):
        play_scenario(small_city, "vera", "viewer", drill, steps[:1], sleep=lambda s: None)
    # the demo's own scenario, from the command line (an operator by name; fast)
    runner = CliRunner()
    monkeypatch.setenv("ONEMAP_DATABASE_URL", small_city.url.render_as_string(hide_password=False))
    assert len(parse_scenario(DEMO_SCENARIO)) > 10
    slept: list[float] = []
    monkeypatch.setattr("data_loaders.actions.incidents.time.sleep", slept.append)
    done = runner.invoke(main, ["drill", "play", str(drill), "--as", "otto", "--speed", "100"])
    assert done.exit_code == 0, done.output
    assert "readings injected" in done.output and slept
    refused = runner.invoke(main, ["drill", "play", str(drill), "--as", "vera"])
    assert refused.exit_code == 2 and "operator" in refused.output
    drills = api.get("/api/alarms?drill=1&state=open", headers=basic("vera")).json
    assert any(a["level"] == 2 for a in drills)
