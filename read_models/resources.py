"""What the map places for an emergency: the emergency resources (who can help) and the
sensitive targets (what to protect), each with its position and the figures its symbol shows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.store.schema import Resource, Target

# per resource type, the columns that say what it brings (the others stay empty for it)
RESOURCE_FIGURES: dict[str, tuple[str, ...]] = {
    "rescue_team": ("members", "speciality"),
    "material_store": ("items",),
    "shelter": ("capacity", "is_open"),
    "fire_station": ("members", "speciality"),
    "medical": ("beds", "ambulances"),
    "expert": ("speciality", "phone"),
}


def load_resource_points(session: Session) -> list[dict[str, Any]]:
    """Every emergency resource: code, name, type, position, contact and phone, and the
    figures of its type (RESOURCE_FIGURES; empty ones left out)."""
    rows = session.scalars(select(Resource).order_by(Resource.type, Resource.id)).all()
    out = []
    for r in rows:
        row: dict[str, Any] = {
            "code": r.code,
            "name": r.name,
            "type": r.type,
            "contact": r.contact,
            "phone": r.phone,
            "lon": r.lon,
            "lat": r.lat,
        }
        for key in RESOURCE_FIGURES.get(r.type, ()):
            value = getattr(r, key)
            if value is not None and value != "":
                row[key] = value
        out.append(row)
    return out


def load_target_points(session: Session) -> list[dict[str, Any]]:
    """Every sensitive target: code, name, type, the people usually there, contact, phone and
    position."""
    rows = session.scalars(select(Target).order_by(Target.type, Target.id)).all()
    return [
        {
            "code": t.code,
            "name": t.name,
            "type": t.type,
            "people": t.people,
            "contact": t.contact,
            "phone": t.phone,
            "lon": t.lon,
            "lat": t.lat,
        }
        for t in rows
    ]
