"""Listed major hidden dangers: a symbol per listing level, with the deadline; overdue stand out."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

NAME = "listed_dangers"
ID = "layer-listed-dangers"
PANE = "onemap-listed"
LABELS = ("listing.short.", "listed.")


def build(url: str | None, hideout: dict[str, Any]) -> dl.GeoJSON:
    """The dash-leaflet layer: a badge per listed danger with its listing level
    (assets/onemap.js listedPoint)."""
    return dl.GeoJSON(
        id=ID,
        url=url,
        hideout=hideout,
        pointToLayer={"variable": "onemap.listedPoint"},
        filter={"variable": "onemap.filter"},
    )
