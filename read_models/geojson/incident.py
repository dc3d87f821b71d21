"""One incident's zones for its map layer: the rings and plume footprints, biggest first (so
the smaller, graver ones are drawn over them), then the incident's place."""

from __future__ import annotations

from typing import Any

from read_models.geojson.common import collection, point

PLUME_ORDER = {"aegl_1": 0, "aegl_2": 1, "aegl_3": 2}  # AEGL-1 reaches farthest


def features(doc: dict[str, Any]) -> dict[str, Any]:
    """A FeatureCollection: each zone's polygon with what it is, then the centre point."""
    rings = sorted((z for z in doc["zones"] if z["kind"] == "ring"), key=lambda z: -z["radius_m"])
    plumes = sorted(
        (z for z in doc["zones"] if z["kind"] == "plume"), key=lambda z: PLUME_ORDER[z["id"]]
    )
    out = []
    for z in [*rings, *plumes]:
        holds = z["holds"]
        out.append(
            {
                "type": "Feature",
                "geometry": z["polygon"],
                "properties": {
                    "zone": z["id"],
                    "kind": z["kind"],
                    "radius_m": z.get("radius_m"),
                    "distance_m": z.get("distance_m"),
                    "people": holds["targets"]["people"],
                    "enterprises": holds["enterprises"]["total"],
                },
            }
        )
    out.append(
        point(
            doc["lon"],
            doc["lat"],
            {
                "incident": doc["id"],
                "kind": doc["kind"],
                "drill": doc["drill"],
                "state": doc["state"],
                "title": doc["title"],
                "enterprise": (doc["enterprise"] or {}).get("name"),
            },
        )
    )
    return collection(out)
