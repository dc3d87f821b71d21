"""Open sensor alarms as GeoJSON points, level 1 first so level 2 draws on top, each with the
number of open alarms at its place; a running drill's are marked (`drill`) and counted apart."""

from __future__ import annotations

from typing import Any

from read_models.geojson.common import collection, point


def features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON of open alarms (level 1 first so level 2 draws on top), each with the number
    of open alarms at its place (`here`, `here_level_2`) and whether it is the one the map
    shows there (`shown`). A drill's alarms (`drill`) are a place of their own: the real
    symbol there keeps the real count, and the drill's draws beside it marked 演练."""
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
    def place(r: dict[str, Any]) -> tuple[float, float, bool]:
        return round(r["lon"], 6), round(r["lat"], 6), bool(r["is_drill"])

    groups: dict[tuple[float, float, bool], list[dict[str, Any]]] = {}
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
            "drill": bool(r["is_drill"]),
        }

    ordered = sorted(rows, key=lambda r: r["level"])  # level 1 first: level 2 draws on top
    return collection([point(r["lon"], r["lat"], props(r)) for r in ordered])
