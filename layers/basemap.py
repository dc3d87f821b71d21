"""The optional raster basemap: none unless a tile URL is configured (offline networks)."""

from __future__ import annotations

import dash_leaflet as dl

NAME = "basemap"
ID = "layer-basemap"


def build(tile_url: str, attribution: str = "") -> list[dl.TileLayer]:
    """A tile layer for the configured URL, or nothing (the grid polygons are the basemap)."""
    if not tile_url:
        return []
    return [dl.TileLayer(id=ID, url=tile_url, attribution=attribution, maxZoom=18)]
