"""Read models of the drill-down panels (issue 5), for the county or any grid.

Every figure here comes from the same scoping as `queries.load_stats`, so the panels agree with
the KPI document to the digit; breakdowns (by child grid, industry, source) sum to the total.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from data_loaders.queries import _danger_scope, load_hidden_danger_counts, resolve_scope
from data_loaders.rules.metrics import RECTIFIED_STATUSES, days_overdue, rate
from data_loaders.store.schema import Enterprise, Grid, HiddenDanger


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month `back` months before the month of `day`."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


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
    """隐患整改: totals, this month vs last, by child grid, industry and source, a 12-month
    trend, the overdue list (oldest first) and the listed major hidden dangers."""
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

    # by child grid: roll each grid's rows up to the child of the scope that contains it
    parent = scope.grid
    children = (
        session.execute(
            select(Grid.id, Grid.code, Grid.name, Grid.path)
            .where(Grid.parent_id == parent.id)
            .order_by(Grid.code)
        ).all()
        if parent is not None
        else []
    )
    by_grid_id = grouped(HiddenDanger.grid_id)
    paths = dict(session.execute(select(Grid.id, Grid.path)).all())
    child_rows: dict[str, list] = defaultdict(list)
    child_of = {c.code: c for c in children}
    for grid_id, c in by_grid_id.items():
        codes = [x for x in (paths.get(grid_id) or "").split("/") if x]
        hit = next((x for x in codes if x in child_of), None)
        if hit:
            child_rows[hit].append((c["found"], c["rectified"], c["overdue"]))
    by_child = [
        {"code": c.code, "name": c.name, **_counts(child_rows.get(c.code, []))} for c in children
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
    dates = session.execute(
        select(HiddenDanger.found_on, HiddenDanger.rectified_on, done).where(
            where, (HiddenDanger.found_on >= first) | (HiddenDanger.rectified_on >= first)
        )
    ).all()
    for found_on, rectified_on, is_done in dates:
        if found_on and found_on.isoformat()[:7] in trend:
            trend[found_on.isoformat()[:7]]["found"] += 1
        if is_done and rectified_on and rectified_on.isoformat()[:7] in trend:
            trend[rectified_on.isoformat()[:7]]["rectified"] += 1
    this, last = trend[months[-1]], trend[months[-2]]

    overdue_rows = session.execute(
        select(HiddenDanger, Enterprise.name, Enterprise.credit_code, Grid.name)
        .join(Enterprise, Enterprise.id == HiddenDanger.enterprise_id, isouter=True)
        .join(Grid, Grid.id == HiddenDanger.grid_id, isouter=True)
        .where(where, late)
        .order_by(HiddenDanger.deadline, HiddenDanger.id)
        .limit(200)
    ).all()
    overdue = [
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
        for d, ename, code, gname in overdue_rows
    ]
    return {
        "totals": load_hidden_danger_counts(session, scope, today),
        "this_month": this,
        "last_month": last,
        "trend": list(trend.values()),
        "by_child": by_child,
        "by_industry": by_industry,
        "by_source": by_source,
        "overdue": overdue,
    }
