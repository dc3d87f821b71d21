"""Major hazard installations: a symbol per GB 18218 level, R and control status in the tooltip."""

from __future__ import annotations

from typing import Any

from layers._geojson import collection, point

NAME = "major_hazards"


def features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON with name, r_value, level, control_status and the enterprise."""
    keep = ("name", "enterprise", "credit_code", "r_value", "level", "control_status")
    return collection([point(r["lon"], r["lat"], {k: r[k] for k in keep}) for r in rows])
