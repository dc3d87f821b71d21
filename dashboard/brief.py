"""The briefing slides (/brief/?grid=CODE&period=…&slide=N): a Dash app of its own on the
server, like the wall, with the command page's scripts left out. The deck is drawn from the
briefing document when the page loads and again when the data version moves (its poll);
assets/brief.js moves between slides with the keyboard and keeps the number in the URL. The
map slide is the briefing's server-drawn map (/brief/map.png), made for the same scope and
period."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from dash import Input, Output, State, no_update
from flask import Flask, Response, request

from caches.briefing_files import BriefingBusy, BriefingFiles, briefing_key
from callbacks.deps import Deps
from dashboard.i18n import t
from dashboard.index import OneMapDash
from dashboard.settings import Settings
from data_loaders.periods import BadPeriod, parse_period
from data_loaders.store import session_scope
from data_loaders.times import china_today
from read_models.briefing import load_briefing
from read_models.documents.briefing_map import briefing_map
from read_models.grids import UnknownGrid, resolve_scope
from views import ids
from views.brief import create_brief_page, create_brief_shell, create_slides

PREFIX = "/brief/"
# the command page's and the wall's own scripts and styles are not the slides'
NOT_BRIEF_ASSETS = r"^((page|panels|wall|onemap|alarms)\.js|(wall|review)\.css)$"
BRIEF_ONLY_ASSETS = r"^brief\.(js|css)$"


def brief_query(search: str) -> dict[str, str | None]:
    """The slides' own arguments from a query string, bounded: grid, period, lang."""
    args = parse_qs((search or "").lstrip("?")[:2000])

    def one(key: str, limit: int) -> str | None:
        value = (args.get(key) or [""])[0].strip()[:limit]
        return value or None

    lang = one("lang", 2)
    return {
        "grid": one("grid", 32),
        "period": one("period", 20),
        "lang": lang if lang in ("zh", "en") else None,
    }


def deck_parts(
    deps: Deps, settings: Settings, search: str, files: BriefingFiles
) -> tuple[list, dict[str, Any], str]:
    """(slides, conf, problem) for a query: a bad period or grid is said, not raised; the
    document is kept per data version and made one at a time, beside the API's files."""
    q = brief_query(search)
    lang = q["lang"] or deps.lang
    now = datetime.now(UTC)
    version = deps.map_data.token(live=True) if deps.map_data else ""
    conf = {"poll_ms": settings.poll_seconds * 1000, "version": version, "lang": lang}
    try:
        period = parse_period(q["period"], china_today(now))

        def make() -> dict[str, Any]:
            with session_scope(deps.engine) as session:
                return load_briefing(session, q["grid"], period, now, deps.ranking)

        doc = files.get(briefing_key(deps.map_data, period, "doc", q["grid"]), make)
    except BriefingBusy:
        return [], conf, t("brief.busy", lang)
    except BadPeriod as exc:
        return [], conf, t("brief.bad_period", lang).format(error=str(exc))
    except UnknownGrid:
        return [], conf, t("brief.no_grid", lang).format(grid=q["grid"])
    query = urlencode(
        {
            k: v
            for k, v in (
                ("grid", q["grid"]),
                ("period", period.code),
                ("lang", lang),
                ("v", version),
            )
            if v
        }
    )
    return create_slides(doc, lang, f"{PREFIX}map.png?{query}"), conf, ""


def create_brief_app(
    server: Flask, deps: Deps, settings: Settings, assets: Path, files: BriefingFiles
) -> OneMapDash:
    """The slides' Dash app on the server, and its map route."""
    app = OneMapDash(
        __name__,
        server=server,
        url_base_pathname=PREFIX,
        assets_folder=str(assets),
        assets_ignore=NOT_BRIEF_ASSETS,
        title="汇报",
        update_title=None,
        suppress_callback_exceptions=True,  # the deck is drawn by render_brief
    )
    app.page_title = lambda lang: f"{deps.title(lang)} · {t('brief.title', lang)}"
    app.page_state = lambda: (
        brief_query("?" + request.query_string.decode())["lang"] or deps.lang,
        "light",
    )

    def page(search: str):  # type: ignore[no-untyped-def]
        slides, conf, problem = deck_parts(deps, settings, search, files)
        return create_brief_page(slides, conf, problem)

    app.layout = create_brief_shell
    app.page = page

    @app.callback(
        Output(ids.PAGE_ROOT, "children"),
        Input(ids.PAGE_LOCATION, "pathname"),  # set once, when the location starts
        State(ids.PAGE_LOCATION, "search"),
        prevent_initial_call=True,
    )
    def render_brief(_pathname, search):  # type: ignore[no-untyped-def]
        return page(search or "")

    @app.callback(
        Output(ids.BRIEF_DECK, "children"),
        Output(ids.BRIEF_CONF, "data"),
        Input(ids.BRIEF_TICK, "n_intervals"),
        State(ids.BRIEF_CONF, "data"),
        State(ids.PAGE_LOCATION, "search"),
        prevent_initial_call=True,
    )
    def refresh_deck(_n, conf, search):  # type: ignore[no-untyped-def]
        # live figures: a new data version (an import, a task done, an alarm) draws the deck
        # again; otherwise nothing is sent
        version = deps.map_data.token(live=True) if deps.map_data else ""
        if conf and version == conf.get("version"):
            return no_update, no_update
        slides, fresh, _problem = deck_parts(deps, settings, search or "", files)
        return slides, fresh

    @server.route(PREFIX + "map.png")
    def brief_map_route() -> Response:
        q = brief_query("?" + request.query_string.decode())
        now = datetime.now(UTC)
        try:
            period = parse_period(q["period"], china_today(now))
            lang = q["lang"] or deps.lang

            def make() -> bytes:
                with session_scope(deps.engine) as session:
                    scope = resolve_scope(session, q["grid"])
                    return briefing_map(session, scope, period, now, lang)

            png = files.get(briefing_key(deps.map_data, period, "png", q["grid"], lang), make)
        except (BadPeriod, UnknownGrid):
            return Response("no such map", status=404, mimetype="text/plain")
        except BriefingBusy:
            return Response(
                "busy", status=503, mimetype="text/plain", headers={"Retry-After": "10"}
            )
        response = Response(png, mimetype="image/png")
        response.headers["Cache-Control"] = "private, max-age=300"
        return response

    return app
