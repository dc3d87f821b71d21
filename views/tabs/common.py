"""What the tabs share: a figure, a big number, a flagged text and the date columns' widths."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from views.charts import (
    CONFIG,
)
from views.labels import Label
from views.tables import (
    JOIN,
    column,
    fit_width,
)

# narrowest columns: a date (2026-11-23) and a day count, whole; tables fit the panel (a
# column is never narrower than its header's longest word either)
DATE_WIDTH = fit_width("", "2026-11-23")
DAYS_WIDTH = 48


def days_overdue_column(label: Label, lang: str, **more: Any) -> dict[str, Any]:
    """The overdue tables' last column: days late, a whole number, right-aligned."""
    return column(
        "days_overdue",
        label("col.days_overdue", lang),
        flex=1,
        minWidth=DAYS_WIDTH,
        type="numericColumn",
        **more,
    )


def heading(title: str, note: str) -> html.H3:
    """A section heading with a quiet note after it (what a click on its rows does)."""
    return html.H3([title, html.Span(f" {note}", className="h3-note")])


def figure(fig: Any, key: str) -> dcc.Graph:
    """A panel chart (no mode bar; sized by the figure's own height)."""
    return dcc.Graph(figure=fig, config=CONFIG, className="panel-chart", id=key)


def big(title: str, value: str, key: str, note: Any = None, cls: str = "") -> html.Div:
    """One large figure with its caption."""
    return html.Div(
        [
            html.Div(title, className="big-title"),
            html.Div(value, className=f"big-value {cls}".strip()),
            html.Div(note, className="big-note") if note is not None else None,
        ],
        className="big",
        id=f"big-{key}",
    )


def flagged(text: str, flag: bool, label: Label, lang: str) -> str:
    """A status with its overdue flag: 未开始 · 逾期 (the dot stays with the status, so a
    narrow cell breaks before 逾期, never inside a phrase)."""
    return f"{text}{JOIN}{label('task.overdue', lang)}" if flag else text
