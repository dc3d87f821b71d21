"""Major hazard installations: a symbol per GB 18218 level, R and control status in the tooltip."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

from layers._geojson import collection, js, point

NAME = "major_hazards"
ID = "layer-major-hazards"


def features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON with name, r_value, level, control_status and the enterprise."""
    keep = ("name", "enterprise", "credit_code", "r_value", "level", "control_status")
    return collection([point(r["lon"], r["lat"], {k: r[k] for k in keep}) for r in rows])


def build(url: str, hide: dict[str, Any]) -> dl.GeoJSON:
    """Diamond markers numbered by level."""
    return dl.GeoJSON(id=ID, url=url, pointToLayer=js("hazardPoint"), hideout=hide)
