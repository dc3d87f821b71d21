"""Telemetry message bodies → readings: native JSON, SenML JSON (RFC 8428), ThingsBoard gateway.

Pure functions: bytes in, readings and problems out; `now` is passed in. A bad record never
stops the others: each problem is returned with its reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from data_loaders.times import parse_iso

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_SEQ = 2**53  # a source's message or reading number (exact in every JSON reader)
SENML_RELATIVE = 2**28  # RFC 8428 §4.5.3: smaller times are relative to now


@dataclass(frozen=True)
class BodyLimits:
    """What one message may hold (README: telemetry limits)."""

    # A reading dated later than its receive time plus this is refused: one reading years
    # ahead would otherwise move its sensor's clock and silence its rules until then.
    future_s: float = 300.0
    # Records (readings) in one message; a bigger message is refused whole, as one reject.
    max_records: int = 10_000


MESSAGE_LIMITS = BodyLimits()


@dataclass(frozen=True)
class RawReading:
    """One value of one sensor tag at one time (UTC)."""

    tag: str
    ts: datetime
    value: float
    seq: int | None = field(default=None, compare=False)  # the source's own reading number


@dataclass(frozen=True)
class Problem:
    """Why a message, or one record in it, was not used."""

    reason: str
    record: Any = None


def parse_body(
    body: bytes | str | Any, now: datetime, limits: BodyLimits = MESSAGE_LIMITS
) -> tuple[list[RawReading], list[Problem]]:
    """Readings and problems of one message, whichever of the three formats it is. Each
    record is read on its own: a bad one is a problem with its reason, never an exception."""
    if isinstance(body, bytes | str):
        try:
            body = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return [], [Problem(f"not JSON: {exc}")]
    n = count_records(body)
    if n > limits.max_records:
        return [], [Problem(f"{n} records in one message, more than {limits.max_records}")]
    if isinstance(body, list):
        if body and all(isinstance(r, dict) and "sensor" in r for r in body):
            return _natives(body, now, limits)
        return parse_senml(body, now, limits)
    if isinstance(body, dict):
        if "sensor" in body:
            return _collect([_guarded(_native, body, now, limits)], [body])
        return parse_thingsboard(body, now, limits)
    return [], [Problem(f"not a telemetry body: a JSON {type(body).__name__}")]


def count_records(body: Any) -> int:
    """How many readings a parsed body claims to hold (for the per-message limit)."""
    if isinstance(body, list):
        return len(body)
    if isinstance(body, dict) and "sensor" not in body:
        total = 0
        for entries in body.values():
            for entry in entries if isinstance(entries, list) else [entries]:
                values = entry.get("values") if isinstance(entry, dict) else None
                total += len(values) if isinstance(values, dict) else 1
        return total
    return 1


def _guarded(read: Any, record: Any, now: datetime, limits: BodyLimits) -> RawReading | str:
    """One record's reading or why not; a record that trips a bug in the checks is still
    only that record's problem (its neighbours are kept)."""
    try:
        return read(record, now, limits)
    except Exception as exc:  # the last line of defence, not the way problems are found
        return f"record could not be read ({type(exc).__name__})"


def _collect(results: Any, records: list[Any]) -> tuple[list[RawReading], list[Problem]]:
    readings, problems = [], []
    for result, record in zip(results, records, strict=True):
        if isinstance(result, RawReading):
            readings.append(result)
        else:
            problems.append(Problem(result, record))
    return readings, problems


_INF = math.inf
_EARLIEST_S = EARLIEST.timestamp()
_EXACT_INT = 2**53  # ints below this convert to float exactly (and never overflow)


