"""The leadership briefing (领导汇报) of a scope and period, as one plain document that the PDF,
the Word file and the slides all draw: the headline figures against the previous period, the
hidden dangers, campaigns, committee tasks, alarms, the town ranking and the risks needing a
decision. Every figure is the period's KPI document's (read_models.period_stats) or counted
with the same conditions, as of the period's end; drill data never appears."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from data_loaders.periods import Period, previous_period, recent_periods
from data_loaders.rules.metrics import days_overdue, rate
from data_loaders.rules.rankings import RankingConfig
from data_loaders.store.schema import (
    Campaign,
    CampaignTask,
    Committee,
    CommitteeTask,
    Enterprise,
    Grid,
    HiddenDanger,
    MajorHazard,
)
from data_loaders.times import CHINA
from read_models.campaigns import elapsed_share
from read_models.grids import Scope, resolve_scope, roll_up_children
from read_models.period_stats import load_period_dangers, load_period_stats
from read_models.rankings import rank_period
from read_models.stats import (
    danger_rectified_by,
    danger_scope,
    load_hidden_danger_counts,
    task_done_by,
)

TREND_PERIODS = 6  # the rectification trend: this period and the five before


def share(part: int, whole: int) -> float | None:
    """A rate as the KPI document rounds it, None when there is nothing to divide (a campaign
    with no task in the scope is not behind, a grid with no danger has no rate)."""
    return rate(part, whole) if whole else None


def load_danger_section(session: Session, scope: Scope, period: Period, today: date) -> dict:
    """隐患排查整改: the trend of the last periods, the child grids ranked by rate, and the
    overdue major ones by name (as of the period's end)."""
    trend = []
    for p in recent_periods(period, today, TREND_PERIODS):
        flows = load_period_dangers(session, scope, p)
        at_end = load_hidden_danger_counts(session, scope, p.end)  # the KPI document's own
        trend.append(
            {"period": p.code, **flows, "rate": share(at_end["rectified"], at_end["found"])}
        )
    where = and_(danger_scope(scope), HiddenDanger.found_on <= period.end)
    done = danger_rectified_by(period.end)
    late = and_(~done, HiddenDanger.deadline < period.end)
    per_grid = {
        gid: {"found": int(n), "rectified": int(d or 0), "overdue": int(o or 0)}
        for gid, n, d, o in session.execute(
            select(
                HiddenDanger.grid_id,
                func.count(),
                func.sum(case((done, 1), else_=0)),
                func.sum(case((late, 1), else_=0)),
            )
            .where(where)
            .group_by(HiddenDanger.grid_id)
        ).all()
    }
    children = [
        {**c, "rate": share(c["rectified"], c["found"])}
        for c in roll_up_children(session, scope.grid, per_grid, ("found", "rectified", "overdue"))
    ]
    # the best first; a grid with nothing found has no rate and goes last
    children.sort(key=lambda c: (c["rate"] is None, -(c["rate"] or 0), c["overdue"], c["code"]))
    for i, c in enumerate(children, 1):
        c["rank"] = i
    major_late = and_(where, late, HiddenDanger.severity == "major")
    rows = session.execute(
        select(HiddenDanger, Enterprise.name, Grid.name)
        .join(Enterprise, Enterprise.id == HiddenDanger.enterprise_id, isouter=True)
        .join(Grid, Grid.id == HiddenDanger.grid_id, isouter=True)
        .where(major_late)
        .order_by(HiddenDanger.deadline, HiddenDanger.id)
    ).all()
    overdue_major = [
        {
            "code": d.code,
            "enterprise": ename,
            "grid": gname,
            "description": d.description,
            "deadline": d.deadline.isoformat() if d.deadline else None,
            "days_overdue": days_overdue(d.deadline, period.end),
        }
        for d, ename, gname in rows
    ]
    return {"trend": trend, "by_child": children, "overdue_major": overdue_major}


def load_campaign_section(session: Session, scope: Scope, period: Period) -> list[dict]:
    """专项行动: each campaign's tasks done by the period's end against its time elapsed then;
    `behind` when progress trails time (as the campaigns panel says it)."""
    done = task_done_by(CampaignTask.status, CampaignTask.done_on, period.end)
    rows = session.execute(
        select(Campaign, func.count(CampaignTask.id), func.sum(case((done, 1), else_=0)))
        .join(
            CampaignTask,
            and_(CampaignTask.campaign_id == Campaign.id, scope.where(CampaignTask.grid_id)),
            isouter=True,
        )
        .group_by(Campaign.id)
        .order_by(Campaign.id)
    ).all()
    out = []
    for c, n, d in rows:
        tasks, finished = int(n), int(d or 0)
        progress = share(finished, tasks)
        elapsed = elapsed_share(c.starts_on, c.ends_on, period.end)
        out.append(
            {
                "code": c.code,
                "name": c.name,
                "name_en": c.name_en,
                "ends_on": c.ends_on.isoformat() if c.ends_on else None,
                "tasks": tasks,
                "done": finished,
                "progress": progress,
                "elapsed": elapsed,
                "behind": elapsed is not None and progress is not None and progress < elapsed,
            }
        )
    return out


def load_committee_section(session: Session, scope: Scope, period: Period) -> dict:
    """安委会任务: each committee's completion by the period's end and its overdue tasks then,
    with owner units (the overdue by owner unit summed)."""
    done = task_done_by(CommitteeTask.status, CommitteeTask.done_on, period.end)
    late = and_(~done, CommitteeTask.due_on < period.end)
    in_scope = scope.where(CommitteeTask.grid_id)
    rows = session.execute(
        select(
            Committee.code,
            Committee.name,
            Committee.name_en,
            func.count(CommitteeTask.id),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
        )
        .join(
            CommitteeTask,
            and_(CommitteeTask.committee_id == Committee.id, in_scope),
            isouter=True,
        )
        .group_by(Committee.id, Committee.code, Committee.name, Committee.name_en)
        .order_by(Committee.id)
    ).all()
    committees = [
        {
            "code": code,
            "name": name,
            "name_en": name_en,
            "tasks": int(n),
            "done": int(d or 0),
            "rate": share(int(d or 0), int(n)),
            "overdue": int(o or 0),
        }
        for code, name, name_en, n, d, o in rows
    ]
    overdue = [
        {
            "committee": cname,
            "title": t.title,
            "owner_unit": t.owner_unit,
            "due_on": t.due_on.isoformat() if t.due_on else None,
            "days_late": days_overdue(t.due_on, period.end),
            "progress": t.progress,
        }
        for t, cname in session.execute(
            select(CommitteeTask, Committee.name)
            .join(Committee, Committee.id == CommitteeTask.committee_id)
            .where(in_scope, late)
            .order_by(CommitteeTask.due_on, CommitteeTask.id)
        ).all()
    ]
    by_owner: dict[str, int] = {}
    for t in overdue:
        by_owner[t["owner_unit"] or ""] = by_owner.get(t["owner_unit"] or "", 0) + 1
    return {
        "committees": committees,
        "overdue": overdue,
        "by_owner": [
            {"owner_unit": k, "overdue": v}
            for k, v in sorted(by_owner.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }


def load_risk_section(session: Session, scope: Scope, period: Period) -> dict:
    """需要决策的风险: red enterprises with open major hidden dangers, listed dangers past their
    deadline, and major hazards whose automated control is still being installed."""
    live = and_(
        danger_scope(scope), HiddenDanger.found_on <= period.end, ~danger_rectified_by(period.end)
    )
    red = session.execute(
        select(Enterprise.name, Enterprise.credit_code, Grid.name, func.count(HiddenDanger.id))
        .join(HiddenDanger, HiddenDanger.enterprise_id == Enterprise.id)
        .join(Grid, Grid.id == Enterprise.grid_id, isouter=True)
        .where(live, Enterprise.safety_class == "red", HiddenDanger.severity == "major")
        .group_by(Enterprise.id, Enterprise.name, Enterprise.credit_code, Grid.name)
        .order_by(func.count(HiddenDanger.id).desc(), Enterprise.name)
    ).all()
    listed = session.execute(
        select(HiddenDanger, Enterprise.name, Grid.name)
        .join(Enterprise, Enterprise.id == HiddenDanger.enterprise_id, isouter=True)
        .join(Grid, Grid.id == HiddenDanger.grid_id, isouter=True)
        .where(live, HiddenDanger.listing_level.is_not(None), HiddenDanger.deadline < period.end)
        .order_by(HiddenDanger.deadline, HiddenDanger.id)
    ).all()
    hazards = session.execute(
        select(MajorHazard, Enterprise.name)
        .join(Enterprise, Enterprise.id == MajorHazard.enterprise_id, isouter=True)
        .where(
            scope.where_enterprise(MajorHazard.enterprise_id),
            MajorHazard.control_status == "installing",
        )
        .order_by(MajorHazard.level, MajorHazard.name)
    ).all()
    return {
        "red_with_major": [
            {"enterprise": n, "credit_code": c, "grid": g, "major_open": int(k)}
            for n, c, g, k in red
        ],
        "listed_past_deadline": [
            {
                "code": d.code,
                "listing_level": d.listing_level,
                "enterprise": ename,
                "grid": gname,
                "description": d.description,
                "deadline": d.deadline.isoformat() if d.deadline else None,
                "days_overdue": days_overdue(d.deadline, period.end),
            }
            for d, ename, gname in listed
        ],
        "hazards_installing": [
            {"name": h.name, "enterprise": ename, "level": h.level, "r_value": h.r_value}
            for h, ename in hazards
        ],
    }


def load_briefing(
    session: Session,
    grid_code: str | None,
    period: Period,
    now: datetime,
    ranking: RankingConfig | None = None,
) -> dict[str, Any]:
    """The briefing document of a scope (None: the county) and period. Raises UnknownGrid."""
    today = now.astimezone(CHINA).date()
    scope = resolve_scope(session, grid_code)
    before = previous_period(period, today)
    stats = load_period_stats(session, grid_code, period, now)
    previous = load_period_stats(session, grid_code, before, now)
    bulletin = rank_period(session, period, today, ranking, now)
    town = _town_of(session, scope)
    return {
        "scope": stats["grid"],
        "town": town,
        "period": stats["period"],
        "previous_period": previous["period"],
        "made_at": now.astimezone(CHINA).isoformat(timespec="seconds"),
        "data_version": stats["data_version"],
        "stats": stats,
        "previous": previous,
        "dangers": load_danger_section(session, scope, period, today),
        "campaigns": load_campaign_section(session, scope, period),
        "committees": load_committee_section(session, scope, period),
        "alarms": stats["period"]["alarms"],
        "ranking": bulletin,
        "risks": load_risk_section(session, scope, period),
    }


def _town_of(session: Session, scope: Scope) -> str | None:
    """The code of the town (level 2) the scope lies in, None for the county."""
    if scope.whole or scope.grid is None or scope.grid.level < 2:
        return None
    codes = [c for c in scope.grid.path.split("/") if c]
    return codes[1] if len(codes) > 1 else None
