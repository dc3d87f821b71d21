"""The page template: Dash's own index, with the language, the theme and the title of the
request's own URL (the page request carries the query; Dash's layout request does not)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from dash import Dash

TEMPLATE = """<!DOCTYPE html>
<html lang="{html_lang}">
<head>
{metas}
<title>{title}</title>
{favicon}
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

    def interpolate_index(self, **kwargs: str) -> str:  # type: ignore[override]
        """Dash's page (its scripts as Dash lists them), in the request's language and theme."""
        lang, theme = self.page_state() if self.page_state else ("zh", "dark")
        return TEMPLATE.format(
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
