"""`onemap export KIND FILE`: the store written back in the columns import reads (WGS84)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import Point
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, aliased

from data_loaders import vocab
from data_loaders.files import write_table
from data_loaders.importers.kinds import KINDS
from data_loaders.store.engine import session_scope
from data_loaders.store.schema import (
    Campaign,
    CampaignTask,
    Committee,
    CommitteeTask,
    Enterprise,
    Grid,
    HazardSubstance,
    HiddenDanger,
    MajorHazard,
    Resource,
    Sensor,
    Target,
)

# Columns export adds that import computes rather than reads.
EXTRA_ZH = {"r_value": "R值", "hazard_level": "危险源级别", "grid_code": "网格编码"}

Rows = tuple[list[dict[str, Any]], list[Any] | None]


def _grids(s: Session) -> Rows:
    parent = aliased(Grid)
    q = (
        select(Grid, parent.code)
        .join(parent, Grid.parent_id == parent.id, isouter=True)
        .order_by(Grid.level, Grid.code)
    )
    rows, geoms = [], []
    for g, parent_code in s.execute(q):
        rows.append(
            {
                "code": g.code,
                "name": g.name,
                "level": g.level,
                "parent_code": parent_code,
                "responsible_person": g.responsible_person,
                "phone": g.phone,
            }
        )
        geoms.append(shapely.from_wkb(g.geometry) if g.geometry else None)
    return rows, geoms


def _enterprises(s: Session) -> Rows:
    rows, geoms = [], []
    for e in s.scalars(select(Enterprise).order_by(Enterprise.credit_code)):
        rows.append(
            {
                "credit_code": e.credit_code,
                "name": e.name,
                "industry": e.industry,
                "address": e.address,
                "employees": e.employees,
                "safety_class": e.safety_class,
                "risk_tags": ";".join(vocab.tags_of(e.risk_tags)),
                "lon": e.lon,
                "lat": e.lat,
                "mutual_aid": e.mutual_aid,
                "trusteeship": e.trusteeship,
                "last_self_report": e.last_self_report,
            }
        )
        geoms.append(Point(e.lon, e.lat))
    return rows, geoms


def _hidden_dangers(s: Session) -> Rows:
    q = (
        select(
            HiddenDanger,
            Enterprise.credit_code,
            Enterprise.lon,
            Enterprise.lat,
            Grid.code,
            Campaign.name,
        )
        .join(Enterprise, HiddenDanger.enterprise_id == Enterprise.id, isouter=True)
        .join(Grid, HiddenDanger.grid_id == Grid.id, isouter=True)
        .join(Campaign, HiddenDanger.campaign_id == Campaign.id, isouter=True)
        .where(HiddenDanger.is_drill.is_(False))
        .order_by(HiddenDanger.code)
    )
    rows, geoms = [], []
    for h, credit, elon, elat, grid_code, campaign in s.execute(q):
        rows.append(
            {
                "code": h.code,
                "credit_code": credit,
                "source": h.source,
                "category": h.category,
                "severity": h.severity,
                "description": h.description,
                "found_on": h.found_on,
                "deadline": h.deadline,
                "rectified_on": h.rectified_on,
                "accepted_on": h.accepted_on,
                "status": h.status,
                "campaign": campaign,
                "listing_level": h.listing_level,
                "listing_body": h.listing_body,
                "grid_code": grid_code,
                "lon": h.lon,
                "lat": h.lat,
            }
        )
        lon, lat = (h.lon, h.lat) if h.lon is not None else (elon, elat)
        geoms.append(Point(lon, lat) if lon is not None else None)
    return rows, geoms


def _major_hazards(s: Session) -> Rows:
    q = (
        select(MajorHazard, HazardSubstance, Enterprise)
        .join(HazardSubstance, HazardSubstance.hazard_id == MajorHazard.id)
        .join(Enterprise, Enterprise.id == MajorHazard.enterprise_id)
        .order_by(Enterprise.credit_code, MajorHazard.name, HazardSubstance.id)
    )
    rows, geoms = [], []
    for h, sub, e in s.execute(q):
        rows.append(
            {
                "credit_code": e.credit_code,
                "name": h.name,
                "substance": sub.substance,
                "quantity_t": sub.quantity_t,
                "exposed_people": h.exposed_people,
                "control_status": h.control_status,
                "r_value": h.r_value,
                "hazard_level": h.level,
            }
        )
        geoms.append(Point(e.lon, e.lat))
    return rows, geoms


def _sensors(s: Session) -> Rows:
    q = (
        select(Sensor, Enterprise.credit_code, MajorHazard.name)
        .join(Enterprise, Sensor.enterprise_id == Enterprise.id, isouter=True)
        .join(MajorHazard, Sensor.hazard_id == MajorHazard.id, isouter=True)
        .where(Sensor.is_drill.is_(False))
        .order_by(Sensor.tag)
    )
    rows = [
        {
            "tag": x.tag,
            "kind": x.kind,
            "unit": x.unit,
            "level_1": x.level_1,
            "level_2": x.level_2,
            "direction": x.direction,
            "stale_after_s": x.stale_after_s,
            "credit_code": credit,
            "device": x.device,
            "gateway": x.gateway,
            "location": x.location,
            "scene": x.scene,
            "hazard": hazard,
        }
        for x, credit, hazard in s.execute(q)
    ]
    return rows, None


def _campaign_tasks(s: Session) -> Rows:
    q = (
        select(CampaignTask, Campaign, Grid.code, Enterprise.credit_code)
        .join(Campaign, Campaign.id == CampaignTask.campaign_id)
        .join(Grid, Grid.id == CampaignTask.grid_id, isouter=True)
        .join(Enterprise, Enterprise.id == CampaignTask.enterprise_id, isouter=True)
        .order_by(CampaignTask.code)
    )
    rows = [
        {
            "campaign": c.name,
            "code": t.code,
            "title": t.title,
            "owner_unit": t.owner_unit,
            "town": town,
            "credit_code": credit,
            "due_on": t.due_on,
            "status": t.status,
            "progress": t.progress,
            "done_on": t.done_on,
            "campaign_start": c.starts_on,
            "campaign_end": c.ends_on,
        }
        for t, c, town, credit in s.execute(q)
    ]
    return rows, None


def _committee_tasks(s: Session) -> Rows:
    q = (
        select(CommitteeTask, Committee.code, Grid.code)
        .join(Committee, Committee.id == CommitteeTask.committee_id)
        .join(Grid, Grid.id == CommitteeTask.grid_id, isouter=True)
        .order_by(CommitteeTask.code)
    )
    rows = [
        {
            "committee": committee,
            "code": t.code,
            "title": t.title,
            "owner_unit": t.owner_unit,
            "town": town,
            "due_on": t.due_on,
            "status": t.status,
            "progress": t.progress,
            "done_on": t.done_on,
            "note": t.note,
            "evidence_url": t.evidence_url,
        }
        for t, committee, town in s.execute(q)
    ]
    return rows, None


def _resources(s: Session) -> Rows:
    rows, geoms = [], []
    for r in s.scalars(select(Resource).order_by(Resource.code)):
        rows.append(
            {
                "code": r.code,
                "name": r.name,
                "type": r.type,
                "lon": r.lon,
                "lat": r.lat,
                "address": r.address,
                "contact": r.contact,
                "phone": r.phone,
                "members": r.members,
                "speciality": r.speciality,
                "equipment": r.equipment,
                "items": r.items,
                "capacity": r.capacity,
                "is_open": r.is_open,
                "beds": r.beds,
                "ambulances": r.ambulances,
            }
        )
        geoms.append(Point(r.lon, r.lat))
    return rows, geoms


def _targets(s: Session) -> Rows:
    rows, geoms = [], []
    for t in s.scalars(select(Target).order_by(Target.code)):
        rows.append(
            {
                "code": t.code,
                "name": t.name,
                "type": t.type,
                "people": t.people,
                "lon": t.lon,
                "lat": t.lat,
                "address": t.address,
                "contact": t.contact,
                "phone": t.phone,
            }
        )
        geoms.append(Point(t.lon, t.lat))
    return rows, geoms


EXPORTERS: dict[str, Callable[[Session], Rows]] = {
    "grids": _grids,
    "enterprises": _enterprises,
    "hidden-dangers": _hidden_dangers,
    "major-hazards": _major_hazards,
    "sensors": _sensors,
    "campaign-tasks": _campaign_tasks,
    "committee-tasks": _committee_tasks,
    "resources": _resources,
    "targets": _targets,
}


def export_kind(engine: Engine, kind: str, path: str | Path, headers: str = "en") -> int:
    """Write one kind to CSV, XLSX or GeoJSON/GeoPackage (by extension); returns the row count."""
    with session_scope(engine) as session:
        rows, geoms = EXPORTERS[kind](session)
    columns = [c.name for c in KINDS[kind].columns]
    extra = [k for k in (rows[0] if rows else {}) if k not in columns]
    suffix = Path(path).suffix.lower()
    is_geo = suffix in (".geojson", ".json", ".gpkg")
    # CSV/XLSX cells as stored: a count with gaps stays 32, not pandas' 32.0.
    frame = pd.DataFrame(rows, columns=columns + extra, dtype=None if is_geo else object)
    if kind == "grids" and not is_geo:
        frame["wkt"] = [g.wkt if g is not None else None for g in geoms or []]
    if headers == "zh":
        zh = {c.name: c.zh for c in KINDS[kind].columns} | EXTRA_ZH
        frame = frame.rename(columns=zh)
    if is_geo and geoms is not None:
        keep = [i for i, g in enumerate(geoms) if g is not None]
        frame = frame.iloc[keep].reset_index(drop=True)
        geoms = [geoms[i] for i in keep]
    write_table(frame, path, geoms if is_geo else None)
    return len(frame)
