"""What the map places: enterprises (filtered as the map's filters ask), major hazard
installations and listed hidden dangers with their positions, and the industries to filter by."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data_loaders.rules.metrics import is_overdue
from data_loaders.store.schema import Enterprise, HiddenDanger, MajorHazard
from data_loaders.vocab import RISK_TAGS
from read_models.grids import resolve_scope


def load_enterprise_points(
    session: Session,
    classes: list[str] | None = None,
    industries: list[str] | None = None,
    tags: list[str] | None = None,
    grid_code: str | None = None,
    text: str | None = None,
) -> list[tuple[str, str, str, float, float]]:
    """(credit_code, name, safety_class, lon, lat) of the enterprises the filters keep."""
    stmt = select(
        Enterprise.credit_code,
        Enterprise.name,
        Enterprise.safety_class,
        Enterprise.lon,
        Enterprise.lat,
    )
    if classes:
        stmt = stmt.where(Enterprise.safety_class.in_(classes))
    if industries:
        stmt = stmt.where(Enterprise.industry.in_(industries))
    if tags:
        # only known tags reach the LIKE (a "%" from the URL would match every enterprise)
        known = [t for t in tags if t in RISK_TAGS] or ["-"]
        stmt = stmt.where(or_(*(Enterprise.risk_tags.like(f"%;{t};%") for t in known)))
    if grid_code:
        scope = resolve_scope(session, grid_code)
        stmt = stmt.where(scope.where(Enterprise.grid_id))
    if text:
        stmt = stmt.where(
            # autoescape: % and _ in what the user typed are characters, not wildcards
            or_(
                Enterprise.name.contains(text, autoescape=True),
                Enterprise.credit_code == text.upper(),
            )
        )
    return [tuple(r) for r in session.execute(stmt.order_by(Enterprise.id)).all()]  # type: ignore[misc]


def load_industries(session: Session) -> list[tuple[str, int]]:
    """Industries with their enterprise counts, largest first (for the filter)."""
    rows = session.execute(
        select(Enterprise.industry, func.count())
        .where(Enterprise.industry.is_not(None))
        .group_by(Enterprise.industry)
        .order_by(func.count().desc())
    ).all()
    return [(str(i), int(n)) for i, n in rows]


def load_major_hazard_points(session: Session) -> list[dict[str, Any]]:
    """Major hazard installations with their enterprise and position."""
    rows = session.execute(
        select(MajorHazard, Enterprise.name, Enterprise.credit_code, Enterprise.lon, Enterprise.lat)
        .join(Enterprise, Enterprise.id == MajorHazard.enterprise_id)
        .order_by(MajorHazard.level, MajorHazard.id)
    ).all()
    return [
        {
            "name": h.name,
            "enterprise": ename,
            "credit_code": code,
            "r_value": h.r_value,
            "level": h.level,
            "control_status": h.control_status,
            "lon": lon,
            "lat": lat,
        }
        for h, ename, code, lon, lat in rows
    ]


def load_listed_danger_points(session: Session, today: date) -> list[dict[str, Any]]:
    """Listed major hidden dangers with position (own, else the enterprise's) and overdue flag."""
    rows = session.execute(
        select(
            HiddenDanger, Enterprise.name, Enterprise.credit_code, Enterprise.lon, Enterprise.lat
        )
        .join(Enterprise, Enterprise.id == HiddenDanger.enterprise_id, isouter=True)
        .where(HiddenDanger.listing_level.is_not(None), HiddenDanger.is_drill.is_(False))
        .order_by(HiddenDanger.deadline)
    ).all()
    out = []
    for h, ename, code, elon, elat in rows:
        lon, lat = (h.lon, h.lat) if h.lon is not None else (elon, elat)
        if lon is None:
            continue
        out.append(
            {
                "code": h.code,
                "description": h.description,
                "listing_level": h.listing_level,
                "listing_body": h.listing_body,
                "deadline": h.deadline.isoformat() if h.deadline else None,
                "status": h.status,
                "overdue": is_overdue(h.status, h.deadline, today),
                "enterprise": ename,
                "credit_code": code,
                "lon": lon,
                "lat": lat,
            }
        )
    return out
