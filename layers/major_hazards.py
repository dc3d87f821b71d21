"""Major hazard installations: a symbol per GB 18218 level, R and control status in the tooltip."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

NAME = "major_hazards"
ID = "layer-major-hazards"
PANE = "onemap-hazards"
LABELS = ("hazard.", "control.")


def build(url: str | None, hideout: dict[str, Any]) -> dl.GeoJSON:
    """The dash-leaflet layer: a diamond per installation with its GB 18218 level
    (assets/onemap.js hazardPoint)."""
    return dl.GeoJSON(
        id=ID,
        url=url,
        hideout=hideout,
        pointToLayer={"variable": "onemap.hazardPoint"},
        filter={"variable": "onemap.filter"},
    )
