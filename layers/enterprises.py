"""Enterprises as points coloured by safety class, and the server's clusters that count them by
class (read_models.geojson.enterprises makes both): the map draws a cluster's mix in proportion
and marks a cluster holding a red one."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

NAME = "enterprises"
ID = "layer-enterprises"
PANE = "onemap-base"  # the clusters and dots share the grids' canvas
LABELS = ("class.", "unit.")
CLASS_COLORS = {"green": "#2e9e4f", "blue": "#2f6fdb", "yellow": "#f0b400", "red": "#d93025"}


def build(url: str | None, hideout: dict[str, Any]) -> dl.GeoJSON:
    """The enterprises' dash-leaflet layer: its url is set in the browser from the map's zoom
    and bounds (assets/onemap.js apply); clusters and dots are drawn by enterprisePoint."""
    return dl.GeoJSON(
        id=ID,
        url=url,
        hideout=hideout,
        pointToLayer={"variable": "onemap.enterprisePoint"},
        filter={"variable": "onemap.filter"},
    )
