"""The alarm lifecycle as a pure function: open → acknowledged → dispatched → disposed → closed.

`plan_action` checks that an action is allowed from the alarm's state and that its inputs are
complete, and says what changes; the store applies it and records the event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from data_loaders.times import as_aware, parse_iso

STATES = ("open", "acknowledged", "dispatched", "disposed", "closed")
OPEN_STATES = STATES[:-1]
ACTIONS = ("acknowledge", "dispatch", "dispose", "close")
# From which states each action may be taken. Dispatching again re-assigns; closing is allowed
# from any open state (a false alarm need not be dispatched first) but always needs a reason.
ALLOWED_FROM = {
    "acknowledge": ("open",),
    "dispatch": ("open", "acknowledged", "dispatched"),
    "dispose": ("dispatched",),
    "close": OPEN_STATES,
}
TARGET = {
    "acknowledge": "acknowledged",
    "dispatch": "dispatched",
    "dispose": "disposed",
    "close": "closed",
}
MAX_TEXT = 2000
MAX_DUE_AHEAD = timedelta(days=366)  # a due time is for this incident, not next year's


class ActionError(ValueError):
    """An action that cannot be taken; `code` names why (the UI translates it)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Plan:
    """The changes an allowed action makes and the event that records it."""

    state: str
    changes: dict[str, Any] = field(default_factory=dict)
    note: str | None = None


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ActionError("bad_field", f"{key} must be text")
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ActionError("too_long", f"{key} is longer than {MAX_TEXT} characters")
    return value


def _when(value: Any, now: datetime) -> datetime:
    if isinstance(value, datetime):
        due = value
    elif isinstance(value, str) and value.strip():
        try:
            due = parse_iso(value)  # without an offset: China time
        except ValueError as exc:
            raise ActionError("bad_due", "due must be an ISO 8601 time") from exc
    else:
        raise ActionError("due_required", "dispatch needs a due time (due)")
    try:
        due = as_aware(due).astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00+08:00 has no UTC instant
        raise ActionError("bad_due", "due is out of range") from exc
    if due <= now:
        raise ActionError("due_past", "the due time is already past")
    if due - now > MAX_DUE_AHEAD:
        raise ActionError("due_too_far", "the due time is more than a year ahead")
    return due


def plan_action(state: str, action: str, body: dict[str, Any], now: datetime) -> Plan:
    """What an action does to an alarm in a state, or ActionError saying why it cannot."""
    if action not in ACTIONS:
        raise ActionError("unknown_action", f"unknown action {action!r}")
    if state not in ALLOWED_FROM[action]:
        raise ActionError("wrong_state", f"cannot {action} an alarm that is {state}")
    note = _text(body, "note") or None
    plan = Plan(TARGET[action], note=note)
    if action == "acknowledge":
        plan.changes = {"acknowledged_at": now}
    elif action == "dispatch":
        assignee = _text(body, "assignee")
        if not assignee:
            raise ActionError("assignee_required", "dispatch needs a person or unit (assignee)")
        due = _when(body.get("due"), now)
        plan.changes = {"assignee": assignee, "due_at": due}
        plan.note = f"{assignee} · {due.isoformat(timespec='minutes')}" + (
            f" · {note}" if note else ""
        )
    elif action == "dispose":
        feedback = _text(body, "feedback") or (note or "")
        if not feedback:
            raise ActionError("feedback_required", "dispose needs the feedback text (feedback)")
        plan.changes = {"feedback": feedback}
        plan.note = feedback
    elif action == "close":
        reason = _text(body, "reason")
        if not reason:
            raise ActionError("reason_required", "closing needs a reason (reason, 消警原因)")
        plan.changes = {"closed_at": now, "close_reason": reason}
        plan.note = reason
    if state == "open" and action != "acknowledge":
        # dispatching or closing an alarm nobody acknowledged answers it: its response time
        # (the ranking's, the briefing's) ends here, not when someone would have acknowledged
        plan.changes["acknowledged_at"] = now
    return plan
