"""The drop-folder source: CSV or JSON telemetry files put in a folder are read, stored, and
moved aside: to `done/` when every record was good, to `rejects/` with a `.reason.txt` beside
them otherwise (the good records are kept; dropping the fixed file again is harmless, since a
reading is unique on sensor and time).

CSV files have a header row with the columns `sensor,ts,value` (ts: ISO 8601, China time
when it has no offset, or epoch seconds); they are read by the importers' hardened reader
(`data_loaders.files.read_table`: UTF-8 or GB18030, the csv module in strict mode), so a CSV
that cannot be read (a quote never closed, a cell too long, a row wider than the header, not
text at all) is one reject naming its row and column, and nothing of it is stored. JSON files
hold any body the MQTT topic accepts. Writers should write `name.tmp` (or `.part`) and rename
it when complete; files younger than a second are left for the next round in case they are
still being written.

A file cut off (the disk filled while it was written straight under its name, or the writer
died) is refused whole, never half-read: a CSV that ends inside a row (no line end after
its last byte: a half number there would be a wrong reading) waits a minute after its last
change, in case its writer is only slow, then is refused with that row named; a cut JSON
file does not parse. (A file cut exactly after a line end cannot be told from a whole one:
hence `.part` and a rename.) When the folder's own disk is full, a file
whose reason cannot be written beside it still goes to rejects/, its reason kept in the
store's rejected messages.

One file never stops the folder: whatever goes wrong while handling it moves it to
`rejects/` with the reason. Only when the store is away is a file left where it is, for the
next round.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from data_loaders.files import FileProblem, RowError, Table, read_table
from data_loaders.store.engine import increment_meta, session_scope
from data_loaders.telemetry.alarms import AlarmConfig
from data_loaders.telemetry.formats import BodyLimits, Problem, RawReading, parse_body
from data_loaders.telemetry.store import (
    IngestResult,
    SensorDirectory,
    count_ingest,
    ingest_parsed,
    reject,
)

log = logging.getLogger("onemap.drop")
SUFFIXES = (".csv", ".json")
CSV_COLUMNS = ("sensor", "ts", "value")
# which column a parse problem is about, by a word its reason uses
WORDS = (("ts", "timestamp"), ("value", "value"), ("sensor", "sensor"))
# A file is history from a gateway, not one message: it may hold many readings, but not
# more than the process can hold in memory at once.
FILE_LIMITS = BodyLimits(max_records=2_000_000)
MAX_FILE_BYTES = 256 * 1024 * 1024
CUT_OFF = (
    "row {row}: the file ends inside this row (no line end after it, for a minute now): it "
    "looks cut off (a full disk, or a writer that stopped), so nothing of it is stored; "
    "check the file is whole, end its last row with a line break and drop it again / "
    "文件在第{row}行中途结束（末尾没有换行，已超过一分钟），疑似未写完（磁盘已满或写入中断），"
    "整份未入库；请确认文件完整，在最后一行末尾加回车后重新放入"
)
# A CSV whose last row has no line end may still be being written (a writer that pauses):
# it waits this long after its last change before it is judged cut off.
UNFINISHED_WAIT_S = 60.0
# The store went away (or its connection did): the file waits for the next round, as MQTT
# messages do (data_loaders.scheduler.STORE_AWAY; not imported: the scheduler imports us).
STORE_AWAY = (OperationalError, InterfaceError, DisconnectionError)


@dataclass
class FileOutcome:
    """What became of one file."""

    path: Path
    moved_to: Path
    result: IngestResult
    problems: list[str]


def ready_files(
    folder: Path,
    min_age_s: float = 1.0,
    now: float | None = None,
    unfinished_wait_s: float = UNFINISHED_WAIT_S,
) -> list[Path]:
    """Files waiting in the folder, oldest first (not hidden, not .tmp/.part, not too new; a
    CSV that ends inside a row only once it has not changed for `unfinished_wait_s`)."""
    now = time.time() if now is None else now
    found = []
    for p in folder.iterdir():
        if p.suffix.lower() not in SUFFIXES or p.name.startswith("."):
            continue
        try:
            if not p.is_file():
                continue
            mtime = p.stat().st_mtime
        except OSError:  # gone (or renamed) since the listing: the next round sees it
            continue
        age = now - mtime
        if age < min_age_s:
            continue
        if age < unfinished_wait_s and p.suffix.lower() == ".csv" and _unterminated(p):
            continue  # perhaps still being written: the next rounds look again
        found.append((mtime, p.name, p))
    return [p for _mtime, _name, p in sorted(found)]


def _unterminated(path: Path) -> bool:
    """Whether a non-empty file's last byte is not a line end."""
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            if f.tell() == 0:
                return False
            f.seek(-1, 2)
            return f.read(1) not in (b"\n", b"\r")
    except OSError:
        return False


