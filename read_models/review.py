"""The committee review (安委会督查): per specialist committee, completion, tasks by status,
what changed since the last review (done, progress moved, newly overdue, not moved at all),
the overdue tasks with owner unit and days late, and every task whole; the review meetings
with their decisions and notes. The page (/review/), the workbook and the Word record are all
drawn from this document.

"Since" is a day (China time): a change at or after its start counts. By default it is the
day of the committee's last review meeting, else the first day of the quarter (一季一督查).
What a task was at that time comes from its events: an event keeps what the task was before
it (from_status/from_progress); an older event without that is read from the event before.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.rules.links import safe_link
from data_loaders.rules.metrics import days_overdue, rate, task_is_overdue
from data_loaders.store.schema import (
    Committee,
    CommitteeTask,
    CommitteeTaskEvent,
    ReviewDecision,
    ReviewMeeting,
    ReviewMeetingCommittee,
)
from data_loaders.times import CHINA, as_utc
from data_loaders.vocab import TASK_STATUSES

ALL = "all"
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CODE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")  # a committee code
CHANGE_KINDS = ("done", "moved", "newly_overdue", "not_moved", "new")


class UnknownCommittee(LookupError):
    """No committee has this code."""


@dataclass(frozen=True)
class Before:
    """What a task was at the review's start: None when it did not exist yet."""

    status: str | None
    progress: int | None
    known: bool = True  # False: the change history cannot tell (an event older than 0009)


class BadArgument(ValueError):
    """A query argument the review cannot take (its name and why)."""


def review_args(args: Any, today: date) -> tuple[str, date | None]:
    """(committee code or "all", since day or None) from a query, bounded: since from 2000 to
    today; BadArgument otherwise."""
    committee = (args.get("committee") or ALL).strip()[:40]
    if committee != ALL and not CODE.match(committee):
        raise BadArgument("committee: a committee code or all")
    raw = (args.get("since") or "").strip()[:20]
    if not raw:
        return committee, None
    if not DAY.match(raw):
        raise BadArgument("since: a day YYYY-MM-DD")
    try:
        since = date.fromisoformat(raw)
    except ValueError:
        raise BadArgument("since: not a real day") from None
    if not date(2000, 1, 1) <= since <= today:
        raise BadArgument("since: from 2000-01-01 to today")
    return committee, since


def quarter_start(day: date) -> date:
    """The first day of the day's quarter."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def day_start(day: date) -> datetime:
    """The instant a China-time day begins, in UTC."""
    return datetime.combine(day, time(0), CHINA).astimezone(UTC)


def last_meetings(session: Session, today: date) -> dict[int, dict[str, Any]]:
    """Each committee's last review meeting held by `today`: {committee id: meeting}."""
    rows = session.execute(
        select(ReviewMeetingCommittee.committee_id, ReviewMeeting)
        .join(ReviewMeeting, ReviewMeeting.id == ReviewMeetingCommittee.meeting_id)
        .where(ReviewMeeting.held_on <= today)
        .order_by(ReviewMeeting.held_on, ReviewMeeting.id)
    ).all()
    out: dict[int, dict[str, Any]] = {}
    for cid, m in rows:  # the latest wins
        out[cid] = {"id": m.id, "held_on": m.held_on.isoformat(), "title": m.title}
    return out


def _before(events: list[CommitteeTaskEvent], start: datetime) -> Before | None:
    """What the task was at `start`, from its events (oldest first); None: no event after
    `start`, so it is what it is now."""
    after = [e for e in events if as_utc(e.at) >= start]  # type: ignore[operator]
    if not after:
        return None
    first = after[0]
    created = first.source == "meeting" and first.from_status is None
    if created and first is events[0]:
        return Before(None, None)  # created by a meeting after the start
    if first.from_status is not None:
        return Before(first.from_status, first.from_progress)
    earlier = [e for e in events if as_utc(e.at) < start]  # type: ignore[operator]
    if earlier:
        return Before(earlier[-1].status, earlier[-1].progress)
    return Before(None, None, known=False)


def _task(t: CommitteeTask, today: date) -> dict[str, Any]:
    return {
        "code": t.code,
        "title": t.title,
        "owner_unit": t.owner_unit,
        "due_on": t.due_on.isoformat() if t.due_on else None,
        "status": t.status,
        "progress": t.progress,
        "note": t.note,
        "evidence_url": safe_link(t.evidence_url),
        "done_on": t.done_on.isoformat() if t.done_on else None,
        "overdue": task_is_overdue(t.status, t.due_on, today),
        "days_overdue": days_overdue(t.due_on, today) if t.status != "done" else 0,
        "updated_by": t.updated_by,
    }


