"""The bottom strip: the newest alarms; and the data-version poll that drives refreshes."""

from __future__ import annotations

from dash import Input, Output, State, html, no_update

from callbacks import ids
from callbacks.alarms import level_badge, local_time, what
from callbacks.deps import Deps
from data_loaders.queries import load_alarm_feed
from data_loaders.store import session_scope


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
        prevent_initial_call=True,
    )
    def render_strip(_version, page):  # type: ignore[no-untyped-def]
        lang = page["lang"]
        with session_scope(deps.engine) as session:
            feed = load_alarm_feed(session, limit=12)
        title = html.Div(deps.label("strip.title", lang), className="strip-label")
        if not feed:
            return [title, html.Div(deps.label("strip.none", lang), className="muted")]
        return [title] + [
            html.Button(
                [
                    level_badge(a["level"], deps.label, lang),
                    f" {local_time(a['opened_at'])} {a['enterprise'] or ''} "
                    f"{what(a, deps.label, lang)}",
                    html.Span(
                        " " + deps.label(f"alarm.state.{a['state']}", lang),
                        className=f"state st-{a['state']}",
                    ),
                ],
                id={"type": ids.STRIP_HIT, "n": n, "code": a["credit_code"] or ""},
                className="alarm-item" + (" escalated" if a["escalated"] else ""),
            )
            for n, a in enumerate(feed)
        ]
