"""The special campaigns' panel (专项整治, issue 5), for the county or any grid: each campaign's
tasks done against the share of its time elapsed and, for one campaign, its progress by child
grid and owner unit, its overdue tasks, hidden dangers and enforcement."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from data_loaders.rules.metrics import rate
from data_loaders.store.schema import Campaign, CampaignTask, EnforcementAction
from read_models.grids import resolve_scope, roll_up_children
from read_models.lists import SHOWN, task_item
from read_models.stats import load_hidden_danger_counts


def elapsed_share(start: date | None, end: date | None, today: date) -> float | None:
    """How much of a campaign's time has passed (0–1), None without both dates."""
    if start is None or end is None or end <= start:
        return None
    return round(min(1.0, max(0.0, (today - start).days / (end - start).days)), 4)


def _task_figures(rows: Any) -> dict[str, Any]:
    tasks = done = overdue = 0
    for n, d, o in rows:
        tasks, done, overdue = tasks + int(n), done + int(d or 0), overdue + int(o or 0)
    return {"tasks": tasks, "done": done, "overdue": overdue, "progress": rate(done, tasks)}


def load_campaign_progress(
    session: Session, grid_code: str | None, today: date, campaign: str | None = None
) -> list[dict[str, Any]]:
    """专项整治: every campaign (or one, by code) with tasks done / total in scope and the share
    of its time elapsed; `behind` when progress trails time. With `campaign`, also progress by
    child grid and by owner unit, the overdue tasks (the first SHOWN of `overdue`), its hidden
    dangers and enforcement."""
    scope = resolve_scope(session, grid_code)
    in_scope = scope.where(CampaignTask.grid_id)
    late = and_(CampaignTask.status != "done", CampaignTask.due_on < today)
    measures = (
        func.count(CampaignTask.id),
        func.sum(case((CampaignTask.status == "done", 1), else_=0)),
        func.sum(case((late, 1), else_=0)),
    )
    query = select(Campaign).order_by(Campaign.id)
    if campaign:
        query = query.where(Campaign.code == campaign)
    out = []
    for c in session.scalars(query):
        of_c = and_(in_scope, CampaignTask.campaign_id == c.id)
        figures = _task_figures(session.execute(select(*measures).where(of_c)).all())
        elapsed = elapsed_share(c.starts_on, c.ends_on, today)
        item: dict[str, Any] = {
            "code": c.code,
            "name": c.name,
            "name_en": c.name_en,
            "starts_on": c.starts_on.isoformat() if c.starts_on else None,
            "ends_on": c.ends_on.isoformat() if c.ends_on else None,
            **figures,
            "elapsed": elapsed,
            # a campaign with no task in the scope is not behind there
            "behind": elapsed is not None
            and figures["tasks"] > 0
            and figures["progress"] < elapsed,
        }
        if campaign:
            item |= _campaign_detail(session, scope, c, of_c, measures, late, today)
        out.append(item)
    return out


def _campaign_detail(session, scope, c, of_c, measures, late, today) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    per_grid = {
        gid: _task_figures([rest])
        for gid, *rest in session.execute(
            select(CampaignTask.grid_id, *measures).where(of_c).group_by(CampaignTask.grid_id)
        ).all()
    }
    by_child = [
        {**r, "progress": rate(r["done"], r["tasks"])}
        for r in roll_up_children(session, scope.grid, per_grid, ("tasks", "done", "overdue"))
    ]
    by_unit = sorted(
        (
            {"owner_unit": unit or "", **_task_figures([rest])}
            for unit, *rest in session.execute(
                select(CampaignTask.owner_unit, *measures)
                .where(of_c)
                .group_by(CampaignTask.owner_unit)
            ).all()
        ),
        key=lambda r: (r["progress"], r["owner_unit"]),
    )
    overdue = overdue_tasks(session, and_(of_c, late), today, SHOWN)
    dangers = load_hidden_danger_counts(session, scope, today, campaign_id=c.id)
    kinds = dict(
        session.execute(
            select(EnforcementAction.kind, func.count())
            .where(EnforcementAction.campaign_id == c.id, scope.where(EnforcementAction.grid_id))
            .group_by(EnforcementAction.kind)
        ).all()
    )
    enforcement = {
        k: int(kinds.get(k, 0))
        for k in ("case", "admin_detention", "criminal_detention", "closure")
    }
    return {
        "by_child": by_child,
        "by_unit": by_unit,
        "overdue_tasks": overdue,
        "hidden_dangers": dangers,
        "enforcement": enforcement,
    }


def overdue_tasks(
    session: Session, where: Any, today: date, limit: int | None
) -> list[dict[str, Any]]:
    """Campaign tasks matching `where`, earliest due first (all when no limit)."""
    query = select(CampaignTask).where(where).order_by(CampaignTask.due_on, CampaignTask.id)
    return [
        task_item(t, today) for t in session.scalars(query if limit is None else query.limit(limit))
    ]
