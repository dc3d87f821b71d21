"""The telemetry write path: readings into the store once per (sensor, ts), rejects kept aside."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_loaders.store.engine import get_meta, increment_meta, set_meta
from data_loaders.store.schema import Meta, RejectedMessage, Sensor, TelemetryStream
from data_loaders.store.upsert import upsert
from data_loaders.telemetry.alarms import AlarmConfig, evaluate
from data_loaders.telemetry.formats import Problem, RawReading, parse_body
from data_loaders.times import iso


@dataclass
class IngestResult:
    """What one batch did: readings stored, repeats ignored, records rejected."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    # (sensor id, ts, value) of the batch, once each; repeats of stored ones included
    readings: list[tuple[int, datetime, float]] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)  # tags no sensor has
    problems: list[Problem] = field(default_factory=list)  # to keep aside, in one go


class SensorDirectory:
    """Tag → sensor id (and the account bound to it), loaded once and read again when an
    unknown tag shows up or a minute has passed (an import may have bound an account)."""

    def __init__(self, max_age_s: float = 60.0) -> None:
        self._ids: dict[str, int] = {}
        self._gateways: dict[str, str] = {}
        self.max_age_s = max_age_s
        self._loaded_at = -math.inf

    def resolve(self, session: Session, tags: set[str]) -> dict[str, int]:
        """Ids of the tags the store knows."""
        stale = time.monotonic() - self._loaded_at > self.max_age_s
        if stale or tags - self._ids.keys():
            rows = session.execute(select(Sensor.tag, Sensor.id, Sensor.gateway)).all()
            self._ids = {tag: sid for tag, sid, _gateway in rows}
            self._gateways = {tag: gateway for tag, _sid, gateway in rows if gateway}
            self._loaded_at = time.monotonic()
        return {t: self._ids[t] for t in tags if t in self._ids}

    def gateways(self, session: Session, tags: set[str]) -> dict[str, str]:
        """The accounts bound to those of the tags that have one."""
        self.resolve(session, tags)
        return {t: self._gateways[t] for t in tags if t in self._gateways}


def bound_elsewhere(
    session: Session, readings: list[RawReading], account: str | None, directory: SensorDirectory
) -> tuple[list[RawReading], list[Problem]]:
    """The readings an account may report, and a problem for each of a signal bound to
    another account (a device cannot speak for another's sensors)."""
    bound = directory.gateways(session, {r.tag for r in readings})
    if not bound:
        return readings, []
    kept, refused = [], []
    for r in readings:
        gateway = bound.get(r.tag)
        if gateway is None or gateway == account:
            kept.append(r)
        else:
            reason = (
                f"sensor {r.tag[:100]!r} reports through account {gateway!r}, "
                f"not {account or 'no account'!r}"
            )
            refused.append(Problem(reason, r.tag))
    return kept, refused


def store_readings(
    session: Session,
    readings: list[RawReading],
    directory: SensorDirectory,
    source: str,
    received_at: datetime,
) -> IngestResult:
    """Insert readings, ignoring repeats of (sensor, ts); unknown tags are rejected, with why
    (in `problems`: the caller keeps them aside with the batch's others, under one budget)."""
    result = IngestResult()
    ids = directory.resolve(session, {r.tag for r in readings})
    rows: dict[tuple[int, datetime], float] = {}
    numbered: dict[str, list[int]] = {}
    unknown: list[Problem] = []
    for r in readings:
        if r.seq is not None and r.tag in ids:
            numbered.setdefault(f"sensor:{r.tag}", []).append(r.seq)
        sid = ids.get(r.tag)
        if sid is None:
            unknown.append(Problem(f"unknown sensor {r.tag[:100]!r}", r.tag))
            result.unknown.add(r.tag)
        elif (sid, r.ts) in rows:
            result.duplicates += 1  # repeated inside one batch
        else:
            rows[(sid, r.ts)] = r.value
    result.problems += unknown
    result.rejected += len(unknown)
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
    track_sequences(session, numbered, received_at)
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


# Kept aside per batch: enough to see what is wrong, not a row per record of a flood (one
# message of 150,000 records for unknown sensors wrote 150,000 rows and stalled the drain).
MAX_REJECT_ROWS = 100
MAX_KEPT_CHARS = 10_000  # of a rejected record or message
# The biggest message any path takes (HTTP bodies, MQTT payloads): a bigger one is refused.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024


def clean_text(text: str, limit: int) -> str:
    """Text the store can keep: at most `limit` characters, no NUL or other control characters
    (PostgreSQL refuses NUL in text: one such message made even its dead letter fail)."""
    return CONTROL.sub("\ufffd", text[:limit])


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _kept(record: Any) -> str | None:
    if record is None:
        return None
    text = record if isinstance(record, str) else orjson.dumps(record, default=str).decode()
    return clean_text(text, MAX_KEPT_CHARS)


def reject(
    session: Session,
    source: str,
    received_at: datetime,
    problems: list[Problem],
    dead_letter: bool = False,
) -> None:
    """Keep problems aside with their reason and the record (as JSON text, bounded); beyond
    MAX_REJECT_ROWS one row says how many more there were."""
    kept = problems[:MAX_REJECT_ROWS]
    rows = [
        RejectedMessage(
            source=source,
            received_at=received_at,
            reason=clean_text(p.reason, 1000),
            body=_kept(p.record),
            dead_letter=dead_letter,
        )
        for p in kept
    ]
    if len(problems) > len(kept):
        more = f"and {len(problems) - len(kept)} more problems in this batch (not kept)"
        rows.append(RejectedMessage(source=source, received_at=received_at, reason=more))
    session.add_all(rows)


