"""The page chrome (title, subtitle, notice, language switch) in the URL's language."""

from __future__ import annotations

from dash import Input, Output

from callbacks import ids
from callbacks.deps import Deps
from callbacks.kpi import lang_of


def chrome_texts(deps: Deps, lang: str) -> tuple[str, str, str, str, str]:
    """Title, subtitle, notice, the switch's label and its link, for one language."""
    other = "en" if lang == "zh" else "zh"
    return (
        deps.title(lang),
        deps.label("app.subtitle", lang),
        deps.label("app.map_next", lang),
        deps.label("app.lang_switch", lang),
        f"?lang={other}",
    )


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """Fill the chrome from ?lang= (the layout itself is fetched without the page's query)."""

    @app.callback(
        Output(ids.TITLE, "children"),
        Output(ids.SUBTITLE, "children"),
        Output(ids.NOTICE, "children"),
        Output(ids.LANG_LINK, "children"),
        Output(ids.LANG_LINK, "href"),
        Input(ids.LOCATION, "search"),
    )
    def render_chrome(search: str | None):  # type: ignore[no-untyped-def]
        return chrome_texts(deps, lang_of(search, deps.lang))
