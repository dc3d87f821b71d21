"""Read models of the drill-down panels (issue 5), for the county or any grid.

Every figure here comes from the same scoping as `queries.load_stats`, so the panels agree with
the KPI document to the digit; breakdowns (by child grid, industry, source) sum to the total.
A list cut to its first SHOWN rows carries its full length, and `load_export` gives every row
(the panels link to it as a CSV or XLSX file, written by `write_rows`: no cell is a formula).
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from data_loaders.files import write_csv, write_xlsx
from data_loaders.queries import (
    _danger_scope,
    load_hidden_danger_counts,
    load_listed_counts,
    resolve_scope,
)
from data_loaders.rules.metrics import (
    RECTIFIED_STATUSES,
    days_overdue,
    is_overdue,
    is_rectified,
    rate,
)
from data_loaders.store.schema import (
    Campaign,
    CampaignTask,
    EnforcementAction,
    Enterprise,
    Grid,
    HiddenDanger,
)


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month `back` months before the month of `day`."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def month_to_date(today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """This month's days up to today, and the same days of last month (first to last day):
    on 2 December, 1–2 December and 1–2 November; on 31 March, 1–31 March and 1–28 February."""
    first, before = month_start(today), month_start(today, 1)
    days = min(today.day, (first - before).days)
    return (first, today), (before, before + timedelta(days=days - 1))


KEYS = ("found", "rectified", "overdue")
SHOWN = 200  # rows a panel list shows; its export has them all


def roll_up_children(
    session: Session, parent: Grid | None, per_grid: dict[Any, dict[str, Any]], keys: tuple
) -> list[dict[str, Any]]:
    """Figures of each child grid of `parent`: the sums of `keys` over every grid inside it
    (per_grid holds each grid id's own figures). No parent (an empty store): no children."""
    if parent is None:
        return []
    children = session.execute(
        select(Grid.code, Grid.name).where(Grid.parent_id == parent.id).order_by(Grid.code)
    ).all()
    out = {c.code: {"code": c.code, "name": c.name, **dict.fromkeys(keys, 0)} for c in children}
    paths = dict(session.execute(select(Grid.id, Grid.path)).all())
    for grid_id, figures in per_grid.items():
        codes = [x for x in (paths.get(grid_id) or "").split("/") if x]
        hit = next((x for x in codes if x in out), None)
        if hit:
            for k in keys:
                out[hit][k] += figures[k]
    return list(out.values())


def _counts(rows: Any) -> dict[str, Any]:
    found = rectified = overdue = 0
    for f, r, o in rows:
        found, rectified, overdue = found + int(f), rectified + int(r or 0), overdue + int(o or 0)
    return {
        "found": found,
        "rectified": rectified,
        "rate": rate(rectified, found),
        "overdue": overdue,
    }


def load_danger_closure(session: Session, grid_code: str | None, today: date) -> dict[str, Any]:
    """隐患整改: totals, this month to date vs the same days of last month, by child grid,
    industry and source, a 12-month trend, the overdue list (oldest first, the first SHOWN of
    `overdue_total`) and the listed major hidden dangers."""
    scope = resolve_scope(session, grid_code)
    where = _danger_scope(scope)
    done = HiddenDanger.status.in_(RECTIFIED_STATUSES)
    late = and_(~done, HiddenDanger.deadline < today)
    measures = (
        func.count(),
        func.sum(case((done, 1), else_=0)),
        func.sum(case((late, 1), else_=0)),
    )

    def grouped(column: Any, *joins: Any) -> dict[Any, dict[str, Any]]:
        stmt = select(column, *measures).where(where).group_by(column)
        for join in joins:
            stmt = stmt.join(*join, isouter=True)
        return {key: _counts([rest]) for key, *rest in session.execute(stmt).all()}

    by_child = [
        {**c, **_counts([(c["found"], c["rectified"], c["overdue"])])}
        for c in roll_up_children(session, scope.grid, grouped(HiddenDanger.grid_id), KEYS)
    ]

    industry = grouped(
        Enterprise.industry, (Enterprise, Enterprise.id == HiddenDanger.enterprise_id)
    )
    by_industry = sorted(
        ({"industry": k or "", **v} for k, v in industry.items()), key=lambda r: -r["found"]
    )
    by_source = sorted(
        ({"source": k, **v} for k, v in grouped(HiddenDanger.source).items()),
        key=lambda r: -r["found"],
    )

    # months: found by found_on, rectified by rectified_on (a danger found in October and
    # rectified in November counts in both months' columns, each once)
    first = month_start(today, 11)
    months = [month_start(today, k).isoformat()[:7] for k in range(11, -1, -1)]
    trend = {m: {"month": m, "found": 0, "rectified": 0} for m in months}
    # like with like: this month so far against the same days of last month, not all of it
    windows = [
        {"month": start.isoformat()[:7], "from": start, "to": end, "found": 0, "rectified": 0}
        for start, end in month_to_date(today)
    ]
    # counted per day in SQL (≤ 365 rows each), bucketed by month here: portable, and no
    # per-danger rows to fetch and parse
    for column, key, extra in (
        (HiddenDanger.found_on, "found", HiddenDanger.found_on >= first),
        (HiddenDanger.rectified_on, "rectified", and_(done, HiddenDanger.rectified_on >= first)),
    ):
        per_day = session.execute(
            select(column, func.count()).where(where, extra).group_by(column)
        ).all()
        for day, n in per_day:
            month = day.isoformat()[:7] if day else None
            if month in trend:
                trend[month][key] += int(n)
            for w in windows:
                if day is not None and w["from"] <= day <= w["to"]:
                    w[key] += int(n)
    this, last = ({**w, "from": w["from"].isoformat(), "to": w["to"].isoformat()} for w in windows)
    totals = load_hidden_danger_counts(session, scope, today)
    return {
        "totals": totals,
        "this_month": this,
        "last_month": last,
        "trend": list(trend.values()),
        "by_child": by_child,
        "by_industry": by_industry,
        "by_source": by_source,
        "overdue": _overdue_dangers(session, and_(where, late), today, SHOWN),
        # the same condition as the KPI's overdue figure: the list's full length
        "overdue_total": totals["overdue"],
    }


def _overdue_dangers(
    session: Session, where: Any, today: date, limit: int | None
) -> list[dict[str, Any]]:
    """Overdue hidden dangers matching `where`, oldest deadline first (all when no limit)."""
    query = (
        select(HiddenDanger, Enterprise.name, Enterprise.credit_code, Grid.name)
        .join(Enterprise, Enterprise.id == HiddenDanger.enterprise_id, isouter=True)
        .join(Grid, Grid.id == HiddenDanger.grid_id, isouter=True)
        .where(where)
        .order_by(HiddenDanger.deadline, HiddenDanger.id)
    )
    return [
        {
            "code": d.code,
            "enterprise": ename,
            "credit_code": code,
            "grid": gname,
            "category": d.category,
            "description": d.description,
            "severity": d.severity,
            "deadline": d.deadline.isoformat() if d.deadline else None,
            "days_overdue": days_overdue(d.deadline, today),
        }
        for d, ename, code, gname in session.execute(
            query if limit is None else query.limit(limit)
        ).all()
    ]


def task_item(t: Any, today: date) -> dict[str, Any]:
    """A campaign or committee task as the panels list it."""
    return {
        "code": t.code,
        "title": t.title,
        "owner_unit": t.owner_unit,
        "due_on": t.due_on.isoformat() if t.due_on else None,
        "days_overdue": days_overdue(t.due_on, today),
        "progress": t.progress,
        "status": t.status,
    }


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
            "behind": elapsed is not None and figures["progress"] < elapsed,
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
    overdue = _overdue_tasks(session, and_(of_c, late), today, SHOWN)
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


def _overdue_tasks(
    session: Session, where: Any, today: date, limit: int | None
) -> list[dict[str, Any]]:
    """Campaign tasks matching `where`, earliest due first (all when no limit)."""
    query = select(CampaignTask).where(where).order_by(CampaignTask.due_on, CampaignTask.id)
    return [
        task_item(t, today) for t in session.scalars(query if limit is None else query.limit(limit))
    ]


def load_listed_dangers(session: Session, grid_code: str | None, today: date) -> dict[str, Any]:
    """Listed major hidden dangers in scope: counts by level and each one (deadline first)
    with its status and whether it is past its deadline."""
    scope = resolve_scope(session, grid_code)
    rows = session.execute(
        select(HiddenDanger, Enterprise.name, Enterprise.credit_code, Grid.name)
        .join(Enterprise, Enterprise.id == HiddenDanger.enterprise_id, isouter=True)
        .join(Grid, Grid.id == HiddenDanger.grid_id, isouter=True)
        .where(_danger_scope(scope), HiddenDanger.listing_level.is_not(None))
        .order_by(HiddenDanger.deadline, HiddenDanger.id)
    ).all()
    items = [
        {
            "code": h.code,
            "listing_level": h.listing_level,
            "listing_body": h.listing_body,
            "description": h.description,
            "enterprise": ename,
            "credit_code": code,
            "grid": gname,
            "deadline": h.deadline.isoformat() if h.deadline else None,
            "status": h.status,
            "overdue": is_overdue(h.status, h.deadline, today),
            "days_overdue": days_overdue(h.deadline, today) if not is_rectified(h.status) else 0,
        }
        for h, ename, code, gname in rows
    ]
    return {"counts": load_listed_counts(session, scope), "items": items}


# --- the panels' lists, whole, as files -------------------------------------------------------
# Each export: its columns as (field, label key of the page's catalog, vocabulary prefix whose
# label a cell's code is shown as, or None for the value itself).
Column = tuple[str, str, str | None]
EXPORTS: dict[str, tuple[Column, ...]] = {
    "overdue-dangers": (
        ("code", "col.code", None),
        ("enterprise", "col.enterprise", None),
        ("credit_code", "col.credit_code", None),
        ("grid", "col.grid", None),
        ("category", "col.category", None),
        ("description", "col.what", None),
        ("severity", "col.severity", "severity."),
        ("deadline", "col.deadline", None),
        ("days_overdue", "col.days_overdue", None),
    ),
    "campaign-overdue-tasks": (
        ("code", "col.code", None),
        ("title", "col.task", None),
        ("owner_unit", "col.owner", None),
        ("due_on", "col.due", None),
        ("days_overdue", "col.days_overdue", None),
        ("progress", "col.progress", None),
        ("status", "col.status", "task."),
    ),
    "dangers-by-industry": (
        ("industry", "col.industry", None),
        ("found", "kpi.found", None),
        ("rectified", "kpi.rectified", None),
        ("rate", "kpi.rate", None),
        ("overdue", "kpi.overdue", None),
    ),
    "enterprise-dangers": (
        ("code", "col.code", None),
        ("category", "col.category", None),
        ("severity", "col.severity", "severity."),
        ("description", "col.what", None),
        ("found_on", "col.found_on", None),
        ("deadline", "col.deadline", None),
        ("status", "col.status", "status."),
        ("days_overdue", "col.days_overdue", None),
    ),
}


class ExportError(ValueError):
    """An export that cannot be made: unknown list, or a missing or unknown argument."""


def load_export(
    session: Session,
    name: str,
    today: date,
    grid: str | None = None,
    campaign: str | None = None,
    enterprise: str | None = None,
) -> list[dict[str, Any]]:
    """Every row of a panel list (a key of EXPORTS) for a scope, in the panel's order; the
    panel shows the first SHOWN. Raises ExportError, or UnknownGrid for the scope."""
    if name not in EXPORTS:
        raise ExportError(f"no list {name!r}: one of {', '.join(EXPORTS)}")
    if name == "enterprise-dangers":
        return _enterprise_dangers(session, enterprise, today)
    scope = resolve_scope(session, grid)
    if name == "campaign-overdue-tasks":
        c = session.scalar(select(Campaign).where(Campaign.code == (campaign or "")))
        if c is None:
            raise ExportError(f"no campaign {campaign!r}")
        of_c = and_(scope.where(CampaignTask.grid_id), CampaignTask.campaign_id == c.id)
        late = and_(CampaignTask.status != "done", CampaignTask.due_on < today)
        return _overdue_tasks(session, and_(of_c, late), today, None)
    if name == "dangers-by-industry":
        return load_danger_closure(session, grid, today)["by_industry"]
    late = and_(~HiddenDanger.status.in_(RECTIFIED_STATUSES), HiddenDanger.deadline < today)
    return _overdue_dangers(session, and_(_danger_scope(scope), late), today, None)


def _enterprise_dangers(session: Session, credit_code: str | None, today: date) -> list[dict]:
    """An enterprise's hidden dangers, open first, then newest found (the dossier's order)."""
    e = session.scalar(select(Enterprise).where(Enterprise.credit_code == (credit_code or "")))
    if e is None:
        raise ExportError(f"no enterprise {credit_code!r}")
    rows = session.scalars(
        select(HiddenDanger)
        .where(HiddenDanger.enterprise_id == e.id, HiddenDanger.is_drill.is_(False))
        .order_by(HiddenDanger.found_on.desc(), HiddenDanger.id.desc())
    ).all()
    ordered = [d for d in rows if not is_rectified(d.status)] + [
        d for d in rows if is_rectified(d.status)
    ]
    return [
        {
            "code": d.code,
            "category": d.category,
            "severity": d.severity,
            "description": d.description,
            "found_on": d.found_on.isoformat() if d.found_on else None,
            "deadline": d.deadline.isoformat() if d.deadline else None,
            "status": d.status,
            "days_overdue": 0 if is_rectified(d.status) else days_overdue(d.deadline, today),
        }
        for d in ordered
    ]


MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def write_rows(header: list[str], rows: list[list[Any]], fmt: str) -> bytes:
    """A table as CSV (UTF-8 with BOM) or XLSX bytes, by the project's writers: text is never
    a formula (data_loaders.files.csv_safe / xlsx_cell), numbers stay numbers."""
    if fmt not in MIMETYPES:
        raise ExportError(f"no format {fmt!r}: csv or xlsx")
    out = io.BytesIO()
    (write_csv if fmt == "csv" else write_xlsx)(header, rows, out)
    return out.getvalue()
