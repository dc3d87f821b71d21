"""An incident as the API and the page show it: where, what, its affected zones (rings in
metres and, for a release, the plume's AEGL footprints with the wind it follows), what each
zone holds (enterprises by class, major hazards, sensitive targets and their people), the
nearest emergency resources of each type, the grid workers to call, and its timeline."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data_loaders import vocab
from data_loaders.rules import plume as plume_rules
from data_loaders.rules.zones import bounds_of, distances_m, inside, ring
from data_loaders.store.schema import (
    Alarm,
    AlarmEvent,
    Enterprise,
    Grid,
    Incident,
    IncidentEvent,
    IncidentTask,
    MajorHazard,
    Resource,
    Target,
)
from data_loaders.telemetry.wind import nearest_wind
from data_loaders.times import as_utc, iso

NEAREST = 3  # resources of each type listed, nearest first
MAX_CONTACTS = 30
DISTANCE_NOTE = "直线距离（非道路距离）/ straight-line distance, not by road"


_CLASS_RANK = {c: i for i, c in enumerate(vocab.SAFETY_CLASSES)}  # green 0 … red 3


def _box(model: Any, box: tuple[float, float, float, float]) -> Any:
    west, south, east, north = box
    return select(model).where(
        model.lon >= west, model.lon <= east, model.lat >= south, model.lat <= north
    )


def zone_holdings(session: Session, zone: dict[str, Any]) -> dict[str, Any]:
    """What lies inside a zone: enterprises by class and each one (credit code, name, class),
    major hazards, sensitive targets with their people (by type and in all) and each one with
    its contact and phone."""
    box = bounds_of(zone)
    ents = session.execute(
        select(
            Enterprise.id,
            Enterprise.credit_code,
            Enterprise.name,
            Enterprise.safety_class,
            Enterprise.lon,
            Enterprise.lat,
        ).where(
            Enterprise.lon >= box[0],
            Enterprise.lon <= box[2],
            Enterprise.lat >= box[1],
            Enterprise.lat <= box[3],
        )
    ).all()
    hit = inside(zone, [e.lon for e in ents], [e.lat for e in ents])
    kept = [e for e, ok in zip(ents, hit, strict=True) if ok]
    by_class = {c: 0 for c in vocab.SAFETY_CLASSES}
    for e in kept:
        by_class[e.safety_class] = by_class.get(e.safety_class, 0) + 1
    ids = {e.id for e in kept}
    hazards = [
        {"name": name, "level": level, "enterprise_id": eid}
        for name, level, eid in session.execute(
            select(MajorHazard.name, MajorHazard.level, MajorHazard.enterprise_id)
        )
        if eid in ids
    ]
    targets = list(session.scalars(_box(Target, box)))
    in_t = inside(zone, [t.lon for t in targets], [t.lat for t in targets])
    targets = [t for t, ok in zip(targets, in_t, strict=True) if ok]
    by_type: dict[str, dict[str, int]] = {}
    for t in targets:
        row = by_type.setdefault(t.type, {"count": 0, "people": 0})
        row["count"] += 1
        row["people"] += t.people or 0
    return {
        "enterprises": {
            "total": len(kept),
            **by_class,
            # each one (the lists to notify): red first, then by credit code
            "items": [
                {"credit_code": e.credit_code, "name": e.name, "safety_class": e.safety_class}
                for e in sorted(
                    kept, key=lambda e: (-_CLASS_RANK.get(e.safety_class, 0), e.credit_code)
                )
            ],
        },
        "major_hazards": {
            "total": len(hazards),
            "items": sorted(hazards, key=lambda h: h["level"]),
        },
        "targets": {
            "total": len(targets),
            "people": sum(t.people or 0 for t in targets),
            "by_type": by_type,
            "items": [
                {
                    "code": t.code,
                    "name": t.name,
                    "type": t.type,
                    "people": t.people,
                    "contact": t.contact,
                    "phone": t.phone,
                }
                for t in sorted(targets, key=lambda t: -(t.people or 0))
            ],
        },
    }


def nearest_resources(session: Session, lon: float, lat: float) -> dict[str, list[dict]]:
    """The nearest resources of each type (straight-line metres), nearest first."""
    rows = list(session.scalars(select(Resource)))
    far = distances_m(lon, lat, [r.lon for r in rows], [r.lat for r in rows])
    out: dict[str, list[dict]] = {t: [] for t in vocab.RESOURCE_TYPES}
    for i in np.argsort(far, kind="stable"):
        r = rows[int(i)]
        shelf = out.setdefault(r.type, [])
        if len(shelf) < NEAREST:
            shelf.append(
                {
                    "code": r.code,
                    "name": r.name,
                    "type": r.type,
                    "distance_m": round(float(far[int(i)])),
                    "contact": r.contact,
                    "phone": r.phone,
                    "members": r.members,
                    "speciality": r.speciality,
                    "items": r.items,
                    "capacity": r.capacity,
                    "beds": r.beds,
                    "ambulances": r.ambulances,
                }
            )
    return out


def grid_contacts(session: Session, zone: dict[str, Any], lon: float, lat: float) -> list[dict]:
    """The grid workers responsible inside a zone: the finest grids whose box meets it, with
    their responsible person and phone, nearest first."""
    west, south, east, north = bounds_of(zone)
    rows = session.execute(
        select(
            Grid.code,
            Grid.name,
            Grid.level,
            Grid.responsible_person,
            Grid.phone,
            Grid.min_lon,
            Grid.min_lat,
            Grid.max_lon,
            Grid.max_lat,
        ).where(
            Grid.min_lon <= east, Grid.max_lon >= west, Grid.min_lat <= north, Grid.max_lat >= south
        )
    ).all()
    if not rows:
        return []
    finest = max(r.level for r in rows)
    rows = [r for r in rows if r.level == finest and r.responsible_person]
    mids = (
        [(r.min_lon + r.max_lon) / 2 for r in rows],
        [(r.min_lat + r.max_lat) / 2 for r in rows],
    )
    far = distances_m(lon, lat, *mids)
    order = np.argsort(far, kind="stable")[:MAX_CONTACTS]
    return [
        {
            "grid": rows[int(i)].code,
            "name": rows[int(i)].name,
            "level": rows[int(i)].level,
            "person": rows[int(i)].responsible_person,
            "phone": rows[int(i)].phone,
            "distance_m": round(float(far[int(i)])),
        }
        for i in order
    ]


def screen_release(
    session: Session, release: dict[str, Any], lon: float, lat: float, now: datetime
) -> tuple[dict | None, dict | None, dict | None]:
    """(plume, wind, problem): the release screened with its own wind, or else the nearest
    station's latest (so the plume follows new readings), or why it could not be."""
    wind: dict[str, Any] | None
    given = dict(release)
    if "wind_m_s" in given:
        wind = {"from_deg": given["wind_from_deg"], "m_s": given["wind_m_s"], "source": "request"}
    else:
        station = nearest_wind(session, lon, lat, now)
        if station is None:
            return None, None, {"code": "no_wind", "message": "no station has a recent wind"}
        wind = {**station, "source": "station"}
        # below 0.5 m/s a Gaussian plume says nothing: screen calm air as 0.5 m/s, and say so
        given.update(wind_from_deg=station["from_deg"], wind_m_s=max(station["m_s"], 0.5))
        if station["m_s"] < 0.5:
            wind["calm"] = True
    try:
        return plume_rules.plume(given, lon, lat), wind, None
    except plume_rules.PlumeError as exc:
        return None, wind, {"code": exc.code, "message": exc.message_en, "field": exc.field}


