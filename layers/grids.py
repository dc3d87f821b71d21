"""Supervision grid polygons: outlined, or a choropleth of a chosen metric."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
import geopandas as gpd
import numpy as np

from layers._geojson import collection, shape

NAME = "grids"
ID = "layer-grids"
PANE = "onemap-base"  # one canvas with the enterprise dots (see layers.build_map)
LABELS = ("metric.",)  # the catalog's labels its tooltips use (in its hideout)
METRICS = ("none", "open_dangers", "rate", "red_yellow", "open_alarms")
# Sequential palettes: more is worse, except the rectification rate (less is worse).
PALETTE_BAD_HIGH = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"]
PALETTE_BAD_LOW = list(reversed(PALETTE_BAD_HIGH))
# Simplification tolerance by level, in degrees (~11 m and ~2 m).
TOLERANCE = {1: 1e-4, 2: 1e-4, 3: 2e-5, 4: 2e-5}


def simplify_level(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplify each level as one coverage, so neighbours keep their shared borders."""
    parts = []
    for level, group in frame.groupby("level"):
        group = group.copy()
        group["geometry"] = group.geometry.simplify_coverage(TOLERANCE.get(int(level), 2e-5))
        parts.append(group)
    return gpd.GeoDataFrame(gpd.pd.concat(parts), crs=frame.crs) if parts else frame


def features(frame: gpd.GeoDataFrame, metrics: dict[str, dict[str, float]]) -> dict[str, Any]:
    """GeoJSON of grids with code, name, level and every choropleth metric."""
    out = []
    for row in frame.itertuples():
        m = metrics.get(row.code, {})
        props = {"code": row.code, "name": row.name, "level": int(row.level)}
        props.update({k: m.get(k, 0) for k in METRICS if k != "none"})
        out.append(shape(row.geometry, props))
    return collection(out)


def breaks(values: list[float], metric: str, n: int = 5) -> list[float]:
    """Class breaks (upper bounds) for a choropleth: quantiles, rounded, strictly increasing."""
    if metric == "none" or not values:
        return []
    arr = np.asarray(values, dtype=float)
    qs = np.quantile(arr, np.linspace(0, 1, n + 1)[1:])
    digits = 4 if metric == "rate" else 0
    out: list[float] = []
    for q in qs:
        v = round(float(q), digits)
        if not out or v > out[-1]:
            out.append(v)
    return out


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
