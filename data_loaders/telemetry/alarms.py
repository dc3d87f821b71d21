"""The alarm loop in the store: new readings through the rules, offline sensors and escalation,
each change recorded as an alarm event (people's actions: data_loaders.actions.alarms).

Evaluation runs in the same transaction that stores the readings, whichever source they came
from; the sensors' rule states are locked (PostgreSQL) in id order so two writers never
evaluate one sensor at once and never deadlock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data_loaders.rules import alarms as rules
from data_loaders.store.engine import bump_alarm_version
from data_loaders.store.schema import Alarm, AlarmEvent, Sensor, SensorState
from data_loaders.store.upsert import upsert
from data_loaders.times import as_utc
from data_loaders.vocab import SENSOR_KINDS

SYSTEM = "system"


@dataclass(frozen=True)
class AlarmConfig:
    """The rule settings, what differs by sensor kind, and the escalation limits (seconds
    unacknowledged, by level)."""

    rule: rules.RuleSettings = field(default_factory=rules.RuleSettings)
    escalate_after_s: dict[int, int] = field(default_factory=lambda: {1: 900, 2: 300})
    immediate_kinds: tuple[str, ...] = rules.IMMEDIATE_KINDS  # level 2 on the first reading
    hold_by_kind: dict[str, float] = field(default_factory=dict)  # seconds, else the rule's

    def rule_for(self, kind: str) -> rules.RuleSettings:
        """The threshold rule's settings for one kind of sensor."""
        return replace(
            self.rule,
            min_duration_s=self.hold_by_kind.get(kind, self.rule.min_duration_s),
            immediate_level=2 if kind in self.immediate_kinds else self.rule.immediate_level,
        )


def parse_kinds(text: str, setting: str) -> tuple[str, ...]:
    """Sensor kinds from "ammonia,dust"; ValueError names the setting and the unknown kind."""
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    for kind in kinds:
        if kind not in SENSOR_KINDS:
            raise ValueError(f"{setting}: unknown sensor kind {kind!r} ({', '.join(SENSOR_KINDS)})")
    return kinds


def parse_kind_seconds(text: str, setting: str) -> dict[str, float]:
    """Seconds by sensor kind from "tank_level=30,pressure=20" (0 to a day)."""
    out: dict[str, float] = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        kind, sep, value = entry.partition("=")
        parse_kinds(kind, setting)
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not sep or not kind.strip() or not 0 <= seconds <= 86_400:
            raise ValueError(f"{setting}: {entry!r} is not KIND=SECONDS (0 to 86400)")
        out[kind.strip()] = seconds
    return out


@dataclass
class _Changes:
    """What one evaluation did, so the caller knows whether the screens must refresh."""

    opened: int = 0
    changed: int = 0

    @property
    def any(self) -> bool:
        return bool(self.opened or self.changed)


def lock_states(session: Session, sensor_ids: list[int]) -> dict[int, rules.SignalState]:
    """The rule states of some sensors, created when missing and locked until commit."""
    ids = sorted(set(sensor_ids))
    if not ids:
        return {}
    query = (
        select(
            SensorState.sensor_id,
            SensorState.level,
            SensorState.since,
            SensorState.pending,
            SensorState.last_ts,
            SensorState.last_value,
        )
        .where(SensorState.sensor_id.in_(ids))
        .order_by(SensorState.sensor_id)
        .with_for_update()  # PostgreSQL locks the rows; SQLite has one writer anyway
    )
    rows = session.execute(query).all()
    missing = set(ids) - {r.sensor_id for r in rows}
    if missing:
        # key only: ON CONFLICT DO NOTHING, the columns' defaults fill the rest
        upsert(session, SensorState, [{"sensor_id": i} for i in sorted(missing)], ["sensor_id"])
        rows = session.execute(query).all()
    return {
        r.sensor_id: rules.SignalState(
            r.level, as_utc(r.since), r.pending, as_utc(r.last_ts), r.last_value
        )
        for r in rows
    }


