"""An operator's update of a safety-committee task (status, progress, note, evidence link),
recorded with who and when; the panel's read model is read_models.committee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data_loaders.rules.links import LinkError, check_link, safe_link
from data_loaders.store.engine import bump_data_version, session_scope
from data_loaders.store.schema import CommitteeTask, CommitteeTaskEvent
from data_loaders.times import china_today
from data_loaders.users import has_role
from data_loaders.vocab import TASK_STATUSES


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


@dataclass(frozen=True)
class Via:
    """How a task change came: the task editor, a review meeting, or a returned progress file
    (its name); kept on the change's event beside who and when."""

    source: str = "panel"
    meeting_id: int | None = None
    file_name: str | None = None


def update_task(
    session: Session,
    code: str,
    changes: dict[str, Any],
    actor: str,
    now: datetime,
    via: Via = Via(),
) -> CommitteeTask:
    """Set a task's status, progress, note and evidence link; record who, when and how."""
    task = session.scalar(select(CommitteeTask).where(CommitteeTask.code == code))
    if task is None:
        raise TaskError("not_found", f"no committee task {code}")
    before = (task.status, task.progress)
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
    task.done_on = (task.done_on or china_today(now)) if status == "done" else None
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
            from_status=before[0],
            from_progress=before[1],
            source=via.source,
            meeting_id=via.meeting_id,
            file_name=via.file_name,
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
