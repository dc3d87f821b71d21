"""create_app(settings): the Dash app, its pages, the API and the callbacks. Only wiring."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from dash import Input, Output, State
from flask import Response, request
from flask_compress import Compress
from sqlalchemy import Engine, select
from werkzeug.middleware.proxy_fix import ProxyFix

from caches.briefing_files import BriefingFiles
from caches.map_payloads import MapData
from caches.panel_documents import PanelCache
from caches.versioned import Versions
from callbacks import register_all
from callbacks.alarm_strip import strip_items
from callbacks.alarms import alarm_detail_parts, alarm_list_parts
from callbacks.deps import Deps
from callbacks.incidents import banner_parts
from callbacks.map_state import map_props
from callbacks.panel import panel_parts, strip_parts
from dashboard import headers as security_headers
from dashboard.api import create_api
from dashboard.auth import Auth
from dashboard.brief import BRIEF_ONLY_ASSETS, create_brief_app
from dashboard.i18n import js_labels, t
from dashboard.index import OneMapDash
from dashboard.pages.command import create_layout, create_shell
from dashboard.review import REVIEW_ONLY_ASSETS, create_review_app
from dashboard.settings import Settings
from dashboard.tiles import create_tiles
from dashboard.wall import WALL_ONLY_ASSETS, build_token, create_wall_app
from data_loaders.store import make_engine, session_scope
from data_loaders.store.schema import Grid
from data_loaders.times import china_today
from read_models.places import load_industries
from views import ids
from views.chrome import chrome_texts
from views.url_state import parse_query

ASSETS = Path(__file__).resolve().parent.parent / "assets"
PAGES = frozenset({"/"})  # the paths that are pages (the command page; more modes to come)


def page_title(settings: Settings, engine: Engine, lang: str = "zh") -> str:
    """The configured title, else the county grid's name + 应急管理一张图."""
    if settings.title:
        return settings.title
    with session_scope(engine) as session:
        name = session.scalar(select(Grid.name).where(Grid.level == 1).order_by(Grid.id).limit(1))
    return f"{name or ''}{t('app.title_suffix', lang)}"


