"""The drop folder, the simulator, retention and the version job (the MQTT source has its own
tests against the real broker)."""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError

from data_loaders.demo.city import build_city
from data_loaders.rules.alarms import RuleSettings
from data_loaders.scheduler import poll_retention, poll_simulator, poll_versions, seed_history
from data_loaders.store import get_meta, session_scope
from data_loaders.store.schema import Alarm, Reading, ReadingRollup, RejectedMessage, Sensor
from data_loaders.telemetry import drop as drop_folder
from data_loaders.telemetry.alarms import AlarmConfig
from data_loaders.telemetry.drop import poll_drop_folder
from data_loaders.telemetry.simulator import load_simulator
from data_loaders.telemetry.store import IngestResult, SensorDirectory, count_ingest
from data_loaders.vocab import WEATHER_KINDS
from read_models.sensors import load_readings
from tests.conftest import TODAY

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def add_sensor(engine, tag="NH3", **kw) -> None:
    with session_scope(engine) as s:
        s.add(Sensor(tag=tag, kind="ammonia", unit="ppm", level_1=150, level_2=300, **kw))


def drop(folder, name: str, text: str | bytes, age_s: float = 5) -> None:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))


GOOD = "sensor,ts,value\nNH3,2026-11-23T09:00:00,12.5\n"


def stored(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Reading))


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


def test_drop_folder_reads_gb18030_and_takes_china_time_when_no_offset(engine, tmp_path):
    add_sensor(engine, tag="一号氨气")
    drop(tmp_path, "excel.csv", "sensor,ts,value\r\n一号氨气,2026-11-23 09:00,12\r\n".encode("gbk"))
    [outcome] = poll_drop_folder(engine, tmp_path, SensorDirectory(), NOW)
    assert outcome.moved_to.parent.name == "done", outcome.problems
    with session_scope(engine) as s:
        assert s.scalar(select(Reading.ts)).replace(tzinfo=UTC) == datetime(
            2026, 11, 23, 1, 0, tzinfo=UTC
        )


# A field over the csv module's 131,072 characters made the reader raise: the file stayed,
# and as files are taken oldest first, every later file waited behind it for ever.
UNCLOSED = 'sensor,ts,value\nNH3,1795395600,"12\n' + "NH3,1795395601,13\n" * 10_000
LONG_CELL = "sensor,ts,value\nNH3,2026-11-23T09:00," + "9" * 200_000 + "\n"
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(7).randbytes(4000)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (UNCLOSED, ["row 2, column value: a cell longer than 131072 characters"]),
        ('sensor,ts,value\nNH3,1795395600,"12\nNH3,1795395601,13\n', ["row 2, column value"]),
        (LONG_CELL, ["row 2: a cell longer than 131072 characters"]),
        (BINARY, ["not a text file"]),
        ("sensor,ts,value\nNH3,2026-11-23T09:00,12,5\n", ["row 2, column D: the header has 3"]),
    ],
    ids=[
        "unclosed-quote",
        "unclosed-quote-at-the-end",
        "200000-characters",
        "binary-junk",
        "decimal-comma",
    ],
)
def test_a_csv_the_reader_refuses_is_rejected_and_the_next_file_still_goes_through(
    engine, tmp_path, content, says
):
    add_sensor(engine)
    drop(tmp_path, "bad.csv", content, age_s=90)  # (past the wait of one without its line end)
    drop(tmp_path, "good.csv", GOOD, age_s=5)
    outcomes = poll_drop_folder(engine, tmp_path, SensorDirectory(), NOW)
    assert {o.path.name: o.moved_to.parent.name for o in outcomes} == {
        "bad.csv": "rejects",
        "good.csv": "done",
    }
    reason = (tmp_path / "rejects" / "bad.csv.reason.txt").read_text(encoding="utf-8")
    assert "0 readings stored" in reason and "nothing of it is stored" in reason
    for words in says:
        assert words in reason
    assert stored(engine) == 1  # the good file's reading; nothing of the refused one
    with session_scope(engine) as s:
        kept = s.scalar(select(RejectedMessage.reason))
        assert kept.startswith("the file cannot be read")


