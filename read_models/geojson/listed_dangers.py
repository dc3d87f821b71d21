"""Listed major hidden dangers as GeoJSON points: listing level and body, deadline, status,
overdue and the enterprise."""

from __future__ import annotations

from typing import Any

from read_models.geojson.common import collection, point


def features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON with listing level, body, deadline, status, overdue and the enterprise."""
    keep = (
        "code",
        "description",
        "listing_level",
        "listing_body",
        "deadline",
        "status",
        "overdue",
        "enterprise",
        "credit_code",
    )
    return collection([point(r["lon"], r["lat"], {k: r[k] for k in keep}) for r in rows])
