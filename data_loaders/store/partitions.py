"""Readings partitioned by day on PostgreSQL (`PARTITION BY RANGE (ts)`); SQLite has none.

Why daily: retention (30 days by default) drops a partition once it is wholly older than the
cutoff, so the raw readings kept are `days` to `days + 1` (monthly partitions would keep up to
two months of raw rows, twice the disk, and drop a month's I/O at once); ~40 tables
(retention + the days made ahead + DEFAULT) are few for the planner, which prunes by `ts`.
Days are UTC days (the store's clock); the names say the day: `readings_20261203`.

The partitions live in their own schema, `readings_partitions`, so the main schema lists the
tables the models define (Alembic's comparison of models and store stays exact, `\\dt` stays
readable). A DEFAULT partition takes any reading outside the days made (a far-past backfill,
an outage's late readings): an insert never fails for want of a partition.

A day's partition is made ahead (`ensure_partitions`: yesterday to 7 days on, at migration
and by the ingest's `poll_partitions` job), so DEFAULT normally only holds outliers. PostgreSQL
refuses to create a partition while DEFAULT holds rows of its range, so a partition is never
created in place: it is made as a plain table, DEFAULT's rows of its day are moved into it, and
it is attached, all in one transaction (with DEFAULT locked, so no row of that day can slip in
between the move and the attach). Every change of partitions takes one advisory lock: two
ingest processes (or the retention and the partition jobs) never race on DDL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, text

SCHEMA = "readings_partitions"
DEFAULT = f"{SCHEMA}.readings_default"
AHEAD_DAYS = 7  # partitions made ahead of today: a week of outage of the job costs nothing
# pg_advisory_xact_lock's key for partition changes ("onemap-p" in ASCII, beside the
# leader's "onemap-l")
LOCK_KEY = 0x6F6E656D61702D70
LOCK_TIMEOUT = "10s"  # wait this long for the ingest's transactions, then try next run
_NAME = re.compile(r"^readings_(\d{8})$")


@dataclass(frozen=True, order=True)
class Partition:
    """One day's partition: readings with start <= ts < end."""

    day: date

    @property
    def name(self) -> str:
        """The table's name in SCHEMA."""
        return f"readings_{self.day:%Y%m%d}"

    @property
    def table(self) -> str:
        """The schema-qualified table."""
        return f"{SCHEMA}.{self.name}"

    @property
    def start(self) -> datetime:
        """The first instant it holds (UTC midnight)."""
        return datetime.combine(self.day, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant after it."""
        return self.start + timedelta(days=1)

    def bounds(self) -> str:
        """Its FOR VALUES clause (literals with their offset: the session's zone is moot)."""
        return f"FOR VALUES FROM ('{self.start.isoformat()}') TO ('{self.end.isoformat()}')"


def is_partitioned(conn: Connection) -> bool:
    """Whether this store's readings are a partitioned table (PostgreSQL after 0010)."""
    if conn.dialect.name != "postgresql":
        return False
    kind = conn.scalar(
        text("SELECT relkind FROM pg_class WHERE oid = to_regclass('readings')")
    )  # 'p' partitioned, 'r' a plain table
    return kind == "p"


def list_partitions(conn: Connection) -> list[Partition]:
    """The day partitions attached to readings, oldest first (DEFAULT not among them)."""
    names = conn.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass('readings')"
        )
    )
    found = []
    for name in names:
        m = _NAME.match(name)
        if m:
            found.append(Partition(datetime.strptime(m.group(1), "%Y%m%d").date()))
    return sorted(found)


def lock(conn: Connection) -> None:
    """Serialise partition changes (all processes) for this transaction; bound lock waits."""
    conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})


def days_around(now: datetime, ahead: int = AHEAD_DAYS) -> list[date]:
    """The days that should have a partition at `now`: yesterday (late readings after an
    outage around midnight) to `ahead` days on."""
    today = now.astimezone(UTC).date()
    return [today + timedelta(days=k) for k in range(-1, ahead + 1)]


