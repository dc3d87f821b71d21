"""The incident shown (?incident=ID): its rings and plume footprints on the grids' canvas,
under every symbol and never in the way of a click on a grid (not interactive), and its
place as a symbol of its own (assets/onemap.js incidentStyle, incidentPoint)."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

from layers import grids

NAME = "incident"
ID = "layer-incident"
PANE = grids.PANE  # one canvas: a second one above would swallow the polygons' clicks
LABELS = ("incident.", "zone.")


def build(url: str | None, hideout: dict[str, Any]) -> dl.GeoJSON:
    """The dash-leaflet layer of one incident's zones (biggest first) and its centre."""
    return dl.GeoJSON(
        id=ID,
        url=url,
        hideout=hideout,
        interactive=False,
        style={"variable": "onemap.incidentStyle"},
        pointToLayer={"variable": "onemap.incidentPoint"},
        filter={"variable": "onemap.filter"},
    )
