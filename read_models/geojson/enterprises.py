"""Enterprises as GeoJSON points with their safety class, and the clusters made here, on the
server, that count them by class (the map draws the mix in proportion and marks a cluster
holding a red one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from read_models.geojson.common import POINT_DECIMALS, collection


def features(rows: list[tuple[str, str, str, float, float]]) -> dict[str, Any]:
    """GeoJSON of (credit_code, name, safety_class, lon, lat) rows.

    Rounded with numpy and built in one comprehension: 200,000 points in ~0.3 s.
    """
    if not rows:
        return collection([])
    coords = np.round(np.array([(r[3], r[4]) for r in rows], dtype=float), POINT_DECIMALS).tolist()
    return collection(
        [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": xy},
                "properties": {"credit_code": c, "name": n, "safety_class": k},
            }
            for (c, n, k, _lon, _lat), xy in zip(rows, coords, strict=True)
        ]
    )


# --- clusters, made on the server ------------------------------------------------------------
# The map asks for the clusters of the cells it shows, at the zoom it shows: a few hundred
# small records instead of every enterprise (200,000 at scale 10), and nothing to index in
# the browser. A cluster gathers the enterprises of one CELL-pixel square of the Web Mercator
# grid at that zoom, sits at their mean position (kept within the middle of its square, so
# two clusters are never so close that one covers the other's count) and counts them by
# class: the map shows the mix in proportion and marks a cluster that holds a red one.
TILE = 256  # pixels of the world at zoom 0
CELL = 72  # pixels of a cluster's square
MAX_CLUSTER_ZOOM = 15  # from zoom 16 every enterprise is its own dot
MIN_POINTS = 3  # fewer enterprises in a square are shown one by one
MAX_CELLS = 250_000  # the most squares one request may cover (a wall screen needs ~1,000)
INSET = 0.3  # a cluster sits at least this share of its square from the square's edges
CLASSES = ("green", "blue", "yellow", "red")


@dataclass(frozen=True)
class PointSet:
    """Enterprises as arrays: Web Mercator position in [0, 1) (x east, y south), class rank
    (0 green … 3 red), and, per point, credit code, name, longitude and latitude."""

    x: np.ndarray
    y: np.ndarray
    rank: np.ndarray
    code: list[str]
    name: list[str]
    lon: np.ndarray
    lat: np.ndarray


def point_set(rows: list[tuple[str, str, str, float, float]]) -> PointSet:
    """The arrays of (credit_code, name, safety_class, lon, lat) rows."""
    lon = np.array([r[3] for r in rows], dtype=float)
    lat = np.array([r[4] for r in rows], dtype=float)
    x = (lon + 180.0) / 360.0
    s = np.sin(np.radians(np.clip(lat, -85.05112878, 85.05112878)))
    y = 0.5 - np.log((1 + s) / (1 - s)) / (4 * np.pi)
    rank = np.array([CLASSES.index(r[2]) if r[2] in CLASSES else 0 for r in rows], dtype=np.int8)
    return PointSet(x, y, rank, [r[0] for r in rows], [r[1] for r in rows], lon, lat)


def _lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of Web Mercator positions in [0, 1)."""
    lon = x * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * y))))
    return lon, lat


def cells_of(zoom: int) -> int:
    """How many CELL squares span the world at a zoom, along one axis."""
    return int(np.ceil(TILE * 2**zoom / CELL))