def classify(
    t: CommitteeTask, before: Before | None, since: date, today: date
) -> tuple[list[str], dict[str, Any]]:
    """The change kinds a task falls in since `since`, and what it was then."""
    kinds: list[str] = []
    was: dict[str, Any] = {}
    if before is not None and before.known and before.status is None:
        return ["new"], was
    if before is None:
        prev_status, prev_progress = t.status, t.progress
    elif not before.known:
        # no record of what it was: a task done on or after `since` was not done before it
        done_since = t.status == "done" and t.done_on is not None and t.done_on >= since
        prev_status = "in_progress" if done_since else None
        prev_progress = None
    else:
        prev_status, prev_progress = before.status, before.progress
    was = {"status": prev_status, "progress": prev_progress}
    if t.status == "done":
        if before is None and t.done_on is not None and t.done_on >= since:
            kinds.append("done")  # done without a recorded event (an import, the demo)
        elif prev_status is not None and prev_status != "done":
            kinds.append("done")
        return kinds, was
    if before is None:
        kinds.append("not_moved")  # nothing recorded since: it stands where it stood
    elif not before.known or (prev_status, prev_progress) != (t.status, t.progress):
        kinds.append("moved")
    else:
        kinds.append("not_moved")  # only notes since (a meeting's, say): no progress
    if task_is_overdue(t.status, t.due_on, today) and t.due_on is not None and t.due_on >= since:
        kinds.append("newly_overdue")  # its deadline passed since the last review
    return kinds, was


def _events_by_task(session: Session, task_ids: list[int]) -> dict[int, list[CommitteeTaskEvent]]:
    out: dict[int, list[CommitteeTaskEvent]] = defaultdict(list)
    for start in range(0, len(task_ids), 500):
        for e in session.scalars(
            select(CommitteeTaskEvent)
            .where(CommitteeTaskEvent.task_id.in_(task_ids[start : start + 500]))
            .order_by(CommitteeTaskEvent.at, CommitteeTaskEvent.id)
        ):
            out[e.task_id].append(e)
    return out


def _section(
    c: Committee,
    tasks: list[CommitteeTask],
    events: dict[int, list[CommitteeTaskEvent]],
    since: date,
    since_from: str,
    last: dict[str, Any] | None,
    today: date,
) -> dict[str, Any]:
    start = day_start(since)
    rows = []
    changes: dict[str, list[dict[str, Any]]] = {k: [] for k in CHANGE_KINDS}
    for t in tasks:
        row = _task(t, today)
        kinds, was = classify(t, _before(events.get(t.id, []), start), since, today)
        row["was"] = was
        row["changes"] = kinds
        rows.append(row)
        for k in kinds:
            changes[k].append(row)
    counts = {s: 0 for s in TASK_STATUSES}
    overdue = [r for r in rows if r["overdue"]]
    for r in rows:
        if not r["overdue"]:
            counts[r["status"]] += 1
    done = sum(1 for r in rows if r["status"] == "done")
    return {
        "code": c.code,
        "name": c.name,
        "name_en": c.name_en,
        "lead_unit": c.lead_unit,
        "since": since.isoformat(),
        "since_from": since_from,
        "last_meeting": last,
        "tasks_total": len(rows),
        "done": done,
        "rate": rate(done, len(rows)),
        "by_status": {**counts, "overdue": len(overdue)},
        "changes": {k: [r["code"] for r in v] for k, v in changes.items()},
        "overdue": [
            r["code"] for r in sorted(overdue, key=lambda r: (-r["days_overdue"], r["code"]))
        ],
        "tasks": rows,
    }


