"""The bottom strip's items: the newest alarms, each a button that opens its enterprise."""

from __future__ import annotations

from typing import Any

from dash import html

from views import ids
from views.alarm_panel import drill_tag, level_badge, what
from views.format import local_time
from views.labels import Label


def create_alarm_strip(feed: list[dict[str, Any]], label: Label, lang: str) -> list:
    """The strip's title and one item per alarm of the feed (or a line saying there is none)."""
    title = html.Div(label("strip.title", lang), className="strip-label")
    if not feed:
        return [title, html.Div(label("strip.none", lang), className="muted")]
    return [title] + [
        html.Button(
            [
                drill_tag(a, label, lang),
                level_badge(a["level"], label, lang),
                f" {local_time(a['opened_at'])} {a['enterprise'] or ''} {what(a, label, lang)}",
                html.Span(
                    " " + label(f"alarm.state.{a['state']}", lang),
                    className=f"state st-{a['state']}",
                ),
            ],
            id={"type": ids.STRIP_HIT, "n": n, "code": a["credit_code"] or ""},
            className="alarm-item"
            + (" escalated" if a["escalated"] else "")
            + (" drill" if a["is_drill"] else ""),
        )
        for n, a in enumerate(feed)
    ]
