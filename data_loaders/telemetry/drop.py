"""The drop-folder source: CSV or JSON telemetry files put in a folder are read, stored, and
moved aside: to `done/` when every record was good, to `rejects/` with a `.reason.txt` beside
them otherwise (the good records are kept; dropping the fixed file again is harmless, since a
reading is unique on sensor and time).

CSV files have a header row with the columns `sensor,ts,value` (ts: ISO 8601, China time
when it has no offset, or epoch seconds). JSON files hold any body the MQTT topic accepts.
Writers should write `name.tmp` (or `.part`) and rename it when complete; files younger than
a second are left for the next round in case they are still being written.
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from data_loaders.store.engine import session_scope
from data_loaders.telemetry.alarms import AlarmConfig
from data_loaders.telemetry.formats import BodyLimits, Problem, RawReading, parse_body
from data_loaders.telemetry.store import IngestResult, SensorDirectory, count_ingest, ingest_parsed

log = logging.getLogger("onemap.drop")
SUFFIXES = (".csv", ".json")
CSV_COLUMNS = ("sensor", "ts", "value")
# which column a parse problem is about, by a word its reason uses
WORDS = (("ts", "timestamp"), ("value", "value"), ("sensor", "sensor"))
# A file is history from a gateway, not one message: it may hold many readings, but not
# more than the process can hold in memory at once.
FILE_LIMITS = BodyLimits(max_records=2_000_000)
MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass
class FileOutcome:
    """What became of one file."""

    path: Path
    moved_to: Path
    result: IngestResult
    problems: list[str]


def ready_files(folder: Path, min_age_s: float = 1.0, now: float | None = None) -> list[Path]:
    """Files waiting in the folder, oldest first (not hidden, not .tmp/.part, not too new)."""
    now = time.time() if now is None else now
    files = [
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not p.name.startswith(".")
        and now - p.stat().st_mtime >= min_age_s
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def _epoch_or_text(value: str) -> Any:
    try:
        return float(value)
    except ValueError:
        return value


def read_csv(text: str, now: datetime) -> tuple[list[RawReading], list[Problem]]:
    """Readings of a sensor,ts,value CSV; each problem names its row (the header is row 1)."""
    rows = csv.reader(io.StringIO(text))
    header = [h.strip().lower().lstrip("\ufeff") for h in next(rows, [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        return [], [Problem(f"row 1: the header lacks the column(s) {', '.join(missing)}")]
    at = {c: header.index(c) for c in CSV_COLUMNS}
    records = []
    problems = []
    for n, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            problems.append(Problem(f"row {n}: {len(row)} columns, the header has {len(header)}"))
            continue
        records.append(
            (
                n,
                {
                    "sensor": row[at["sensor"]].strip(),
                    "ts": _epoch_or_text(row[at["ts"]].strip()),
                    "value": row[at["value"]].strip(),
                },
            )
        )
    readings: list[RawReading] = []
    for n, record in records:
        found, bad = parse_body([record], now, FILE_LIMITS)
        readings += found
        for p in bad:
            column = next((c for c, word in WORDS if word in p.reason), None)
            where = f"row {n}, column {column}" if column else f"row {n}"
            problems.append(Problem(f"{where}: {p.reason}", {"row": n, **record}))
    return readings, problems


def read_file(path: Path, now: datetime) -> tuple[list[RawReading], list[Problem]]:
    """Readings and problems of one dropped file."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [], [Problem(f"the file has {size} bytes, more than {MAX_FILE_BYTES}")]
        raw = path.read_bytes()
    except OSError as exc:
        return [], [Problem(f"cannot read the file: {exc}")]
    if path.suffix.lower() == ".csv":
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")  # Excel on Chinese Windows saves CSV so
            except UnicodeDecodeError:
                return [], [Problem("the file is neither UTF-8 nor GB18030 text")]
        return read_csv(text, now)
    return parse_body(raw, now, FILE_LIMITS)


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():  # the same name dropped again: keep both
        target = folder / f"{path.stem}.{time.strftime('%Y%m%d%H%M%S')}{path.suffix}"
    return Path(shutil.move(str(path), target))


def poll_drop_folder(
    engine: Engine,
    folder: Path,
    directory: SensorDirectory,
    now: datetime,
    config: AlarmConfig | None = None,
    min_age_s: float = 1.0,
) -> list[FileOutcome]:
    """Read every ready file: store its readings, keep its problems, move it aside."""
    outcomes = []
    for path in ready_files(folder, min_age_s):
        readings, problems = read_file(path, now)
        with session_scope(engine) as session:
            result = ingest_parsed(session, readings, problems, directory, "file", now, config)
            count_ingest(session, "file", result, now)
        reasons = [p.reason for p in problems]
        reasons += [f"unknown sensor {tag!r}" for tag in sorted(result.unknown)]
        if reasons:
            moved = _move(path, folder / "rejects")
            note = [
                f"{path.name}: {result.accepted} readings stored, "
                f"{result.duplicates} already known, {result.rejected} rejected:",
                *reasons,
            ]
            moved.with_name(moved.name + ".reason.txt").write_text(
                "\n".join(note) + "\n", encoding="utf-8"
            )
        else:
            moved = _move(path, folder / "done")
        log.info("%s → %s (%d stored)", path.name, moved.parent.name, result.accepted)
        outcomes.append(FileOutcome(path, moved, result, reasons))
    return outcomes
