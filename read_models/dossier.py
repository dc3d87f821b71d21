"""The enterprise dossier (一企一档): facts, grids, class history, hidden dangers, major hazards,
sensors and alarms of one enterprise."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.rules.metrics import RECTIFIED_STATUSES, days_overdue, is_overdue
from data_loaders.store.schema import (
    Alarm,
    Enterprise,
    HiddenDanger,
    MajorHazard,
    SafetyClassChange,
    Sensor,
    SensorState,
)
from data_loaders.vocab import tags_of
from read_models.grids import load_grid_chain
from read_models.sensors import sensor_item


def load_enterprise_dossier(
    session: Session, credit_code: str, today: date
) -> dict[str, Any] | None:
    """一企一档: facts, class history, hidden dangers, major hazards, sensors, alarms."""
    e = session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code))
    if e is None:
        return None
    chain = load_grid_chain(session, e.grid.code) if e.grid else []
    history = session.execute(
        select(
            SafetyClassChange.from_class,
            SafetyClassChange.to_class,
            SafetyClassChange.changed_on,
            SafetyClassChange.reason,
        )
        .where(SafetyClassChange.enterprise_id == e.id)
        .order_by(SafetyClassChange.changed_on, SafetyClassChange.id)
    ).all()
    dangers = session.scalars(
        select(HiddenDanger)
        .where(HiddenDanger.enterprise_id == e.id, HiddenDanger.is_drill.is_(False))
        .order_by(HiddenDanger.found_on.desc())
    ).all()
    open_ = [d for d in dangers if d.status not in RECTIFIED_STATUSES]
    hazards = session.scalars(select(MajorHazard).where(MajorHazard.enterprise_id == e.id)).all()
    sensors = session.scalars(
        select(Sensor)
        .where(Sensor.enterprise_id == e.id, Sensor.is_drill.is_(False))
        .order_by(Sensor.tag)
    ).all()
    states = {
        st.sensor_id: st
        for st in session.scalars(
            select(SensorState).where(SensorState.sensor_id.in_([s.id for s in sensors]))
        )
    }
    alarms = (
        session.scalars(
            select(Alarm)
            .where(Alarm.sensor_id.in_([s.id for s in sensors]), Alarm.is_drill.is_(False))
            .order_by(Alarm.opened_at.desc())
            .limit(20)
        ).all()
        if sensors
        else []
    )
    tag_of = {s.id: s.tag for s in sensors}
    return {
        "credit_code": e.credit_code,
        "name": e.name,
        "industry": e.industry,
        "address": e.address,
        "employees": e.employees,
        "safety_class": e.safety_class,
        "risk_tags": tags_of(e.risk_tags),
        "lon": e.lon,
        "lat": e.lat,
        "mutual_aid": e.mutual_aid,
        "trusteeship": e.trusteeship,
        "last_self_report": e.last_self_report.isoformat() if e.last_self_report else None,
        "grids": chain,
        "grid_worker": {"name": e.grid.responsible_person, "phone": e.grid.phone}
        if e.grid
        else None,
        "class_history": [
            {"from": f, "to": t, "on": on.isoformat(), "reason": reason}
            for f, t, on, reason in history
        ],
        "hidden_dangers": {
            "total": len(dangers),
            "open": len(open_),
            "overdue": sum(1 for d in open_ if is_overdue(d.status, d.deadline, today)),
            "rectified": len(dangers) - len(open_),
            "items": [
                {
                    "code": d.code,
                    "category": d.category,
                    "severity": d.severity,
                    "description": d.description,
                    "found_on": d.found_on.isoformat(),
                    "deadline": d.deadline.isoformat() if d.deadline else None,
                    "status": d.status,
                    "overdue": is_overdue(d.status, d.deadline, today),
                    "days_overdue": days_overdue(d.deadline, today)
                    if d.status not in RECTIFIED_STATUSES
                    else 0,
                }
                for d in (open_ + [d for d in dangers if d not in open_])[:30]
            ],
        },
        "major_hazards": [
            {
                "name": h.name,
                "r_value": h.r_value,
                "level": h.level,
                "control_status": h.control_status,
                "substances": [
                    {"substance": s.substance, "quantity_t": s.quantity_t} for s in h.substances
                ],
            }
            for h in hazards
        ],
        "sensors": [sensor_item(s, None, states.get(s.id)) for s in sensors],
        "alarms": [
            {
                "id": a.id,
                "sensor": tag_of.get(a.sensor_id),
                "level": a.level,
                "state": a.state,
                "opened_at": a.opened_at.isoformat(),
                "peak": a.peak,
                "count": a.count,
            }
            for a in alarms
        ],
    }