def cut_off_row(path: Path, table: Table) -> int | None:
    """The row a CSV ends inside of (no line end after its last byte), as the reader numbered
    it (a quoted cell may hold line breaks, so physical lines would miscount), else None."""
    if not _unterminated(path):
        return None
    last = len(table.frame) - 1
    return table.row_number(last) if last >= 0 else table.header_row


def _epoch_or_text(value: str) -> Any:
    try:
        return float(value)
    except ValueError:
        return value


def _where(row: int, column: str | None) -> str:
    return f"row {row}, column {column}" if column else f"row {row}"


def _unreadable(problem: FileProblem) -> Problem:
    """A CSV the reader refused, as one problem: why, then each row (and column) at fault."""
    lines = [f"the file cannot be read, nothing of it is stored: {problem.en} / {problem.zh}"]
    lines += [f"  {_row_error(e)}" for e in problem.errors]
    return Problem("\n".join(lines))


def _row_error(error: RowError) -> str:
    return f"{_where(error.row, error.column)}: {error.en} / {error.zh}"


def read_rows(table: Table, now: datetime) -> tuple[list[RawReading], list[Problem]]:
    """Readings of a sensor,ts,value table; each problem names its row (and column)."""
    columns: dict[str, str] = {}
    for name in table.frame.columns:
        columns.setdefault(str(name).strip().lower(), name)  # the first of a repeated one
    missing = [c for c in CSV_COLUMNS if c not in columns]
    if missing:
        where = f"row {table.header_row}"
        return [], [Problem(f"{where}: the header lacks the column(s) {', '.join(missing)}")]
    if len(table.frame) > FILE_LIMITS.max_records:
        n, limit = len(table.frame), FILE_LIMITS.max_records
        return [], [Problem(f"{n} records in the file, more than {limit}: nothing is stored")]
    cells = {c: table.frame[columns[c]].tolist() for c in CSV_COLUMNS}
    readings: list[RawReading] = []
    problems: list[Problem] = []
    for i, (sensor, ts, value) in enumerate(zip(*cells.values(), strict=True)):
        n = table.row_number(i)
        record = {
            "sensor": sensor,
            "ts": None if ts is None else _epoch_or_text(ts),
            "value": value,
        }
        found, bad = parse_body([record], now, FILE_LIMITS)
        readings += found
        for p in bad:
            column = next((c for c, word in WORDS if word in p.reason), None)
            problems.append(Problem(f"{_where(n, column)}: {p.reason}", {"row": n, **record}))
    return readings, problems


