"""The telemetry write path: readings into the store once per (sensor, ts), rejects kept aside."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.store.engine import get_meta, increment_meta, set_meta
from data_loaders.store.schema import RejectedMessage, Sensor
from data_loaders.telemetry.alarms import AlarmConfig, evaluate
from data_loaders.telemetry.formats import Problem, RawReading, parse_body


@dataclass
class IngestResult:
    """What one batch did: readings stored, repeats ignored, records rejected."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    # (sensor id, ts, value) of the batch, once each; repeats of stored ones included
    readings: list[tuple[int, datetime, float]] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)  # tags no sensor has


class SensorDirectory:
    """Tag → sensor id, loaded once and refreshed when an unknown tag shows up."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def resolve(self, session: Session, tags: set[str]) -> dict[str, int]:
        """Ids of the tags the store knows."""
        if tags - self._ids.keys():
            self._ids = dict(session.execute(select(Sensor.tag, Sensor.id)).all())
        return {t: self._ids[t] for t in tags if t in self._ids}


def store_readings(
    session: Session,
    readings: list[RawReading],
    directory: SensorDirectory,
    source: str,
    received_at: datetime,
) -> IngestResult:
    """Insert readings, ignoring repeats of (sensor, ts); unknown tags are rejected, with why."""
    result = IngestResult()
    ids = directory.resolve(session, {r.tag for r in readings})
    rows: dict[tuple[int, datetime], float] = {}
    for r in readings:
        sid = ids.get(r.tag)
        if sid is None:
            reject(session, source, received_at, [Problem(f"unknown sensor {r.tag!r}", r.tag)])
            result.rejected += 1
            result.unknown.add(r.tag)
        elif (sid, r.ts) in rows:
            result.duplicates += 1  # repeated inside one batch
        else:
            rows[(sid, r.ts)] = r.value
    if rows:
        values = [(sid, ts, v) for (sid, ts), v in rows.items()]
        if session.get_bind().dialect.name == "postgresql":
            result.accepted = _copy_insert(session, values)
        else:
            result.accepted = _executemany_insert(session, values)
        # Every reading of the batch goes to the rules, also one that was stored before: a
        # stored reading has been evaluated already, so it is not newer than its sensor's rule
        # state and the rule skips it. That saves asking the database which rows were new.
        result.readings = values
        result.duplicates += len(rows) - result.accepted
    return result


def _executemany_insert(session: Session, values: list[tuple[int, datetime, float]]) -> int:
    """SQLite: INSERT … ON CONFLICT DO NOTHING through the driver's executemany; the number
    inserted. Times are written in SQLAlchemy's own SQLite format (UTC wall time with
    microseconds), so rows written either way compare equal on (sensor, ts)."""
    raw = session.connection().connection.driver_connection
    rows = [
        (sid, f"{ts:%Y-%m-%d %H:%M:%S}.{ts.microsecond:06d}", v)
        for sid, ts, v in ((a, b.astimezone(UTC), c) for a, b, c in values)
    ]
    cur = raw.cursor()  # type: ignore[union-attr]
    try:
        before = raw.total_changes  # type: ignore[union-attr]
        cur.executemany(
            "INSERT INTO readings (sensor_id, ts, value) VALUES (?, ?, ?) "
            "ON CONFLICT (sensor_id, ts) DO NOTHING",
            rows,
        )
        return raw.total_changes - before  # type: ignore[union-attr]
    finally:
        cur.close()


def _copy_insert(session: Session, values: list[tuple[int, datetime, float]]) -> int:
    """PostgreSQL: binary COPY into a session-local table, then one INSERT … SELECT … ON
    CONFLICT DO NOTHING; several times faster than an executemany of INSERTs."""
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:  # type: ignore[union-attr]
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS readings_in "
            "(sensor_id integer, ts timestamptz, value double precision) ON COMMIT DELETE ROWS"
        )
        with cur.copy("COPY readings_in (sensor_id, ts, value) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "timestamptz", "float8"])
            for row in values:
                copy.write_row(row)
        cur.execute(
            "INSERT INTO readings (sensor_id, ts, value) SELECT sensor_id, ts, value "
            "FROM readings_in ON CONFLICT (sensor_id, ts) DO NOTHING"
        )
        inserted = cur.rowcount
        cur.execute("DELETE FROM readings_in")
    return inserted


def reject(session: Session, source: str, received_at: datetime, problems: list[Problem]) -> None:
    """Keep problems aside with their reason and the record (as JSON text)."""
    session.add_all(
        RejectedMessage(
            source=source,
            received_at=received_at,
            reason=p.reason,
            body=None if p.record is None else orjson.dumps(p.record, default=str).decode(),
        )
        for p in problems
    )


def ingest_bodies(
    session: Session,
    bodies: list[bytes | str],
    directory: SensorDirectory,
    source: str,
    now: datetime,
    config: AlarmConfig | None = None,
) -> IngestResult:
    """Parse messages, store what they hold in one batch and run it through the alarm rules;
    problems are kept aside, never raised."""
    readings: list[RawReading] = []
    rejected = 0
    for body in bodies:
        found, problems = parse_body(body, now)
        if problems:
            if not found:
                # the whole message is unusable: keep it verbatim
                text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
                problems = [Problem(problems[0].reason, text[:10_000]), *problems[1:]]
            reject(session, source, now, problems)
        readings += found
        rejected += len(problems)
    result = ingest_parsed(session, readings, [], directory, source, now, config)
    result.rejected += rejected
    return result


def ingest_parsed(
    session: Session,
    readings: list[RawReading],
    problems: list[Problem],
    directory: SensorDirectory,
    source: str,
    now: datetime,
    config: AlarmConfig | None = None,
) -> IngestResult:
    """Keep problems aside, store readings once per (sensor, ts), run the new ones through
    the alarm rules: all in the caller's transaction."""
    if problems:
        reject(session, source, now, problems)
    result = store_readings(session, readings, directory, source, now)
    result.rejected += len(problems)
    evaluate(session, result.readings, config or AlarmConfig())
    return result


def ingest_body(
    session: Session,
    body: bytes | str,
    directory: SensorDirectory,
    source: str,
    now: datetime,
    config: AlarmConfig | None = None,
) -> IngestResult:
    """Parse one message, store what it holds and evaluate it (see ingest_bodies)."""
    return ingest_bodies(session, [body], directory, source, now, config)


SOURCES = ("mqtt", "http", "file", "simulator")


def count_ingest(session: Session, source: str, result: IngestResult, now: datetime) -> None:
    """Add a batch to the per-source counters /health reports."""
    increment_meta(session, f"ingest.{source}.accepted", result.accepted)
    increment_meta(session, f"ingest.{source}.rejected", result.rejected)
    increment_meta(session, f"ingest.{source}.duplicates", result.duplicates)
    set_meta(session, "ingest.last_message_at", now.isoformat(timespec="seconds"))


def load_ingest_counts(session: Session) -> dict[str, dict[str, int]]:
    """Accepted/rejected/duplicate counts by source."""
    return {
        src: {
            k: int(get_meta(session, f"ingest.{src}.{k}", "0") or 0)
            for k in ("accepted", "rejected", "duplicates")
        }
        for src in SOURCES
    }
