"""Safety-committee tasks (安委会): the panel's read model and an operator's update of a task,
recorded with who and when."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, and_, case, func, select
from sqlalchemy.orm import Session

from data_loaders.panels import task_item
from data_loaders.queries import load_committee_counts, resolve_scope
from data_loaders.rules.links import LinkError, check_link, safe_link
from data_loaders.rules.metrics import rate, task_is_overdue
from data_loaders.store.engine import bump_data_version, session_scope
from data_loaders.store.schema import Committee, CommitteeTask, CommitteeTaskEvent
from data_loaders.times import as_utc
from data_loaders.users import has_role
from data_loaders.vocab import TASK_STATUSES


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


class TaskError(ValueError):
    """A task update that cannot be made; `code` names why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _evidence_link(given: Any, stored: str | None) -> str | None:
    """The link an update stores: a new one if the link rule (rules.links, the importers' too)
    accepts it, else the stored one unless that breaks the rule (stored before it)."""
    if given is not None and not isinstance(given, str):
        raise TaskError("bad_url", "the evidence link must be text")
    if given and given.strip():
        try:
            return check_link(given)
        except LinkError as exc:
            raise TaskError("bad_url", exc.en) from None
    return safe_link(stored)


def update_task(
    session: Session, code: str, changes: dict[str, Any], actor: str, now: datetime
) -> CommitteeTask:
    """Set a task's status, progress, note and evidence link; record who and when."""
    task = session.scalar(select(CommitteeTask).where(CommitteeTask.code == code))
    if task is None:
        raise TaskError("not_found", f"no committee task {code}")
    status = changes.get("status", task.status)
    if status not in TASK_STATUSES:
        raise TaskError("bad_status", f"status is one of {', '.join(TASK_STATUSES)}")
    try:
        progress = int(changes.get("progress", 100 if status == "done" else task.progress))
    except (TypeError, ValueError) as exc:
        raise TaskError("bad_progress", "progress is a whole number 0–100") from exc
    if not 0 <= progress <= 100:
        raise TaskError("bad_progress", "progress is a whole number 0–100")
    if status == "done":
        progress = 100
    url = _evidence_link(changes.get("evidence_url"), task.evidence_url)
    note = changes.get("note")
    note = note.strip()[:2000] if isinstance(note, str) and note.strip() else task.note
    task.status, task.progress, task.note, task.evidence_url = status, progress, note, url
    task.done_on = (task.done_on or now.date()) if status == "done" else None
    task.updated_by, task.updated_at = actor, now
    session.add(
        CommitteeTaskEvent(
            task_id=task.id,
            at=now,
            actor=actor,
            status=status,
            progress=progress,
            note=changes.get("note") if isinstance(changes.get("note"), str) else None,
            evidence_url=url,
        )
    )
    bump_data_version(session)  # the panels' and the KPI strip's figures moved
    return task


def update_task_as(
    engine: Engine,
    actor: str | None,
    role: str | None,
    code: str,
    changes: dict[str, Any],
    now: datetime,
) -> None:
    """An operator's (or admin's) task update; PermissionError for anyone else."""
    if not actor or not has_role(role, "operator"):
        raise PermissionError("updating committee tasks needs the operator role")
    with session_scope(engine) as session:
        update_task(session, code, changes, actor, now)
