"""The web app without a browser: API routes, caching headers, callbacks as plain functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from callbacks.deps import Deps
from dashboard.app import create_app, page_title
from dashboard.i18n import CATALOG, t
from dashboard.settings import Settings
from data_loaders.scheduler import poll_heartbeat
from data_loaders.store import session_scope
from data_loaders.times import china_today
from read_models.stats import load_stats
from views import ids as ids_module
from views.alarm_panel import DUE_DATE
from views.chrome import chrome_texts
from views.kpi import create_cards
from views.url_state import parse_query

pytestmark = pytest.mark.sqlite_only("the page, its ids and routes do not depend on the store")


@pytest.fixture
def client(small_city):
    app = create_app(Settings(anonymous_role="viewer"), engine=small_city)
    return app.server.test_client()


def test_stats_route_matches_the_read_model_with_etag_and_gzip(client, small_city):
    response = client.get("/api/stats", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    plain = client.get("/api/stats")
    with session_scope(small_city) as s:
        expected = load_stats(s)
    assert orjson.loads(plain.data) == orjson.loads(orjson.dumps(expected))
    again = client.get("/api/stats", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    town = orjson.loads(client.get("/api/stats?grid=330381012").data)
    assert town["grid"]["name"] == "塘下镇" and town["grids"]["2"] == 1
    assert client.get("/api/stats?grid=nope").status_code == 404


def test_health_reports_the_ingest_heartbeat(client, small_city):
    first = client.get("/health")
    assert first.status_code == 200 and first.json["ingest"]["heartbeat"] is None
    assert first.json["status"] == "degraded"
    assert [r["code"] for r in first.json["reasons"]] == ["ingest_never_seen"]
    assert client.get("/health?require=ingest").status_code == 503
    stamp = poll_heartbeat(small_city)
    body = client.get("/health").json
    assert body["status"] == "ok" and body["ingest"]["heartbeat"] == stamp
    assert body["reasons"] == [] and client.get("/health?require=ingest").status_code == 200
    # three beats (10 s each) missed: still served (200), degraded with the reason
    poll_heartbeat(small_city, now=lambda: datetime.now(UTC) - timedelta(seconds=31))
    stale = client.get("/health")
    assert stale.status_code == 200 and stale.json["status"] == "degraded"
    assert [r["code"] for r in stale.json["reasons"]] == ["ingest_heartbeat_stale"]
    assert client.get("/health?require=ingest").status_code == 503
    assert client.get("/health?require=x").status_code == 400
    # (well inside three beats: the age is taken at the request, a loaded machine later)
    poll_heartbeat(small_city, now=lambda: datetime.now(UTC) - timedelta(seconds=20))
    assert client.get("/health?require=ingest").status_code == 200
    assert body["ingest"]["heartbeat_age_s"] >= 0
    assert set(body["panel_cache"]) == {"documents", "warming"}
    cache = body["map_cache"]
    assert cache["version"] == body["data_version"] and isinstance(cache["warming"], bool)


def drawn_page(client, query: str = "") -> dict:
    """The page the browser draws for a URL query: what the page's render_page callback
    answers when the shell's location starts (the request Dash's renderer sends)."""
    body = {
        "output": "page-root.children",
        "outputs": {"id": "page-root", "property": "children"},
        "inputs": [{"id": "page-location", "property": "pathname", "value": "/"}],
        "state": [{"id": "page-location", "property": "search", "value": query}],
        "changedPropIds": ["page-location.pathname"],
    }
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.json["response"]["page-root"]["children"]


def find(node, wanted_id):  # type: ignore[no-untyped-def]
    """The component with an id in a layout's JSON (None when absent)."""
    if isinstance(node, dict):
        if node.get("props", {}).get("id") == wanted_id:
            return node
        children = node.get("props", {}).get("children")
        return find(children, wanted_id) if children is not None else None
    if isinstance(node, list):
        for child in node:
            hit = find(child, wanted_id)
            if hit is not None:
                return hit
    return None