def ingest_bodies(
    session: Session,
    bodies: list[bytes | str],
    directory: SensorDirectory,
    source: str,
    now: datetime,
    config: AlarmConfig | None = None,
    accounts: Sequence[str | None] | None = None,
) -> IngestResult:
    """Parse messages, store what they hold in one batch and run it through the alarm rules;
    problems are kept aside (one budget for the batch), never raised. With `accounts` (the
    publisher of each body, by its MQTT topic), a signal bound to an account is taken only
    from that account's messages."""
    readings: list[RawReading] = []
    problems: list[Problem] = []
    for i, body in enumerate(bodies):
        if len(body) > MAX_MESSAGE_BYTES:
            reason = f"message of {len(body)} bytes, more than {MAX_MESSAGE_BYTES}"
            problems.append(Problem(reason, _head(body)))
            continue
        found, bad = parse_body(body, now)
        if bad and not found:
            # the whole message is unusable: keep it verbatim (its head)
            bad = [Problem(bad[0].reason, _head(body)), *bad[1:]]
        if accounts is not None and found:
            found, refused = bound_elsewhere(session, found, accounts[i], directory)
            bad = [*bad, *refused]
        readings += found
        problems += bad
    return ingest_parsed(session, readings, problems, directory, source, now, config)


def _head(body: bytes | str) -> str:
    """The start of a message as text, for the rejects."""
    head = body[:MAX_KEPT_CHARS]
    return clean_text(
        head.decode("utf-8", "replace") if isinstance(head, bytes) else head, MAX_KEPT_CHARS
    )


def ingest_parsed(
    session: Session,
    readings: list[RawReading],
    problems: list[Problem],
    directory: SensorDirectory,
    source: str,
    now: datetime,
    config: AlarmConfig | None = None,
) -> IngestResult:
    """Store readings once per (sensor, ts), run the new ones through the alarm rules, and
    keep the batch's problems aside (at most MAX_REJECT_ROWS rows): all in the caller's
    transaction."""
    result = store_readings(session, readings, directory, source, now)
    result.problems = [*problems, *result.problems]
    result.rejected += len(problems)
    if result.problems:
        reject(session, source, now, result.problems)
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


def step_sequence(last: int | None, seq: int) -> tuple[int, int, bool]:
    """(the stream's new last number, numbers found missing, whether the source restarted
    its count). A repeat or a late one changes nothing (QoS 1 redelivers)."""
    if last is None:
        return seq, 0, False
    if seq == last + 1:
        return seq, 0, False
    if seq > last + 1:
        return seq, seq - last - 1, False
    if seq <= 1 < last:  # counted from 0 or 1 again: a restarted device, not a gap
        return seq, 0, True
    return last, 0, False


def track_sequences(session: Session, numbers: dict[str, list[int]], now: datetime) -> int:
    """Follow numbered streams (stream key → the numbers seen in this batch); the numbers
    found missing in all."""
    if not numbers:
        return 0
    keys = sorted(numbers)
    existing = set(
        session.scalars(select(TelemetryStream.stream).where(TelemetryStream.stream.in_(keys)))
    )
    fresh = [k for k in keys if k not in existing]
    if fresh:
        # New streams beyond MAX_STREAMS are not followed (a publisher inventing topics would
        # add rows for ever); ON CONFLICT DO NOTHING: two writers may create one at once.
        held = session.scalar(select(func.count()).select_from(TelemetryStream)) or 0
        fresh = fresh[: max(0, MAX_STREAMS - held)]
        blank = {"last_seq": -1, "seen": 0, "missing": 0, "gaps": 0, "resets": 0}
        upsert(
            session,
            TelemetryStream,
            [{"stream": k, **blank, "updated_at": now} for k in fresh],
            ["stream"],
        )
    known = {
        r.stream: r
        for r in session.scalars(
            select(TelemetryStream).where(TelemetryStream.stream.in_(keys)).with_for_update()
        )
    }
    missing = 0
    for key in keys:
        row = known.get(key)
        if row is None:
            continue  # not followed: past MAX_STREAMS
        last = None if row.last_seq < 0 else row.last_seq
        found = gaps = resets = 0
        for seq in sorted(numbers[key]):
            last, lost, reset = step_sequence(last, seq)
            found, gaps, resets = found + lost, gaps + bool(lost), resets + reset
        row.last_seq = last  # type: ignore[assignment]
        row.seen += len(numbers[key])
        row.missing += found
        row.gaps += gaps
        row.resets += resets
        row.updated_at = now
        if found:
            row.last_gap_at = now
        missing += found
    return missing


MAX_STREAMS = 10_000


def load_mqtt_conflicts(session: Session) -> dict[str, str]:
    """Client id → when another client last took that ingest process's MQTT session."""
    rows = session.execute(
        select(Meta.key, Meta.value).where(Meta.key.startswith("mqtt.conflict.", autoescape=True))
    ).all()
    return {k.removeprefix("mqtt.conflict."): v for k, v in rows if v}


def load_stream_gaps(session: Session, top: int = 20) -> dict[str, Any]:
    """What /health says of numbered streams: how many, how many numbers never came, and the
    streams with the most missing."""
    total = session.execute(
        select(func.count(), func.coalesce(func.sum(TelemetryStream.missing), 0))
    ).one()
    worst = session.scalars(
        select(TelemetryStream)
        .where(TelemetryStream.missing > 0)
        .order_by(TelemetryStream.missing.desc(), TelemetryStream.stream)
        .limit(top)
    )
    return {
        "streams": int(total[0]),
        "missing": int(total[1]),
        "with_gaps": [
            {
                "stream": r.stream,
                "missing": r.missing,
                "gaps": r.gaps,
                "last_seq": r.last_seq,
                "last_gap_at": iso(r.last_gap_at),
            }
            for r in worst
        ],
    }


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
