"""The page template: Dash's own index, with the language, the theme and the title of the
request's own URL (the page request carries the query; Dash's layout request does not), and
preload hints for what the map will ask for first: its layers' data for that URL and
dash-leaflet's GeoJSON chunk, which download while Dash's scripts start (the map's own fetches
then find them: a fetch() in the same mode uses a `preload as=fetch crossorigin`). Hints
only: the page works the same without them."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from dash import Dash

TEMPLATE = """<!DOCTYPE html>
<html lang="{html_lang}">
<head>
{metas}
<title>{title}</title>
{favicon}
{preloads}
{css}
</head>
<body class="{body_class}">
{app_entry}
<footer>
{config}
{scripts}
{renderer}
</footer>
</body>
</html>"""


class OneMapDash(Dash):
    """Dash whose index page speaks the request's language and theme (`page_state`)."""

    page_state: Callable[[], tuple[str, str]] | None = None  # (lang, theme) of the request
    page_title: Callable[[str], str] | None = None  # the browser tab's title, by language
    page: Callable[..., object] | None = None  # the page for a query (create_app sets it)
    first_fetches: Callable[[], list[str]] | None = None  # the map's layer URLs of the request
    wall: OneMapDash | None = None  # the wall screen's app at /wall/ (dashboard.wall)
    brief: OneMapDash | None = None  # the briefing slides' app at /brief/ (dashboard.brief)
    review: OneMapDash | None = None  # the committee review's app at /review/
    deps: Any = None  # the wall app's callbacks.deps.Deps (dashboard cannot name it here)

    def interpolate_index(self, **kwargs: str) -> str:  # type: ignore[override]
        """Dash's page (its scripts as Dash lists them), in the request's language and theme."""
        lang, theme = self.page_state() if self.page_state else ("zh", "dark")
        prefix = self.config.requests_pathname_prefix
        preloads = [
            f'<link rel="preload" href="{escape(url)}" as="fetch" crossorigin>'
            for url in (self.first_fetches() if self.first_fetches else [])
        ]
        chunk = f"{prefix}_dash-component-suites/dash_leaflet/async-GeoJSON.js"
        preloads.append(f'<link rel="preload" href="{chunk}" as="script">')
        return TEMPLATE.format(
            preloads="\n".join(preloads),
            html_lang="zh-CN" if lang == "zh" else "en",
            metas=kwargs.get("metas", ""),
            title=escape(self.page_title(lang)) if self.page_title else kwargs.get("title", ""),
            favicon=kwargs.get("favicon", ""),
            css=kwargs.get("css", ""),
            body_class="theme-light" if theme == "light" else "",
            app_entry=kwargs.get("app_entry", ""),
            config=kwargs.get("config", ""),
            scripts=kwargs.get("scripts", ""),
            renderer=kwargs.get("renderer", ""),
        )
