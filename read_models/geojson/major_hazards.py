"""Major hazard installations as GeoJSON points: name, R, GB 18218 level, control status."""

from __future__ import annotations

from typing import Any

from read_models.geojson.common import collection, point


def features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON with name, r_value, level, control_status and the enterprise."""
    keep = ("name", "enterprise", "credit_code", "r_value", "level", "control_status")
    return collection([point(r["lon"], r["lat"], {k: r[k] for k in keep}) for r in rows])