def related_alarms(session: Session, inc: Incident) -> list[Alarm]:
    """The alarms an incident concerns: the one it was opened from, and a drill's own."""
    cond = []
    if inc.alarm_id is not None:
        cond.append(Alarm.id == inc.alarm_id)
    if inc.drill_id is not None:
        cond.append(Alarm.drill_id == inc.drill_id)
    if not cond:
        return []
    return list(session.scalars(select(Alarm).where(or_(*cond)).order_by(Alarm.opened_at)))


def timeline(
    session: Session, events: list[IncidentEvent], alarms: list[Alarm]
) -> list[dict[str, Any]]:
    """Everything that happened, oldest first: the incident's own events (opened, notes,
    tasks, injections, closed) and its alarms' (opened, raised, acknowledged, dispatched…)."""
    rows = [
        (
            e.at,
            0,
            e.id,
            {
                "at": iso(e.at),
                "actor": e.actor,
                "action": e.action,
                "note": e.note,
                "source": "incident",
            },
        )
        for e in events
    ]
    ids = [a.id for a in alarms]
    if ids:
        for ev in session.scalars(select(AlarmEvent).where(AlarmEvent.alarm_id.in_(ids))):
            rows.append(
                (
                    ev.at,
                    1,
                    ev.id,
                    {
                        "at": iso(ev.at),
                        "actor": ev.actor,
                        "action": ev.action,
                        "note": ev.note,
                        "source": "alarm",
                        "alarm_id": ev.alarm_id,
                    },
                )
            )
    rows.sort(key=lambda r: (as_utc(r[0]), r[1], r[2]))
    return [r[3] for r in rows]


def response_figures(
    inc: Incident, alarms: list[Alarm], tasks: list[IncidentTask]
) -> dict[str, Any]:
    """When each step of the response came (first alarm → acknowledged → dispatched →
    arrived → closed) and how many seconds after the start (the first alarm, else the
    incident's opening)."""

    def first(values: list[Any]) -> datetime | None:
        found = [as_utc(v) for v in values if v is not None]
        return min(found) if found else None

    steps = {
        "first_alarm": first([a.opened_at for a in alarms]),
        "acknowledged": first([a.acknowledged_at for a in alarms]),
        "opened": as_utc(inc.opened_at),
        "dispatched": first([t.sent_at for t in tasks]),
        "arrived": first([t.arrived_at for t in tasks]),
        "closed": as_utc(inc.closed_at),
    }
    start = steps["first_alarm"] or steps["opened"]
    return {
        "start": iso(start),
        "steps": {
            name: {
                "at": iso(at),
                "after_s": None
                if at is None or start is None
                else round((at - start).total_seconds()),
            }
            for name, at in steps.items()
        },
    }


