"""Supervision grid polygons: outlined, or a choropleth of a chosen metric (the polygons, their
metrics and class breaks: read_models.geojson.grids)."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
import numpy as np

NAME = "grids"
ID = "layer-grids"
PANE = "onemap-base"  # one canvas with the enterprise dots (see layers.build_map)
LABELS = ("metric.",)  # the catalog's labels its tooltips use (in its hideout)
# Sequential palettes: more is worse, except the rectification rate (less is worse).
PALETTE_BAD_HIGH = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"]
PALETTE_BAD_LOW = list(reversed(PALETTE_BAD_HIGH))


def palette(metric: str, n: int) -> list[str]:
    """The colours for n classes of a metric."""
    colors = PALETTE_BAD_LOW if metric == "rate" else PALETTE_BAD_HIGH
    if n <= 0:
        return []
    idx = np.linspace(0, len(colors) - 1, n).round().astype(int)
    return [colors[i] for i in idx]


def hideout(
    metric: str, class_breaks: list[float], selected: str | None, lang: str
) -> dict[str, Any]:
    """What the style function reads: metric, breaks, colours, the selected grid, language."""
    return {
        "metric": metric,
        "breaks": class_breaks,
        "colors": palette(metric, len(class_breaks)),
        "selected": selected,
        "lang": lang,
    }


def build(url: str | None, hideout: dict[str, Any]) -> dl.GeoJSON:
    """The grids' dash-leaflet layer: styled and tooltipped in the browser from its hideout
    (assets/onemap.js gridStyle, gridEach)."""
    return dl.GeoJSON(
        id=ID,
        url=url,
        hideout=hideout,
        style={"variable": "onemap.gridStyle"},
        onEachFeature={"variable": "onemap.gridEach"},
        filter={"variable": "onemap.filter"},
    )
