"""The wall screen's server side: its tour from a playlist (bounded, incidents first), the
alarms that take it over (most serious first, a running drill's marked), its poll
(/wall/state.json), what it accepts from the browser, and its figures: those of /api/stats,
a drill's alarms shown marked and never counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select, update

from callbacks.wall import focus_of, step_index, wall_query
from dashboard.app import create_app
from dashboard.settings import Settings
from data_loaders.store import session_scope, set_meta
from data_loaders.store.schema import Alarm, Drill, Grid, Sensor
from read_models.wall import MAX_STEPS, load_takeover_queue, load_tour, parse_tour

pytestmark = pytest.mark.sqlite_only(
    "the wall's tour, queue and views: plain selects (PostgreSQL runs the store's own tests)"
)


@pytest.fixture
def client(small_city):
    settings = Settings(anonymous_role="viewer", warm_cache=False, version_seconds=0)
    app = create_app(settings, engine=small_city)
    return app, app.server.test_client()


def texts(node: Any) -> list[str]:
    """Every string in a Dash component tree, in order."""
    if node is None:
        return []
    if isinstance(node, str | int | float):
        return [str(node)]
    if isinstance(node, list | tuple):
        return [t for child in node for t in texts(child)]
    return texts(getattr(node, "children", None))


def test_a_playlist_is_bounded_and_unknown_words_are_dropped():
    assert parse_tour("county,ranking") == ["county", "ranking"]
    assert parse_tour("nonsense") == parse_tour("") == parse_tour(None)
    assert parse_tour("grid:330381012,<script>,grid:abc") == ["grid:330381012"]
    assert len(parse_tour(",".join(["county"] * 500))) == MAX_STEPS
    assert wall_query("?screen=alarms&lang=en&tour=x")["screen"] == "alarms"
    assert wall_query("?screen=../../etc&lang=fr")["screen"] == "all"
    assert wall_query("?lang=fr")["lang"] == ""
    assert wall_query("?tour=" + "a" * 5000)["tour"] == ""


def test_a_url_with_too_many_fields_is_the_default_wall_not_an_error(client):
    _app, http = client
    crowded = "&".join(f"x{i}=1" for i in range(50))
    assert wall_query("?" + crowded)["screen"] == "all"
    assert http.get("/wall/state.json?" + crowded).status_code == 200


def test_only_an_alarm_of_the_takeover_queue_holds_the_screen(small_city, client):
    from callbacks.wall import show_parts

    app, _http = client
    with session_scope(small_city) as s:
        s.execute(update(Alarm).values(state="closed", escalated=False))
        closed = s.scalar(select(Alarm.id).limit(1))
    deps = app.wall.deps
    _spec, _label, _panel, card, cls = show_parts(deps, "", 0, {"id": closed, "more": 0})
    assert card == [] and cls == "wall-card"  # a closed alarm: the tour, not its card
    with session_scope(small_city) as s:
        s.execute(update(Alarm).where(Alarm.id == closed).values(state="open", level=2))
    _spec, _label, _panel, card, cls = show_parts(deps, "", 0, {"id": closed, "more": 0})
    assert card and cls == "wall-card on"


def test_what_the_browser_asks_for_is_bounded():
    assert focus_of({"id": 7, "more": 2}) == (7, 2)
    for bad in (None, "7", {"id": "7"}, {"id": True}, {"id": -1}, {"id": 2**40}, [7]):
        assert focus_of(bad) == (None, 0)
    assert focus_of({"id": 7, "more": 10**9}) == (7, 0)
    assert step_index(23, 20) == 3
    assert step_index("3", 20) == step_index(None, 20) == step_index(True, 20) == 0


def test_the_tour_walks_the_towns_and_puts_incidents_first(small_city):
    engine = small_city
    with session_scope(engine) as s:
        towns = s.scalars(select(Grid.name).where(Grid.level == 2).order_by(Grid.code)).all()
        steps = load_tour(s, "county,towns,ranking,grid:330381012,grid:999")
    kinds = [st.kind for st in steps]
    assert kinds == ["county", *["town"] * len(towns), "ranking", "town"]
    assert [st.name for st in steps[1 : 1 + len(towns)]] == list(towns)
    assert steps[-1].grid == "330381012"  # grid:999 is no grid: no step
    from data_loaders.actions.incidents import open_incident

    body = {"kind": "fire", "lon": 120.6, "lat": 27.8, "drill": True, "title": "消防演练"}
    incident = open_incident(engine, "duty", "operator", body)
    with session_scope(engine) as s:
        steps = load_tour(s, "ranking")
    assert [(st.kind, st.incident, st.name) for st in steps] == [
        ("incident", incident, "消防演练"),
        ("ranking", None, steps[1].name),
    ]


def test_alarms_take_over_most_serious_first_and_a_drill_only_while_it_runs(small_city):
    now = datetime.now(UTC)
    with session_scope(small_city) as s:
        s.execute(update(Alarm).values(state="closed", escalated=False))
        ids = list(s.scalars(select(Alarm.id).order_by(Alarm.id)))[:5]
        drill = Drill(name="演练", started_at=now)
        s.add(drill)
        s.flush()
        rows = {
            ids[0]: {"level": 1, "escalated": False, "state": "open"},  # not serious enough
            ids[1]: {"level": 2, "escalated": False, "state": "open", "opened_at": now},
            ids[2]: {"level": 1, "escalated": True, "state": "open"},  # escalated: first
            ids[3]: {"level": 2, "escalated": False, "state": "acknowledged"},  # someone has it
            ids[4]: {
                "level": 2,
                "escalated": False,
                "state": "open",
                "opened_at": now - timedelta(minutes=5),
                "is_drill": True,
                "drill_id": drill.id,
            },
        }
        for alarm_id, values in rows.items():
            s.execute(update(Alarm).where(Alarm.id == alarm_id).values(**values))
    with session_scope(small_city) as s:
        queue = load_takeover_queue(s)
    assert [a["id"] for a in queue] == [ids[2], ids[4], ids[1]]  # the older level 2 first
    assert [a["is_drill"] for a in queue] == [False, True, False]
    with session_scope(small_city) as s:
        s.execute(update(Drill).values(ended_at=now))
    with session_scope(small_city) as s:
        assert [a["id"] for a in load_takeover_queue(s)] == [ids[2], ids[1]]


def test_the_poll_says_what_the_screen_needs(client, small_city):
    _app, http = client
    doc = orjson.loads(http.get("/wall/state.json").data)
    assert set(doc) >= {"build", "version", "now_ms", "ingest", "queue", "steps", "drill"}
    assert doc["ingest"]["stale"] is True  # no ingest has ever beaten
    with session_scope(small_city) as s:
        set_meta(s, "ingest_heartbeat", datetime.now(UTC).isoformat(timespec="seconds"))
    answer = http.get("/wall/state.json?tour=county,ranking")
    assert answer.headers["Cache-Control"] == "no-store"
    doc = orjson.loads(answer.data)
    assert doc["ingest"]["stale"] is False and doc["steps"] == 2
    assert http.get("/wall/nothing-here").status_code == 404
    assert http.get("/wall/").status_code == 200


def test_nobody_signed_in_sees_no_wall(small_city):
    app = create_app(Settings(warm_cache=False), engine=small_city)
    http = app.server.test_client()
    assert http.get("/wall/state.json").status_code == 401
    assert http.get("/wall/", headers={"Accept": "text/html"}).status_code == 302


def strip_figures(page: Any) -> list[str]:
    """The wall's KPI strip as text."""
    found: list = []

    def walk(node: Any) -> None:
        if getattr(node, "id", None) == "wall-kpi":
            found.append(texts(node))
            return
        for child in node if isinstance(node, list) else [getattr(node, "children", None)]:
            if child is not None and not isinstance(child, str | int | float):
                walk(child)

    walk(page)
    return found[0]


