"""The page chrome: title, subtitle and the language and theme switches, whose links keep
the view the URL describes."""

from __future__ import annotations

from dataclasses import replace

from dash import ClientsideFunction, Input, Output, State

from callbacks import ids
from callbacks.deps import Deps
from callbacks.map_state import encode_query, parse_query


def chrome_texts(deps: Deps, search: str | None) -> tuple[str, str, str, str, str]:
    """Title, subtitle, the language switch's label and link (same view, other language),
    and the theme switch's link (same view, other theme): what the layout starts with."""
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
    """Keep the two switches' links on the current view and the legend on the layers shown,
    in the browser: the language and the theme only change with a page load, so the texts
    never need the server again."""
    app.clientside_callback(
        ClientsideFunction("onemap_page", "switch_links"),
        Output(ids.LANG_LINK, "href"),
        Output(ids.THEME_LINK, "href"),
        Input(ids.LOCATION, "search"),
        State(ids.PAGE_STATE, "data"),
    )
    app.clientside_callback(
        ClientsideFunction("onemap_page", "legend_class"),
        Output(ids.LEGEND, "className"),
        Input(ids.LAYER_SWITCHES, "value"),
    )
