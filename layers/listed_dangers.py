"""Listed major hidden dangers: a symbol per listing level, with the deadline; overdue stand out."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

from layers._geojson import collection, js, point

NAME = "listed_dangers"
ID = "layer-listed-dangers"


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


def build(url: str, hide: dict[str, Any]) -> dl.GeoJSON:
    """Flag markers; overdue ones are red and pulse."""
    return dl.GeoJSON(id=ID, url=url, pointToLayer=js("listedPoint"), hideout=hide)
