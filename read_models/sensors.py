"""Sensors with their thresholds and latest value, and a sensor's readings over time (hourly
means where only the summary is left, raw readings after)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.store.schema import Enterprise, Reading, ReadingRollup, Sensor, SensorState
from data_loaders.times import as_utc, iso


def load_sensors(session: Session, enterprise: str | None = None) -> list[dict[str, Any]]:
    """Every real sensor with its thresholds, enterprise and latest value, by tag."""
    query = (
        select(Sensor, Enterprise, SensorState)
        .join(Enterprise, Enterprise.id == Sensor.enterprise_id, isouter=True)
        .join(SensorState, SensorState.sensor_id == Sensor.id, isouter=True)
        .where(Sensor.is_drill.is_(False))
        .order_by(Sensor.tag)
    )
    if enterprise:
        query = query.where(Enterprise.credit_code == enterprise)
    return [sensor_item(s, e, st) for s, e, st in session.execute(query).all()]


def sensor_item(s: Sensor, e: Enterprise | None, st: SensorState | None) -> dict[str, Any]:
    """One sensor as the API and the dossier show it."""
    latest = None
    if st is not None and st.last_ts is not None:
        latest = {"ts": iso(st.last_ts), "value": st.last_value}
    return {
        "tag": s.tag,
        "kind": s.kind,
        "scene": s.scene,
        "unit": s.unit,
        "device": s.device,
        "location": s.location,
        "thresholds": {"level_1": s.level_1, "level_2": s.level_2, "direction": s.direction},
        "stale_after_s": s.stale_after_s,
        "enterprise": {"credit_code": e.credit_code, "name": e.name} if e else None,
        "latest": latest,
        "level": st.level if st is not None else 0,
    }


class UnknownSensor(LookupError):
    """No sensor has the tag asked for."""


def load_readings(
    session: Session,
    tag: str,
    since: datetime,
    until: datetime | None = None,
    limit: int = 20_000,
) -> list[dict[str, Any]]:
    """A sensor's readings from a time on, oldest first: hourly means where only the
    summary is left (older than the retention), raw readings after."""
    sid = session.scalar(select(Sensor.id).where(Sensor.tag == tag))
    if sid is None:
        raise UnknownSensor(tag)
    query = select(Reading.ts, Reading.value).where(Reading.sensor_id == sid, Reading.ts >= since)
    if until is not None:
        query = query.where(Reading.ts <= until)
    rows = session.execute(query.order_by(Reading.ts).limit(limit)).all()
    raw_from = as_utc(rows[0][0]) if rows else until
    rollups = session.execute(
        select(ReadingRollup.hour, ReadingRollup.mean_value)
        .where(ReadingRollup.sensor_id == sid, ReadingRollup.hour >= since)
        .order_by(ReadingRollup.hour)
    ).all()
    older = [
        {"ts": iso(h), "value": v}
        for h, v in rollups
        if raw_from is None or as_utc(h) < raw_from  # type: ignore[operator]
    ]
    return older + [{"ts": iso(ts), "value": v} for ts, v in rows]