def load_incident(session: Session, incident_id: int, now: datetime) -> dict[str, Any] | None:
    """One incident with its zones and what they hold, resources, contacts, tasks and
    timeline; None when unknown."""
    inc = session.get(Incident, incident_id)
    if inc is None:
        return None
    ent = session.get(Enterprise, inc.enterprise_id) if inc.enterprise_id else None
    radii = json.loads(inc.radii_m or "[]")
    release = json.loads(inc.release) if inc.release else None
    zones: list[dict[str, Any]] = [
        {"id": f"ring-{r}", "kind": "ring", "radius_m": r, "polygon": ring(inc.lon, inc.lat, r)}
        for r in radii
    ]
    plume = wind = problem = None
    if release is not None:
        plume, wind, problem = screen_release(session, release, inc.lon, inc.lat, now)
        for level in plume_rules.LEVELS if plume else ():
            shape = plume["footprints"][level]
            if shape is not None:
                zones.append(
                    {
                        "id": level,
                        "kind": "plume",
                        "distance_m": plume[f"{level}_m"],
                        "polygon": shape,
                    }
                )
    for zone in zones:
        zone["holds"] = zone_holdings(session, zone["polygon"])
    widest = max(
        (z for z in zones if z["kind"] == "ring"), key=lambda z: z["radius_m"], default=None
    )
    tasks = list(
        session.scalars(
            select(IncidentTask).where(IncidentTask.incident_id == inc.id).order_by(IncidentTask.id)
        )
    )
    events = list(session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == inc.id)))
    alarms = related_alarms(session, inc)
    names = dict(
        session.execute(
            select(Resource.id, Resource.name).where(
                Resource.id.in_([t.resource_id for t in tasks if t.resource_id])
            )
        ).all()
    )
    return {
        "id": inc.id,
        "kind": inc.kind,
        "drill": inc.is_drill,
        "drill_id": inc.drill_id,
        "state": inc.state,
        "title": inc.title,
        "lon": inc.lon,
        "lat": inc.lat,
        "enterprise": {
            "credit_code": ent.credit_code,
            "name": ent.name,
            "safety_class": ent.safety_class,
        }
        if ent
        else None,
        "alarm_id": inc.alarm_id,
        "opened_at": iso(inc.opened_at),
        "opened_by": inc.opened_by,
        "closed_at": iso(inc.closed_at),
        "closed_by": inc.closed_by,
        "summary": inc.summary,
        "radii_m": radii,
        "release": release,
        "wind": wind,
        "plume": plume,
        "plume_problem": problem,
        "zones": zones,
        "resources": nearest_resources(session, inc.lon, inc.lat),
        "distance_note": DISTANCE_NOTE,
        "contacts": grid_contacts(session, widest["polygon"], inc.lon, inc.lat) if widest else [],
        "tasks": [
            {
                "id": t.id,
                "resource_id": t.resource_id,
                "resource": names.get(t.resource_id),
                "title": t.title,
                "state": t.state,
                "sent_at": iso(t.sent_at),
                "arrived_at": iso(t.arrived_at),
                "done_at": iso(t.done_at),
                "by": t.created_by,
            }
            for t in tasks
        ],
        "alarms": [
            {"id": a.id, "level": a.level, "state": a.state, "opened_at": iso(a.opened_at)}
            for a in alarms
        ],
        "timeline": timeline(session, events, alarms),
        "response": response_figures(inc, alarms, tasks),
    }


def load_incident_place(session: Session, incident_id: int) -> dict[str, Any] | None:
    """Where the map looks for an incident: the box of its widest ring (a plume may reach
    farther: the map then shows its start), and whether it is a drill; None when unknown."""
    inc = session.get(Incident, incident_id)
    if inc is None:
        return None
    reach = max(json.loads(inc.radii_m or "[]") or [1000])
    dlat = reach / 111_320
    dlon = reach / (111_320 * math.cos(math.radians(inc.lat)))
    return {
        "bounds": [[inc.lat - dlat, inc.lon - dlon], [inc.lat + dlat, inc.lon + dlon]],
        "drill": inc.is_drill,
        "state": inc.state,
    }


def load_incidents(session: Session, state: str | None = "open") -> list[dict[str, Any]]:
    """Incidents in short (newest first): real and drill alike, each marked."""
    query = select(Incident).order_by(Incident.opened_at.desc(), Incident.id.desc())
    if state:
        query = query.where(Incident.state == state)
    return [
        {
            "id": i.id,
            "kind": i.kind,
            "drill": i.is_drill,
            "state": i.state,
            "title": i.title,
            "lon": i.lon,
            "lat": i.lat,
            "opened_at": iso(i.opened_at),
        }
        for i in session.scalars(query.limit(100))
    ]
