"""The drop folder, the simulator, retention and the version job (the MQTT source has its own
tests against the real broker)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from data_loaders.demo.city import build_city
from data_loaders.queries import load_readings
from data_loaders.rules.alarms import RuleSettings
from data_loaders.scheduler import poll_retention, poll_simulator, poll_versions, seed_history
from data_loaders.store import get_meta, session_scope
from data_loaders.store.schema import Alarm, Reading, ReadingRollup, RejectedMessage, Sensor
from data_loaders.telemetry.alarms import AlarmConfig
from data_loaders.telemetry.drop import poll_drop_folder
from data_loaders.telemetry.simulator import load_simulator
from data_loaders.telemetry.store import IngestResult, SensorDirectory, count_ingest
from tests.conftest import TODAY

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def add_sensor(engine, tag="NH3", **kw) -> None:
    with session_scope(engine) as s:
        s.add(Sensor(tag=tag, kind="ammonia", unit="ppm", level_1=150, level_2=300, **kw))


def drop(folder, name: str, text: str, age_s: float = 5) -> None:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))


def test_drop_folder_moves_good_files_to_done_and_bad_ones_to_rejects(engine, tmp_path):
    add_sensor(engine)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "good.csv", "sensor,ts,value\nNH3,2026-11-23T09:00:00,12.5\nNH3,1795395610,13\n")
    drop(
        inbox,
        "mixed.csv",
        "sensor,ts,value\nNH3,2026-11-23T09:01:00,14\nNH3,yesterday,15\nNH3,2026-11-23T09:02,high\n"
        "GHOST,2026-11-23T09:03,1\n",
    )
    drop(inbox, "broken.json", "{not json")
    drop(inbox, "native.json", '[{"sensor": "NH3", "ts": 1795395700, "value": 16}]')
    drop(inbox, "half-written.csv.tmp", "sensor,ts,value\n")
    drop(inbox, "fresh.csv", "sensor,ts,value\nNH3,2026-11-23T09:05,1\n", age_s=0)
    outcomes = poll_drop_folder(engine, inbox, SensorDirectory(), NOW)
    where = {o.path.name: o.moved_to.parent.name for o in outcomes}
    assert where == {
        "good.csv": "done",
        "mixed.csv": "rejects",
        "broken.json": "rejects",
        "native.json": "done",
    }
    reason = (inbox / "rejects" / "mixed.csv.reason.txt").read_text(encoding="utf-8")
    assert "1 readings stored" in reason
    assert "row 3, column ts" in reason and "row 4, column value" in reason
    assert "unknown sensor 'GHOST'" in reason
    assert "not JSON" in (inbox / "rejects" / "broken.json.reason.txt").read_text()
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [
        "fresh.csv",
        "half-written.csv.tmp",
    ]
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Reading)) == 4
        assert s.scalar(select(func.count()).select_from(RejectedMessage)) == 4
        assert get_meta(s, "ingest.file.accepted") == "4"
    # the fixed file dropped again: what was stored already is not doubled
    drop(inbox, "mixed.csv", "sensor,ts,value\nNH3,2026-11-23T09:01:00,14\n")
    [again] = poll_drop_folder(engine, inbox, SensorDirectory(), NOW)
    assert again.result.duplicates == 1 and again.moved_to.parent.name == "done"


def test_simulator_gives_a_living_city_with_a_few_alarms_an_hour(engine):
    # a calm city: the demo's own alarms (and their readings) would leave nothing to seed
    build_city(engine, seed=3, scale=0.02, today=TODAY, alarms=False)
    small_city = engine
    config = AlarmConfig(RuleSettings(0.1, 10))
    directory = SensorDirectory()
    with session_scope(small_city) as s:
        sim = load_simulator(s, seed=5)
        n_signals = s.scalar(select(func.count()).where(Sensor.kind != "ai_video"))
    assert len(sim.signals) == n_signals and sim.scenes
    start = NOW
    assert seed_history(small_city, sim, directory, config, lambda: start) > 0
    with session_scope(small_city) as s:
        assert s.scalar(select(func.count()).select_from(Alarm)) == 0  # history is calm
    hours = 3
    for i in range(hours * 360):  # a reading every 10 s for three hours
        at = start + timedelta(seconds=10 * i)
        poll_simulator(small_city, sim, directory, config, lambda at=at: at)
    with session_scope(small_city) as s:
        by_rule = dict(s.execute(select(Alarm.rule, func.count()).group_by(Alarm.rule)).all())
        levels = set(s.scalars(select(Alarm.level)))
    total = sum(by_rule.values())
    assert 3 <= total <= 40, by_rule  # "a few an hour", not a flood
    assert by_rule.get("threshold", 0) >= 2
    assert levels <= {1, 2}


def test_simulator_is_reproducible(small_city):
    with session_scope(small_city) as s:
        a, b = load_simulator(s, seed=9), load_simulator(s, seed=9)
    for i in range(30):
        at = NOW + timedelta(seconds=10 * i)
        assert a.tick(at) == b.tick(at)


def test_retention_summarises_old_readings_hourly(engine):
    add_sensor(engine)
    old = NOW - timedelta(days=40)
    series = [(old + timedelta(minutes=10 * i), float(i)) for i in range(12)]  # 2 hours
    series += [(NOW - timedelta(hours=1), 99.0)]
    with session_scope(engine) as s:
        sid = s.scalar(select(Sensor.id))
        s.add_all(Reading(sensor_id=sid, ts=ts, value=v) for ts, v in series)
    assert poll_retention(engine, 30, lambda: NOW) == 12
    assert poll_retention(engine, 30, lambda: NOW) == 0
    with session_scope(engine) as s:
        rollups = s.execute(
            select(
                ReadingRollup.n,
                ReadingRollup.min_value,
                ReadingRollup.max_value,
                ReadingRollup.mean_value,
            ).order_by(ReadingRollup.hour)
        ).all()
        assert [tuple(r) for r in rollups] == [(6, 0, 5, 2.5), (6, 6, 11, 8.5)]
        assert s.scalar(select(func.count()).select_from(Reading)) == 1
        got = load_readings(s, "NH3", NOW - timedelta(days=41))
    assert [r["value"] for r in got] == [2.5, 8.5, 99.0]


def test_version_job_moves_only_after_new_readings(engine):
    add_sensor(engine)
    assert not poll_versions(engine)
    with session_scope(engine) as s:
        count_ingest(s, "http", IngestResult(accepted=1), NOW)
    assert poll_versions(engine)
    assert not poll_versions(engine)
    with session_scope(engine) as s:
        assert get_meta(s, "telemetry_version") == "1"


def test_history_is_seeded_for_the_sensors_without_recent_readings(engine):
    """The demo's alarmed sensors have readings of their own: the others still get a day of
    history (it was all or nothing, so most trends started empty)."""
    build_city(engine, seed=3, scale=0.1, today=TODAY)  # enough sensors beside the alarmed
    small_city = engine
    directory = SensorDirectory()
    with session_scope(small_city) as s:
        sim = load_simulator(s, seed=1)
        had = dict(
            s.execute(select(Reading.sensor_id, func.count()).group_by(Reading.sensor_id)).all()
        )
        alarms_before = s.scalar(select(func.count()).select_from(Alarm))
    from data_loaders.demo.city import demo_now

    at = demo_now(TODAY)
    assert had and seed_history(small_city, sim, directory, AlarmConfig(), lambda: at) > 0
    with session_scope(small_city) as s:
        now = dict(
            s.execute(select(Reading.sensor_id, func.count()).group_by(Reading.sensor_id)).all()
        )
        assert s.scalar(select(func.count()).select_from(Alarm)) == alarms_before
    assert all(now[sid] == n for sid, n in had.items())  # theirs untouched
    assert len(now) > len(had)
    assert seed_history(small_city, sim, directory, AlarmConfig(), lambda: at) == 0  # once
