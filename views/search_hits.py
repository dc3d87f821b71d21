"""The search box's result list: one button per hit, which opens the enterprise."""

from __future__ import annotations

from typing import Any

from dash import html

from views import ids
from views.labels import Label


def create_search_hits(hits: list[dict[str, Any]], label: Label, lang: str) -> list:
    """A hit's safety-class dot and name (its credit code as the tooltip); a line for none."""
    if not hits:
        return [html.Div(label("map.no_hits", lang), className="muted")]
    return [
        html.Button(
            [html.Span(className=f"dot-mini class-{h['safety_class']}"), h["name"]],
            id={"type": ids.HIT, "code": h["credit_code"]},
            className="hit",
            title=h["credit_code"],
        )
        for h in hits
    ]