def test_a_file_whose_storing_fails_goes_to_rejects_and_the_next_one_through(
    engine, tmp_path, monkeypatch
):
    add_sensor(engine)
    drop(tmp_path, "first.csv", "sensor,ts,value\nNH3,2026-11-23T08:00,3\n", age_s=10)
    drop(tmp_path, "second.csv", GOOD, age_s=5)
    real = drop_folder.ingest_parsed
    calls = []

    def fails_once(*args, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug in the store path")
        return real(*args, **kw)

    monkeypatch.setattr(drop_folder, "ingest_parsed", fails_once)
    outcomes = poll_drop_folder(engine, tmp_path, SensorDirectory(), NOW)
    assert {o.path.name: o.moved_to.parent.name for o in outcomes} == {
        "first.csv": "rejects",
        "second.csv": "done",
    }
    reason = (tmp_path / "rejects" / "first.csv.reason.txt").read_text(encoding="utf-8")
    assert "nothing of it was stored" in reason
    assert "RuntimeError: a bug in the store path" in reason
    assert stored(engine) == 1
    with session_scope(engine) as s:
        [(kept, dead)] = s.execute(select(RejectedMessage.reason, RejectedMessage.dead_letter))
        assert "first.csv" in kept and dead
        assert get_meta(s, "ingest.file.rejected") == "1"
        assert get_meta(s, "ingest.file.accepted") == "1"


def test_while_the_store_is_away_files_wait_in_place(engine, backend, tmp_path):
    add_sensor(engine)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "first.csv", GOOD, age_s=10)
    drop(inbox, "second.csv", "sensor,ts,value\nNH3,2026-11-23T09:01,13\n", age_s=5)
    if backend == "sqlite":
        away = create_engine(f"sqlite:///{tmp_path / 'no such folder' / 'onemap.db'}")
    else:
        away = create_engine(engine.url.set(host="127.0.0.1", port=1))
    assert poll_drop_folder(away, inbox, SensorDirectory(), NOW) == []
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [
        "first.csv",
        "second.csv",
    ]
    assert not list((inbox / "rejects").glob("*"))  # nothing set aside
    # the store is back: both go through
    outcomes = poll_drop_folder(engine, inbox, SensorDirectory(), NOW)
    assert [o.moved_to.parent.name for o in outcomes] == ["done", "done"]
    assert stored(engine) == 2


def test_a_store_error_of_one_file_leaves_it_for_the_next_round_not_the_others(
    engine, tmp_path, monkeypatch
):
    """An OperationalError while the store answers (a lock, a timeout): the file waits, the
    files after it do not."""
    add_sensor(engine)
    drop(tmp_path, "first.csv", GOOD, age_s=10)
    drop(tmp_path, "second.csv", "sensor,ts,value\nNH3,2026-11-23T09:01,13\n", age_s=5)
    real = drop_folder.ingest_parsed

    def locked_for_first(session, readings, *args, **kw):
        if any(r.value == 12.5 for r in readings):
            raise OperationalError("INSERT …", {}, Exception("database is locked"))
        return real(session, readings, *args, **kw)

    monkeypatch.setattr(drop_folder, "ingest_parsed", locked_for_first)
    [outcome] = poll_drop_folder(engine, tmp_path, SensorDirectory(), NOW)
    assert outcome.path.name == "second.csv" and outcome.moved_to.parent.name == "done"
    assert (tmp_path / "first.csv").exists() and not list((tmp_path / "rejects").glob("*"))
    monkeypatch.setattr(drop_folder, "ingest_parsed", real)
    [outcome] = poll_drop_folder(engine, tmp_path, SensorDirectory(), NOW)
    assert outcome.path.name == "first.csv" and outcome.moved_to.parent.name == "done"
    assert stored(engine) == 2


@pytest.mark.sqlite_only("the simulator's city does not depend on the store")
def test_simulator_gives_a_living_city_with_a_few_alarms_an_hour(engine):
    # a calm city: the demo's own alarms (and their readings) would leave nothing to seed
    build_city(engine, seed=3, scale=0.02, today=TODAY, alarms=False)
    small_city = engine
    config = AlarmConfig(RuleSettings(0.1, 10))
    directory = SensorDirectory()
    with session_scope(small_city) as s:
        sim = load_simulator(s, seed=5)
        n_signals = s.scalar(
            select(func.count()).where(Sensor.kind.not_in(("ai_video", *WEATHER_KINDS)))
        )
    assert len(sim.signals) == n_signals and sim.scenes and len(sim.stations) == 3
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


