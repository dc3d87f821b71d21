"""The wind an incident's plume follows: the latest reading of the nearest weather station
(a place with a wind-speed and a wind-direction sensor; real sensors only, drills included:
the weather is real even in a drill)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.rules.zones import distances_m
from data_loaders.store.schema import Enterprise, Sensor, SensorState
from data_loaders.times import as_utc, iso

WIND_KINDS = ("wind_speed", "wind_direction")
MAX_AGE_S = 3 * 3600  # an older reading says nothing about the wind now


def nearest_wind(
    session: Session, lon: float, lat: float, now: datetime, max_age_s: int = MAX_AGE_S
) -> dict[str, Any] | None:
    """{"from_deg", "m_s", "at", "age_s", "station": {...}, "distance_m"} of the nearest
    station whose speed and direction both have a reading younger than max_age_s, or None."""
    rows = session.execute(
        select(
            Sensor.tag,
            Sensor.kind,
            Sensor.enterprise_id,
            Enterprise.name,
            Enterprise.lon,
            Enterprise.lat,
            SensorState.last_ts,
            SensorState.last_value,
        )
        .join(Enterprise, Enterprise.id == Sensor.enterprise_id)
        .join(SensorState, SensorState.sensor_id == Sensor.id)
        .where(
            Sensor.kind.in_(WIND_KINDS),
            Sensor.is_drill.is_(False),
            SensorState.last_value.is_not(None),
        )
    ).all()
    stations: dict[int, dict[str, Any]] = {}
    for tag, kind, place, name, plon, plat, ts, value in rows:
        if ts is None or (now - as_utc(ts)).total_seconds() > max_age_s:
            continue
        st = stations.setdefault(place, {"name": name, "lon": plon, "lat": plat})
        if kind not in st or as_utc(ts) > st[kind][1]:
            st[kind] = (tag, as_utc(ts), float(value))
    full = [s for s in stations.values() if all(k in s for k in WIND_KINDS)]
    if not full:
        return None
    far = distances_m(lon, lat, [s["lon"] for s in full], [s["lat"] for s in full])
    best = int(far.argmin())
    st = full[best]
    (speed_tag, speed_at, speed), (dir_tag, dir_at, direction) = (st[k] for k in WIND_KINDS)
    older = min(speed_at, dir_at)
    return {
        "from_deg": direction % 360.0,
        "m_s": speed,
        "at": iso(older),
        "age_s": int((now - older).total_seconds()),
        "station": {"name": st["name"], "speed_tag": speed_tag, "direction_tag": dir_tag},
        "distance_m": round(float(far[best])),
    }