def test_the_page_is_drawn_for_its_url_by_dash_leaflet(client, small_city):
    # The layout Dash fetches is the same for every URL (no Referer, no query in it); the
    # page for the URL's query comes from render_page, with the map looking where it says.
    shell = orjson.dumps(client.get("/_dash-layout").json).decode()
    referred = client.get("/_dash-layout", headers={"Referer": "http://x/?lang=en"}).json
    assert orjson.dumps(referred).decode() == shell and "page-root" in shell
    page = drawn_page(client, "?grid=330381012&class=red&theme=light")
    spec = find(page, "map-spec")["props"]["data"]
    layers = spec["layers"]
    assert (
        "class=red" in layers["enterprises"]["url"]
        and "grid=330381012" in layers["enterprises"]["url"]
    )
    assert "parent=330381012" in layers["grids"]["url"] and spec["key"] == "330381012||"
    assert spec["view"]["bounds"] and spec["search"] == "?grid=330381012&class=red&theme=light"
    assert layers["enterprises"]["hideout"]["labels"]["class.red"] == "红"
    # the map is dash-leaflet's: each layer a GeoJSON by url in its pane, its symbols
    # functions of the assets' namespace
    the_map = find(page, "map")
    assert the_map["type"] == "MapContainer" and the_map["namespace"] == "dash_leaflet"
    assert the_map["props"]["bounds"] == spec["view"]["bounds"]
    grids = find(the_map, "layer-grids")
    assert grids["type"] == "GeoJSON" and grids["props"]["url"] == layers["grids"]["url"]
    assert grids["props"]["style"] == {"variable": "onemap.gridStyle"}
    assert "end=1" in grids["props"]["url"]  # the map's own URLs: answers end with END
    # the enterprises' squares depend on the map's size: the browser asks for them
    assert find(the_map, "layer-enterprises")["props"]["url"] is None
    index = client.get("/?grid=330381012&theme=light").get_data(as_text=True)
    assert '<body class="theme-light">' in index
    assert "<template" not in index and "map-boot" not in index and "referrer" not in index
    english = find(drawn_page(client, "?lang=en&layers=grids"), "map-spec")["props"]["data"]
    assert english["layers"]["enterprises"]["url"] is None
    assert english["layers"]["grids"]["hideout"]["lang"] == "en"
    assert english["layers"]["alarms"]["hideout"]["labels"]["alarm.level_2"] == "alarm"


def test_resources_and_targets_are_on_the_map_only_when_switched_on(client, small_city):
    # off by default: no url in the spec, no layer url on the map, no preload hint
    spec = find(drawn_page(client), "map-spec")["props"]["data"]
    assert spec["layers"]["resources"]["url"] is None and spec["layers"]["targets"]["url"] is None
    assert spec["layers"]["major_hazards"]["url"]  # a link without ?layers= means what it did
    index = client.get("/").get_data(as_text=True)
    assert "/api/layers/major-hazards.geojson" in index
    assert "/api/layers/resources.geojson" not in index
    assert "/api/layers/targets.geojson" not in index
    # ?layers= switches them on, in draw order: targets under hazards, resources above
    # listed dangers and under alarms
    query = "?layers=grids,resources,targets"
    page = drawn_page(client, query)
    spec = find(page, "map-spec")["props"]["data"]
    layers = spec["layers"]
    assert "/api/layers/resources.geojson?" in layers["resources"]["url"]
    assert "/api/layers/targets.geojson?" in layers["targets"]["url"]
    assert all("end=1" in layers[n]["url"] for n in ("resources", "targets"))
    assert layers["major_hazards"]["url"] is None and layers["enterprises"]["url"] is None
    order = spec["order"]
    assert order.index("targets") < order.index("major_hazards")
    assert order.index("listed_dangers") < order.index("resources") < order.index("alarms")
    assert layers["targets"]["hideout"]["min_zoom"] == 13
    assert layers["resources"]["hideout"]["labels"]["resource.glyph.rescue_team"] == "队"
    assert layers["targets"]["hideout"]["labels"]["target.type.school"] == "学校"
    assert find(page, "layer-resources")["props"]["url"] == layers["resources"]["url"]
    # the switches show the URL's layers, and the page preloads what it shows
    assert find(page, "layer-switches")["props"]["value"] == ["grids", "resources", "targets"]
    index = client.get("/" + query).get_data(as_text=True)
    assert "/api/layers/resources.geojson" in index and "/api/layers/targets.geojson" in index
    assert "/api/layers/major-hazards.geojson" not in index
    english = find(drawn_page(client, query + "&lang=en"), "map-spec")["props"]["data"]
    assert english["layers"]["resources"]["hideout"]["labels"]["resource.type.shelter"] == (
        "Shelter"
    )