def create_app(settings: Settings, engine: Engine | None = None) -> OneMapDash:
    """Build the whole app; `app.server` is the Flask (WSGI) application."""
    engine = engine or make_engine(settings.db_url)
    app = OneMapDash(
        __name__,
        assets_folder=str(ASSETS),
        title="应急一张图",
        update_title=None,
        # the page is drawn by render_page, so most ids are not in the first layout; a test
        # checks every id the callbacks name against the shell and a page (test_web)
        suppress_callback_exceptions=True,
        assets_ignore=f"{WALL_ONLY_ASSETS}|{BRIEF_ONLY_ASSETS}|{REVIEW_ONLY_ASSETS}",
    )
    server = app.server
    if settings.trusted_proxies > 0:
        # Behind a proxy that ends HTTPS the browser's Origin is https://… while the request
        # came as http://…: without this every sign-in was refused, and every address was the
        # proxy's for the wrong-password limit.
        n = settings.trusted_proxies
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    server.secret_key = settings.secret_key or secrets.token_hex(32)
    # no request body past this (the largest taken: a 10 MiB review workbook sent through the
    # page's upload, base64 in a Dash callback; telemetry keeps its own 8 MiB bound)
    server.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    Compress(server)
    # one watcher of the store's versions for both caches
    versions = Versions(engine, settings.version_seconds)
    map_data = MapData(engine, warm=settings.warm_cache, versions=versions)
    if settings.warm_cache:
        try:
            map_data.warm_first_view()  # before listening: the first visitor waits for nothing
        except Exception:  # an empty or broken store: requests will say so themselves
            logging.getLogger("onemap").exception("preparing the first view failed")
        map_data.version()  # and warms the towns' payloads in the background
    panels = PanelCache(
        engine,
        settings.ranking_config(),
        warm=settings.warm_cache,
        versions=versions,
    )
    auth = Auth(
        engine,
        anonymous_role=settings.anonymous_role,
        idle_s=settings.session_idle_minutes * 60,
        secure_cookies=settings.secure_cookies,
    )
    auth.install(server, settings.lang)

    @server.before_request
    def only_our_pages() -> Response | None:
        # Dash answers every path with the page (its catch-all route): /loginx or /x/y served
        # the dashboard with 200. A path no page has is a 404.
        rule = request.url_rule
        if rule is not None and rule.rule.endswith("<path:path>") and request.path not in PAGES:
            return Response("not found", status=404, mimetype="text/plain")
        return None

    briefings = BriefingFiles()  # the API's files and the slides' documents and maps
    server.register_blueprint(
        create_api(
            engine,
            map_data,
            settings.ingest_token,
            auth,
            settings.alarm_config(),
            settings.ranking_config(),
            panels.state,
            bulletin=lambda month: panels.get("rankings", None, china_today(), month),
            heartbeat_s=settings.heartbeat_seconds,
            briefing_dir=settings.briefing_dir,
            briefing_files=briefings,
        )
    )
    if settings.mbtiles:
        server.register_blueprint(create_tiles(settings.mbtiles))

    deps = Deps(
        briefing_dir=settings.briefing_dir,
        engine=engine,
        lang=settings.lang,
        label=t,
        title=lambda lang: page_title(settings, engine, lang),
        map_data=map_data,
        js_labels=js_labels,
        current_user=auth.current,
        ranking=settings.ranking_config(),
        tile_url=settings.tile_url or ("/tiles/{z}/{x}/{y}" if settings.mbtiles else ""),
        panels=panels,
    )

    def page(query: str):  # type: ignore[no-untyped-def]
        state = parse_query(query, settings.lang)
        with session_scope(engine) as session:
            industries = load_industries(session)
        initial = map_props(state, deps, query)
        # everything the page shows at once comes with it: a callback at the page's start
        # is a round trip and a re-render that the map's first drawing waits behind
        initial["strip"] = strip_parts(state, deps)
        initial["panel"] = panel_parts(state, deps, initial["version"], None, None)
        initial["alarms"] = alarm_list_parts(deps, None, state.lang, with_list=False)
        initial["detail"] = alarm_detail_parts(deps, None, state.lang)
        initial["feed"] = strip_items(deps, state.lang)
        initial["banner"] = banner_parts(deps, state.lang)
        title, _subtitle, _switch, lang_href, theme_href = chrome_texts(deps, query)
        who = auth.current()
        user = (who.name, who.role) if who else None
        return create_layout(
            title,
            state.lang,
            initial,
            industries,
            user,
            settings.poll_seconds * 1000,
            theme=state.theme,
            links=(lang_href, theme_href),
            default_lang=settings.lang,
            csrf=auth.csrf_token(),
            tile_url=deps.tile_url,
            search=query,
        )

    # The layout is the same for every URL; the page for the URL's query (its language,
    # theme and view) is drawn once, when the page loads: a language or theme switch is a
    # new page, and every other change of the URL moves the map and panels, not the page.
    app.layout = create_shell

    @app.callback(
        Output(ids.PAGE_ROOT, "children"),
        Input(ids.PAGE_LOCATION, "pathname"),  # set once, when the location starts
        State(ids.PAGE_LOCATION, "search"),
        prevent_initial_call=True,
    )
    def render_page(_pathname, search):  # type: ignore[no-untyped-def]
        return page(search or "")

    app.page = page  # (tests check that every id a callback names is in shell + page)

    def page_state() -> tuple[str, str]:
        # the page request itself carries the query: the document's language and theme
        state = parse_query("?" + request.query_string.decode(), settings.lang)
        return state.lang, state.theme

    app.page_state = page_state

    def first_fetches() -> list[str]:
        # the layers the page's map loads at once (the enterprises' squares need its size)
        query = "?" + request.query_string.decode()
        try:
            spec = map_props(parse_query(query, settings.lang), deps, query)["spec"]
        except Exception:  # hints only: the page itself says what is wrong
            logging.getLogger("onemap").exception("preload hints for %s", query)
            return []
        return [
            layer["url"]
            for name, layer in spec["layers"].items()
            if layer["url"] and layer["hideout"].get("url")  # the browser completes the rest
        ]

    app.first_fetches = first_fetches
    app.page_title = deps.title  # the tab says what the header says (ONEMAP_TITLE's rule)
    register_all(app, deps)
    app.wall = create_wall_app(server, deps, settings, ASSETS, build_token(ASSETS))
    app.brief = create_brief_app(server, deps, settings, ASSETS, briefings)
    app.review = create_review_app(server, deps, settings, ASSETS)
    security_headers.install(server, settings, [app, app.wall, app.brief, app.review])
    return app