def clusters(
    points: PointSet, zoom: int, cells: tuple[int, int, int, int] | None = None
) -> dict[str, Any]:
    """The clusters and single enterprises in a range of squares (x0, y0, x1, y1, inclusive;
    None: everywhere) at a zoom.

    Clusters are [lon, lat, count, green, blue, yellow, red, west, south, east, north] (the
    bounds are where a click zooms to); points are [lon, lat, class, credit_code, name].
    Each square is whole, so a range's counts never depend on where its edges fall.
    """
    scale = TILE * 2**zoom / CELL
    cx = np.floor(points.x * scale).astype(np.int64)
    cy = np.floor(points.y * scale).astype(np.int64)
    keep = np.ones(len(cx), dtype=bool)
    if cells is not None:
        x0, y0, x1, y1 = cells
        keep = (cx >= x0) & (cx <= x1) & (cy >= y0) & (cy <= y1)
    idx = np.flatnonzero(keep)
    out: dict[str, Any] = {"zoom": zoom, "cell": CELL, "clusters": [], "points": []}
    if idx.size == 0:
        return out
    if zoom > MAX_CLUSTER_ZOOM:
        singles = idx
    else:
        key = cx[idx] * (cells_of(zoom) + 1) + cy[idx]
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        big = counts >= MIN_POINTS
        groups = np.flatnonzero(big)
        if groups.size:
            n = counts.size
            mix = np.bincount(inverse * 4 + points.rank[idx], minlength=4 * n).reshape(n, 4)
            mx = np.bincount(inverse, weights=points.x[idx], minlength=n) / counts
            my = np.bincount(inverse, weights=points.y[idx], minlength=n) / counts
            # within the middle of its square: neighbours' counts stay apart on the screen
            first = np.zeros(n, dtype=np.int64)
            first[inverse] = np.arange(idx.size)
            sx, sy = cx[idx][first], cy[idx][first]
            mx = np.clip(mx, (sx + INSET) / scale, (sx + 1 - INSET) / scale)
            my = np.clip(my, (sy + INSET) / scale, (sy + 1 - INSET) / scale)
            lon, lat = _lonlat(mx, my)
            west = np.full(n, np.inf)
            south = np.full(n, np.inf)
            east = np.full(n, -np.inf)
            north = np.full(n, -np.inf)
            np.minimum.at(west, inverse, points.lon[idx])
            np.minimum.at(south, inverse, points.lat[idx])
            np.maximum.at(east, inverse, points.lon[idx])
            np.maximum.at(north, inverse, points.lat[idx])
            table = np.column_stack([lon, lat, counts, mix, west, south, east, north])[groups]
            out["clusters"] = [
                [
                    round(r[0], POINT_DECIMALS),
                    round(r[1], POINT_DECIMALS),
                    int(r[2]),
                    int(r[3]),
                    int(r[4]),
                    int(r[5]),
                    int(r[6]),
                    *(round(v, POINT_DECIMALS) for v in r[7:11]),
                ]
                for r in table.tolist()
            ]
        singles = idx[~big[inverse]]
    out["points"] = [
        [
            round(float(points.lon[i]), POINT_DECIMALS),
            round(float(points.lat[i]), POINT_DECIMALS),
            CLASSES[points.rank[i]],
            points.code[i],
            points.name[i],
        ]
        for i in singles.tolist()
    ]
    return out


def parse_cells(value: str | None, zoom: int) -> tuple[int, int, int, int] | None:
    """A "x0,y0,x1,y1" range of squares at a zoom (ValueError when malformed or too big)."""
    if not value:
        return None
    x0, y0, x1, y1 = (int(v) for v in value.split(","))
    top = cells_of(zoom) - 1
    x0, x1 = max(0, x0), min(top, x1)
    y0, y1 = max(0, y0), min(top, y1)
    if x1 < x0 or y1 < y0 or (x1 - x0 + 1) * (y1 - y0 + 1) > MAX_CELLS:
        raise ValueError("cells")
    return x0, y0, x1, y1


def clusters_geojson(doc: dict[str, Any]) -> dict[str, Any]:
    """A clusters document (clusters()) as the GeoJSON the map's layer draws: a cluster is a
    point with `cluster`, `count`, `mix` (green, blue, yellow, red) and `bounds` (west,
    south, east, north: where a click zooms to); a single enterprise has `safety_class`,
    `credit_code` and `name`."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": c[0:2]},
            "properties": {"cluster": True, "count": c[2], "mix": c[3:7], "bounds": c[7:11]},
        }
        for c in doc["clusters"]
    ]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": p[0:2]},
            "properties": {"safety_class": p[2], "credit_code": p[3], "name": p[4]},
        }
        for p in doc["points"]
    ]
    return collection(features, zoom=doc["zoom"], cell=doc["cell"])
