"""Sensitive targets (敏感目标, what to protect): a muted outlined circle per type with its glyph
(校 幼 医 老 居 商 站 水), the people usually there in the tooltip; drawn only from MIN_ZOOM
up (assets/onemap.js filter: the hideout's `min_zoom`)."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

NAME = "targets"
ID = "layer-targets"
PANE = "onemap-targets"
LABELS = ("target.",)
# The demo county's 284 targets at its first view (zoom ~10.5 on a 1920×1080 screen) are a
# carpet of symbols over the clusters (most towns' targets sit on the same streets as their
# enterprises); from a town's zoom (13) they are a few dozen, each legible.
MIN_ZOOM = 13


def build(url: str | None, hideout: dict[str, Any]) -> dl.GeoJSON:
    """The dash-leaflet layer: an outlined circle per target with its type's glyph
    (assets/onemap.js targetPoint)."""
    return dl.GeoJSON(
        id=ID,
        url=url,
        hideout=hideout,
        pointToLayer={"variable": "onemap.targetPoint"},
        filter={"variable": "onemap.filter"},
    )