def test_every_id_a_callback_names_is_in_the_page(small_city):
    # (the page is drawn by a callback, so Dash cannot check the ids against its layout)
    app = create_app(Settings(anonymous_role="viewer", warm_cache=False), engine=small_city)
    with app.server.test_request_context("/"):
        layout = orjson.dumps([app.layout(), app.page("")], default=lambda o: o.to_plotly_json())
    ids = set()

    def walk(node):  # type: ignore[no-untyped-def]
        if isinstance(node, dict):
            if "id" in node.get("props", {}):
                ident = node["props"]["id"]
                ids.add(ident if isinstance(ident, str) else ident.get("type"))
            walk(node.get("props", {}).get("children"))
            for value in node.get("props", {}).values():
                if isinstance(value, dict | list) and value is not node.get("props", {}).get(
                    "children"
                ):
                    walk(value)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(orjson.loads(layout))

    def name(ident):  # type: ignore[no-untyped-def]
        return orjson.loads(ident)["type"] if ident.startswith("{") else ident

    named = set()
    for callback in app.callback_map.values():
        named.update(name(dep["id"]) for dep in [*callback["inputs"], *callback["state"]])
    for output in app.callback_map:
        for part in output.strip(".").split("..."):
            named.add(name(part.split("@")[0].rsplit(".", 1)[0]))
    # pattern ids drawn later by other callbacks (links, table rows, alarm rows, fields)
    drawn_later = {
        ids_module.CLOSE_DOSSIER,
        ids_module.CRUMB,
        ids_module.HIT,
        ids_module.STRIP_HIT,
        ids_module.PANEL_TAB,
        ids_module.CAMPAIGN_PICK,
        ids_module.RANK_MONTH,
        ids_module.PANEL_TABLE,
        ids_module.TABLE_FILTER,
        ids_module.ALARM_ROW,
        ids_module.ALARM_FIELD,
        ids_module.ALARM_ACT,
        ids_module.ALARM_QUICK,
        ids_module.TRENDS,
        ids_module.INCIDENT_LINK,
        ids_module.INCIDENT_DISPATCH,
        ids_module.INCIDENT_STEP,
        ids_module.INCIDENT_ACT,
        ids_module.INCIDENT_START,
        ids_module.INCIDENT_FROM_ALARM,
        ids_module.INCIDENT_FIELD,
        ids_module.INCIDENT_MESSAGE,
        DUE_DATE,
    }
    missing = named - ids - drawn_later
    assert not missing, missing


def test_page_shell_and_cards(client, small_city):
    assert client.get("/").status_code == 200
    layout = orjson.dumps(drawn_page(client)).decode()
    assert "kpi-strip" in layout and "map-spec" in layout and "网格" in layout
    english = orjson.dumps(drawn_page(client, "?lang=en")).decode()
    assert "Grids" in english and "网格" not in english
    with session_scope(small_city) as s:
        doc = load_stats(s)
    cards = create_cards(doc, t, "zh")
    text = orjson.dumps(
        [c.to_plotly_json() for c in cards], default=lambda o: o.to_plotly_json()
    ).decode()
    assert f"{doc['enterprises']['total']:,}" in text and "红" in text
    english = orjson.dumps(
        [c.to_plotly_json() for c in create_cards(doc, t, "en")],
        default=lambda o: o.to_plotly_json(),
    ).decode()
    assert "Enterprises" in english and "企业" not in english


def test_language_follows_the_url(small_city):
    deps = Deps(
        engine=small_city,
        lang="zh",
        label=t,
        title=lambda lang: page_title(Settings(), small_city, lang),
    )
    assert (
        parse_query("?lang=en", "zh").lang == "en"
        and parse_query("?lang=xx", "zh").lang == "zh"
        and parse_query(None, "en").lang == "en"
    )
    zh, en = chrome_texts(deps, "?grid=330381012"), chrome_texts(deps, "?grid=330381012&lang=en")
    assert zh[0] == "瑞安市应急管理一张图" and zh[3] == "?grid=330381012&lang=en"
    assert "One-Map" in en[0] and en[2] == "中文" and en[3] == "?grid=330381012"
    assert page_title(Settings(title="某县一张图"), small_city) == "某县一张图"
    # the browser tab's title follows the same rule (it said 应急一张图 whatever the setting)
    for settings, lang, want in (
        (Settings(anonymous_role="viewer", warm_cache=False), "zh", "瑞安市应急管理一张图"),
        (Settings(anonymous_role="viewer", warm_cache=False), "en", en[0]),
        (Settings(anonymous_role="viewer", warm_cache=False, title="某县<一张图>"), "zh", None),
    ):
        page = create_app(settings, engine=small_city).server.test_client()
        html = page.get(f"/?lang={lang}").get_data(as_text=True)
        assert f"<title>{want or '某县&lt;一张图&gt;'}</title>" in html


def test_catalog_has_both_languages():
    assert all(set(entry) == {"zh", "en"} and all(entry.values()) for entry in CATALOG.values())


