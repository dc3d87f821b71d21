"""The committee review page (/review/?committee=CODE|all&since=DAY&lang=): a Dash app of its
own on the server, like the wall and the slides, with the command page's scripts left out.
The review is drawn when the page loads, again on a filter, a recorded meeting, an imported
workbook or a new data version (its poll). Its callbacks are callbacks.review."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from flask import Flask, request
from sqlalchemy import select

from callbacks.deps import Deps
from callbacks.review import data_token, register_review, review_parts
from dashboard.i18n import t
from dashboard.index import OneMapDash
from dashboard.settings import Settings
from data_loaders.store import session_scope
from data_loaders.store.schema import Committee
from data_loaders.times import china_today
from views.review import ReviewView, create_review_page, create_review_shell, query_of

PREFIX = "/review/"
# the other pages' own scripts and styles are not the review's
NOT_REVIEW_ASSETS = r"^((page|panels|wall|onemap|alarms|brief)\.js|(wall|brief)\.css)$"
REVIEW_ONLY_ASSETS = r"^review\.css$"


def review_query(search: str) -> dict[str, str]:
    """The review's own arguments from a query string, as text, bounded."""
    args = parse_qs((search or "").lstrip("?")[:2000])
    return {k: (args.get(k) or [""])[0][:40] for k in ("committee", "since", "lang")}


def committee_options(deps: Deps) -> list[dict[str, Any]]:
    """The store's committees, in order: {code, name, name_en}."""
    with session_scope(deps.engine) as session:
        rows = session.execute(
            select(Committee.code, Committee.name, Committee.name_en).order_by(Committee.id)
        ).all()
    return [{"code": c, "name": n, "name_en": en} for c, n, en in rows]


def view_of(deps: Deps, settings: Settings, lang: str) -> ReviewView:
    """What the page needs besides the review, for this request."""
    return ReviewView(
        lang=lang,
        label=t,
        committees=committee_options(deps),
        may_record=deps.may("operator"),
        today=china_today().isoformat(),
        poll_ms=max(settings.poll_seconds, 5) * 1000,
        version=data_token(deps),
    )


def create_review_app(server: Flask, deps: Deps, settings: Settings, assets: Path) -> OneMapDash:
    """The review page's Dash app on the server."""
    app = OneMapDash(
        __name__,
        server=server,
        url_base_pathname=PREFIX,
        assets_folder=str(assets),
        assets_ignore=NOT_REVIEW_ASSETS,
        title="督查",
        update_title=None,
        suppress_callback_exceptions=True,  # the page is drawn by render_review
    )

    def lang_of(search: str) -> str:
        lang = review_query(search)["lang"]
        return lang if lang in ("zh", "en") else deps.lang

    app.page_title = lambda lang: f"{deps.title(lang)} · {t('review.title', lang)}"
    app.page_state = lambda: (lang_of("?" + request.query_string.decode()), "light")

    def page(search: str):  # type: ignore[no-untyped-def]
        q = review_query(search)
        lang = lang_of(search)
        doc, problem, committee, since = review_parts(deps, q["committee"], q["since"], lang)
        other = "en" if lang == "zh" else "zh"
        links = {
            "back": "/?tab=committee" + ("&lang=en" if lang == "en" else ""),
            "lang": PREFIX + query_of(committee, since, other, "zh"),
            "lang_label": "English" if lang == "zh" else "中文",
        }
        return create_review_page(
            view_of(deps, settings, lang), doc, committee, since, problem, links
        )

    app.layout = create_review_shell
    app.page = page
    register_review(app, deps, page, lambda lang: view_of(deps, settings, lang), now)
    return app


def now() -> datetime:
    """The time of a change."""
    return datetime.now(UTC)
