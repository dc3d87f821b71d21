"""Alarms as the API, the strip, the alarm panel and the map read them: open ones with their
place, lists by state, one alarm with its events, the strip's feed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from data_loaders.rules.lifecycle import OPEN_STATES
from data_loaders.store.schema import Alarm, AlarmEvent, Drill, Enterprise, Sensor
from data_loaders.times import iso

OPEN_ALARM_STATES = OPEN_STATES


def alarm_select() -> Select:
    """Alarms with their sensor and (when it has one) enterprise."""
    return (
        select(Alarm, Sensor, Enterprise)
        .join(Sensor, Sensor.id == Alarm.sensor_id)
        .join(Enterprise, Enterprise.id == Sensor.enterprise_id, isouter=True)
    )


def alarm_item(a: Alarm, s: Sensor, e: Enterprise | None) -> dict[str, Any]:
    """One alarm as the API, the strip and the map show it."""
    return {
        "id": a.id,
        "sensor": s.tag,
        "kind": s.kind,
        "scene": s.scene,
        "unit": s.unit,
        "device": s.device,
        "location": s.location,
        "rule": a.rule,
        "level": a.level,
        "state": a.state,
        "opened_at": iso(a.opened_at),
        "last_at": iso(a.last_at),
        "peak": a.peak,
        "last_value": a.last_value,
        "count": a.count,
        "recovered": a.recovered_at is not None,
        "recovered_at": iso(a.recovered_at),
        "escalated": a.escalated,
        "acknowledged_at": iso(a.acknowledged_at),
        "assignee": a.assignee,
        "due_at": iso(a.due_at),
        "feedback": a.feedback,
        "closed_at": iso(a.closed_at),
        "close_reason": a.close_reason,
        "thresholds": {"level_1": s.level_1, "level_2": s.level_2, "direction": s.direction},
        "is_drill": a.is_drill,
        "enterprise": e.name if e else None,
        "credit_code": e.credit_code if e else None,
        "lon": e.lon if e else None,
        "lat": e.lat if e else None,
    }


def on_screens(screens: bool) -> ColumnElement[bool]:
    """Which alarms a list shows: real ones; on the operators' screens (`screens`) also those
    of a drill under way, so operators practise on the real screens (each marked 演练 there,
    and left out of every figure: counts come from real alarms only)."""
    if not screens:
        return Alarm.is_drill.is_(False)
    running = select(Drill.id).where(Drill.ended_at.is_(None))
    return or_(Alarm.is_drill.is_(False), Alarm.drill_id.in_(running))


def load_open_alarm_points(session: Session, screens: bool = False) -> list[dict[str, Any]]:
    """Open alarms with sensor, enterprise and position, level 2 first: real ones, and with
    `screens` those of a drill under way too (each says `is_drill`)."""
    rows = session.execute(
        alarm_select()
        .where(
            on_screens(screens),
            Alarm.state.in_(OPEN_ALARM_STATES),
            Enterprise.id.is_not(None),
        )
        .order_by(Alarm.level.desc(), Alarm.opened_at.desc())
    ).all()
    return [alarm_item(a, s, e) for a, s, e in rows]


def load_alarms(
    session: Session,
    states: list[str] | None = None,
    limit: int = 500,
    drill: bool = False,
    screens: bool = False,
) -> list[dict[str, Any]]:
    """Alarms, open before closed, newest first, in the given states (all when none): real
    ones, or a drill's (`drill`), or real ones and those of a drill under way (`screens`)."""
    where = Alarm.is_drill.is_(True) if drill else on_screens(screens)
    query = alarm_select().where(where)
    if states:
        query = query.where(Alarm.state.in_(states))
    order = (Alarm.state == "closed", Alarm.opened_at.desc(), Alarm.id.desc())
    rows = session.execute(query.order_by(*order).limit(limit)).all()
    return [alarm_item(a, s, e) for a, s, e in rows]


def load_alarm(session: Session, alarm_id: int) -> dict[str, Any] | None:
    """One alarm with its events (who, when, what), oldest first; None when unknown."""
    row = session.execute(alarm_select().where(Alarm.id == alarm_id)).first()
    if row is None:
        return None
    item = alarm_item(*row)
    events = session.execute(
        select(AlarmEvent.at, AlarmEvent.actor, AlarmEvent.action, AlarmEvent.note)
        .where(AlarmEvent.alarm_id == alarm_id)
        .order_by(AlarmEvent.at, AlarmEvent.id)
    ).all()
    item["events"] = [
        {"at": iso(at), "actor": actor, "action": action, "note": note}
        for at, actor, action, note in events
    ]
    return item


def load_alarm_feed(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The newest alarms (open first) for the bottom strip: real ones and a running drill's."""
    return load_alarms(session, None, limit, screens=True)