def save_states(session: Session, states: dict[int, rules.SignalState]) -> None:
    """Write rule states back (one executemany UPDATE by primary key)."""
    if states:
        session.execute(
            update(SensorState),
            [
                {
                    "sensor_id": sid,
                    "level": st.level,
                    "since": st.since,
                    "pending": st.pending,
                    "last_ts": st.last_ts,
                    "last_value": st.last_value,
                }
                for sid, st in states.items()
            ],
        )


SENSOR_COLUMNS = (
    Sensor.id,
    Sensor.kind,
    Sensor.scene,
    Sensor.unit,
    Sensor.level_1,
    Sensor.level_2,
    Sensor.direction,
    Sensor.is_drill,
)


def _open_alarms(session: Session, sensor_ids: list[int]) -> dict[tuple[int, str], Alarm]:
    rows = session.scalars(
        select(Alarm).where(Alarm.sensor_id.in_(sensor_ids), Alarm.state != "closed")
    )
    return {(a.sensor_id, a.rule): a for a in rows}


def _event(session: Session, alarm: Alarm, at: datetime, action: str, note: str | None) -> None:
    session.add(AlarmEvent(alarm=alarm, at=at, actor=SYSTEM, action=action, note=note))


def _raise(
    session: Session,
    alarm: Alarm | None,
    sensor: Sensor,
    rule: str,
    level: int,
    at: datetime,
    value: float | None,
    note: str | None,
) -> Alarm:
    """Open an alarm, or count a repeat on the open one (raising its level when higher)."""
    if alarm is None:
        alarm = Alarm(
            sensor_id=sensor.id,
            rule=rule,
            level=level,
            state="open",
            opened_at=at,
            last_at=at,
            peak=value,
            last_value=value,
            count=1,
            is_drill=sensor.is_drill,
        )
        session.add(alarm)
        _event(session, alarm, at, "open", note)
        return alarm
    alarm.count = (alarm.count or 1) + 1
    alarm.recovered_at = None
    action = "level_up" if level > alarm.level else "repeat"
    alarm.level = max(alarm.level, level)
    _event(session, alarm, at, action, note)
    return alarm


def _touch(alarm: Alarm, sensor: Sensor, at: datetime, value: float) -> None:
    alarm.last_at = max(as_utc(alarm.last_at) or at, at)
    alarm.last_value = value
    alarm.peak = rules.worse(alarm.peak, value, sensor.direction)


def _fmt(value: float, unit: str) -> str:
    return f"{value:g} {unit}".strip()


def evaluate(
    session: Session,
    readings: list[tuple[int, datetime, float]],
    config: AlarmConfig,
) -> _Changes:
    """Run readings (sensor id, ts, value) through the rules and update the alarms; those not
    newer than what a sensor's rule has seen (repeats, late ones) change nothing."""
    changes = _Changes()
    if not readings:
        return changes
    by_sensor: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    for sid, ts, value in readings:
        by_sensor[sid].append((as_utc(ts), value))  # type: ignore[arg-type]
    ids = sorted(by_sensor)
    states = lock_states(session, ids)
    sensors = {s.id: s for s in session.execute(select(*SENSOR_COLUMNS).where(Sensor.id.in_(ids)))}
    open_alarms = _open_alarms(session, ids)
    for sid in ids:
        sensor, state = sensors[sid], states[sid]
        # only what is newer than the rule has seen: repeats and late readings change nothing
        fresh = [r for r in by_sensor[sid] if state.last_ts is None or r[0] > state.last_ts]
        if not fresh:
            continue
        offline = open_alarms.get((sid, rules.OFFLINE))
        if offline is not None and offline.recovered_at is None:
            offline.recovered_at = min(ts for ts, _ in fresh)
            _event(session, offline, offline.recovered_at, "recover", None)
            changes.changed += 1
        limits = rules.Limits(sensor.level_1, sensor.level_2, sensor.direction)
        if sensor.kind == "ai_video":
            _scene(session, sensor, fresh, limits, open_alarms, changes)
            states[sid] = rules.SignalState(0, None, 0, *max(fresh))
            continue
        states[sid], steps = rules.run(state, fresh, limits, config.rule_for(sensor.kind))
        _threshold(session, sensor, steps, open_alarms, changes)
    save_states(session, states)
    if changes.any:
        bump_alarm_version(session)
    return changes


