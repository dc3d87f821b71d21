"""The dossier's sensor trend figure: the last 24 hours of each signal with its thresholds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html
from plotly.subplots import make_subplots

from data_loaders.times import CHINA
from views.labels import Label

BUCKET_S = 300  # one point per 5 minutes: 288 a day, and the worst value of each bucket


def thin(readings: list[dict[str, Any]], direction: str) -> tuple[list[datetime], list[float]]:
    """One point per bucket: the value furthest from normal (so an excursion stays visible)."""
    buckets: dict[int, tuple[datetime, float]] = {}
    for r in readings:
        ts = datetime.fromisoformat(r["ts"])
        key = int(ts.timestamp()) // BUCKET_S
        v = r["value"]
        best = buckets.get(key)
        if best is None or (v > best[1] if direction == "high" else v < best[1]):
            buckets[key] = (ts, v)
    points = sorted(buckets.values())
    return [p[0].astimezone(CHINA) for p in points], [p[1] for p in points]


def create_trend_figure(
    series: list[tuple[dict[str, Any], list[dict[str, Any]]]], label: Label, lang: str
) -> go.Figure:
    """Small multiples, one row per signal, sharing the time axis; level 1 amber, 2 red."""
    rows = max(1, len(series))
    titles = [
        f"{s['device'] or ''} {label('kind.' + s['kind'], lang)} ({s['unit'] or '-'}) {s['tag']}"
        for s, _ in series
    ]
    fig = make_subplots(
        rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.35 / rows, subplot_titles=titles
    )
    for i, (sensor, readings) in enumerate(series, start=1):
        th = sensor["thresholds"]
        xs, ys = thin(readings, th["direction"])
        fig.add_trace(
            go.Scattergl(x=xs, y=ys, mode="lines", line={"width": 1.5, "color": "#4fc3f7"}),
            row=i,
            col=1,
        )
        for key, colour in (("level_1", "#ff8c1a"), ("level_2", "#d93025")):
            if th[key] is not None:
                fig.add_hline(
                    y=th[key], line={"dash": "dash", "width": 1, "color": colour}, row=i, col=1
                )
    fig.update_layout(
        height=95 * rows + 40,
        margin={"l": 40, "r": 10, "t": 24, "b": 24},
        showlegend=False,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(255,255,255,0.03)",
        font={"color": "#c9d6e8", "size": 11},
    )
    fig.update_annotations(font={"size": 11}, x=0, xanchor="left")
    fig.update_xaxes(gridcolor="#24405f", tickformat="%H:%M")
    fig.update_yaxes(gridcolor="#24405f", nticks=3)
    return fig


def create_trends(
    series: list[tuple[dict[str, Any], list[dict[str, Any]]]], label: Label, lang: str
) -> Any:
    """The trend figure of the signals, or a line saying there are no readings."""
    if not series or not any(readings for _, readings in series):
        return html.P(label("sensor.no_data", lang), className="muted")
    figure = create_trend_figure(series, label, lang)
    return dcc.Graph(figure=figure, config={"displayModeBar": False, "staticPlot": False})
