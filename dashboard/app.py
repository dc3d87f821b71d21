"""create_app(settings): the Dash app, its pages, the API and the callbacks. Only wiring."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from dash import Dash
from flask import has_request_context, request
from flask_compress import Compress
from sqlalchemy import Engine, select

from callbacks import register_all
from callbacks.deps import Deps
from dashboard.api import create_api
from dashboard.i18n import js_labels, pick_lang, t
from dashboard.map_data import MapData
from dashboard.pages.command import create_layout
from dashboard.settings import Settings
from data_loaders.queries import load_grid_chain, load_industries
from data_loaders.store import make_engine, session_scope
from data_loaders.store.schema import Grid

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def page_title(settings: Settings, engine: Engine, lang: str = "zh") -> str:
    """The configured title, else the county grid's name + 应急管理一张图."""
    if settings.title:
        return settings.title
    with session_scope(engine) as session:
        name = session.scalar(select(Grid.name).where(Grid.level == 1).order_by(Grid.id).limit(1))
    return f"{name or ''}{t('app.title_suffix', lang)}"


def request_lang(default: str) -> str:
    """The page's language: ?lang= of the page, or of the page that fetched the layout.

    Dash fetches the layout from /_dash-layout without the page's query; the browser sends the
    page URL as the Referer of that same-origin request.
    """
    if not has_request_context():  # Dash calls the layout once at start-up to validate it
        return default
    asked = request.args.get("lang")
    if not asked and request.referrer:
        asked = (parse_qs(urlparse(request.referrer).query).get("lang") or [None])[0]
    return pick_lang(asked, default)


def create_app(settings: Settings, engine: Engine | None = None) -> Dash:
    """Build the whole app; `app.server` is the Flask (WSGI) application."""
    engine = engine or make_engine(settings.db_url)
    app = Dash(
        __name__,
        assets_folder=str(ASSETS),
        title="应急一张图",
        update_title=None,
        suppress_callback_exceptions=False,
    )
    server = app.server
    server.secret_key = settings.secret_key or secrets.token_hex(32)
    Compress(server)
    map_data = MapData(engine)
    server.register_blueprint(create_api(engine, map_data))

    def layout():  # type: ignore[no-untyped-def]
        lang = request_lang(settings.lang)
        with session_scope(engine) as session:
            chain = load_grid_chain(session, None)
            industries = load_industries(session)
        bounds = chain[0]["bounds"] if chain else None
        return create_layout(
            page_title(settings, engine, lang), lang, bounds, industries, settings.tile_url
        )

    app.layout = layout
    deps = Deps(
        engine=engine,
        lang=settings.lang,
        label=t,
        title=lambda lang: page_title(settings, engine, lang),
        map_data=map_data,
        js_labels=js_labels,
    )
    register_all(app, deps)
    return app
