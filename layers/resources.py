"""Emergency resources (应急资源, who can help): a filled green/teal symbol per type with its
glyph (队 物 避 消 医 专); the type's figure (members, items, capacity, beds…) in the tooltip."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

NAME = "resources"
ID = "layer-resources"
PANE = "onemap-resources"
LABELS = ("resource.",)


def build(url: str | None, hideout: dict[str, Any]) -> dl.GeoJSON:
    """The dash-leaflet layer: a rounded square per resource with its type's glyph
    (assets/onemap.js resourcePoint)."""
    return dl.GeoJSON(
        id=ID,
        url=url,
        hideout=hideout,
        pointToLayer={"variable": "onemap.resourcePoint"},
        filter={"variable": "onemap.filter"},
    )
