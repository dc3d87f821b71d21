"""The safety committees' panel (安委会): each specialist committee's tasks by status, the task
list and one task with its change history. Operators' updates are data_loaders.actions.tasks."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from data_loaders.rules.links import safe_link
from data_loaders.rules.metrics import rate, task_is_overdue
from data_loaders.store.schema import Committee, CommitteeTask, CommitteeTaskEvent
from data_loaders.times import as_utc
from data_loaders.vocab import TASK_STATUSES
from read_models.grids import resolve_scope
from read_models.lists import task_item
from read_models.stats import load_committee_counts


def load_committee_panel(session: Session, grid_code: str | None, today: date) -> dict[str, Any]:
    """Each specialist committee's tasks by status (overdue counted apart), completion rate and
    overdue tasks; the activity counts of the scope."""
    scope = resolve_scope(session, grid_code)
    late = and_(CommitteeTask.status != "done", CommitteeTask.due_on < today)
    rows = session.execute(
        select(
            Committee.id,
            Committee.code,
            Committee.name,
            Committee.name_en,
            Committee.lead_unit,
            func.count(CommitteeTask.id),
            *(
                func.sum(case((and_(CommitteeTask.status == s, ~late), 1), else_=0))
                for s in TASK_STATUSES
            ),
            func.sum(case((late, 1), else_=0)),
        )
        .join(
            CommitteeTask,
            and_(CommitteeTask.committee_id == Committee.id, scope.where(CommitteeTask.grid_id)),
            isouter=True,
        )
        .group_by(Committee.id, Committee.code, Committee.name, Committee.name_en)
        .order_by(Committee.id)
    ).all()
    overdue = session.execute(
        select(CommitteeTask, Committee.code)
        .join(Committee, Committee.id == CommitteeTask.committee_id)
        .where(scope.where(CommitteeTask.grid_id), late)
        .order_by(CommitteeTask.due_on, CommitteeTask.id)
    ).all()
    late_by: dict[str, list[dict[str, Any]]] = {}
    for t, code in overdue:
        late_by.setdefault(code, []).append(task_item(t, today))
    committees = []
    for _id, code, name, name_en, lead, total, *by_status in rows:
        counts = {
            s: int(n or 0) for s, n in zip((*TASK_STATUSES, "overdue"), by_status, strict=True)
        }
        committees.append(
            {
                "code": code,
                "name": name,
                "name_en": name_en,
                "lead_unit": lead,
                "tasks": int(total),
                **counts,
                "rate": rate(counts["done"], int(total)),
                "overdue_tasks": late_by.get(code, []),
            }
        )
    return {"committees": committees, "totals": load_committee_counts(session, scope, today)}


def _task_row(t: CommitteeTask, name: str, name_en: str | None, today: date) -> dict[str, Any]:
    return {
        **task_item(t, today),
        "committee_name": name,
        "committee_name_en": name_en,
        "overdue": task_is_overdue(t.status, t.due_on, today),
        "updated_by": t.updated_by,
    }


def load_committee_tasks(session: Session, grid_code: str | None, today: date) -> list[dict]:
    """Every committee task in scope (overdue first, then by due date), for the task list."""
    scope = resolve_scope(session, grid_code)
    rows = session.execute(
        select(CommitteeTask, Committee.code, Committee.name, Committee.name_en)
        .join(Committee, Committee.id == CommitteeTask.committee_id)
        .where(scope.where(CommitteeTask.grid_id))
        .order_by(CommitteeTask.due_on, CommitteeTask.id)
    ).all()
    out = [
        {**_task_row(t, name, name_en, today), "committee": code} for t, code, name, name_en in rows
    ]
    return sorted(out, key=lambda r: not r["overdue"])  # stable: due date within each group


def load_task(session: Session, code: str, today: date) -> dict[str, Any] | None:
    """One committee task with its note, evidence link and change history (newest first)."""
    row = session.execute(
        select(CommitteeTask, Committee.name, Committee.name_en)
        .join(Committee, Committee.id == CommitteeTask.committee_id)
        .where(CommitteeTask.code == code)
    ).first()
    if row is None:
        return None
    t, name, name_en = row
    events = session.scalars(
        select(CommitteeTaskEvent)
        .where(CommitteeTaskEvent.task_id == t.id)
        .order_by(CommitteeTaskEvent.at.desc(), CommitteeTaskEvent.id.desc())
    ).all()
    return {
        **_task_row(t, name, name_en, today),
        "note": t.note,
        "evidence_url": safe_link(t.evidence_url),  # one stored before the rule is not shown
        "events": [
            {
                "at": as_utc(e.at).isoformat() if e.at else None,
                "actor": e.actor,
                "status": e.status,
                "progress": e.progress,
                "note": e.note,
                "evidence_url": safe_link(e.evidence_url),
            }
            for e in events
        ],
    }