def _natives(
    records: list[dict[str, Any]], now: datetime, limits: BodyLimits
) -> tuple[list[RawReading], list[Problem]]:
    """A list of native records, each read as `_native` reads it. The ingest's hot loop (a
    gateway's message of epoch-seconds readings): a record whose fields are plainly good
    (a text tag, epoch seconds well inside the allowed times, a finite number, no or a
    valid seq) is taken without the general checks; any other goes through `_native`,
    whose answer is the rule, so a doubtful one is only slower, never judged otherwise."""
    readings: list[RawReading] = []
    problems: list[Problem] = []
    # a millisecond inside the limit: the general check compares microsecond datetimes
    latest = now.timestamp() + limits.future_s - 0.001
    for record in records:
        tag = record.get("sensor")
        ts = record.get("ts")
        value = record.get("value")
        seq = record.get("seq")
        tv = type(value)
        if (
            type(tag) is str
            and (type(ts) is float or type(ts) is int)
            and _EARLIEST_S <= ts <= latest
            and (
                (tv is float and -_INF < value < _INF)
                or (tv is int and -_EXACT_INT < value < _EXACT_INT)
            )
            and (seq is None or (type(seq) is int and 0 <= seq < MAX_SEQ))
        ):
            name = tag.strip()
            if name:
                readings.append(
                    RawReading(name, datetime.fromtimestamp(ts, tz=UTC), float(value), seq)
                )
                continue
        result = _guarded(_native, record, now, limits)
        if isinstance(result, RawReading):
            readings.append(result)
        else:
            problems.append(Problem(result, record))
    return readings, problems


def _native(record: dict[str, Any], now: datetime, limits: BodyLimits) -> RawReading | str:
    """{"sensor": TAG, "ts": ISO 8601 | epoch seconds, "value": number}."""
    tag = record.get("sensor")
    if not isinstance(tag, str) or not tag.strip():
        return "missing sensor tag"
    ts = to_time(record.get("ts"), now, "s", limits.future_s)
    if isinstance(ts, str):
        return ts
    value = to_number(record.get("value"))
    if isinstance(value, str):
        return value
    seq = record.get("seq")
    if seq is not None and not (
        isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq < MAX_SEQ
    ):
        return f"seq is not a whole number from 0 to {MAX_SEQ - 1}"
    return RawReading(tag.strip(), ts, value, seq)


def parse_senml(
    pack: list[Any], now: datetime, limits: BodyLimits = MESSAGE_LIMITS
) -> tuple[list[RawReading], list[Problem]]:
    """A SenML pack: base name/time/value carry forward to later records (RFC 8428 §4.6)."""
    readings, problems = [], []
    base = _SenmlBase()
    for record in pack:
        try:
            result = _senml_record(record, base, now, limits)
        except Exception as exc:  # the last line of defence (see _guarded)
            result = f"SenML record could not be read ({type(exc).__name__})"
        if isinstance(result, RawReading):
            readings.append(result)
        elif result is not None:
            problems.append(Problem(result, record))
    return readings, problems


@dataclass
class _SenmlBase:
    """The base fields in force (RFC 8428 §4.1): set by a record, used by the next ones."""

    name: str = ""
    time: float = 0.0
    value: float = 0.0


def _senml_record(
    record: Any, base: _SenmlBase, now: datetime, limits: BodyLimits
) -> RawReading | str | None:
    """One SenML record's reading, why not, or None for a record that only sets base fields.
    Base fields of the wrong type are refused with their record and not taken; valid ones
    carry to the records after it, as RFC 8428 says, even when this record is bad."""
    if not isinstance(record, dict):
        return "SenML record is not an object"
    if "bn" in record and not isinstance(record["bn"], str):
        return "SenML base name (bn) is not text"
    for key in ("bt", "bv"):
        if key in record and not _is_number(record[key]):
            return f"SenML {key} is not a finite number"
    if "n" in record and not isinstance(record["n"], str):
        return "SenML name (n) is not text"
    base.name = record.get("bn", base.name)
    base.time = float(record.get("bt", base.time))
    base.value = float(record.get("bv", base.value))
    has_value = any(k in record for k in ("v", "vb", "s", "vs", "vd"))
    if not has_value and set(record) <= {"bn", "bt", "bu", "bv", "bs", "bver"}:
        return None  # a record that only sets base fields
    name = base.name + record.get("n", "")
    if not name:
        return "SenML record without a name (bn + n)"
    if "v" in record:
        value = to_number(record["v"])
        value = value + base.value if not isinstance(value, str) else value
    elif "vb" in record and isinstance(record["vb"], bool):
        value = 1.0 if record["vb"] else 0.0  # events (AI scenes) as 1/0
    elif "s" in record:
        value = to_number(record["s"])
    else:
        return "SenML record without a numeric value (v or vb)"
    if isinstance(value, str):
        return value
    if not math.isfinite(value):
        return "value is not finite (bv + v overflows)"
    t_raw = record.get("t", 0)
    if not _is_number(t_raw):
        return "SenML time is not a number"
    t = base.time + float(t_raw)
    if not math.isfinite(t):
        return "SenML time is not finite (bt + t overflows)"
    if t < SENML_RELATIVE:
        # relative to now (RFC 8428 §4.5.3); checked like any other time
        if abs(t) > SENML_RELATIVE:
            return f"SenML relative time {t:g} s is out of range"
        ts: datetime | str = check_time(now + timedelta(seconds=t), now, limits.future_s)
    else:
        ts = to_time(t, now, "s", limits.future_s)
    if isinstance(ts, str):
        return ts
    return RawReading(name, ts, value)


