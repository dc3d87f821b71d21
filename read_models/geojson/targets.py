"""Sensitive targets as GeoJSON points: code, name, type, the people usually there, contact and
phone."""

from __future__ import annotations

from typing import Any

from read_models.geojson.common import collection, point


def features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON with what each target's symbol and tooltip show (no address)."""
    keep = ("code", "name", "type", "people", "contact", "phone")
    return collection([point(r["lon"], r["lat"], {k: r[k] for k in keep}) for r in rows])
