"""GeoJSON helpers shared by the map layers' features: points, shapes, rounding, serialisation."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import shapely
from shapely.geometry.base import BaseGeometry

POINT_DECIMALS = 6  # ~0.1 m: the contract for points
POLYGON_DECIMALS = 5  # ~1 m: enough for grid borders, a third fewer bytes


def point(lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    """A point feature, rounded to 6 decimals."""
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [round(lon, POINT_DECIMALS), round(lat, POINT_DECIMALS)],
        },
        "properties": properties,
    }


def shape(
    geom: BaseGeometry, properties: dict[str, Any], decimals: int = POLYGON_DECIMALS
) -> dict[str, Any]:
    """A feature of any geometry with coordinates rounded."""
    rounded = shapely.transform(geom, lambda xy: np.round(xy, decimals))
    return {
        "type": "Feature",
        "geometry": orjson.loads(shapely.to_geojson(rounded)),
        "properties": properties,
    }


def collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """A FeatureCollection (extra members, e.g. a bbox, go alongside)."""
    return {"type": "FeatureCollection", "features": features, **members}


def dumps(doc: dict[str, Any]) -> bytes:
    """Compact JSON bytes."""
    return orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS)
