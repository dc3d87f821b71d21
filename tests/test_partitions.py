"""Readings partitioned by day on PostgreSQL: the migration, DEFAULT, the partition job and
retention by whole partitions (SQLite has none: its retention is in test_telemetry_sources)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import func, select, text

from data_loaders.scheduler import poll_partitions, poll_retention
from data_loaders.store import make_engine, session_scope
from data_loaders.store.engine import alembic_config
from data_loaders.store.partitions import (
    DEFAULT,
    Partition,
    days_around,
    default_rows,
    is_partitioned,
    list_partitions,
)
from data_loaders.store.schema import Reading, ReadingRollup, Sensor
from data_loaders.telemetry.formats import RawReading
from data_loaders.telemetry.store import SensorDirectory, ingest_parsed

# far from the wall clock, so the partitions made at migration (around today) are not these
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
pg_only = pytest.mark.postgresql_only("partitions are PostgreSQL's; SQLite's table is as it was")


def add_sensor(engine, tag: str = "NH3") -> int:
    """A sensor, in SQL of the columns every revision has (a test at 0009 makes one too: the
    ORM names the columns of the newest)."""
    with engine.begin() as conn:
        return conn.execute(
            text(
                "INSERT INTO sensors (tag, kind, unit, level_1, level_2, direction, "
                "stale_after_s, is_drill) VALUES (:tag, 'ammonia', 'ppm', 150, 300, 'high', 300, "
                "false) RETURNING id"
            ),
            {"tag": tag},
        ).scalar_one()


def store(engine, rows: list[tuple[datetime, float]], tag: str = "NH3"):  # type: ignore[no-untyped-def]
    """Through the ingest's fast path (COPY + INSERT … ON CONFLICT on PostgreSQL)."""
    with session_scope(engine) as s:
        readings = [RawReading(tag, ts, v) for ts, v in rows]
        return ingest_parsed(s, readings, [], SensorDirectory(), "http", NOW)


def where_rows_are(engine) -> dict[str, int]:
    """Partition (table name) → rows in it."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT tableoid::regclass::text, count(*) FROM readings GROUP BY 1")
        ).all()
    return {name.rpartition(".")[2]: n for name, n in rows}


@pg_only
def test_the_migration_moves_existing_rows_into_day_partitions(backend, pg_databases):
    """A store with readings at 0009 (a plain table) upgraded: every row in its day's
    partition or (older than a year) in DEFAULT, ids kept, repeats still no-ops."""
    engine = make_engine(pg_databases.new())
    try:
        command.upgrade(alembic_config(engine), "0009")
        sid = add_sensor(engine)
        today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
        series = [
            (today - timedelta(days=d, minutes=m), float(d)) for d in (0, 3, 45) for m in (0, 5)
        ]
        series.append((datetime(2001, 1, 1, tzinfo=UTC), -1.0))
        with session_scope(engine) as s:
            s.add_all(Reading(sensor_id=sid, ts=ts, value=v) for ts, v in series)
        with engine.connect() as conn:
            before = dict(conn.execute(text("SELECT id, ts FROM readings")).all())
            assert not is_partitioned(conn)

        command.upgrade(alembic_config(engine), "head")

        with engine.connect() as conn:
            assert is_partitioned(conn)
            assert dict(conn.execute(text("SELECT id, ts FROM readings")).all()) == before
            made = {p.day for p in list_partitions(conn)}
            assert default_rows(conn) == 1  # the reading of 2001
        held = {(today - timedelta(days=d)).date() for d in (0, 3, 45)}
        assert held | set(days_around(datetime.now(UTC))) == made
        assert where_rows_are(engine) == {
            **{Partition(day).name: 2 for day in held},
            "readings_default": 1,
        }
        again = store(engine, [(ts, v) for ts, v in series])
        assert (again.accepted, again.duplicates) == (0, len(series))
        # the id sequence went with the new table (a repeat spends numbers: ON CONFLICT)
        fresh = store(engine, [(today + timedelta(minutes=1), 1.0)])
        assert fresh.accepted == 1
        with session_scope(engine) as s:
            assert s.scalar(select(func.max(Reading.id))) > max(before)

        command.downgrade(alembic_config(engine), "0009")
        with engine.connect() as conn:
            assert not is_partitioned(conn)
            assert conn.scalar(text("SELECT count(*) FROM readings")) == len(series) + 1
    finally:
        engine.dispose()


@pg_only
def test_a_reading_of_any_time_is_stored_and_a_repeat_is_a_no_op(engine):
    """A far-past or far-future reading never fails for want of a partition: DEFAULT has it."""
    add_sensor(engine)
    odd = [(datetime(2000, 1, 2, tzinfo=UTC), 1.0), (datetime(2999, 12, 31, tzinfo=UTC), 2.0)]
    now = datetime.now(UTC).replace(microsecond=0)
    first = store(engine, [*odd, (now, 3.0)])
    assert (first.accepted, first.duplicates) == (3, 0)
    again = store(engine, [*odd, (now, 3.0)])
    assert (again.accepted, again.duplicates) == (0, 3)
    with session_scope(engine) as s:  # the ORM writes through the parent as well
        s.add(
            Reading(sensor_id=s.scalar(select(Sensor.id)), ts=now + timedelta(seconds=1), value=4)
        )
    assert where_rows_are(engine) == {
        "readings_default": 2,
        Partition(now.date()).name: 2,
    }


@pg_only
def test_the_partition_job_moves_default_rows_into_the_partition_made_later(engine):
    """Readings of days with no partition wait in DEFAULT; when the job makes their day's
    partition (PostgreSQL would refuse while DEFAULT holds them) they move into it."""
    add_sensor(engine)
    rows = [(NOW + timedelta(hours=h), float(h)) for h in range(0, 48, 6)]  # two days
    rows.append((NOW + timedelta(days=30), 9.0))  # beyond a week ahead: stays in DEFAULT
    assert store(engine, rows).accepted == len(rows)
    with engine.connect() as conn:
        assert default_rows(conn) == len(rows)
        had = set(list_partitions(conn))

    assert poll_partitions(engine, lambda: NOW) == 9  # yesterday, today and 7 days on
    assert poll_partitions(engine, lambda: NOW) == 0  # made once
    with engine.connect() as conn:
        assert set(list_partitions(conn)) - had == {Partition(d) for d in days_around(NOW)}
    assert where_rows_are(engine) == {
        Partition(NOW.date()).name: 4,
        Partition(NOW.date() + timedelta(days=1)).name: 4,
        "readings_default": 1,
    }
    again = store(engine, rows)  # the unique still holds across the move
    assert (again.accepted, again.duplicates) == (0, len(rows))


@pg_only
def test_retention_rolls_up_and_drops_whole_old_partitions(engine):
    """Partitions wholly older than the cutoff become hourly rollups (merged with one already
    there) and are dropped; DEFAULT's old readings are rolled up and deleted; recent stay."""
    sid = add_sensor(engine)
    old = NOW - timedelta(days=40)
    poll_partitions(engine, lambda: old)
    poll_partitions(engine, lambda: NOW)
    series = [(old + timedelta(minutes=10 * i), float(i)) for i in range(12)]  # 2 hours
    stray = NOW - timedelta(days=60)  # no partition: in DEFAULT
    # the last hour's in a partition; 29 days old in DEFAULT (no partition), but not old enough
    recent = [(NOW - timedelta(hours=1), 99.0), (NOW - timedelta(days=29), 98.0)]
    store(engine, [*series, (stray, 7.0), *recent])
    hour0 = old.replace(minute=0)
    with session_scope(engine) as s:  # an earlier run summarised part of the first hour
        s.add(
            ReadingRollup(
                sensor_id=sid, hour=hour0, n=2, min_value=-4, max_value=1, mean_value=-1.5
            )
        )
    with engine.connect() as conn:
        assert default_rows(conn) == 2

    assert poll_retention(engine, 30, lambda: NOW, max_partitions=20) == 13
    assert poll_retention(engine, 30, lambda: NOW) == 0
    cutoff = NOW - timedelta(days=30)
    with engine.connect() as conn:
        left = list_partitions(conn)
        assert left and all(p.end > cutoff for p in left)
        assert Partition(NOW.date()) in left
        assert default_rows(conn) == 1
    with session_scope(engine) as s:
        rollups = s.execute(
            select(
                ReadingRollup.hour,
                ReadingRollup.n,
                ReadingRollup.min_value,
                ReadingRollup.max_value,
                ReadingRollup.mean_value,
            ).order_by(ReadingRollup.hour)
        ).all()
        assert [tuple(r) for r in rollups] == [
            (stray, 1, 7, 7, 7),
            (hour0, 8, -4, 5, (2 * -1.5 + 15) / 8),
            (hour0 + timedelta(hours=1), 6, 6, 11, 8.5),
        ]
        assert sorted(s.scalars(select(Reading.value))) == [98.0, 99.0]


