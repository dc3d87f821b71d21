"""Emergency resources as GeoJSON points: code, name, type, contact and the figures of the type
(a team's members and speciality, a store's items, a shelter's capacity, a medical unit's beds
and ambulances, an expert's speciality and phone)."""

from __future__ import annotations

from typing import Any

from read_models.geojson.common import collection, point


def features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON with what each resource's symbol and tooltip show (no address, no equipment)."""
    return collection(
        [
            point(r["lon"], r["lat"], {k: v for k, v in r.items() if k not in ("lon", "lat")})
            for r in rows
        ]
    )
