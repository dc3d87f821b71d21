"""The hidden-danger panels (隐患整改, issue 5), for the county or any grid: rectification
totals, this month against the same days of last month, breakdowns, the trend, the overdue
list, and the listed major hidden dangers.

Every figure comes from the same scoping and counts as the KPI document (read_models.stats),
so the panels agree with it to the digit; breakdowns (by child grid, industry, source) sum to
the total.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from data_loaders.rules.metrics import (
    RECTIFIED_STATUSES,
    days_overdue,
    is_overdue,
    is_rectified,
    rate,
)
from data_loaders.store.schema import Enterprise, Grid, HiddenDanger
from data_loaders.times import month_start, month_to_date
from read_models.grids import resolve_scope, roll_up_children
from read_models.lists import SHOWN
from read_models.stats import danger_scope, load_hidden_danger_counts, load_listed_counts

KEYS = ("found", "rectified", "overdue")


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
    where = danger_scope(scope)
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
        "overdue": overdue_dangers(session, and_(where, late), today, SHOWN),
        # the same condition as the KPI's overdue figure: the list's full length
        "overdue_total": totals["overdue"],
    }


def overdue_dangers(
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


def load_listed_dangers(session: Session, grid_code: str | None, today: date) -> dict[str, Any]:
    """Listed major hidden dangers in scope: counts by level and each one (deadline first)
    with its status and whether it is past its deadline."""
    scope = resolve_scope(session, grid_code)
    rows = session.execute(
        select(HiddenDanger, Enterprise.name, Enterprise.credit_code, Grid.name)
        .join(Enterprise, Enterprise.id == HiddenDanger.enterprise_id, isouter=True)
        .join(Grid, Grid.id == HiddenDanger.grid_id, isouter=True)
        .where(danger_scope(scope), HiddenDanger.listing_level.is_not(None))
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
