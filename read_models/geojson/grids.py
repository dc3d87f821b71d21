"""Supervision grid polygons as GeoJSON, each level simplified as one coverage, with every
choropleth metric, and the metric's class breaks for the grids a view shows."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from read_models.geojson.common import collection, shape

# The choropleth's metrics, the page's choice ("none": outlines only); every grid feature
# carries the others.
METRICS = ("none", "open_dangers", "rate", "red_yellow", "open_alarms")
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
