"""People's actions on alarms (acknowledge, dispatch, dispose, close): the lifecycle rule
(data_loaders.rules.lifecycle) decides, the change is recorded as an alarm event with who and
when. The alarms the readings open, repeat and escalate are data_loaders.telemetry.alarms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.rules.lifecycle import ActionError, plan_action
from data_loaders.store.engine import bump_alarm_version, session_scope
from data_loaders.store.schema import Alarm, AlarmEvent
from data_loaders.users import has_role


class NoSuchAlarm(LookupError):
    """No alarm has that id."""


def act(
    session: Session,
    alarm_id: int,
    action: str,
    body: dict[str, Any],
    actor: str,
    now: datetime,
) -> Alarm:
    """A person's action on an alarm (ActionError when not allowed), recorded as an event."""
    alarm = session.scalar(select(Alarm).where(Alarm.id == alarm_id).with_for_update())
    if alarm is None:
        raise NoSuchAlarm(alarm_id)
    plan = plan_action(alarm.state, action, body, now)
    alarm.state = plan.state
    for key, value in plan.changes.items():
        setattr(alarm, key, value)
    session.add(AlarmEvent(alarm_id=alarm.id, at=now, actor=actor, action=action, note=plan.note))
    bump_alarm_version(session)
    return alarm


class NotAllowed(PermissionError):
    """The person's role does not allow the action."""


def act_as(
    engine: Any,
    actor: str | None,
    role: str | None,
    alarm_id: int,
    action: str,
    body: dict[str, Any],
    now: datetime | None = None,
) -> int:
    """An action on an alarm by a signed-in operator (NotAllowed otherwise); the alarm id.

    Every route and callback that changes an alarm comes through here, so the role check
    cannot be forgotten in one of them.
    """
    if not actor or not has_role(role, "operator"):
        raise NotAllowed("acting on alarms needs the operator role")
    with session_scope(engine) as session:
        act(session, alarm_id, action, body, actor, now or datetime.now(UTC))
    return alarm_id


__all__ = ["ActionError", "NoSuchAlarm", "NotAllowed", "act", "act_as"]