def test_settings_from_environment():
    s = Settings.from_env(
        {"ONEMAP_PORT": "9000", "ONEMAP_DEMO_ON_EMPTY": "false", "ONEMAP_LANG": "en"}
    )
    assert (s.port, s.demo_on_empty, s.lang) == (9000, False, "en")
    assert Settings().db_url.startswith("sqlite:///") and Settings().db_url.endswith(
        "var/onemap.db"
    )
    assert (
        Settings.from_env({"ONEMAP_DATABASE_URL": "postgresql+psycopg://x/y"}).db_url
        == "postgresql+psycopg://x/y"
    )
    # a bad value names its variable (it is read at start-up, by someone editing a unit file)
    with pytest.raises(ValueError, match="ONEMAP_PORT must be a whole number, not 'eighty'"):
        Settings.from_env({"ONEMAP_PORT": "eighty"})
    with pytest.raises(ValueError, match="ONEMAP_ALARM_DEADBAND must be a number"):
        Settings.from_env({"ONEMAP_ALARM_DEADBAND": "1,5"})
    with pytest.raises(ValueError, match="ONEMAP_RANKING_WEIGHTS: ranking weight 'x=1'"):
        Settings.from_env({"ONEMAP_RANKING_WEIGHTS": "x=1"})
    with pytest.raises(ValueError, match="ONEMAP_RETENTION_DAYS must be from 2 to 3650, not 0"):
        Settings.from_env({"ONEMAP_RETENTION_DAYS": "0"})


def test_alarm_settings_by_kind_are_read_and_checked():
    config = Settings.from_env(
        {
            "ONEMAP_ALARM_HOLD_BY_KIND": "pressure=60, tank_level=0",
            "ONEMAP_ALARM_MIN_DURATION_S": "15",
        }
    ).alarm_config()
    assert config.rule_for("pressure").min_duration_s == 60
    assert config.rule_for("tank_level").min_duration_s == 0
    assert config.rule_for("temperature").min_duration_s == 15
    assert config.rule_for("hydrogen").immediate_level == 2
    assert config.rule_for("temperature").immediate_level is None
    quiet = Settings(alarm_immediate_kinds="").alarm_config()
    assert quiet.rule_for("ammonia").immediate_level is None
    for bad in (
        {"alarm_hold_by_kind": "presure=60"},
        {"alarm_hold_by_kind": "pressure=1e9"},
        {"alarm_hold_by_kind": "pressure"},
        {"alarm_immediate_kinds": "gas"},
    ):
        with pytest.raises(ValueError, match="ONEMAP_ALARM_"):
            Settings(**bad).alarm_config()


def test_dossier_of_a_monitored_enterprise_renders_in_both_languages(small_city):

    from sqlalchemy import select

    from data_loaders.store.schema import Enterprise, Sensor
    from read_models.dossier import load_enterprise_dossier
    from views.dossier import create_dossier

    with session_scope(small_city) as s:
        code = s.scalar(
            select(Enterprise.credit_code)
            .join(Sensor, Sensor.enterprise_id == Enterprise.id)
            .limit(1)
        )
        d = load_enterprise_dossier(s, code, china_today())
    assert d["sensors"] and d["class_history"]
    for lang in ("zh", "en"):
        text = orjson.dumps(
            [
                c.to_plotly_json() if hasattr(c, "to_plotly_json") else c
                for c in create_dossier(d, t, lang)
            ],
            default=lambda o: o.to_plotly_json(),
        ).decode()
        assert d["name"] in text and d["credit_code"] in text
        assert ("摄像机" in text) and (("吸烟" in text) if lang == "zh" else ("smoking" in text))
    assert (
        "Enterprise not found"
        in orjson.dumps(
            [c.to_plotly_json() for c in create_dossier(None, t, "en")],
            default=lambda o: o.to_plotly_json(),
        ).decode()
    )


def test_mbtiles_basemap_is_served_offline(small_city, tmp_path):
    import sqlite3

    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    db = tmp_path / "city.mbtiles"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)"
        )
        conn.execute("INSERT INTO tiles VALUES (12, 3412, 2345, ?)", (png,))  # TMS row
    app = create_app(Settings(mbtiles=str(db), anonymous_role="viewer"), engine=small_city)
    client = app.server.test_client()
    y = (1 << 12) - 1 - 2345
    hit = client.get(f"/tiles/12/3412/{y}")
    assert hit.status_code == 200 and hit.data == png and hit.mimetype == "image/png"
    assert client.get("/tiles/12/3412/1").status_code == 404
    # every number from the URL is bounded before it is used (z = 4e9 grew the server by
    # 650 MB computing 1 << z)
    for bad in (
        "/tiles/1099511627776/0/0",
        "/tiles/12/4096/0",
        "/tiles/12/0/4096",
        "/tiles/25/0/0",
    ):
        assert client.get(bad).status_code == 404, bad
    layout = orjson.dumps(drawn_page(client)).decode()
    assert "/tiles/{z}/{x}/{y}" in layout
    plain = create_app(Settings(anonymous_role="viewer"), engine=small_city).server.test_client()
    assert "TileLayer" not in orjson.dumps(drawn_page(plain)).decode()