def load_review(
    session: Session, committee: str | None, since: date | None, today: date
) -> dict[str, Any]:
    """The review of one committee (its code) or all (None or "all"), since a day (None: each
    committee's last review meeting, else the quarter's first day), as it stands `today`."""
    query = select(Committee).order_by(Committee.id)
    if committee and committee != ALL:
        query = query.where(Committee.code == committee)
    committees = list(session.scalars(query))
    if committee and committee != ALL and not committees:
        raise UnknownCommittee(committee)
    ids = [c.id for c in committees]
    tasks_of: dict[int, list[CommitteeTask]] = defaultdict(list)
    for t in session.scalars(
        select(CommitteeTask)
        .where(CommitteeTask.committee_id.in_(ids))
        .order_by(CommitteeTask.due_on.is_(None), CommitteeTask.due_on, CommitteeTask.id)
    ):
        tasks_of[t.committee_id].append(t)
    events = _events_by_task(session, [t.id for ts in tasks_of.values() for t in ts])
    last = last_meetings(session, today)
    sections = []
    for c in committees:
        meeting = last.get(c.id)
        if since is not None:
            day, source = since, "given"
        elif meeting is not None:
            day, source = date.fromisoformat(meeting["held_on"]), "meeting"
        else:
            day, source = quarter_start(today), "quarter"
        sections.append(_section(c, tasks_of[c.id], events, day, source, meeting, today))
    total = sum(s["tasks_total"] for s in sections)
    done = sum(s["done"] for s in sections)
    return {
        "committee": committee if committee and committee != ALL else ALL,
        "since": since.isoformat() if since else None,
        "today": today.isoformat(),
        "totals": {
            "tasks": total,
            "done": done,
            "rate": rate(done, total),
            "overdue": sum(s["by_status"]["overdue"] for s in sections),
        },
        "committees": sections,
        "meetings": load_meetings(session, committee, limit=20),
    }


def load_meetings(session: Session, committee: str | None, limit: int = 20) -> list[dict]:
    """The latest review meetings (of one committee, or all), newest first, each whole."""
    query = select(ReviewMeeting).order_by(ReviewMeeting.held_on.desc(), ReviewMeeting.id.desc())
    if committee and committee != ALL:
        query = query.where(
            ReviewMeeting.id.in_(
                select(ReviewMeetingCommittee.meeting_id)
                .join(Committee, Committee.id == ReviewMeetingCommittee.committee_id)
                .where(Committee.code == committee)
            )
        )
    meetings = list(session.scalars(query.limit(limit)))
    return [_meeting(session, m) for m in meetings]


def load_meeting(session: Session, meeting_id: int) -> dict[str, Any] | None:
    """One review meeting whole: committees, decisions (with the tasks they made), notes."""
    m = session.get(ReviewMeeting, meeting_id)
    return _meeting(session, m) if m is not None else None


def _meeting(session: Session, m: ReviewMeeting) -> dict[str, Any]:
    committees = session.execute(
        select(Committee.code, Committee.name, Committee.name_en)
        .join(ReviewMeetingCommittee, ReviewMeetingCommittee.committee_id == Committee.id)
        .where(ReviewMeetingCommittee.meeting_id == m.id)
        .order_by(Committee.id)
    ).all()
    decisions = session.execute(
        select(ReviewDecision, CommitteeTask)
        .join(CommitteeTask, CommitteeTask.id == ReviewDecision.task_id, isouter=True)
        .where(ReviewDecision.meeting_id == m.id)
        .order_by(ReviewDecision.seq)
    ).all()
    created = {t.id for _d, t in decisions if t is not None}
    notes = session.execute(
        select(CommitteeTaskEvent, CommitteeTask.code, CommitteeTask.title)
        .join(CommitteeTask, CommitteeTask.id == CommitteeTaskEvent.task_id)
        .where(CommitteeTaskEvent.meeting_id == m.id)
        .order_by(CommitteeTaskEvent.id)
    ).all()
    return {
        "id": m.id,
        "held_on": m.held_on.isoformat(),
        "title": m.title,
        "attendees": m.attendees,
        "summary": m.summary,
        "recorded_by": m.recorded_by,
        "recorded_at": as_utc(m.recorded_at).isoformat() if m.recorded_at else None,
        "committees": [{"code": c, "name": n, "name_en": en} for c, n, en in committees],
        "decisions": [
            {
                "seq": d.seq,
                "text": d.text,
                "task": None
                if t is None
                else {
                    "code": t.code,
                    "owner_unit": t.owner_unit,
                    "due_on": t.due_on.isoformat() if t.due_on else None,
                },
            }
            for d, t in decisions
        ],
        "notes": [
            {"task": code, "title": title, "note": e.note}
            for e, code, title in notes
            if e.task_id not in created  # a new task's "decided at the review" is its decision
        ],
    }
