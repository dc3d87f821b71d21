"""The alarm loop on SQLite and PostgreSQL: readings → alarms, repeats, offline, escalation,
actions with their events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import func, select

from data_loaders.actions.alarms import ActionError, act
from data_loaders.rules.alarms import RuleSettings
from data_loaders.store import read_alarm_version, session_scope
from data_loaders.store.schema import Alarm, AlarmEvent, Sensor
from data_loaders.telemetry.alarms import AlarmConfig, check_offline, escalate
from data_loaders.telemetry.store import SensorDirectory, ingest_body

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
CONFIG = AlarmConfig(RuleSettings(deadband_ratio=0.1, min_duration_s=20), {1: 900, 2: 300})


def add_sensors(engine) -> None:
    with session_scope(engine) as s:
        s.add(Sensor(tag="NH3", kind="ammonia", unit="ppm", level_1=150, level_2=300))
        s.add(Sensor(tag="CAM", kind="ai_video", scene="smoking", level_2=1.0, stale_after_s=3600))


def send(engine, tag: str, series: list[tuple[int, float]], directory=None) -> None:
    """Readings at T0 + seconds."""
    body = orjson.dumps(
        [
            {"sensor": tag, "ts": (T0 + timedelta(seconds=s)).timestamp(), "value": v}
            for s, v in series
        ]
    )
    received = T0 + timedelta(seconds=max(s for s, _ in series))  # never before its readings
    with session_scope(engine) as s:
        ingest_body(s, body, directory or SensorDirectory(), "mqtt", received, CONFIG)


def alarms(engine) -> list[Alarm]:
    with session_scope(engine) as s:
        return list(s.scalars(select(Alarm).order_by(Alarm.id)))


def events(engine, alarm_id: int) -> list[tuple[str, str]]:
    with session_scope(engine) as s:
        rows = s.execute(
            select(AlarmEvent.actor, AlarmEvent.action)
            .where(AlarmEvent.alarm_id == alarm_id)
            .order_by(AlarmEvent.id)
        ).all()
    return [tuple(r) for r in rows]


def test_threshold_alarm_opens_once_raises_level_counts_repeats_and_recovers(engine):
    add_sensors(engine)
    # a 10 s spike is held back by the 20 s minimum duration
    send(engine, "NH3", [(0, 100), (10, 160), (20, 100)])
    assert alarms(engine) == []
    send(engine, "NH3", [(30, 160), (40, 170), (50, 180)])
    [a] = alarms(engine)
    assert (a.rule, a.level, a.state, a.count, a.peak) == ("threshold", 1, "open", 1, 180)
    # level 2, then back to normal (held 20 s), then over again: the same alarm, counted
    send(engine, "NH3", [(60, 310), (70, 320), (80, 350), (90, 200)])
    send(engine, "NH3", [(100, 100), (110, 100), (120, 90)])
    [a] = alarms(engine)
    assert (a.level, a.peak, a.count) == (2, 350, 1) and a.recovered_at is not None
    send(engine, "NH3", [(130, 200), (140, 200), (150, 210)])
    [a] = alarms(engine)
    assert a.count == 2 and a.recovered_at is None and a.level == 2
    assert [e[1] for e in events(engine, a.id)] == ["open", "level_up", "recover", "repeat"]
    assert all(actor == "system" for actor, _ in events(engine, a.id))
    with session_scope(engine) as s:
        assert read_alarm_version(s) == 4


def test_one_reading_past_level_2_opens_a_gas_alarm_and_kinds_keep_their_hold(engine):
    add_sensors(engine)
    with session_scope(engine) as s:
        s.add(Sensor(tag="LT", kind="tank_level", unit="m", level_1=8, level_2=9))
        s.add(Sensor(tag="PT", kind="pressure", unit="MPa", level_1=1.0, level_2=1.2))
    send(engine, "NH3", [(0, 400)])
    [a] = alarms(engine)
    assert (a.sensor_id, a.level, a.count, a.peak) == (1, 2, 1, 400)
    # a tank level past level 2 holds the default 20 s; pressure holds its own 60 s
    config = AlarmConfig(CONFIG.rule, CONFIG.escalate_after_s, hold_by_kind={"pressure": 60})
    for tag in ("LT", "PT"):
        body = orjson.dumps([{"sensor": tag, "ts": T0.timestamp(), "value": 10}])
        with session_scope(engine) as s:
            ingest_body(s, body, SensorDirectory(), "mqtt", T0, config)
    assert len(alarms(engine)) == 1
    for tag in ("LT", "PT"):
        series = [{"sensor": tag, "ts": T0.timestamp() + 30, "value": 10}]
        with session_scope(engine) as s:
            ingest_body(s, orjson.dumps(series), SensorDirectory(), "mqtt", T0, config)
    assert [x.level for x in alarms(engine)] == [2, 2]  # LT after 30 s; PT not yet
    series = [{"sensor": "PT", "ts": T0.timestamp() + 61, "value": 10}]
    with session_scope(engine) as s:
        ingest_body(s, orjson.dumps(series), SensorDirectory(), "mqtt", T0, config)
    assert len(alarms(engine)) == 3


def test_the_same_readings_twice_change_nothing(engine):
    add_sensors(engine)
    series = [(0, 400), (10, 400), (20, 400), (30, 400)]
    send(engine, "NH3", series)
    send(engine, "NH3", series)
    [a] = alarms(engine)
    assert a.count == 1
    assert len(events(engine, a.id)) == 1


def test_scene_events_repeat_on_one_alarm(engine):
    add_sensors(engine)
    send(engine, "CAM", [(0, 0), (60, 1), (120, 0), (180, 1)])
    [a] = alarms(engine)
    assert (a.rule, a.level, a.count) == ("scene", 2, 2)


def test_offline_alarm_and_its_recovery(engine):
    add_sensors(engine)
    send(engine, "NH3", [(0, 100)])
    with session_scope(engine) as s:
        assert check_offline(s, T0 + timedelta(seconds=200)) == 0
        assert check_offline(s, T0 + timedelta(seconds=400)) == 1
        assert check_offline(s, T0 + timedelta(seconds=500)) == 0  # already raised
    send(engine, "NH3", [(600, 100)])
    [a] = alarms(engine)
    assert a.rule == "offline" and a.recovered_at is not None


def test_escalation_of_unacknowledged_alarms(engine):
    add_sensors(engine)
    send(engine, "NH3", [(0, 400), (10, 400), (20, 400)])
    [a] = alarms(engine)
    with session_scope(engine) as s:
        assert escalate(s, T0 + timedelta(seconds=200), CONFIG.escalate_after_s) == 0
        assert escalate(s, T0 + timedelta(seconds=330), CONFIG.escalate_after_s) == 1
        assert escalate(s, T0 + timedelta(seconds=900), CONFIG.escalate_after_s) == 0
    assert alarms(engine)[0].escalated
    assert events(engine, a.id)[-1] == ("system", "escalate")


def test_actions_walk_the_lifecycle_and_are_recorded(engine):
    add_sensors(engine)
    send(engine, "NH3", [(0, 400), (10, 400), (20, 400)])
    [a] = alarms(engine)
    now = T0 + timedelta(minutes=2)
    with session_scope(engine) as s:
        act(s, a.id, "acknowledge", {}, "li", now)
        act(
            s,
            a.id,
            "dispatch",
            {"assignee": "塘下镇安监站", "due": "2026-11-23T18:00+08:00"},
            "li",
            now,
        )
        with pytest.raises(ActionError):
            act(s, a.id, "close", {}, "li", now)
        act(s, a.id, "dispose", {"feedback": "阀门已关闭"}, "wang", now)
        act(s, a.id, "close", {"reason": "泄漏已处置"}, "li", now)
    [a] = alarms(engine)
    assert a.state == "closed" and a.close_reason == "泄漏已处置" and a.assignee == "塘下镇安监站"
    assert events(engine, a.id)[1:] == [
        ("li", "acknowledge"),
        ("li", "dispatch"),
        ("wang", "dispose"),
        ("li", "close"),
    ]
    # closed: the next excursion opens a new alarm
    send(engine, "NH3", [(300, 100), (320, 100), (340, 100), (400, 400), (420, 400)])
    assert [x.state for x in alarms(engine)] == ["closed", "open"]
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(AlarmEvent)) == 6


def test_the_migrations_build_exactly_the_models(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from data_loaders.store.schema import Base

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
