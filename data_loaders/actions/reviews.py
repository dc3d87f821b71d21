"""Recording a committee review meeting (督查会议): its date, the committees reviewed, who
attended, the decisions (a decision may become a new task with an owner unit and a deadline)
and the notes on the tasks discussed. Recorded once, with who and when; every task it creates
or notes is a task event of the meeting. The review page's read model is read_models.review.

A body (the API's JSON, the page's form) is checked whole before anything is written: every
field bounded, every problem named by its field in Chinese and English."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data_loaders.actions.tasks import Via
from data_loaders.store.engine import bump_data_version, session_scope
from data_loaders.store.schema import (
    Committee,
    CommitteeActivity,
    CommitteeTask,
    CommitteeTaskEvent,
    ReviewDecision,
    ReviewMeeting,
    ReviewMeetingCommittee,
)
from data_loaders.times import china_today
from data_loaders.users import has_role

MAX_DECISIONS = 50
MAX_NOTES = 200
TITLE_MAX, TEXT_MAX, ATTENDEES_MAX, OWNER_MAX = 200, 1000, 2000, 100
EARLIEST = date(2000, 1, 1)
LONGEST_DEADLINE = timedelta(days=5 * 366)  # a task due more than ~5 years out is a typo


class ReviewError(ValueError):
    """A meeting record that cannot be kept: the field at fault, why in Chinese and English."""

    def __init__(self, where: str, zh: str, en: str) -> None:
        super().__init__(f"{where}: {en}")
        self.where, self.zh, self.en = where, zh, en


@dataclass(frozen=True)
class Decision:
    """One decision; with a committee, an owner unit and a deadline it becomes a task."""

    text: str
    committee: str | None = None
    owner_unit: str | None = None
    due_on: date | None = None

    @property
    def makes_task(self) -> bool:
        """Whether this decision becomes a new task."""
        return self.committee is not None


@dataclass(frozen=True)
class Meeting:
    """A review meeting as recorded, checked."""

    held_on: date
    committees: tuple[str, ...]
    title: str
    attendees: str
    summary: str | None = None
    decisions: tuple[Decision, ...] = ()
    notes: tuple[tuple[str, str], ...] = field(default=())  # (task code, note)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(
    value: Any, where: str, limit: int, *, required: bool = False, single_line: bool = False
) -> str | None:
    """Text of a field, stripped, without control characters, at most `limit` characters."""
    if value is not None and not isinstance(value, str):
        raise ReviewError(where, "应为文字", "must be text")
    # control characters first: a field of nothing but them is empty
    text = _CONTROL.sub("", value or "").strip()
    if single_line:
        text = " ".join(text.split())
    if not text:
        if required:
            raise ReviewError(where, "不能为空", "is required")
        return None
    if len(text) > limit:
        raise ReviewError(where, f"超过 {limit} 个字", f"is longer than {limit} characters")
    return text


def _day(value: Any, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ReviewError(where, "日期格式应为 YYYY-MM-DD", "a date is YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ReviewError(where, "不是有效日期", "is not a real date") from None


def _list(value: Any, where: str, limit: int) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ReviewError(where, "应为列表", "must be a list")
    if len(value) > limit:
        raise ReviewError(where, f"最多 {limit} 项", f"at most {limit} entries")
    return value


def parse_meeting(body: Any, committees: set[str], today: date) -> Meeting:
    """A meeting from a JSON-like body, checked whole; ReviewError names the first problem.
    `committees` are the known committee codes; `today` is the bureau's day."""
    if not isinstance(body, dict):
        raise ReviewError("body", "应为 JSON 对象", "must be a JSON object")
    held_on = _day(body.get("held_on"), "held_on")
    if held_on > today:
        raise ReviewError("held_on", "会议日期不能晚于今天", "a meeting is recorded once held")
    if held_on < EARLIEST:
        raise ReviewError("held_on", "会议日期不能早于 2000-01-01", "a meeting from 2000 on")
    codes = _list(body.get("committees"), "committees", len(committees) or 1)
    if not codes:
        raise ReviewError("committees", "至少选择一个专委会", "name at least one committee")
    if any(not isinstance(c, str) or c not in committees for c in codes):
        raise ReviewError("committees", "含未知的专委会", "names an unknown committee")
    picked = tuple(dict.fromkeys(codes))  # in the given order, once each
    decisions = []
    for i, d in enumerate(_list(body.get("decisions"), "decisions", MAX_DECISIONS)):
        where = f"decisions[{i}]"
        if not isinstance(d, dict):
            raise ReviewError(where, "应为对象", "must be an object")
        text = _text(d.get("text"), f"{where}.text", TEXT_MAX, required=True)
        assert text is not None
        committee = d.get("committee") or None
        if committee is None:
            decisions.append(Decision(text))
            continue
        if committee not in picked:
            raise ReviewError(
                f"{where}.committee",
                "新任务须属于本次会议督查的专委会",
                "a new task belongs to a committee the meeting reviewed",
            )
        owner = _text(
            d.get("owner_unit"), f"{where}.owner_unit", OWNER_MAX, required=True, single_line=True
        )
        due = _day(d.get("due_on"), f"{where}.due_on")
        if not held_on <= due <= held_on + LONGEST_DEADLINE:
            raise ReviewError(
                f"{where}.due_on",
                "完成时限应在会议日期之后五年内",
                "the deadline is on or after the meeting, within five years",
            )
        decisions.append(Decision(text, committee, owner, due))
    notes = []
    for i, n in enumerate(_list(body.get("notes"), "notes", MAX_NOTES)):
        where = f"notes[{i}]"
        if not isinstance(n, dict) or not isinstance(n.get("task"), str):
            raise ReviewError(where, "应为 {task, note}", "must be {task, note}")
        note = _text(n.get("note"), f"{where}.note", ATTENDEES_MAX, required=True)
        assert note is not None
        notes.append((n["task"].strip()[:40], note))
    title = _text(body.get("title"), "title", TITLE_MAX, single_line=True)
    attendees = _text(body.get("attendees"), "attendees", ATTENDEES_MAX, required=True)
    assert attendees is not None
    return Meeting(
        held_on=held_on,
        committees=picked,
        title=title or f"{held_on.year}年安委会督查会议",
        attendees=attendees,
        summary=_text(body.get("summary"), "summary", ATTENDEES_MAX),
        decisions=tuple(decisions),
        notes=tuple(notes),
    )


