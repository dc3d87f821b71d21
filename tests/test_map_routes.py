"""The layer routes: filters on the server, grid drill-down, caching, escaping."""

from __future__ import annotations

from urllib.parse import quote

import brotli
import orjson
import pytest
from sqlalchemy import func, select, update

from dashboard.app import create_app
from dashboard.settings import Settings
from data_loaders.store import bump_data_version, session_scope
from data_loaders.store.schema import Enterprise, Grid, Resource, Target
from data_loaders.vocab import RESOURCE_TYPES, TARGET_TYPES
from read_models.resources import RESOURCE_FIGURES


@pytest.fixture
def client(small_city):
    return create_app(Settings(anonymous_role="viewer"), engine=small_city).server.test_client()


def geo(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, url
    return orjson.loads(response.data)


def test_grids_by_level_and_parent(client, small_city):
    towns = geo(client, "/api/layers/grids.geojson?level=2")["features"]
    assert len(towns) == 15 and {"code", "name", "level", "open_dangers", "rate"} <= set(
        towns[0]["properties"]
    )
    with session_scope(small_city) as s:
        town = s.scalar(select(Grid).where(Grid.code == "330381012"))
        n_children = s.scalar(
            select(func.count()).select_from(Grid).where(Grid.parent_id == town.id)
        )
    children = geo(client, "/api/layers/grids.geojson?parent=330381012")["features"]
    assert len(children) == n_children and all(f["properties"]["level"] == 3 for f in children)
    # coordinates rounded to ~1 m
    ring = children[0]["geometry"]["coordinates"][0]
    assert all(len(str(c).split(".")[-1]) <= 5 for xy in ring for c in xy)
    assert client.get("/api/layers/grids.geojson?parent=nope").status_code == 404


def test_enterprise_filters_happen_on_the_server(client, small_city):
    with session_scope(small_city) as s:
        reds = s.scalar(
            select(func.count()).select_from(Enterprise).where(Enterprise.safety_class == "red")
        )
        total = s.scalar(select(func.count()).select_from(Enterprise))
    every = geo(client, "/api/layers/enterprises.geojson")["features"]
    assert len(every) == total
    assert {"credit_code", "name", "safety_class"} <= set(every[0]["properties"])
    red = geo(client, "/api/layers/enterprises.geojson?class=red")["features"]
    assert len(red) == reds and {f["properties"]["safety_class"] for f in red} == {"red"}
    town = geo(client, "/api/layers/enterprises.geojson?grid=330381012&class=red,yellow")[
        "features"
    ]
    assert 0 < len(town) < len(every)
    dust = geo(client, "/api/layers/enterprises.geojson?tag=dust")["features"]
    assert 0 < len(dust) < len(every)


def test_compression_etag_and_version(client, small_city):
    first = client.get("/api/layers/enterprises.geojson", headers={"Accept-Encoding": "br, gzip"})
    assert first.headers["Content-Encoding"] == "br"
    assert orjson.loads(brotli.decompress(first.data))["type"] == "FeatureCollection"
    again = client.get(
        "/api/layers/enterprises.geojson",
        headers={"Accept-Encoding": "br, gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    versioned = client.get("/api/layers/major-hazards.geojson?v=1")
    assert (
        "max-age" in versioned.headers["Cache-Control"]
        or versioned.headers["Cache-Control"] == "no-cache"
    )
    # New data, new version: the same URL answers new content.
    with session_scope(small_city) as s:
        s.execute(update(Enterprise).values(safety_class="red"))
        bump_data_version(s)
    import time

    time.sleep(1.1)  # MapData reads the version at most once a second
    red = geo(client, "/api/layers/enterprises.geojson?class=red")["features"]
    assert len(red) == len(geo(client, "/api/layers/enterprises.geojson")["features"])


def test_names_from_data_stay_data(client, small_city):
    evil = "<img src=x onerror=alert(1)>"
    with session_scope(small_city) as s:
        e = s.scalar(select(Enterprise).order_by(Enterprise.id))
        e.name = evil
        bump_data_version(s)
    import time

    time.sleep(1.1)
    body = client.get("/api/layers/enterprises.geojson").data
    assert (
        orjson.loads(body)["features"][0]["properties"]["name"] == evil
    )  # JSON, shown via textContent
    assert (
        client.get("/api/layers/enterprises.geojson")
        .headers["Content-Type"]
        .startswith("application/geo+json")
    )


def test_a_payload_is_built_once_when_asked_for_at_once(small_city):
    import threading

    from caches.map_payloads import MapData

    md = MapData(small_city)
    built = []
    gate = threading.Event()

    def make() -> bytes:
        built.append(1)
        gate.wait(2)
        return b"{}"

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(md._cached(("k",), make))) for _ in range(4)
    ]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(5)
    assert len(built) == 1 and len(results) == 4 and len({id(r) for r in results}) == 1


def test_a_new_alarm_reaches_the_alarm_layer_and_stats_but_not_the_ledger_cache(client, small_city):
    import time
    from datetime import UTC, datetime

    from data_loaders.store.schema import Sensor
    from data_loaders.telemetry.store import SensorDirectory, ingest_body

    # the demo city has alarms of its own: count what one more changes
    before = geo(client, "/api/layers/alarms.geojson")["features"]
    towns = "/api/layers/grids.geojson?level=2"
    town_alarms = [f["properties"]["open_alarms"] for f in geo(client, towns)["features"]]
    open_before = orjson.loads(client.get("/api/stats").data)["alarms"]["open"]
    enterprises_etag = client.get("/api/layers/enterprises.geojson").headers["ETag"]
    with session_scope(small_city) as s:
        first = s.scalars(select(Sensor).where(Sensor.kind == "ammonia").limit(1)).one()
        s.add(
            Sensor(
                tag="T-NEW-AMMO",
                kind="ammonia",
                unit="ppm",
                level_1=first.level_1,
                level_2=first.level_2,
                enterprise_id=first.enterprise_id,
            )
        )
    now = datetime.now(UTC)
    body = orjson.dumps({"sensor": "T-NEW-AMMO", "ts": now.isoformat(), "value": 999})
    with session_scope(small_city) as s:
        ingest_body(s, body, SensorDirectory(), "http", now)
    time.sleep(1.1)  # the version is read at most once a second
    after = geo(client, "/api/layers/alarms.geojson")["features"]
    assert len(after) == len(before) + 1
    assert [a["properties"]["sensor"] for a in after].count("T-NEW-AMMO") == 1
    assert orjson.loads(client.get("/api/stats").data)["alarms"]["open"] == open_before + 1
    # the towns' open-alarm metric follows (the ledger's metrics are kept, only alarms recounted)
    now_alarms = [f["properties"]["open_alarms"] for f in geo(client, towns)["features"]]
    assert sorted(n - b for n, b in zip(now_alarms, town_alarms, strict=True)) == [0] * (
        len(town_alarms) - 1
    ) + [1]
    assert client.get("/api/layers/enterprises.geojson").headers["ETag"] == enterprises_etag


def counted(doc: dict) -> tuple[int, list[int]]:
    """Enterprises in a clusters document, and by class (green, blue, yellow, red)."""
    by_class = [sum(c[3 + i] for c in doc["clusters"]) for i in range(4)]
    for p in doc["points"]:
        by_class[("green", "blue", "yellow", "red").index(p[2])] += 1
    return sum(c[2] for c in doc["clusters"]) + len(doc["points"]), by_class


def test_clusters_made_on_the_server_count_every_enterprise(client, small_city):
    with session_scope(small_city) as s:
        rows = s.execute(
            select(Enterprise.safety_class, func.count()).group_by(Enterprise.safety_class)
        )
        classes = dict(rows.all())
    expected = [classes.get(k, 0) for k in ("green", "blue", "yellow", "red")]
    for zoom in (8, 11, 13, 15, 16):
        doc = geo(client, f"/api/layers/enterprise-clusters.json?z={zoom}")
        assert counted(doc) == (sum(expected), expected), zoom
        # a cluster's counts add up; from zoom 16 every enterprise is its own dot
        assert all(c[2] == sum(c[3:7]) and c[2] >= 3 for c in doc["clusters"])
        assert (zoom == 16) == (not doc["clusters"])
    reds = geo(client, "/api/layers/enterprise-clusters.json?z=11&class=red")
    assert counted(reds) == (expected[3], [0, 0, 0, expected[3]])
    point = geo(client, "/api/layers/enterprise-clusters.json?z=16")["points"][0]
    assert len(point[3]) == 18 and point[2] in ("green", "blue", "yellow", "red")
    for bad in ("z=x", "z=30", "z=11&cells=1,2", "z=11&cells=9,9,1,1", "z=20&cells=0,0,9999,9999"):
        assert client.get(f"/api/layers/enterprise-clusters.json?{bad}").status_code == 400, bad


def test_a_range_of_squares_holds_whole_squares():
    from read_models.geojson.enterprises import CELL, TILE, clusters, parse_cells, point_set

    # a red enterprise among many green ones, all in one square at zoom 10
    rows = [(f"C{i}", f"E{i}", "green", 120.6 + i * 1e-4, 27.8) for i in range(30)]
    rows.append(("R", "red one", "red", 120.6015, 27.8))
    points = point_set(rows)
    [cluster] = clusters(points, 10)["clusters"]
    assert cluster[2:7] == [31, 30, 0, 0, 1]  # the worst class is in it: the map paints it red
    west, south, east, north = cluster[7:]
    assert (west, east) == (120.6, 120.6029) and south == north == 27.8
    # asking for the square alone, or a range around it, gives the same whole cluster
    x = int((120.6 + 180) / 360 * TILE * 2**10 / CELL)
    doc = clusters(points, 10, parse_cells(f"{x},0,{x},9999", 10))
    assert doc["clusters"] == [cluster] and doc["points"] == []
    assert clusters(points, 10, (x + 1, 0, x + 5, 9999)) == {
        "zoom": 10,
        "cell": CELL,
        "clusters": [],
        "points": [],
    }
    # close up, every enterprise is a dot with its code and name
    assert len(clusters(points, 16)["points"]) == 31
    assert ["red", "R", "red one"] in [p[2:] for p in clusters(points, 16)["points"]]


def test_the_kpi_strip_reads_the_map_caches_stats(small_city):
    import time
    from dataclasses import replace

    from caches.map_payloads import MapData
    from callbacks.deps import Deps
    from callbacks.panel import kpi_document
    from dashboard.i18n import t
    from read_models.stats import load_stats
    from tests.conftest import TODAY

    deps = Deps(
        engine=small_city,
        lang="zh",
        label=t,
        title=str,
        map_data=MapData(small_city, lambda: TODAY),
    )
    with session_scope(small_city) as s:
        for grid in (None, "330381012"):
            stored = load_stats(s, grid, TODAY)
            assert kpi_document(deps, grid, TODAY) == stored
            assert kpi_document(replace(deps, map_data=None), grid, TODAY) == stored
    # a change in the store reaches the cached document with the next version
    before = kpi_document(deps, None, TODAY)["enterprises"]
    with session_scope(small_city) as s:
        green = s.scalar(select(Enterprise).where(Enterprise.safety_class == "green").limit(1))
        green.safety_class = "red"
        bump_data_version(s)
    time.sleep(1.1)  # the version is read at most once a second
    after = kpi_document(deps, None, TODAY)["enterprises"]
    assert (after["red"], after["green"]) == (before["red"] + 1, before["green"] - 1)


def test_alarms_at_one_place_share_a_symbol_that_counts_them():
    from read_models.geojson import alarms

    def row(i: int, level: int, lon: float, escalated: bool = False, drill: bool = False) -> dict:
        keys = ("state", "sensor", "kind", "unit", "peak", "count", "opened_at", "enterprise")
        more = ("credit_code", "rule", "scene", "last_value", "recovered")
        return {
            **dict.fromkeys(keys + more),
            "id": i,
            "level": level,
            "escalated": escalated,
            "is_drill": drill,
            "lon": lon,
            "lat": 27.8,
        }

    # newest first, as the store gives them: three at one enterprise, one elsewhere, and a
    # drill's alarm at the first enterprise (a place of its own: it counts apart)
    doc = alarms.features(
        [
            row(5, 2, 120.6, drill=True),
            row(1, 1, 120.6),
            row(2, 2, 120.6),
            row(3, 2, 120.6, escalated=True),
            row(4, 1, 120.7),
        ]
    )
    props = {f["properties"]["id"]: f["properties"] for f in doc["features"]}
    assert [props[i]["here"] for i in (1, 2, 3, 4, 5)] == [3, 3, 3, 1, 1]
    assert props[1]["here_level_2"] == 2 and props[4]["here_level_2"] == 0
    # the place shows its most serious alarm (level 2, escalated); the other place its own
    assert {i for i, p in props.items() if p["shown"]} == {3, 4, 5}
    assert [f["properties"]["level"] for f in doc["features"]] == [1, 1, 2, 2, 2]
    assert [i for i, p in props.items() if p["drill"]] == [5]


def test_search_text_is_text_and_numbers_are_bounded(client, small_city):
    """q=% matched every enterprise (LIKE wildcards); a long q or a level of 99 is refused."""
    with session_scope(small_city) as s:
        total = s.scalar(select(func.count()).select_from(Enterprise))
        s.execute(update(Enterprise).where(Enterprise.id == 1).values(name="百分之百_100%厂"))
        bump_data_version(s)
    for q, want in (("%", 1), ("_", 1), ("100%", 1), ("%%", 0), ("之_", 0), ("百%", 0)):
        features = geo(client, f"/api/layers/enterprises.geojson?q={quote(q)}")["features"]
        assert len(features) == want, (q, len(features), total)
    from read_models.search import search_enterprises

    with session_scope(small_city) as s:
        assert [h["name"] for h in search_enterprises(s, "%")] == ["百分之百_100%厂"]
        assert search_enterprises(s, "x" * 10_000) == []
    assert client.get("/api/layers/enterprises.geojson?q=" + "x" * 101).status_code == 400
    assert geo(client, "/api/layers/enterprises.geojson?tag=%25")["features"] == []
    assert client.get("/api/layers/grids.geojson?level=99").status_code == 400
    assert client.get("/api/layers/grids.geojson?level=1e9").status_code == 400


def test_the_payload_cache_is_bounded_by_bytes(small_city):
    """Each new search text cached a multi-megabyte payload; 256 were ~1 GB per process."""
    from caches.map_payloads import MapData

    data = MapData(small_city, max_bytes=200_000)
    one = data.enterprises_geojson({}).size
    assert one > 50_000
    for k in range(12):
        data.enterprises_geojson({"class": ["green", "blue", "yellow", "red"][k % 4], "q": str(k)})
        data.enterprises_geojson({"industry": str(k)})
    assert data.cached_bytes() <= 200_000 + one
    assert data.state()["bytes"] == data.cached_bytes()


def test_the_maps_clusters_as_geojson_end_with_their_marker(client, small_city):
    doc = geo(client, "/api/layers/enterprise-clusters.json?z=11")
    gj = geo(client, "/api/layers/enterprise-clusters.geojson?z=11")
    props = [f["properties"] for f in gj["features"]]
    assert [p["count"] for p in props if p.get("cluster")] == [c[2] for c in doc["clusters"]]
    assert [p["mix"] for p in props if p.get("cluster")] == [c[3:7] for c in doc["clusters"]]
    assert len([p for p in props if not p.get("cluster")]) == len(doc["points"])
    assert {"onemap": "end"} not in props  # other tools get the plain collection
    # the map's own URLs (end=1): the collection ends with one feature of empty geometry,
    # also when it holds nothing else, and is cached and validated like the rest
    ended = client.get("/api/layers/enterprise-clusters.geojson?z=11&end=1")
    features = orjson.loads(ended.data)["features"]
    assert features[-1]["properties"] == {"onemap": "end"} and len(features) == len(props) + 1
    assert features[-1]["geometry"] == {"type": "GeometryCollection", "geometries": []}
    again = client.get(
        "/api/layers/enterprise-clusters.geojson?z=11&end=1",
        headers={"If-None-Match": ended.headers["ETag"]},
    )
    assert again.status_code == 304
    nothing = geo(client, "/api/layers/enterprise-clusters.geojson?z=11&cells=0,0,0,0&end=1")
    assert [f["properties"] for f in nothing["features"]] == [{"onemap": "end"}]
    alarms = geo(client, "/api/layers/alarms.geojson?end=1")
    assert alarms["features"][-1]["properties"] == {"onemap": "end"}


def test_resources_and_targets_layers_hold_every_one_with_what_the_map_shows(client, small_city):
    with session_scope(small_city) as s:
        n_resources = s.scalar(select(func.count()).select_from(Resource))
        n_targets = s.scalar(select(func.count()).select_from(Target))
        a_shelter = s.scalar(select(Resource).where(Resource.type == "shelter").limit(1))
        shelter = (a_shelter.code, a_shelter.capacity)
    resources = geo(client, "/api/layers/resources.geojson")["features"]
    targets = geo(client, "/api/layers/targets.geojson")["features"]
    assert n_resources > 0 and len(resources) == n_resources
    assert n_targets > 0 and len(targets) == n_targets
    by_code = {f["properties"]["code"]: f["properties"] for f in resources}
    assert by_code[shelter[0]]["capacity"] == shelter[1]
    assert {p["type"] for p in by_code.values()} <= set(RESOURCE_TYPES)
    for props in by_code.values():
        # only the figures of its type, never the address or a team's equipment list
        assert set(props) <= {"code", "name", "type", "contact", "phone"} | set(
            RESOURCE_FIGURES[props["type"]]
        )
    teams = [p for p in by_code.values() if p["type"] == "rescue_team"]
    assert teams and all(isinstance(p["members"], int) for p in teams)
    stores = [p for p in by_code.values() if p["type"] == "material_store"]
    assert stores and all(":" in p["items"] for p in stores)
    assert all(
        set(f["properties"]) == {"code", "name", "type", "people", "contact", "phone"}
        for f in targets
    )
    assert {f["properties"]["type"] for f in targets} <= set(TARGET_TYPES)
    xy = targets[0]["geometry"]["coordinates"]
    assert all(len(str(c).split(".")[-1]) <= 6 for c in xy)
    for url in ("/api/layers/resources.geojson?end=1", "/api/layers/targets.geojson?end=1"):
        ended = client.get(url)
        assert orjson.loads(ended.data)["features"][-1]["properties"] == {"onemap": "end"}
        again = client.get(url, headers={"If-None-Match": ended.headers["ETag"]})
        assert again.status_code == 304


def test_the_warm_up_prepares_every_town_and_community_kpi_and_layers_do_not_push_them_out(
    small_city,
):
    """Under load the towns' and communities' KPI documents were built again and again: they
    shared the 256 layer payloads with every grid's layer variants."""
    from sqlalchemy import event

    from caches.map_payloads import MapData
    from read_models.stats import load_stats
    from tests.conftest import TODAY

    data = MapData(small_city, lambda: TODAY, max_entries=8, warm=True)
    data.warm()
    with session_scope(small_city) as s:
        codes = s.scalars(select(Grid.code).where(Grid.level.in_((2, 3)))).all()
        wanted = {code: load_stats(s, code, TODAY) for code in codes[:40]}
    for code in codes:  # a grid's layer variants, far beyond the layers' 8 payloads
        data.enterprises_geojson({"grid": code, "class": "red"})
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(small_city, "before_cursor_execute", seen)
    try:
        got = {code: data.stats(code) for code in wanted}
    finally:
        event.remove(small_city, "before_cursor_execute", seen)
    assert got == wanted
    # at most the versions' own reads: no grid's figures were built again
    assert not [q for q in statements if "hidden_dangers" in q or "alarms" in q.lower()[:200]]
