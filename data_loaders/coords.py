"""Coordinates: reprojection to WGS84 (pyproj) and China's GCJ-02 / BD-09 offsets (prcoords)."""

from __future__ import annotations

import warnings

import numpy as np
import prcoords
from pyproj import CRS, Transformer

WGS84 = "EPSG:4326"
DATUMS = ("wgs84", "gcj02", "bd09")


def to_wgs84_xy(xs: np.ndarray, ys: np.ndarray, crs: str | CRS) -> tuple[np.ndarray, np.ndarray]:
    """Reproject x/y arrays from any CRS to WGS84 lon/lat."""
    src = CRS.from_user_input(crs)
    if src.equals(CRS.from_epsg(4326)):
        return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    t = Transformer.from_crs(src, WGS84, always_xy=True)
    lon, lat = t.transform(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def from_china_datum(lon: float, lat: float, datum: str) -> tuple[float, float]:
    """WGS84 lon/lat of a point given in GCJ-02 (Gaode, Tencent) or BD-09 (Baidu).

    Uses prcoords' iterative ("bored") inverses, accurate to well under a metre.
    """
    if datum == "wgs84":
        return lon, lat
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prcoords warns for points outside China; we check range
        point = prcoords.Coords(lat, lon)
        if datum == "gcj02":
            out = prcoords.gcj_wgs_bored(point)
        elif datum == "bd09":
            out = prcoords.bd_wgs_bored(point)
        else:
            raise ValueError(f"unknown datum {datum!r}; use one of {', '.join(DATUMS)}")
    return float(out.lon), float(out.lat)


def to_china_datum(lon: float, lat: float, datum: str) -> tuple[float, float]:
    """GCJ-02 or BD-09 lon/lat of a WGS84 point (for tests and for exporting to such maps)."""
    if datum == "wgs84":
        return lon, lat
    point = prcoords.Coords(lat, lon)
    out = prcoords.wgs_gcj(point) if datum == "gcj02" else prcoords.wgs_bd(point)
    return float(out.lon), float(out.lat)
