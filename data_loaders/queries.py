"""Read models: every figure the screens, the API and `onemap stats` show, for any grid.

A grid's figures roll up everything inside it: rows are scoped by the materialized grid path
(`grids.path LIKE '/…/CODE/%'`). The county (a level-1 grid, or no grid given) takes every row,
including rows with no grid. Drill data never counts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from data_loaders.rules.lifecycle import OPEN_STATES
from data_loaders.rules.metrics import RECTIFIED_STATUSES, days_overdue, is_overdue, rate
from data_loaders.store.engine import read_data_version
from data_loaders.store.schema import (
    Alarm,
    AlarmEvent,
    Campaign,
    CampaignTask,
    Committee,
    CommitteeActivity,
    CommitteeTask,
    EnforcementAction,
    Enterprise,
    Grid,
    HiddenDanger,
    MajorHazard,
    Reading,
    ReadingRollup,
    SafetyClassChange,
    Sensor,
    SensorState,
)
from data_loaders.times import as_utc, china_today
from data_loaders.vocab import LISTING_LEVELS, RISK_TAGS, SAFETY_CLASSES, tags_of

OPEN_ALARM_STATES = OPEN_STATES


class UnknownGrid(LookupError):
    """No grid has the code asked for."""


class Scope:
    """Which rows a query counts: the whole county, or those inside one grid."""

    def __init__(self, grid: Grid | None, whole: bool) -> None:
        self.grid = grid
        self.whole = whole

    def grid_ids(self) -> Select[tuple[int]]:
        """The ids of the scope's grid and every grid inside it."""
        assert self.grid is not None
        return select(Grid.id).where(Grid.path.like(f"{self.grid.path}%"))

    def where(self, grid_col: Any) -> ColumnElement[bool]:
        """A condition keeping rows whose grid column lies in the scope."""
        if self.whole:
            return and_(True)
        return grid_col.in_(self.grid_ids())

    def where_enterprise(self, enterprise_col: Any) -> ColumnElement[bool]:
        """A condition keeping rows whose enterprise lies in the scope."""
        if self.whole:
            return and_(True)
        return enterprise_col.in_(select(Enterprise.id).where(self.where(Enterprise.grid_id)))


def resolve_scope(session: Session, code: str | None = None) -> Scope:
    """The scope for a grid code (None: the county). Raises UnknownGrid."""
    if code:
        grid = session.scalar(select(Grid).where(Grid.code == code))
        if grid is None:
            raise UnknownGrid(code)
        roots = session.scalar(
            select(func.count()).select_from(Grid).where(Grid.parent_id.is_(None))
        )
        return Scope(grid, whole=grid.parent_id is None and roots == 1)
    root = session.scalar(
        select(Grid).where(Grid.parent_id.is_(None)).order_by(Grid.level, Grid.id)
    )
    return Scope(root, whole=True)


def _count(session: Session, stmt: Select[Any]) -> int:
    return int(session.scalar(stmt) or 0)


def load_grid_counts(session: Session, scope: Scope) -> dict[str, int]:
    """Grids by level: the scope's grid itself and every grid inside it."""
    stmt = select(Grid.level, func.count()).group_by(Grid.level)
    if not scope.whole and scope.grid is not None:
        stmt = stmt.where(Grid.path.like(f"{scope.grid.path}%"))
    got = dict(session.execute(stmt).all())
    return {str(level): int(got.get(level, 0)) for level in (1, 2, 3, 4)}


def load_enterprise_counts(session: Session, scope: Scope) -> dict[str, int]:
    """Enterprises in scope: total and by safety class."""
    stmt = (
        select(Enterprise.safety_class, func.count())
        .where(scope.where(Enterprise.grid_id))
        .group_by(Enterprise.safety_class)
    )
    got = dict(session.execute(stmt).all())
    out = {"total": int(sum(got.values()))}
    out.update({c: int(got.get(c, 0)) for c in SAFETY_CLASSES})
    return out


