"""The page chrome (title, subtitle, language switch) in the URL's language."""

from __future__ import annotations

from dataclasses import replace

from dash import Input, Output

from callbacks import ids
from callbacks.deps import Deps
from callbacks.map_state import encode_query, parse_query


def chrome_texts(deps: Deps, search: str | None) -> tuple[str, str, str, str, str]:
    """Title, subtitle, the language switch's label and link (same view, other language),
    and the theme switch's link (same view, other theme)."""
    state = parse_query(search, deps.lang)
    other = "en" if state.lang == "zh" else "zh"
    theme = "dark" if state.theme == "light" else "light"
    return (
        deps.title(state.lang),
        deps.label("app.subtitle", state.lang),
        deps.label("app.lang_switch", state.lang),
        encode_query(replace(state, lang=other), deps.lang) or "?",
        encode_query(replace(state, theme=theme), deps.lang) or "?",
    )


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """Fill the chrome from the URL (the layout itself is fetched without the page's query)."""

    @app.callback(
        Output(ids.TITLE, "children"),
        Output(ids.SUBTITLE, "children"),
        Output(ids.LANG_LINK, "children"),
        Output(ids.LANG_LINK, "href"),
        Output(ids.THEME_LINK, "href"),
        Input(ids.LOCATION, "search"),
    )
    def render_chrome(search: str | None):  # type: ignore[no-untyped-def]
        return chrome_texts(deps, search)
