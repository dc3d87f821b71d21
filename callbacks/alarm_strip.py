"""The bottom strip: the newest alarms; and the data-version poll that drives refreshes."""

from __future__ import annotations

from dash import Input, Output, State, html, no_update

from callbacks import ids
from callbacks.deps import Deps
from callbacks.map_state import parse_query
from data_loaders.queries import load_alarm_feed
from data_loaders.store import session_scope


def short_time(iso: str) -> str:
    """MM-DD HH:MM of an ISO timestamp, for the narrow strip."""
    return iso[5:16].replace("T", " ")


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """Poll the data version (one tiny query); redraw the strip when it moves."""

    @app.callback(
        Output(ids.DATA_VERSION, "data"),
        Input(ids.DATA_POLL, "n_intervals"),
        State(ids.DATA_VERSION, "data"),
    )
    def poll_version(_n, seen):  # type: ignore[no-untyped-def]
        version = deps.map_data.token(live=True)
        return version if version != seen else no_update

    @app.callback(
        Output(ids.ALARM_STRIP, "children"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.LOCATION, "search"),
    )
    def render_strip(_version, search):  # type: ignore[no-untyped-def]
        lang = parse_query(search, deps.lang).lang
        with session_scope(deps.engine) as session:
            feed = load_alarm_feed(session, limit=12)
        title = html.Div(deps.label("strip.title", lang), className="strip-label")
        if not feed:
            return [title, html.Div(deps.label("strip.none", lang), className="muted")]
        return [title] + [
            html.Button(
                [
                    html.Span(
                        deps.label(f"alarm.level_{a['level']}", lang),
                        className=f"lvl lvl-{a['level']}",
                    ),
                    f" {short_time(a['opened_at'])} {a['enterprise'] or ''} {a['sensor']}",
                ],
                id={"type": ids.HIT, "code": a["credit_code"] or ""},
                className="alarm-item",
            )
            for a in feed
        ]
