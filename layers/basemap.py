"""The optional raster basemap: none unless a tile URL is configured (offline networks)."""

from __future__ import annotations

from typing import Any

NAME = "basemap"


def spec(tile_url: str, attribution: str = "") -> dict[str, Any] | None:
    """The tile layer the map draws for the configured URL, or None (the grid polygons are
    the basemap)."""
    if not tile_url:
        return None
    return {"url": tile_url, "attribution": attribution}
