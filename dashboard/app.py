"""create_app(settings): the Dash app, its pages, the API and the callbacks. Only wiring."""

from __future__ import annotations

import secrets
from pathlib import Path

from dash import Dash
from flask import has_request_context, request
from flask_compress import Compress
from sqlalchemy import Engine, select

from callbacks import register_all
from callbacks.deps import Deps
from dashboard.api import create_api
from dashboard.i18n import pick_lang, t
from dashboard.map_data import MapData
from dashboard.pages.command import create_layout
from dashboard.settings import Settings
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
        # Dash also calls this once at start-up (to validate) outside any request.
        asked = request.args.get("lang") if has_request_context() else None
        lang = pick_lang(asked, settings.lang)
        return create_layout(page_title(settings, engine, lang), lang)

    app.layout = layout
    deps = Deps(
        engine=engine,
        lang=settings.lang,
        label=t,
        title=lambda lang: page_title(settings, engine, lang),
    )
    register_all(app, deps)
    return app
