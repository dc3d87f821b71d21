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
# Measured on the demo county at a 1920×1080 screen: its first view is zoom 12, where all 284
# targets drawn made a carpet of glyphs between the clusters (217 of them had to be moved off
# a count or another symbol by the declutter: 19 ms, against 10 at zoom 13); from a town's
# zoom (13, where a drill lands) they sit apart, each legible. Below it the layer draws
# nothing (its legend says from which zoom); its end marker still counts it as drawn.
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