def _threshold(
    session: Session,
    sensor: Sensor,
    steps: list[rules.Step],
    open_alarms: dict[tuple[int, str], Alarm],
    changes: _Changes,
) -> None:
    key = (sensor.id, rules.THRESHOLD)
    for s in steps:
        alarm = open_alarms.get(key)
        # system notes are data, not prose (the screens are in two languages): the value
        note = _fmt(s.value, sensor.unit)
        if s.raised and alarm is not None and s.before > 0:
            # the same excursion got worse: a higher level, not a new occurrence
            alarm.level = max(alarm.level, s.after)
            _event(session, alarm, s.ts, "level_up", note)
            changes.changed += 1
        elif s.raised:
            changes.opened += alarm is None
            changes.changed += alarm is not None
            alarm = open_alarms[key] = _raise(
                session, alarm, sensor, rules.THRESHOLD, s.after, s.ts, s.value, note
            )
        if alarm is None:
            continue
        if s.after > 0:
            _touch(alarm, sensor, s.ts, s.value)
        elif s.recovered:
            alarm.recovered_at = s.ts
            alarm.last_value = s.value
            _event(session, alarm, s.ts, "recover", _fmt(s.value, sensor.unit))
            changes.changed += 1


def _scene(
    session: Session,
    sensor: Sensor,
    readings: list[tuple[datetime, float]],
    limits: rules.Limits,
    open_alarms: dict[tuple[int, str], Alarm],
    changes: _Changes,
) -> None:
    # An AI-scene event is an instant: each one is an occurrence; nothing "recovers".
    key = (sensor.id, rules.SCENE)
    for ts, value in sorted(readings):
        level = rules.scene_level(value, limits)
        if not level:
            continue
        alarm = open_alarms.get(key)
        changes.opened += alarm is None
        changes.changed += alarm is not None
        alarm = open_alarms[key] = _raise(
            session, alarm, sensor, rules.SCENE, level, ts, value, None
        )
        alarm.last_at = max(as_utc(alarm.last_at) or ts, ts)


def check_offline(session: Session, now: datetime) -> int:
    """Open (or repeat) an offline alarm for each sensor silent past its stale-after."""
    rows = session.execute(
        select(Sensor, SensorState.last_ts)
        .join(SensorState, SensorState.sensor_id == Sensor.id)
        # a drill's sensors fall silent when its scenario ends: that is no offline alarm
        .where(SensorState.last_ts.is_not(None), Sensor.is_drill.is_(False))
    ).all()
    stale = [
        (sensor, as_utc(last))
        for sensor, last in rows
        if rules.is_stale(as_utc(last), sensor.stale_after_s, now)
    ]
    if not stale:
        return 0
    open_alarms = _open_alarms(session, [s.id for s, _ in stale])
    n = 0
    for sensor, last in stale:
        alarm = open_alarms.get((sensor.id, rules.OFFLINE))
        if alarm is not None and alarm.recovered_at is None:
            continue  # already raised for this silence
        # the note is the time of the last reading (ISO 8601, UTC)
        note = last.isoformat(timespec="seconds")  # type: ignore[union-attr]
        _raise(session, alarm, sensor, rules.OFFLINE, 1, now, None, note)
        n += 1
    if n:
        bump_alarm_version(session)
    return n


def escalate(session: Session, now: datetime, limits_s: dict[int, int]) -> int:
    """Mark the alarms nobody acknowledged in time as escalated, and record it."""
    rows = session.scalars(
        select(Alarm).where(Alarm.state == "open", Alarm.escalated.is_(False))
    ).all()
    n = 0
    for alarm in rows:
        if rules.escalation_due(alarm.level, as_utc(alarm.opened_at), limits_s, now):  # type: ignore[arg-type]
            alarm.escalated = True
            _event(session, alarm, now, "escalate", None)
            n += 1
    if n:
        bump_alarm_version(session)
    return n


__all__ = [
    "AlarmConfig",
    "check_offline",
    "escalate",
    "evaluate",
    "lock_states",
]
