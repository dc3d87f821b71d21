"""The page's dash-leaflet map for a map spec, and what part of the grid tree it draws."""

from __future__ import annotations

import math
from typing import Any

from layers import build_map
from views import ids


def grid_view(chain: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """(parent whose children to draw, grid to highlight) for a selected grid chain.

    A grid with children shows them; a village shows its siblings with itself highlighted.
    """
    if not chain:
        return None, None
    selected = chain[-1]
    if selected["level"] >= 4 and len(chain) > 1:
        return chain[-2]["code"], selected["code"]
    return selected["code"], selected["code"] if len(chain) > 1 else None


def create_map(spec: dict[str, Any], tile_url: str = "") -> Any:
    """The page's dash-leaflet map for a spec (map_props): its layers start with the spec's
    urls and hideouts (the enterprises' once the map knows its view) and it looks where the
    spec says."""
    view = spec["view"]
    # a layer whose url the browser completes (the clusters' squares, the incident's minute)
    # starts without one
    props = {
        name: (layer["url"] if layer["hideout"].get("url") else None, layer["hideout"])
        for name, layer in spec["layers"].items()
    }
    if view.get("center"):
        return build_map(ids.MAP, props, None, view["center"], view["zoom"], tile_url)
    bounds = view.get("bounds") or [[27.6, 120.4], [27.95, 120.8]]
    return build_map(ids.MAP, props, bounds, mercator_middle(bounds), None, tile_url)


def mercator_middle(bounds: list[list[float]]) -> list[float]:
    """The centre of (south, west), (north, east) bounds on a Web Mercator map (where the map
    puts it when it fits them)."""
    (south, west), (north, east) = bounds

    def y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    mid = (y(south) + y(north)) / 2
    return [math.degrees(2 * math.atan(math.exp(mid)) - math.pi / 2), (west + east) / 2]
