"""The panels' lists, whole, as files: every row of a list a panel shows the first SHOWN of
(read_models.lists), in the panel's order, written as CSV or XLSX by `write_rows` (no cell is
a formula). Not the import kinds' export (`onemap export`: data_loaders.importers.exports)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from data_loaders.files import write_csv, write_xlsx
from data_loaders.rules.metrics import RECTIFIED_STATUSES, days_overdue, is_rectified
from data_loaders.store.schema import Campaign, CampaignTask, Enterprise, HiddenDanger
from read_models.campaigns import overdue_tasks
from read_models.dangers import load_danger_closure, overdue_dangers
from read_models.grids import resolve_scope
from read_models.stats import danger_scope

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
        return overdue_tasks(session, and_(of_c, late), today, None)
    if name == "dangers-by-industry":
        return load_danger_closure(session, grid, today)["by_industry"]
    late = and_(~HiddenDanger.status.in_(RECTIFIED_STATUSES), HiddenDanger.deadline < today)
    return overdue_dangers(session, and_(danger_scope(scope), late), today, None)


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
