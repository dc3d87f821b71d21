"""Listed major hidden dangers: a symbol per listing level, with the deadline; overdue stand out."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

from layers._geojson import collection, point

NAME = "listed_dangers"
ID = "layer-listed-dangers"
PANE = "onemap-listed"
LABELS = ("listing.short.", "listed.")


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


def build(url: str | None, hideout: dict[str, Any]) -> dl.GeoJSON:
    """The dash-leaflet layer: a badge per listed danger with its listing level
    (assets/onemap.js listedPoint)."""
    return dl.GeoJSON(
        id=ID,
        url=url,
        hideout=hideout,
        pointToLayer={"variable": "onemap.listedPoint"},
        filter={"variable": "onemap.filter"},
    )