@pg_only
def test_retention_drops_at_most_max_partitions_a_run(engine):
    """A backlog of old days is worked through over several runs, oldest first."""
    add_sensor(engine)
    poll_partitions(engine, lambda: NOW - timedelta(days=60))
    with engine.connect() as conn:
        before = list_partitions(conn)
    store(engine, [(p.start + timedelta(hours=1), 1.0) for p in before])
    assert poll_retention(engine, 30, lambda: NOW, max_partitions=3) == 3
    with engine.connect() as conn:
        assert list_partitions(conn) == before[3:]


@pytest.mark.sqlite_only("SQLite's own case")
def test_sqlite_has_no_partitions_and_the_job_does_nothing(engine):
    """SQLite's readings stay one table; the job is a no-op there."""
    with engine.connect() as conn:
        assert not is_partitioned(conn)
        sql = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'readings'"))
    assert "PARTITION" not in sql.upper() and "uq_readings_sensor_id" in sql
    assert poll_partitions(engine, lambda: NOW) == 0


@pg_only
def test_default_is_in_the_partitions_schema(engine):
    """The partitions stay out of the main schema (the models' tables only)."""
    with engine.connect() as conn:
        assert conn.scalar(text(f"SELECT to_regclass('{DEFAULT}') IS NOT NULL"))
        names = set(
            conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        )
    assert "readings" in names and not any(n.startswith("readings_") for n in names)


@pg_only
def test_two_processes_making_partitions_at_once_make_each_once(engine):
    """Every ingest process runs the job: the advisory lock makes one wait for the other,
    which then finds the partitions made (no duplicate-table error)."""
    from concurrent.futures import ThreadPoolExecutor

    add_sensor(engine)
    store(engine, [(NOW + timedelta(hours=1), 1.0)])
    with ThreadPoolExecutor(2) as pool:
        made = sorted(pool.map(lambda _: poll_partitions(engine, lambda: NOW), range(2)))
    assert made == [0, 9]
    assert where_rows_are(engine) == {Partition(NOW.date()).name: 1}
