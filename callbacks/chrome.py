"""The page chrome: title, subtitle and the language and theme switches, whose links keep
the view the URL describes."""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State

from callbacks.deps import Deps
from views import ids


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
