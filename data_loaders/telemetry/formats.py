"""Telemetry message bodies → readings: native JSON, SenML JSON (RFC 8428), ThingsBoard gateway.

Pure functions: bytes in, readings and problems out; `now` is passed in. A bad record never
stops the others: each problem is returned with its reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from data_loaders.times import CHINA, parse_iso

__all__ = ["CHINA", "parse_iso"]  # re-exported: older callers import them from here
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)  # device clocks drift; more than a day ahead is absurd
SENML_RELATIVE = 2**28  # RFC 8428 §4.5.3: smaller times are relative to now


@dataclass(frozen=True)
class RawReading:
    """One value of one sensor tag at one time (UTC)."""

    tag: str
    ts: datetime
    value: float


@dataclass(frozen=True)
class Problem:
    """Why a message, or one record in it, was not used."""

    reason: str
    record: Any = None


def parse_body(body: bytes | str | Any, now: datetime) -> tuple[list[RawReading], list[Problem]]:
    """Readings and problems of one message, whichever of the three formats it is."""
    if isinstance(body, bytes | str):
        try:
            body = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return [], [Problem(f"not JSON: {exc}")]
    if isinstance(body, list):
        if body and all(isinstance(r, dict) and "sensor" in r for r in body):
            return _collect((_native(r, now) for r in body), body)
        return parse_senml(body, now)
    if isinstance(body, dict):
        if "sensor" in body:
            return _collect([_native(body, now)], [body])
        return parse_thingsboard(body, now)
    return [], [Problem(f"not a telemetry body: a JSON {type(body).__name__}")]


def _collect(results: Any, records: list[Any]) -> tuple[list[RawReading], list[Problem]]:
    readings, problems = [], []
    for result, record in zip(results, records, strict=True):
        if isinstance(result, RawReading):
            readings.append(result)
        else:
            problems.append(Problem(result, record))
    return readings, problems


def _native(record: dict[str, Any], now: datetime) -> RawReading | str:
    """{"sensor": TAG, "ts": ISO 8601 | epoch seconds, "value": number}."""
    tag = record.get("sensor")
    if not isinstance(tag, str) or not tag.strip():
        return "missing sensor tag"
    ts = to_time(record.get("ts"), now, unit="s")
    if isinstance(ts, str):
        return ts
    value = to_number(record.get("value"))
    if isinstance(value, str):
        return value
    return RawReading(tag.strip(), ts, value)


def parse_senml(pack: list[Any], now: datetime) -> tuple[list[RawReading], list[Problem]]:
    """A SenML pack: base name/time/unit/value carry forward to later records (RFC 8428 §4.6)."""
    readings, problems = [], []
    base_name, base_time, base_value = "", 0.0, 0.0
    for record in pack:
        if not isinstance(record, dict):
            problems.append(Problem("SenML record is not an object", record))
            continue
        base_name = (
            record.get("bn", base_name) if isinstance(record.get("bn", ""), str) else base_name
        )
        base_time = (
            float(record.get("bt", base_time)) if _is_number(record.get("bt", 0)) else base_time
        )
        base_value = (
            float(record.get("bv", base_value)) if _is_number(record.get("bv", 0)) else base_value
        )
        has_value = any(k in record for k in ("v", "vb", "s", "vs", "vd"))
        if not has_value and set(record) <= {"bn", "bt", "bu", "bv", "bs", "bver"}:
            continue  # a record that only sets base fields
        name = base_name + (record.get("n") or "")
        if not name:
            problems.append(Problem("SenML record without a name (bn + n)", record))
            continue
        if "v" in record:
            value = to_number(record["v"])
            value = value + base_value if not isinstance(value, str) else value
        elif "vb" in record and isinstance(record["vb"], bool):
            value = 1.0 if record["vb"] else 0.0  # events (AI scenes) as 1/0
        elif "s" in record:
            value = to_number(record["s"])
        else:
            problems.append(Problem("SenML record without a numeric value (v or vb)", record))
            continue
        if isinstance(value, str):
            problems.append(Problem(value, record))
            continue
        t_raw = record.get("t", 0)
        t = base_time + (float(t_raw) if _is_number(t_raw) else math.nan)
        if math.isnan(t):
            problems.append(Problem("SenML time is not a number", record))
            continue
        if t < SENML_RELATIVE:
            ts: datetime | str = now + timedelta(seconds=t)
        else:
            ts = to_time(t, now, unit="s")
        if isinstance(ts, str):
            problems.append(Problem(ts, record))
            continue
        readings.append(RawReading(name, ts, value))
    return readings, problems


def parse_thingsboard(
    body: dict[str, Any], now: datetime
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
            ts = to_time(entry.get("ts", now.timestamp() * 1000), now, unit="ms")
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


def to_time(value: Any, now: datetime, unit: str) -> datetime | str:
    """An aware UTC time from ISO 8601 or an epoch number (unit s or ms), or why not."""
    if isinstance(value, str):
        try:
            ts = parse_iso(value)
        except ValueError:
            return f"timestamp {value!r} is not ISO 8601"
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
    ts = ts.astimezone(UTC)
    if ts < EARLIEST or ts > now + FUTURE_SLACK:
        return f"timestamp {ts.isoformat()} is absurd (before 2000 or more than a day ahead)"
    return ts
