"""Major hazard installations: a symbol per GB 18218 level, R and control status in the tooltip."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

from layers._geojson import collection, point

NAME = "major_hazards"
ID = "layer-major-hazards"
PANE = "onemap-hazards"
LABELS = ("hazard.", "control.")


def features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON with name, r_value, level, control_status and the enterprise."""
    keep = ("name", "enterprise", "credit_code", "r_value", "level", "control_status")
    return collection([point(r["lon"], r["lat"], {k: r[k] for k in keep}) for r in rows])


def build(url: str | None, hideout: dict[str, Any]) -> dl.GeoJSON:
    """The dash-leaflet layer: a diamond per installation with its GB 18218 level
    (assets/onemap.js hazardPoint)."""
    return dl.GeoJSON(
        id=ID,
        url=url,
        hideout=hideout,
        pointToLayer={"variable": "onemap.hazardPoint"},
        filter={"variable": "onemap.filter"},
    )
