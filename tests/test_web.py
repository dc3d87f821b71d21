"""The web app without a browser: API routes, caching headers, callbacks as plain functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from callbacks.chrome import chrome_texts
from callbacks.deps import Deps
from callbacks.kpi import create_cards
from callbacks.map_state import parse_query
from dashboard.app import create_app, page_title
from dashboard.i18n import CATALOG, t
from dashboard.settings import Settings
from data_loaders.queries import load_stats
from data_loaders.scheduler import poll_heartbeat
from data_loaders.store import session_scope


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
    poll_heartbeat(small_city, now=lambda: datetime.now(UTC) - timedelta(seconds=29))
    assert client.get("/health?require=ingest").status_code == 200
    assert body["ingest"]["heartbeat_age_s"] >= 0
    assert set(body["panel_cache"]) == {"documents", "warming"}
    cache = body["map_cache"]
    assert cache["version"] == body["data_version"] and isinstance(cache["warming"], bool)


def boot_spec(html: str) -> dict:
    """The map spec the page template carries for the map to draw before Dash starts."""
    tag = '<script id="map-boot" type="application/json">'
    start = html.index(tag) + len(tag)
    return orjson.loads(html[start : html.index("</script>", start)])


def test_page_template_draws_the_map_before_dash(client, small_city):
    page = client.get("/?grid=330381012&class=red&theme=light").get_data(as_text=True)
    spec = boot_spec(page)
    layers = spec["layers"]
    assert (
        "class=red" in layers["enterprises"]["url"]
        and "grid=330381012" in layers["enterprises"]["url"]
    )
    assert "parent=330381012" in layers["grids"]["url"] and spec["key"] == "330381012|"
    assert spec["view"]["bounds"] and spec["labels"]["class.red"] == "红"
    # Leaflet and every layer are preloaded; Dash's scripts wait in a template for the map
    assert page.count('rel="preload"') == 5 and 'as="fetch" crossorigin' in page
    assert page.index('id="map"') < page.index("/assets/map/map.js") < page.index("dash-scripts")
    assert (
        page.index('<template id="dash-scripts">')
        < page.index("dash_renderer")
        < page.index("</template>")
    )
    assert '<body class="theme-light">' in page
    # the layout learns the view from the Referer: the page keeps sending its full URL
    assert '<meta name="referrer" content="same-origin">' in page
    # the layout's spec store holds the same spec for Dash to carry on from
    layout = orjson.dumps(
        client.get("/_dash-layout", headers={"Referer": "http://x/?grid=330381012&class=red"}).json
    ).decode()
    assert layers["enterprises"]["url"] in layout
    english = boot_spec(client.get("/?lang=en&layers=grids").get_data(as_text=True))
    assert (
        english["labels"]["class.red"] == "red" and english["layers"]["enterprises"]["url"] is None
    )


def test_boot_spec_cannot_close_its_script_element():
    from dashboard.index import script_json

    text = script_json({"name": "</script><img src=x onerror=alert(1)>"})
    assert "</" not in text and orjson.loads(text)["name"].startswith("</script>")


def test_page_shell_and_cards(client, small_city):
    assert client.get("/").status_code == 200
    layout = orjson.dumps(client.get("/_dash-layout").json).decode()
    assert "kpi-strip" in layout and "map-spec" in layout and "网格" in layout
    english = orjson.dumps(
        client.get("/_dash-layout", headers={"Referer": "http://x/?lang=en"}).json
    ).decode()
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
    from datetime import date

    from sqlalchemy import select

    from callbacks.panel import create_dossier
    from data_loaders.queries import load_enterprise_dossier
    from data_loaders.store.schema import Enterprise, Sensor

    with session_scope(small_city) as s:
        code = s.scalar(
            select(Enterprise.credit_code)
            .join(Sensor, Sensor.enterprise_id == Enterprise.id)
            .limit(1)
        )
        d = load_enterprise_dossier(s, code, date.today())
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
    layout = orjson.dumps(client.get("/_dash-layout").json).decode()
    assert "/tiles/{z}/{x}/{y}" in layout
    plain = create_app(Settings(anonymous_role="viewer"), engine=small_city).server.test_client()
    assert "TileLayer" not in orjson.dumps(plain.get("/_dash-layout").json).decode()