def ensure_partitions(conn: Connection, days: list[date]) -> list[Partition]:
    """Make the partitions of `days` that are missing, moving DEFAULT's rows of their range
    into them; the ones made. In the caller's transaction (PostgreSQL, partitioned only)."""
    lock(conn)
    have = set(list_partitions(conn))
    missing = sorted({Partition(d) for d in days} - have)
    if not missing:
        return []
    # No reading of a missing day may enter DEFAULT between its move and the attach (the
    # attach would fail on it); attach needs this lock on DEFAULT anyway, to scan it.
    conn.execute(text(f"LOCK TABLE {DEFAULT} IN ACCESS EXCLUSIVE MODE"))
    for p in missing:
        # A plain table first, then attached (CREATE … PARTITION OF would fail when DEFAULT
        # holds rows of the day, and it locks the parent more strongly than ATTACH does).
        conn.execute(text(f"CREATE TABLE {p.table} (LIKE readings INCLUDING DEFAULTS)"))
        conn.execute(
            text(
                f"WITH moved AS (DELETE FROM {DEFAULT} WHERE ts >= :a AND ts < :b "
                "RETURNING id, sensor_id, ts, value) "
                f"INSERT INTO {p.table} (id, sensor_id, ts, value) SELECT * FROM moved"
            ),
            {"a": p.start, "b": p.end},
        )
        conn.execute(text(f"ALTER TABLE readings ATTACH PARTITION {p.table} {p.bounds()}"))
    return missing


def default_rows(conn: Connection) -> int:
    """How many readings DEFAULT holds (outliers; for tests and /health-like looks)."""
    return int(conn.scalar(text(f"SELECT count(*) FROM {DEFAULT}")) or 0)


# Hourly rollups of a set of readings, merged with what an earlier run summarised (a late
# reading of an hour already rolled up adds to it); the number of readings summarised.
_ROLLUP = """
WITH s AS (
    SELECT sensor_id, date_trunc('hour', ts, 'UTC') AS hour, count(*) AS n,
           min(value) AS min_value, max(value) AS max_value, avg(value) AS mean_value
    FROM {source} {where} GROUP BY 1, 2
), merged AS (
    INSERT INTO reading_rollups AS r (sensor_id, hour, n, min_value, max_value, mean_value)
    SELECT sensor_id, hour, n, min_value, max_value, mean_value FROM s
    ON CONFLICT (sensor_id, hour) DO UPDATE SET
        mean_value = (r.mean_value * r.n + excluded.mean_value * excluded.n)
                     / (r.n + excluded.n),
        n = r.n + excluded.n,
        min_value = least(r.min_value, excluded.min_value),
        max_value = greatest(r.max_value, excluded.max_value)
    RETURNING 1
)
SELECT coalesce(sum(n), 0) FROM s
"""


def roll_up(conn: Connection, source: str, before: datetime | None = None) -> int:
    """Summarise the readings of a table (older than `before`, if given) into the hourly
    rollups, in SQL; the number of readings summarised."""
    where = "WHERE ts < :before" if before is not None else ""
    sql = _ROLLUP.format(source=source, where=where)
    return int(conn.scalar(text(sql), {"before": before} if before is not None else {}) or 0)


def drop_partitions_before(
    conn: Connection, cutoff: datetime, limit: int | None = None
) -> tuple[int, list[Partition]]:
    """Roll up, then detach and drop, the partitions wholly older than `cutoff` (at most
    `limit`, oldest first); (readings summarised, partitions dropped). In the caller's
    transaction: a failure leaves the partition and its readings as they were."""
    lock(conn)
    due = [p for p in list_partitions(conn) if p.end <= cutoff][:limit]
    summarised = 0
    for p in due:
        summarised += roll_up(conn, p.table)
        # DETACH then DROP: the drop of a detached table no longer involves readings' lock
        conn.execute(text(f"ALTER TABLE readings DETACH PARTITION {p.table}"))
        conn.execute(text(f"DROP TABLE {p.table}"))
    return summarised, due


def expire_default(conn: Connection, cutoff: datetime) -> int:
    """Roll up and delete DEFAULT's readings older than `cutoff`; how many."""
    summarised = roll_up(conn, DEFAULT, cutoff)
    if summarised:
        conn.execute(text(f"DELETE FROM {DEFAULT} WHERE ts < :c"), {"c": cutoff})
    return summarised


