"""The dossier's sensor trends: the last 24 hours of each signal with its thresholds drawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dash import MATCH, Input, Output, State

from callbacks.deps import Deps
from data_loaders.store import session_scope
from read_models.sensors import load_readings, load_sensors
from views import ids
from views.trend_chart import create_trends
from views.url_state import parse_query

MAX_SIGNALS = 12


def load_trends(
    session: Any, credit_code: str, now: datetime
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The enterprise's signals (not AI scenes) with their last 24 hours of readings."""
    sensors = [s for s in load_sensors(session, credit_code) if s["kind"] != "ai_video"]
    since = now - timedelta(hours=24)
    return [(s, load_readings(session, s["tag"], since)) for s in sensors[:MAX_SIGNALS]]


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """Draw an open dossier's trends, and redraw them every half minute."""

    @app.callback(
        Output({"type": ids.TRENDS, "code": MATCH}, "children"),
        Input({"type": ids.TRENDS, "code": MATCH}, "id"),
        Input(ids.TREND_TICK, "n_intervals"),
        State(ids.LOCATION, "search"),
    )
    def render_trends(trend_id, _tick, search):  # type: ignore[no-untyped-def]
        lang = parse_query(search, deps.lang).lang
        with session_scope(deps.engine) as session:
            series = load_trends(session, trend_id["code"], datetime.now(UTC))
        return create_trends(series, deps.label, lang)
