"""Open sensor alarms: pulsing markers, level 2 drawn above level 1."""

from __future__ import annotations

from typing import Any

from layers._geojson import collection, point

NAME = "alarms"


def features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON of open alarms (level 1 first so level 2 draws on top)."""
    keep = (
        "id",
        "level",
        "state",
        "sensor",
        "kind",
        "unit",
        "peak",
        "count",
        "opened_at",
        "enterprise",
        "credit_code",
        "rule",
        "scene",
        "last_value",
        "escalated",
        "recovered",
    )
    ordered = sorted(rows, key=lambda r: r["level"])
    return collection([point(r["lon"], r["lat"], {k: r[k] for k in keep}) for r in ordered])
