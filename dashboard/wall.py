"""The wall screen (指挥大屏) at /wall/: a Dash app of its own on the same server, so what a
wall link may open is a path (/wall/…, and the map layers: dashboard.auth), its page has only
the wall's callbacks, and the command page's assets stay the command page's. Its poll,
/wall/state.json, says what the browser needs to run the screen: the data version, the
ingest's heartbeat, the alarms that take the screen over, the tour's length, the bundle."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import orjson
from dash import Input, Output, State
from flask import Flask, Response, request

from caches.versioned import VersionedStore
from callbacks import wall as wall_callbacks
from callbacks.deps import Deps
from callbacks.wall import figures_parts, show_parts, wall_query
from dashboard.i18n import t
from dashboard.index import OneMapDash
from dashboard.settings import Settings
from data_loaders.store import session_scope
from read_models.incidents import load_incidents
from read_models.wall import ingest_heartbeat, load_takeover_queue, load_tour
from views import ids
from views.wall import create_wall_page, create_wall_shell

PREFIX = "/wall/"
# the command page's own scripts (its links, its tables' library) are not the wall's; the
# wall's are not the command page's (dashboard.app ignores these)
WALL_ONLY_ASSETS = r"^wall\.(js|css)$"
COMMAND_ONLY_ASSETS = r"^((page|panels)\.js|brief\.(js|css)|review\.css)$"


CODE_PACKAGES = (
    "callbacks",
    "caches",
    "dashboard",
    "data_loaders",
    "layers",
    "read_models",
    "views",
)


def build_token(assets: Path) -> str:
    """What the browser's page is made of: the assets' bytes, our Python source (its layout
    and callbacks) and the versions of Dash and dash-leaflet. A server back with another one
    makes the wall reload itself."""
    digest = hashlib.sha256()
    root = assets.parent
    files = [p for p in sorted(assets.rglob("*")) if p.is_file()]
    for package in CODE_PACKAGES:
        files += sorted((root / package).rglob("*.py"))
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    for package in ("dash", "dash-leaflet"):
        try:
            digest.update(package_version(package).encode())
        except Exception:  # not installed: nothing of it to tell apart
            digest.update(package.encode())
    return digest.hexdigest()[:16]


def tour_step_now(count: int, tour_s: int, now_s: float) -> int:
    """The step every screen of the wall shows at a moment: the tour runs on the wall clock,
    so the monitors of one wall show the same step without talking to each other."""
    return int(now_s // tour_s) % count if count else 0


def wall_state(
    deps: Deps,
    settings: Settings,
    build: str,
    tour: str,
    memo: VersionedStore[tuple[list[dict[str, Any]], int, bool]] | None = None,
) -> dict[str, Any]:
    """What /wall/state.json answers (the browser's poll). With a `memo`, the queue, the
    tour's length and the drill flag are read once per data and alarm version (every wall of
    a county polls every few seconds; they all change only with those versions), the
    heartbeat every time."""
    now = datetime.now(UTC)

    def parts() -> tuple[list[dict[str, Any]], int, bool]:
        with session_scope(deps.engine) as session:
            queue = load_takeover_queue(session)
            steps = len(load_tour(session, tour))
            drill = any(i["drill"] for i in load_incidents(session, "open"))
        return queue, steps, drill

    queue, steps, drill = (
        memo.get(("wall-state", tour), parts, live=True) if memo is not None else parts()
    )
    with session_scope(deps.engine) as session:
        heartbeat = ingest_heartbeat(session, now, settings.heartbeat_seconds)
    return {
        "build": build,
        "version": deps.map_data.token(live=True) if deps.map_data else "",
        "now": now.isoformat(),
        "now_ms": int(now.timestamp() * 1000),
        "ingest": heartbeat,
        "queue": queue,
        "steps": steps,
        "drill": drill,
    }


def create_wall_app(
    server: Flask, deps: Deps, settings: Settings, assets: Path, build: str
) -> OneMapDash:
    """The wall's Dash app on the server, and its state route."""
    app = OneMapDash(
        __name__,
        server=server,
        url_base_pathname=PREFIX,
        assets_folder=str(assets),
        assets_ignore=COMMAND_ONLY_ASSETS,
        title="指挥大屏",
        update_title=None,
        suppress_callback_exceptions=True,  # the page is drawn by render_wall
    )
    app.page_title = lambda lang: f"{deps.title(lang)} · {t('wall.title', lang)}"

    def page_state() -> tuple[str, str]:
        return wall_query("?" + request.query_string.decode())["lang"] or deps.lang, "dark"

    app.page_state = page_state

    def page(search: str):  # type: ignore[no-untyped-def]
        q = wall_query(search)
        lang = q["lang"] or deps.lang
        with session_scope(deps.engine) as session:
            count = len(load_tour(session, q["tour"] or settings.wall_tour))
        tour_ms = settings.wall_tour_seconds * 1000
        index = tour_step_now(count, settings.wall_tour_seconds, time.time())
        spec, label, panel, _card, _cls = show_parts(deps, search, index, None, settings.wall_tour)
        kpi, alarms, incidents, watermark = figures_parts(deps, lang, q["screen"])
        conf = {
            "poll_ms": settings.poll_seconds * 1000,
            "tour_ms": tour_ms,
            "alarm_ms": settings.wall_alarm_seconds * 1000,
            "reload_hour": settings.wall_reload_hour,
            "build": build,
            "step": index,
            "steps": count,
            "version": deps.map_data.token(live=True) if deps.map_data else "",
            "state_url": PREFIX + "state.json?" + (search or "").lstrip("?"),
            "lang": lang,
            "screen": q["screen"],
            "texts": {
                key: t(f"wall.{key}", lang) for key in ("offline", "stale", "stale_never", "more")
            },
        }
        initial = {
            "spec": spec,
            "step": (label, panel),
            "kpi": kpi,
            "alarms": alarms,
            "incidents": incidents,
            "watermark": watermark,
            "watermark_text": t("incident.watermark", lang),
        }
        title = deps.title(lang)
        return create_wall_page(q["screen"], lang, title, conf, initial, deps.tile_url)

    app.layout = create_wall_shell
    app.page = page
    app.deps = deps  # (tests draw its parts as its callbacks do)

    @app.callback(
        Output(ids.PAGE_ROOT, "children"),
        Input(ids.PAGE_LOCATION, "pathname"),
        State(ids.PAGE_LOCATION, "search"),
        prevent_initial_call=True,
    )
    def render_wall(_pathname, search):  # type: ignore[no-untyped-def]
        return page(search or "")

    wall_callbacks.register(app, deps, settings.wall_tour)

    memo = VersionedStore(deps.map_data.versions, 16) if deps.map_data else None

    @server.route(PREFIX + "state.json")
    def wall_state_route() -> Response:
        q = wall_query("?" + request.query_string.decode())
        doc = wall_state(deps, settings, build, q["tour"] or settings.wall_tour, memo)
        response = Response(orjson.dumps(doc), mimetype="application/json")
        response.headers["Cache-Control"] = "no-store"
        return response

    return app
