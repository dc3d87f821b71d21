"""An incident's affected zones in metres: rings at given radii around a point, what lies
inside a zone, and straight-line distances. Pure geometry (pyproj + shapely), no store.

Rings are drawn in an azimuthal equidistant projection centred on the incident: distances
from the centre are true there, so a 3 km ring is 3 km in every direction (a buffer in
degrees would be an ellipse ~12 % narrower east–west at 27.8° N)."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

GEOD = Geod(ellps="WGS84")
MIN_RADIUS_M = 50
MAX_RADIUS_M = 50_000
MAX_RINGS = 5
DEFAULT_RADII_M = (500, 1000, 3000)


class ZoneError(ValueError):
    """Radii that make no zones (too many, too small or large, not numbers)."""


@cache
def _from_local(lon: float, lat: float) -> Transformer:
    local = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +units=m +datum=WGS84"
    return Transformer.from_crs(local, "EPSG:4326", always_xy=True)


def parse_radii(value: Any) -> tuple[int, ...]:
    """The rings' radii in metres from a request (default 500, 1000, 3000): 1 to 5 whole
    numbers from 50 to 50,000, kept sorted and without repeats."""
    if value is None:
        return DEFAULT_RADII_M
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= MAX_RINGS:
        raise ZoneError(f"radii_m is a list of 1 to {MAX_RINGS} distances in metres")
    radii = set()
    for r in value:
        if isinstance(r, bool) or not isinstance(r, int | float) or r != r:
            raise ZoneError(f"radii_m: {r!r} is not a number of metres")
        if not MIN_RADIUS_M <= r <= MAX_RADIUS_M:
            raise ZoneError(f"radii_m: {r} is outside {MIN_RADIUS_M}–{MAX_RADIUS_M} m")
        radii.add(round(r))
    return tuple(sorted(radii))


def ring(lon: float, lat: float, radius_m: float, steps: int = 96) -> dict[str, Any]:
    """The GeoJSON Polygon (WGS84, 6 decimals, anticlockwise) of a circle of radius_m metres."""
    circle = Point(0.0, 0.0).buffer(float(radius_m), quad_segs=max(4, steps // 4))
    lonlat = shapely.transform(
        circle, _from_local(float(lon), float(lat)).transform, interleaved=False
    )
    lonlat = orient(lonlat, 1.0)
    outer = mapping(lonlat)["coordinates"][0]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in outer]]}


def inside(zone: dict[str, Any] | BaseGeometry, lons: Any, lats: Any) -> np.ndarray:
    """Which of the points (arrays of lon, lat) lie inside a zone (a GeoJSON polygon)."""
    geom = zone if isinstance(zone, BaseGeometry) else shape(zone)
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    if not len(lons):
        return np.zeros(0, dtype=bool)
    return shapely.contains_xy(geom, lons, lats) | shapely.intersects_xy(geom, lons, lats)


def distances_m(lon: float, lat: float, lons: Any, lats: Any) -> np.ndarray:
    """Straight-line (geodesic, WGS84) distances in metres from a point to each point."""
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    if not len(lons):
        return np.zeros(0)
    _az, _back, dist = GEOD.inv(np.full_like(lons, lon), np.full_like(lats, lat), lons, lats)
    return np.asarray(dist)


def bounds_of(zone: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a GeoJSON polygon, for a box pre-filter."""
    return tuple(shape(zone).bounds)  # type: ignore[return-value]
