"""Open sensor alarms: pulsing markers, level 2 drawn above level 1."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

NAME = "alarms"
ID = "layer-alarms"
PANE = "onemap-alarms"
LABELS = ("alarm.", "incident.drill")  # a drill's alarm says 演练 and is tagged 演


def build(url: str | None, hideout: dict[str, Any]) -> dl.GeoJSON:
    """The dash-leaflet layer: one pulsing symbol per place, the largest on the map
    (assets/onemap.js alarmPoint)."""
    return dl.GeoJSON(
        id=ID,
        url=url,
        hideout=hideout,
        pointToLayer={"variable": "onemap.alarmPoint"},
        filter={"variable": "onemap.filter"},
    )
