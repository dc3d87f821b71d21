"""Open sensor alarms: pulsing markers, level 2 drawn above level 1."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

from layers._geojson import collection, point

NAME = "alarms"
ID = "layer-alarms"
PANE = "onemap-alarms"
LABELS = ("alarm.",)


def features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON of open alarms (level 1 first so level 2 draws on top), each with the number
    of open alarms at its place (`here`, `here_level_2`) and whether it is the one the map
    shows there (`shown`)."""
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

    # Several alarms at one place (an enterprise's sensors) would pile up as one symbol: each
    # feature says how many are open there, and which one the map shows for the place (the
    # highest level, escalated first; the rows come newest first).
    def place(r: dict[str, Any]) -> tuple[float, float]:
        return round(r["lon"], 6), round(r["lat"], 6)

    groups: dict[tuple[float, float], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(place(r), []).append(r)
    here = {
        key: {
            "here": len(group),
            "here_level_2": sum(1 for g in group if g["level"] == 2),
            "first": id(max(group, key=lambda r: (r["level"], bool(r["escalated"])))),
        }
        for key, group in groups.items()
    }

    def props(r: dict[str, Any]) -> dict[str, Any]:
        at = here[place(r)]
        return {
            **{k: r[k] for k in keep},
            "here": at["here"],
            "here_level_2": at["here_level_2"],
            "shown": at["first"] == id(r),
        }

    ordered = sorted(rows, key=lambda r: r["level"])  # level 1 first: level 2 draws on top
    return collection([point(r["lon"], r["lat"], props(r)) for r in ordered])


def build(url: str | None, hideout: dict[str, Any]) -> dl.GeoJSON:
    """The dash-leaflet layer: one pulsing symbol per place, the largest on the map
    (assets/onemap.js alarmPoint)."""
    return dl.GeoJSON(
        id=ID,
        url=url,
        hideout=hideout,
        pointToLayer={"variable": "onemap.alarmPoint"},
        filter={"variable": "onemap.filter"},
    )
