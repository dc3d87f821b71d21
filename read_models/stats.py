"""The KPI document (`onemap stats --json`, `GET /api/stats`, the KPI strip) and every count in
it, for the county or any grid (read_models.grids has the scoping). The panels count with the
same functions, so they agree with the document to the digit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from data_loaders.rules.metrics import RECTIFIED_STATUSES, rate
from data_loaders.store.engine import read_data_version
from data_loaders.store.schema import (
    Alarm,
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
    Sensor,
)
from data_loaders.times import china_today
from data_loaders.vocab import LISTING_LEVELS, RISK_TAGS, SAFETY_CLASSES, WEATHER_KINDS
from read_models.alarms import OPEN_ALARM_STATES
from read_models.grids import Scope, resolve_scope


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


def danger_scope(scope: Scope) -> ColumnElement[bool]:
    """The hidden dangers a scope counts: those inside it, drills left out."""
    return and_(HiddenDanger.is_drill.is_(False), scope.where(HiddenDanger.grid_id))


def danger_rectified_by(day: date) -> ColumnElement[bool]:
    """A hidden danger rectified on or before `day` (the importer refuses a rectified one
    without its date or with a future one, so on today this is its status alone)."""
    return and_(
        HiddenDanger.status.in_(RECTIFIED_STATUSES),
        or_(HiddenDanger.rectified_on.is_(None), HiddenDanger.rectified_on <= day),
    )


def task_done_by(status: Any, done_on: Any, day: date) -> ColumnElement[bool]:
    """A task done on or before `day` (one done without a date counts as done all along)."""
    return and_(status == "done", or_(done_on.is_(None), done_on <= day))


def load_hidden_danger_counts(
    session: Session, scope: Scope, today: date, campaign_id: int | None = None
) -> dict[str, Any]:
    """Found, rectified, rate, overdue and major hidden dangers in scope (of one campaign), as
    they stood at the end of `today` (found by then; rectified by then; overdue then)."""
    where = and_(danger_scope(scope), HiddenDanger.found_on <= today)
    if campaign_id is not None:
        where = and_(where, HiddenDanger.campaign_id == campaign_id)
    rectified = danger_rectified_by(today)
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
        .where(danger_scope(scope), HiddenDanger.listing_level.is_not(None))
        .group_by(HiddenDanger.listing_level)
    )
    got = dict(session.execute(stmt).all())
    return {lvl: int(got.get(lvl, 0)) for lvl in LISTING_LEVELS}


def load_campaign_counts(
    session: Session, scope: Scope, today: date | None = None
) -> list[dict[str, Any]]:
    """Every campaign with its tasks and done tasks in scope (done by `today`, when given)."""
    finished: ColumnElement[bool] = (
        CampaignTask.status == "done"
        if today is None
        else task_done_by(CampaignTask.status, CampaignTask.done_on, today)
    )
    done = func.sum(case((finished, 1), else_=0))
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


def load_enforcement_counts(
    session: Session, scope: Scope, today: date | None = None
) -> dict[str, int]:
    """Enforcement results in scope by kind (taken by `today`, when given)."""
    where = scope.where(EnforcementAction.grid_id)
    if today is not None:
        where = and_(where, EnforcementAction.acted_on <= today)
    stmt = (
        select(EnforcementAction.kind, func.count()).where(where).group_by(EnforcementAction.kind)
    )
    got = dict(session.execute(stmt).all())
    kinds = ("case", "admin_detention", "criminal_detention", "closure")
    return {k: int(got.get(k, 0)) for k in kinds}


def load_committee_counts(session: Session, scope: Scope, today: date) -> dict[str, int]:
    """Committees, their tasks (done, overdue) and activities in scope, as they stood at the
    end of `today`."""
    done = task_done_by(CommitteeTask.status, CommitteeTask.done_on, today)
    late = and_(~done, CommitteeTask.due_on < today)
    tasks = session.execute(
        select(
            func.count(),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
        ).where(scope.where(CommitteeTask.grid_id))
    ).one()
    acts = dict(
        session.execute(
            select(CommitteeActivity.kind, func.count())
            .where(scope.where(CommitteeActivity.grid_id), CommitteeActivity.held_on <= today)
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
    """The smart-monitoring estate in scope: sites, devices, signals, AI video scenes (hazard
    signals only: weather stations are sensors, but neither monitored sites nor signals)."""
    in_scope = and_(
        Sensor.is_drill.is_(False),
        Sensor.kind.not_in(WEATHER_KINDS),
        scope.where_enterprise(Sensor.enterprise_id),
    )
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


def load_alarm_counts(session: Session, scope: Scope, at: datetime | None = None) -> dict[str, int]:
    """Open (not closed) real alarms in scope by level: now, or at the instant `at` (opened
    before it and not closed by then)."""
    still_open: ColumnElement[bool] = (
        Alarm.state.in_(OPEN_ALARM_STATES)
        if at is None
        else and_(
            Alarm.opened_at < at.astimezone(UTC),
            or_(Alarm.closed_at.is_(None), Alarm.closed_at >= at.astimezone(UTC)),
        )
    )
    stmt = (
        select(Alarm.level, func.count())
        .join(Sensor, Sensor.id == Alarm.sensor_id)
        .where(
            Alarm.is_drill.is_(False),
            still_open,
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
        "campaigns": load_campaign_counts(session, scope, today),
        "enforcement": load_enforcement_counts(session, scope, today),
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
