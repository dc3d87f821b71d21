"""The bottom strip: the newest alarms; and the data-version poll that drives refreshes."""

from __future__ import annotations

from dash import Input, Output, State, no_update

from callbacks.deps import Deps
from data_loaders.store import session_scope
from read_models.alarms import load_alarm_feed
from views import ids
from views.alarm_strip import create_alarm_strip


def strip_items(deps: Deps, lang: str) -> list:
    """The strip's newest alarms (the page starts with them; render_strip follows)."""
    with session_scope(deps.engine) as session:
        feed = load_alarm_feed(session, limit=12)
    return create_alarm_strip(feed, deps.label, lang)


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """Poll the data version (one tiny query); redraw the strip when it moves."""

    @app.callback(
        Output(ids.DATA_VERSION, "data"),
        Input(ids.DATA_POLL, "n_intervals"),
        State(ids.DATA_VERSION, "data"),
        prevent_initial_call=True,  # the page starts with the version it was drawn from
    )
    def poll_version(_n, seen):  # type: ignore[no-untyped-def]
        version = deps.map_data.token(live=True)
        return version if version != seen else no_update

    @app.callback(
        Output(ids.ALARM_STRIP, "children"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.PAGE_STATE, "data"),
        prevent_initial_call=True,  # the page starts with the strip drawn
    )
    def render_strip(_version, page):  # type: ignore[no-untyped-def]
        return strip_items(deps, page["lang"])