def partition_readings(conn: Connection, now: datetime) -> int:
    """Turn a plain readings table into the partitioned one, rows and all (the migration):
    partitions for the days it holds (at most PAST_DAYS back) and yesterday to `AHEAD_DAYS`
    on, the rows moved, the names swapped; the rows moved."""
    conn.execute(text("LOCK TABLE readings IN ACCESS EXCLUSIVE MODE"))
    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    # free the names the new table's constraints take (index names are per schema)
    conn.execute(text("ALTER TABLE readings RENAME TO readings_unpartitioned"))
    conn.execute(text("ALTER INDEX pk_readings RENAME TO pk_readings_unpartitioned"))
    conn.execute(text("ALTER INDEX uq_readings_sensor_id RENAME TO uq_readings_unpartitioned"))
    conn.execute(
        text(
            "CREATE TABLE readings (LIKE readings_unpartitioned INCLUDING DEFAULTS) "
            "PARTITION BY RANGE (ts)"
        )
    )
    # PK (id, ts): a partitioned table's unique keys must hold the partition key. The ORM maps
    # `id` as the identity and nothing references readings.id, so id unique per day (from its
    # sequence, unique anyway) is enough; (sensor_id, ts) stays the unique that ON CONFLICT
    # (the ingest's COPY path) names, as on SQLite.
    conn.execute(text("ALTER TABLE readings ADD CONSTRAINT pk_readings PRIMARY KEY (id, ts)"))
    conn.execute(
        text("ALTER TABLE readings ADD CONSTRAINT uq_readings_sensor_id UNIQUE (sensor_id, ts)")
    )
    conn.execute(
        text(
            "ALTER TABLE readings ADD CONSTRAINT fk_readings_sensor_id_sensors "
            "FOREIGN KEY (sensor_id) REFERENCES sensors (id)"
        )
    )
    # the id sequence goes with the new table (dropping the old one would drop it)
    conn.execute(text("ALTER SEQUENCE readings_id_seq OWNED BY readings.id"))
    conn.execute(text(f"CREATE TABLE {DEFAULT} PARTITION OF readings DEFAULT"))
    # a partition for each day that has readings (older than PAST_DAYS they stay in DEFAULT
    # for the retention job: a stray year-2000 reading must not make 9,000 empty tables) and
    # for the days about to be written
    since = now.astimezone(UTC) - timedelta(days=PAST_DAYS)
    held = conn.scalars(
        text(
            "SELECT DISTINCT (date_trunc('day', ts, 'UTC') AT TIME ZONE 'UTC')::date "
            "FROM readings_unpartitioned WHERE ts >= :since"
        ),
        {"since": since},
    )
    days = sorted(set(held) | set(days_around(now)))
    for d in days:
        p = Partition(d)
        conn.execute(text(f"CREATE TABLE {p.table} PARTITION OF readings {p.bounds()}"))
    moved = conn.execute(
        text(
            "INSERT INTO readings (id, sensor_id, ts, value) "
            "SELECT id, sensor_id, ts, value FROM readings_unpartitioned"
        )
    ).rowcount
    conn.execute(text("DROP TABLE readings_unpartitioned"))
    return moved


def unpartition_readings(conn: Connection) -> int:
    """The migration's downgrade: readings as one plain table again, rows and all."""
    conn.execute(text("LOCK TABLE readings IN ACCESS EXCLUSIVE MODE"))
    conn.execute(text("ALTER TABLE readings RENAME TO readings_partitioned"))
    conn.execute(text("ALTER INDEX pk_readings RENAME TO pk_readings_partitioned"))
    conn.execute(text("ALTER INDEX uq_readings_sensor_id RENAME TO uq_readings_partitioned"))
    conn.execute(
        text(
            "ALTER TABLE readings_partitioned RENAME CONSTRAINT fk_readings_sensor_id_sensors "
            "TO fk_readings_partitioned"
        )
    )
    conn.execute(text("CREATE TABLE readings (LIKE readings_partitioned INCLUDING DEFAULTS)"))
    conn.execute(text("ALTER TABLE readings ADD CONSTRAINT pk_readings PRIMARY KEY (id)"))
    conn.execute(
        text("ALTER TABLE readings ADD CONSTRAINT uq_readings_sensor_id UNIQUE (sensor_id, ts)")
    )
    conn.execute(
        text(
            "ALTER TABLE readings ADD CONSTRAINT fk_readings_sensor_id_sensors "
            "FOREIGN KEY (sensor_id) REFERENCES sensors (id)"
        )
    )
    conn.execute(text("ALTER SEQUENCE readings_id_seq OWNED BY readings.id"))
    moved = conn.execute(
        text(
            "INSERT INTO readings (id, sensor_id, ts, value) "
            "SELECT id, sensor_id, ts, value FROM readings_partitioned"
        )
    ).rowcount
    conn.execute(text("DROP TABLE readings_partitioned"))  # its partitions go with it
    conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    return moved


# The migration makes partitions back to the oldest reading, but no further than this: a
# year covers any real retention; older rows wait in DEFAULT for the retention job.
PAST_DAYS = 400