@pytest.mark.sqlite_only("which sensors get history does not depend on the store")
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


@pytest.fixture
def small_disk(tmp_path):  # type: ignore[no-untyped-def]
    """A folder on a file system of 256 KiB of its own (tmpfs; needs root, as CI has)."""
    import subprocess

    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=True)


def fill(folder, name: str, text: str) -> bool:
    """Write a file straight under its name as a careless writer does; False when the disk
    filled before its end (what was written stays, cut off)."""
    try:
        with open(folder / name, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except OSError:
        return False
    return True


@pytest.mark.sqlite_only  # (the folder's disk is the subject, not the store)
def test_on_a_full_disk_files_are_refused_whole_never_half_read(engine, small_disk):
    add_sensor(engine)
    inbox = small_disk
    drop_folder.prepare_folder(inbox)
    rows = "".join(
        f"NH3,{(NOW + timedelta(seconds=i)).isoformat()},{10 + i % 7}.25\n" for i in range(20_000)
    )
    assert not fill(inbox, "cut.csv", "sensor,ts,value\n" + rows)  # the disk filled
    # a JSON file that would be whole were it not cut
    body = "[" + ",".join(['{"sensor": "NH3", "ts": 1795395600, "value": 1}'] * 9000) + "]"
    assert not fill(inbox, "also-cut.json", body)
    # while a cut CSV may still be being written (a minute after its last change), it waits
    for p in inbox.iterdir():
        os.utime(p, (time.time() - 5, time.time() - 5))
    [waited] = poll_drop_folder(engine, inbox, SensorDirectory(), NOW)
    assert waited.path.name == "also-cut.json" and (inbox / "cut.csv").exists()
    os.utime(inbox / "cut.csv", (time.time() - 61, time.time() - 61))
    outcomes = [waited, *poll_drop_folder(engine, inbox, SensorDirectory(), NOW)]
    assert {o.path.name: o.moved_to.parent.name for o in outcomes} == {
        "cut.csv": "rejects",
        "also-cut.json": "rejects",
    }
    assert not (inbox / "rejects" / "cut.csv.reason.txt").exists()  # no empty reason either
    assert stored(engine) == 0  # not one reading of the cut files
    with session_scope(engine) as s:
        reasons = s.scalars(select(RejectedMessage.reason)).all()
    assert any("looks cut off" in r and "row " in r for r in reasons)
    # the disk is still full: the reasons could not be written beside the files, the store
    # holds them (above); once there is room again, a whole file goes through
    (inbox / "rejects" / "cut.csv").unlink()
    drop(inbox, "whole.csv", GOOD)
    [outcome] = poll_drop_folder(engine, inbox, SensorDirectory(), NOW)
    assert outcome.moved_to.parent.name == "done" and stored(engine) == 1


@pytest.mark.sqlite_only  # (the file's reading is the subject, not the store)
def test_a_cut_csv_names_its_row_as_the_reader_counts_rows(engine, tmp_path):
    """A quoted cell holding a line break is one row: the cut row was counted in lines."""
    add_sensor(engine)
    inbox = tmp_path / "inbox"
    drop_folder.prepare_folder(inbox)
    ts = NOW.isoformat()
    text = (
        f'sensor,ts,value,note\nNH3,{ts},1,"two\nlines"\n'
        f'NH3,{ts},2,"three\nmore\nlines"\nNH3,{ts},3'
    )
    (inbox / "cut.csv").write_text(text, encoding="utf-8")
    os.utime(inbox / "cut.csv", (time.time() - 61, time.time() - 61))
    [outcome] = poll_drop_folder(engine, inbox, SensorDirectory(), NOW)
    assert outcome.moved_to.parent.name == "rejects" and stored(engine) == 0
    reason = (inbox / "rejects" / "cut.csv.reason.txt").read_text(encoding="utf-8")
    # the header is row 1; the cut row is the 4th (its 7th line)
    assert "row 4: the file ends inside this row" in reason and "第4行" in reason