def next_task_code(session: Session, committee: Committee) -> str:
    """The next free code of a committee's tasks: its code, a dash, the next number (the
    demo's and the imports' `road_traffic-018` → `road_traffic-019`)."""
    prefix = f"{committee.code}-"[:36]
    codes = session.scalars(select(CommitteeTask.code).where(CommitteeTask.code.like(f"{prefix}%")))
    numbers = [int(c[len(prefix) :]) for c in codes if c[len(prefix) :].isdigit()]
    n = max(numbers, default=0) + 1
    while True:  # a code someone gave by hand may still be in the way
        code = f"{prefix}{n:03d}"
        if session.scalar(select(func.count()).where(CommitteeTask.code == code)) == 0:
            return code
        n += 1


def record_meeting(session: Session, meeting: Meeting, actor: str, now: datetime) -> int:
    """Keep a checked meeting: the record, a meeting activity per committee, its decisions
    (new tasks created), its notes on tasks (task events); returns the meeting's id."""
    # the reviewed committees' rows locked (PostgreSQL) until the record is kept: two meetings
    # making tasks of one committee at once take its next numbers one after the other
    locked = set(meeting.committees)
    by_code = {
        c.code: c
        for c in session.scalars(
            select(Committee).where(Committee.code.in_(locked)).with_for_update()
        )
    }
    reviewed = {by_code[c].id for c in meeting.committees}
    tasks = {}
    for i, (code, _note) in enumerate(meeting.notes):
        task = session.scalar(select(CommitteeTask).where(CommitteeTask.code == code))
        if task is None or task.committee_id not in reviewed:
            raise ReviewError(
                f"notes[{i}].task",
                f"任务 {code} 不属于本次会议督查的专委会",
                f"task {code} is not a task of a committee the meeting reviewed",
            )
        tasks[code] = task
    row = ReviewMeeting(
        held_on=meeting.held_on,
        title=meeting.title,
        attendees=meeting.attendees,
        summary=meeting.summary,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    via = Via("meeting", row.id)
    for code in meeting.committees:
        c = by_code[code]
        session.add(ReviewMeetingCommittee(meeting_id=row.id, committee_id=c.id))
        session.add(
            CommitteeActivity(
                committee_id=c.id,
                kind="meeting",
                title=meeting.title[:300],
                held_on=meeting.held_on,
                meeting_id=row.id,
            )
        )
    for seq, d in enumerate(meeting.decisions, start=1):
        task_id = None
        if d.makes_task:
            assert d.committee is not None
            task = CommitteeTask(
                committee_id=by_code[d.committee].id,
                code=next_task_code(session, by_code[d.committee]),
                title=d.text[:300],
                owner_unit=d.owner_unit,
                due_on=d.due_on,
                status="not_started",
                progress=0,
                updated_by=actor,
                updated_at=now,
            )
            session.add(task)
            session.flush()
            task_id = task.id
            session.add(_event(task, actor, now, via, "督查会议决定 / decided at the review"))
        session.add(ReviewDecision(meeting_id=row.id, seq=seq, text=d.text, task_id=task_id))
    for code, note in meeting.notes:
        task = tasks[code]
        event = _event(task, actor, now, via, note)
        event.from_status, event.from_progress = task.status, task.progress
        session.add(event)
    bump_data_version(session)  # the meeting count, new tasks: the panels' figures moved
    return row.id


def _event(task: CommitteeTask, actor: str, now: datetime, via: Via, note: str) -> Any:
    """A task event of a meeting: the task as it stands, with the meeting's note."""
    return CommitteeTaskEvent(
        task_id=task.id,
        at=now,
        actor=actor,
        status=task.status,
        progress=task.progress,
        note=note,
        evidence_url=task.evidence_url,
        source=via.source,
        meeting_id=via.meeting_id,
    )


def record_meeting_as(
    engine: Engine, actor: str | None, role: str | None, body: Any, now: datetime
) -> int:
    """An operator's (or admin's) meeting record; PermissionError for anyone else,
    ReviewError (nothing written) for a body that cannot be kept."""
    if not actor or not has_role(role, "operator"):
        raise PermissionError("recording a review meeting needs the operator role")
    with session_scope(engine) as session:
        known = set(session.scalars(select(Committee.code)))
        meeting = parse_meeting(body, known, china_today(now))
        return record_meeting(session, meeting, actor, now)