def parse_thingsboard(
    body: dict[str, Any], now: datetime, limits: BodyLimits = MESSAGE_LIMITS
) -> tuple[list[RawReading], list[Problem]]:
    """{"TAG": [{"ts": epoch ms, "values": {"value": 12.3}}]}; another key k gives TAG.k."""
    readings, problems = [], []
    if not body:
        return [], [Problem("empty object")]
    for device, entries in body.items():
        if isinstance(entries, dict):
            entries = [entries]
        if not isinstance(entries, list):
            problems.append(Problem(f"ThingsBoard entries of {device} are not a list", entries))
            continue
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
                problems.append(Problem("ThingsBoard entry without values", entry))
                continue
            ts = to_time(entry.get("ts", now.timestamp() * 1000), now, "ms", limits.future_s)
            if isinstance(ts, str):
                problems.append(Problem(ts, entry))
                continue
            for key, raw in entry["values"].items():
                value = to_number(raw)
                tag = device if key == "value" else f"{device}.{key}"
                if isinstance(value, str):
                    problems.append(Problem(f"{tag}: {value}", entry))
                else:
                    readings.append(RawReading(tag, ts, value))
    return readings, problems


def _is_number(value: Any) -> bool:
    if type(value) is float:  # the usual case first (isinstance with a union is slow)
        return math.isfinite(value)
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def to_number(value: Any) -> float | str:
    """A finite number, or why not (numeric strings are accepted)."""
    if isinstance(value, bool):
        return "value is a boolean, not a number"
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return f"value {value!r} is not a number"
    if not isinstance(value, int | float):
        return "value is missing" if value is None else f"value of type {type(value).__name__}"
    if not math.isfinite(value):
        return "value is not finite"
    return float(value)


def to_time(value: Any, now: datetime, unit: str, future_s: float) -> datetime | str:
    """An aware UTC time from ISO 8601 or an epoch number (unit s or ms), or why not."""
    if isinstance(value, str):
        try:
            ts = parse_iso(value)
        except ValueError:
            return f"timestamp {value[:64]!r} is not ISO 8601"
    elif _is_number(value):
        seconds = value / 1000 if unit == "ms" else value
        try:
            ts = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return f"timestamp {value} is out of range"
    elif value is None:
        return "timestamp is missing"
    else:
        return f"timestamp of type {type(value).__name__}"
    return check_time(ts, now, future_s)


def check_time(ts: datetime, now: datetime, future_s: float) -> datetime | str:
    """The time in UTC, or why it cannot be a reading's: before 2000, or later than the
    receive time plus the tolerance (a clock that far ahead is wrong, and would silence the
    sensor's rules until then)."""
    try:
        ts = ts.astimezone(UTC)
    except OverflowError:
        return "timestamp is out of range"
    if ts < EARLIEST:
        return f"timestamp {ts.isoformat()} is before 2000"
    if (ts - now).total_seconds() > future_s:
        return (
            f"timestamp {ts.isoformat()} is ahead of the receive time by more than {future_s:g} s"
        )
    return ts