def load_enterprise_facts(session: Session, scope: Scope, today: date) -> dict[str, Any]:
    """Risk-tag counts, self-reporting, mutual aid, trusteeship, tank farms, grid workers."""
    in_scope = scope.where(Enterprise.grid_id)
    tag_cols = [
        func.sum(case((Enterprise.risk_tags.like(f"%;{t};%"), 1), else_=0)).label(t)
        for t in RISK_TAGS
    ]
    row = session.execute(
        select(
            *tag_cols,
            func.sum(case((Enterprise.last_self_report.is_not(None), 1), else_=0)),
            func.sum(case((Enterprise.mutual_aid, 1), else_=0)),
            func.sum(case((Enterprise.trusteeship, 1), else_=0)),
            func.sum(
                case(
                    (
                        and_(
                            Enterprise.risk_tags.like("%;hazchem;%"),
                            Enterprise.risk_tags.like("%;tank_farm;%"),
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
        ).where(in_scope)
    ).one()
    n = len(RISK_TAGS)
    # A grid worker is a person with a phone: two workers may share a name.
    people = select(Grid.responsible_person, Grid.phone).where(
        Grid.level == 4, Grid.responsible_person.is_not(None)
    )
    if not scope.whole and scope.grid is not None:
        people = people.where(Grid.path.like(f"{scope.grid.path}%"))
    workers = select(func.count()).select_from(people.distinct().subquery())
    return {
        "risk_tags": {t: int(row[i] or 0) for i, t in enumerate(RISK_TAGS)},
        "self_reporting": int(row[n] or 0),
        "mutual_aid": int(row[n + 1] or 0),
        "trusteeship": int(row[n + 2] or 0),
        "hazchem_tank_farms": int(row[n + 3] or 0),
        "grid_workers": _count(session, workers),
    }


def load_major_hazard_counts(session: Session, scope: Scope) -> dict[str, int]:
    """Major hazard installations in scope by level and automated-control status."""
    stmt = (
        select(MajorHazard.level, MajorHazard.control_status, func.count())
        .where(scope.where_enterprise(MajorHazard.enterprise_id))
        .group_by(MajorHazard.level, MajorHazard.control_status)
    )
    out = {"total": 0, "level_1": 0, "level_2": 0, "level_3": 0, "level_4": 0}
    control = {"control_accepted": 0, "control_installing": 0}
    for level, status, n in session.execute(stmt):
        out["total"] += n
        out[f"level_{level}"] += n
        key = f"control_{status}"
        control[key] = control.get(key, 0) + n
    return out | control


def _danger_scope(scope: Scope) -> ColumnElement[bool]:
    return and_(HiddenDanger.is_drill.is_(False), scope.where(HiddenDanger.grid_id))


def load_hidden_danger_counts(
    session: Session, scope: Scope, today: date, campaign_id: int | None = None
) -> dict[str, Any]:
    """Found, rectified, rate, overdue and major hidden dangers in scope (of one campaign)."""
    where = _danger_scope(scope)
    if campaign_id is not None:
        where = and_(where, HiddenDanger.campaign_id == campaign_id)
    rectified = HiddenDanger.status.in_(RECTIFIED_STATUSES)
    overdue = and_(~rectified, HiddenDanger.deadline < today)
    row = session.execute(
        select(
            func.count(),
            func.sum(case((rectified, 1), else_=0)),
            func.sum(case((overdue, 1), else_=0)),
            func.sum(case((HiddenDanger.severity == "major", 1), else_=0)),
        ).where(where)
    ).one()
    found, done, late, major = (int(v or 0) for v in row)
    return {
        "found": found,
        "rectified": done,
        "rate": rate(done, found),
        "overdue": late,
        "major": major,
    }


def load_listed_counts(session: Session, scope: Scope) -> dict[str, int]:
    """Hidden dangers listed for supervision, by listing level."""
    stmt = (
        select(HiddenDanger.listing_level, func.count())
        .where(_danger_scope(scope), HiddenDanger.listing_level.is_not(None))
        .group_by(HiddenDanger.listing_level)
    )
    got = dict(session.execute(stmt).all())
    return {lvl: int(got.get(lvl, 0)) for lvl in LISTING_LEVELS}


def load_campaign_counts(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Every campaign with its tasks and done tasks in scope."""
    done = func.sum(case((CampaignTask.status == "done", 1), else_=0))
    stmt = (
        select(Campaign.code, Campaign.name, Campaign.name_en, func.count(CampaignTask.id), done)
        .join(
            CampaignTask,
            and_(CampaignTask.campaign_id == Campaign.id, scope.where(CampaignTask.grid_id)),
            isouter=True,
        )
        .group_by(Campaign.id, Campaign.code, Campaign.name, Campaign.name_en)
        .order_by(Campaign.id)
    )
    return [
        {"code": code, "name": name, "name_en": en, "tasks": int(n), "done": int(d or 0)}
        for code, name, en, n, d in session.execute(stmt)
    ]


def load_enforcement_counts(session: Session, scope: Scope) -> dict[str, int]:
    """Enforcement results in scope by kind."""
    stmt = (
        select(EnforcementAction.kind, func.count())
        .where(scope.where(EnforcementAction.grid_id))
        .group_by(EnforcementAction.kind)
    )
    got = dict(session.execute(stmt).all())
    kinds = ("case", "admin_detention", "criminal_detention", "closure")
    return {k: int(got.get(k, 0)) for k in kinds}


def load_committee_counts(session: Session, scope: Scope, today: date) -> dict[str, int]:
    """Committees, their tasks (done, overdue) and activities in scope."""
    late = and_(CommitteeTask.status != "done", CommitteeTask.due_on < today)
    tasks = session.execute(
        select(
            func.count(),
            func.sum(case((CommitteeTask.status == "done", 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
        ).where(scope.where(CommitteeTask.grid_id))
    ).one()
    acts = dict(
        session.execute(
            select(CommitteeActivity.kind, func.count())
            .where(scope.where(CommitteeActivity.grid_id))
            .group_by(CommitteeActivity.kind)
        ).all()
    )
    return {
        "count": _count(session, select(func.count()).select_from(Committee)),
        "tasks": int(tasks[0] or 0),
        "done": int(tasks[1] or 0),
        "overdue": int(tasks[2] or 0),
        "meetings": int(acts.get("meeting", 0)),
        "inspections": int(acts.get("inspection", 0)),
        "joint_enforcement": int(acts.get("joint_enforcement", 0)),
    }


def load_monitoring_counts(session: Session, scope: Scope) -> dict[str, int]:
    """The smart-monitoring estate in scope: sites, devices, signals, AI video scenes."""
    in_scope = and_(Sensor.is_drill.is_(False), scope.where_enterprise(Sensor.enterprise_id))
    is_video = Sensor.kind == "ai_video"
    row = session.execute(
        select(
            func.count(func.distinct(Sensor.enterprise_id)),
            func.sum(case((~is_video, 1), else_=0)),
            func.sum(case((is_video, 1), else_=0)),
            func.count(func.distinct(Sensor.scene)),
        ).where(in_scope)
    ).one()
    devices = _count(
        session,
        select(func.count()).select_from(
            select(Sensor.enterprise_id, Sensor.device)
            .where(in_scope, ~is_video)
            .distinct()
            .subquery()
        ),
    )
    return {
        "enterprises": int(row[0] or 0),
        "devices": devices,
        "signals": int(row[1] or 0),
        "video_scenes": int(row[2] or 0),
        "behaviour_models": int(row[3] or 0),
    }


def load_alarm_counts(session: Session, scope: Scope) -> dict[str, int]:
    """Open (not closed) real alarms in scope by level."""
    stmt = (
        select(Alarm.level, func.count())
        .join(Sensor, Sensor.id == Alarm.sensor_id)
        .where(
            Alarm.is_drill.is_(False),
            Alarm.state.in_(OPEN_ALARM_STATES),
            scope.where_enterprise(Sensor.enterprise_id),
        )
        .group_by(Alarm.level)
    )
    got = dict(session.execute(stmt).all())
    return {
        "open": int(sum(got.values())),
        "level_1": int(got.get(1, 0)),
        "level_2": int(got.get(2, 0)),
    }


def load_stats(session: Session, grid_code: str | None = None, today: date | None = None) -> dict:
    """The KPI document of DESIGN.md for the county (None) or one grid. Raises UnknownGrid."""
    scope = resolve_scope(session, grid_code)
    return with_alarms(load_ledger_stats(session, scope, today), load_alarm_counts(session, scope))


def load_ledger_stats(session: Session, scope: Scope, today: date | None = None) -> dict:
    """The KPI document of a scope without its open alarms, which move far more often than
    the ledger (a cache keeps this part per data version; with_alarms completes it)."""
    today = today or china_today()
    grid = scope.grid
    return {
        "grid": {"code": grid.code, "name": grid.name, "level": grid.level} if grid else None,
        "grids": load_grid_counts(session, scope),
        "enterprises": load_enterprise_counts(session, scope),
        "major_hazards": load_major_hazard_counts(session, scope),
        "hidden_dangers": load_hidden_danger_counts(session, scope, today),
        "listed_dangers": load_listed_counts(session, scope),
        "campaigns": load_campaign_counts(session, scope),
        "enforcement": load_enforcement_counts(session, scope),
        "committees": load_committee_counts(session, scope, today),
        "monitoring": load_monitoring_counts(session, scope),
        **load_enterprise_facts(session, scope, today),
        "as_of": today.isoformat(),
        "data_version": read_data_version(session),
    }


def with_alarms(ledger: dict, alarms: dict[str, int]) -> dict:
    """The KPI document: the ledger's part with the open alarms after the committees."""
    doc: dict = {}
    for key, value in ledger.items():
        doc[key] = value
        if key == "committees":
            doc["alarms"] = alarms
    return doc


def is_empty(session: Session) -> bool:
    """Whether the store holds no grids and no enterprises yet."""
    has_grid = session.scalar(select(Grid.id).limit(1)) is not None
    return not has_grid and session.scalar(select(Enterprise.id).limit(1)) is None


def load_grid_frame(session: Session, levels: tuple[int, ...] | None = None) -> Any:
    """The grids as a GeoDataFrame (id, code, name, level, parent_id, path, geometry; WGS84)."""
    import geopandas as gpd
    import shapely

    stmt = select(
        Grid.id, Grid.code, Grid.name, Grid.level, Grid.parent_id, Grid.path, Grid.geometry
    )
    if levels:
        stmt = stmt.where(Grid.level.in_(levels))
    rows = session.execute(stmt.order_by(Grid.id)).all()
    geoms = shapely.from_wkb([r.geometry for r in rows]) if rows else []
    frame = {
        k: [getattr(r, k) for r in rows]
        for k in ("id", "code", "name", "level", "parent_id", "path")
    }
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs="EPSG:4326")


# --- map read models -----------------------------------------------------------------------


def _grid_roll_up(session: Session) -> tuple[list[str], Callable[[int | None], list[str]]]:
    """Every grid's code, and a grid id's codes from the root down (itself included), for
    rolling a figure counted per grid up through the levels."""
    grids = session.execute(select(Grid.id, Grid.code, Grid.path)).all()
    ancestors = {g.id: [c for c in g.path.split("/") if c] for g in grids}
    return [g.code for g in grids], lambda grid_id: ancestors.get(grid_id, [])


def load_grid_metrics(session: Session, today: date) -> dict[str, dict[str, float]]:
    """Choropleth metrics of the ledger for every grid, rolled up through the levels, keyed
    by grid code: open_dangers, rate (rectification), red_yellow (enterprises). Open alarms
    move far more often and are counted apart (load_grid_alarm_counts)."""
    codes, up = _grid_roll_up(session)
    totals: dict[str, dict[str, float]] = {
        code: {"found": 0, "rectified": 0, "open_dangers": 0, "red_yellow": 0} for code in codes
    }

    def add(grid_id: int | None, key: str, n: int) -> None:
        for code in up(grid_id):
            if code in totals:
                totals[code][key] += n

    rectified = HiddenDanger.status.in_(RECTIFIED_STATUSES)
    danger_rows = session.execute(
        select(HiddenDanger.grid_id, func.count(), func.sum(case((rectified, 1), else_=0)))
        .where(HiddenDanger.is_drill.is_(False))
        .group_by(HiddenDanger.grid_id)
    ).all()
    for grid_id, found, done in danger_rows:
        add(grid_id, "found", int(found))
        add(grid_id, "rectified", int(done or 0))
        add(grid_id, "open_dangers", int(found) - int(done or 0))
    risky = session.execute(
        select(Enterprise.grid_id, func.count())
        .where(Enterprise.safety_class.in_(("red", "yellow")))
        .group_by(Enterprise.grid_id)
    ).all()
    for grid_id, n in risky:
        add(grid_id, "red_yellow", int(n))
    for t in totals.values():
        t["rate"] = rate(int(t["rectified"]), int(t["found"]))
    return totals


def load_grid_alarm_counts(session: Session) -> dict[str, int]:
    """Open alarms (drills left out) of every grid, rolled up through the levels."""
    codes, up = _grid_roll_up(session)
    counts = dict.fromkeys(codes, 0)
    alarms = session.execute(
        select(Enterprise.grid_id, func.count())
        .select_from(Alarm)
        .join(Sensor, Sensor.id == Alarm.sensor_id)
        .join(Enterprise, Enterprise.id == Sensor.enterprise_id)
        .where(Alarm.is_drill.is_(False), Alarm.state.in_(OPEN_ALARM_STATES))
        .group_by(Enterprise.grid_id)
    ).all()
    for grid_id, n in alarms:
        for code in up(grid_id):
            if code in counts:
                counts[code] += int(n)
    return counts


def load_grid_chain(session: Session, code: str | None) -> list[dict[str, Any]]:
    """The grid and its ancestors, root first: code, name, level, bounds. Raises UnknownGrid."""
    if not code:
        root = session.scalar(
            select(Grid).where(Grid.parent_id.is_(None)).order_by(Grid.level, Grid.id)
        )
        return [_grid_item(root)] if root else []
    grid = session.scalar(select(Grid).where(Grid.code == code))
    if grid is None:
        raise UnknownGrid(code)
    codes = [c for c in grid.path.split("/") if c]
    found = {g.code: g for g in session.scalars(select(Grid).where(Grid.code.in_(codes)))}
    return [_grid_item(found[c]) for c in codes if c in found]


def _grid_item(g: Grid) -> dict[str, Any]:
    return {
        "code": g.code,
        "name": g.name,
        "level": g.level,
        "bounds": [[g.min_lat, g.min_lon], [g.max_lat, g.max_lon]],
    }


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


MAX_SEARCH_CHARS = 100  # a name or a credit code; longer text is cut, never a huge LIKE


def load_industries(session: Session) -> list[tuple[str, int]]:
    """Industries with their enterprise counts, largest first (for the filter)."""
    rows = session.execute(
        select(Enterprise.industry, func.count())
        .where(Enterprise.industry.is_not(None))
        .group_by(Enterprise.industry)
        .order_by(func.count().desc())
    ).all()
    return [(str(i), int(n)) for i, n in rows]


def search_enterprises(session: Session, text: str, limit: int = 10) -> list[dict[str, Any]]:
    """Enterprises whose credit code is the text, or whose name contains it; exact code first."""
    text = (text or "").strip()[:MAX_SEARCH_CHARS]
    if not text:
        return []
    exact = session.execute(
        select(Enterprise).where(Enterprise.credit_code == text.upper())
    ).scalar_one_or_none()
    rows = [exact] if exact else []
    rows += session.scalars(
        select(Enterprise)
        .where(Enterprise.name.contains(text, autoescape=True))
        .order_by(func.length(Enterprise.name), Enterprise.id)
        .limit(limit)
    ).all()
    seen: set[str] = set()
    out = []
    for e in rows:
        if e.credit_code not in seen:
            seen.add(e.credit_code)
            out.append(
                {
                    "credit_code": e.credit_code,
                    "name": e.name,
                    "safety_class": e.safety_class,
                    "lon": e.lon,
                    "lat": e.lat,
                }
            )
    return out[:limit]


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


def _iso(value: Any) -> str | None:
    """ISO 8601 in UTC of a stored time (SQLite gives naive UTC), None for none."""
    value = as_utc(value)
    return value.isoformat() if value is not None else None


def _alarm_select() -> Select:
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
        "opened_at": _iso(a.opened_at),
        "last_at": _iso(a.last_at),
        "peak": a.peak,
        "last_value": a.last_value,
        "count": a.count,
        "recovered": a.recovered_at is not None,
        "recovered_at": _iso(a.recovered_at),
        "escalated": a.escalated,
        "acknowledged_at": _iso(a.acknowledged_at),
        "assignee": a.assignee,
        "due_at": _iso(a.due_at),
        "feedback": a.feedback,
        "closed_at": _iso(a.closed_at),
        "close_reason": a.close_reason,
        "thresholds": {"level_1": s.level_1, "level_2": s.level_2, "direction": s.direction},
        "is_drill": a.is_drill,
        "enterprise": e.name if e else None,
        "credit_code": e.credit_code if e else None,
        "lon": e.lon if e else None,
        "lat": e.lat if e else None,
    }


def load_open_alarm_points(session: Session) -> list[dict[str, Any]]:
    """Open real alarms with sensor, enterprise and position, level 2 first."""
    rows = session.execute(
        _alarm_select()
        .where(
            Alarm.is_drill.is_(False),
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
) -> list[dict[str, Any]]:
    """Alarms, open before closed, newest first: in the given states (all when none)."""
    query = _alarm_select().where(Alarm.is_drill.is_(drill))
    if states:
        query = query.where(Alarm.state.in_(states))
    order = (Alarm.state == "closed", Alarm.opened_at.desc(), Alarm.id.desc())
    rows = session.execute(query.order_by(*order).limit(limit)).all()
    return [alarm_item(a, s, e) for a, s, e in rows]


def load_alarm(session: Session, alarm_id: int) -> dict[str, Any] | None:
    """One alarm with its events (who, when, what), oldest first; None when unknown."""
    row = session.execute(_alarm_select().where(Alarm.id == alarm_id)).first()
    if row is None:
        return None
    item = alarm_item(*row)
    events = session.execute(
        select(AlarmEvent.at, AlarmEvent.actor, AlarmEvent.action, AlarmEvent.note)
        .where(AlarmEvent.alarm_id == alarm_id)
        .order_by(AlarmEvent.at, AlarmEvent.id)
    ).all()
    item["events"] = [
        {"at": _iso(at), "actor": actor, "action": action, "note": note}
        for at, actor, action, note in events
    ]
    return item


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
        latest = {"ts": _iso(st.last_ts), "value": st.last_value}
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
        {"ts": _iso(h), "value": v}
        for h, v in rollups
        if raw_from is None or as_utc(h) < raw_from  # type: ignore[operator]
    ]
    return older + [{"ts": _iso(ts), "value": v} for ts, v in rows]


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


def load_alarm_feed(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The newest real alarms (open first), for the bottom strip."""
    return load_alarms(session, None, limit)