def read_file(path: Path, now: datetime) -> tuple[list[RawReading], list[Problem]]:
    """Readings and problems of one dropped file; a file that cannot be read is a problem,
    never an exception."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [], [Problem(f"the file has {size} bytes, more than {MAX_FILE_BYTES}")]
        if path.suffix.lower() == ".csv":
            try:
                table = read_table(path)
            except FileProblem as exc:
                return [], [_unreadable(exc)]
            # (after the reader: what it finds wrong is the more precise reason)
            cut = cut_off_row(path, table)
            if cut is not None:
                return [], [Problem(CUT_OFF.format(row=cut))]
            return read_rows(table, now)
        raw = path.read_bytes()
    except OSError as exc:
        return [], [Problem(f"cannot read the file: {exc.strerror or exc}")]
    return parse_body(raw, now, FILE_LIMITS)


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():  # the same name dropped again: keep both
        target = folder / f"{path.stem}.{time.strftime('%Y%m%d%H%M%S')}{path.suffix}"
    return Path(shutil.move(str(path), target))


def _set_aside(path: Path, folder: Path, headline: str, reasons: list[str]) -> Path:
    """Move a file to rejects/ with NAME.reason.txt beside it."""
    moved = _move(path, folder / "rejects")
    note = [f"{path.name}: {headline}:", *reasons]
    reason = moved.with_name(moved.name + ".reason.txt")
    try:
        reason.write_text("\n".join(note) + "\n", "utf-8")
    except OSError as exc:  # a full disk: the file is refused all the same
        reason.unlink(missing_ok=True)  # (not an empty reason beside it)
        log.warning(
            "%s is in rejects/ but its reason could not be written beside it (%s); the "
            "store's rejected messages hold it",
            path.name,
            exc.strerror or exc,
        )
    return moved


def prepare_folder(folder: Path) -> None:
    """Make the folder and its done/ and rejects/ at the start (a full disk later must not
    stop a file from being moved aside: a rename needs no space, a new folder may)."""
    for sub in (folder, folder / "done", folder / "rejects"):
        sub.mkdir(parents=True, exist_ok=True)


def _store_file(
    engine: Engine,
    path: Path,
    directory: SensorDirectory,
    now: datetime,
    config: AlarmConfig | None,
) -> tuple[IngestResult, list[str]]:
    """Read one file and store what it holds in one transaction: its result and reasons."""
    readings, problems = read_file(path, now)
    with session_scope(engine) as session:
        result = ingest_parsed(session, readings, problems, directory, "file", now, config)
        count_ingest(session, "file", result, now)
    reasons = [p.reason for p in problems]
    reasons += [f"unknown sensor {tag!r}" for tag in sorted(result.unknown)]
    return result, reasons


def _headline(result: IngestResult) -> str:
    return (
        f"{result.accepted} readings stored, {result.duplicates} already known, "
        f"{result.rejected} rejected"
    )


def _keep_failure(engine: Engine, path: Path, reason: str, now: datetime) -> None:
    """Keep a file nothing could handle among the rejects (and count it), if the store lets us."""
    try:
        with session_scope(engine) as session:
            reject(session, "file", now, [Problem(reason[:1000], path.name)], dead_letter=True)
            increment_meta(session, "ingest.file.rejected", 1)
    except Exception:
        log.exception("the failure of %s could not be kept in the store either", path.name)


def _store_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def poll_drop_folder(
    engine: Engine,
    folder: Path,
    directory: SensorDirectory,
    now: datetime,
    config: AlarmConfig | None = None,
    min_age_s: float = 1.0,
    unfinished_wait_s: float = UNFINISHED_WAIT_S,
) -> list[FileOutcome]:
    """Read every ready file: store its readings, keep its problems, move it aside. A file
    whose handling fails goes to rejects/ with the reason; one the store could not take
    while it was away stays for the next round."""
    outcomes = []
    try:
        prepare_folder(folder)
    except OSError:  # (a full disk that has no room for a folder: moving aside will say)
        log.warning("the drop folder's done/ and rejects/ cannot be made", exc_info=True)
    for path in ready_files(folder, min_age_s, unfinished_wait_s=unfinished_wait_s):
        result: IngestResult | None = None
        try:
            result, reasons = _store_file(engine, path, directory, now, config)
            if reasons:
                moved = _set_aside(path, folder, _headline(result), reasons)
            else:
                moved = _move(path, folder / "done")
        except STORE_AWAY as exc:  # raised by the store step: nothing of the file was stored
            log.warning("%s waits for the next round: the store failed (%s)", path.name, exc)
            if not _store_reachable(engine):
                log.warning("the store is away: the drop folder waits for the next round")
                break
            continue  # the store answers: this was the file's trouble, the others may pass
        except Exception as exc:
            log.exception("%s could not be handled: moving it to rejects/", path.name)
            why = f"could not be handled: {type(exc).__name__}: {exc}"
            if result is None:  # the transaction was rolled back
                _keep_failure(engine, path, f"file {path.name} {why}", now)
                result, reasons = IngestResult(rejected=1), [why]
                headline = "nothing of it was stored"
            else:  # stored; moving it aside failed
                reasons, headline = [*reasons, why], _headline(result)
            try:
                moved = _set_aside(path, folder, headline, reasons)
            except Exception:
                log.exception("%s could not be set aside in rejects/ either", path.name)
                continue
        log.info("%s → %s (%d stored)", path.name, moved.parent.name, result.accepted)
        outcomes.append(FileOutcome(path, moved, result, reasons))
    return outcomes