def test_the_wall_shows_the_figures_of_the_api_and_a_drill_counts_nowhere(client, small_city):
    app, http = client
    stats = orjson.loads(http.get("/api/stats").data)
    strip = strip_figures(app.wall.page(""))
    e, h, a = stats["enterprises"], stats["hidden_dangers"], stats["alarms"]
    assert f"{e['total']:,}" in strip and f"{h['found'] - h['rectified']:,}" in strip
    assert str(a["open"]) in strip and f"整改率 {h['rate']:.2%}" in strip
    # a drill with a level-2 alarm of its own: on the wall marked 演练 and taking it over,
    # counted nowhere
    from data_loaders.actions.incidents import inject, open_incident

    with session_scope(small_city) as s:
        tag, level_2 = s.execute(
            select(Sensor.tag, Sensor.level_2).where(
                Sensor.kind == "ammonia", Sensor.level_2.is_not(None)
            )
        ).first()
    body = {"kind": "fire", "lon": 120.6, "lat": 27.8, "drill": True}
    incident = open_incident(small_city, "duty", "operator", body)
    now = datetime.now(UTC)
    readings = [
        {
            "sensor": tag,
            "ts": (now - timedelta(seconds=50 - 10 * i)).isoformat(),
            "value": level_2 * 2,
        }
        for i in range(6)
    ]
    inject(small_city, "duty", "operator", incident, orjson.dumps(readings))
    page = app.wall.page("")
    assert strip_figures(page) == strip  # not one figure moved
    assert orjson.loads(http.get("/api/stats").data) == stats
    queue = orjson.loads(http.get("/wall/state.json").data)["queue"]
    drill_alarms = [q for q in queue if q["is_drill"]]
    assert len(drill_alarms) == 1 and drill_alarms[0]["level"] == 2  # it takes the wall over
    shown = texts(page)
    assert "演练" in shown  # the newest alarms mark it, the banner and the watermark say it
