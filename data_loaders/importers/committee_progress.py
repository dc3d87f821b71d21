"""A returned committee-review workbook (`onemap import committee-progress`): the owner units
fill in 状态, 进度, 进展情况 and 佐证材料 of the sheet read_models.documents.review_workbook
wrote, and send it back.

The layout (headers, the hidden key column, the header row) is defined here, once, for the
writer and for this reader. Only the four editable columns may change: a changed task text,
owner unit or deadline, an unknown or repeated key, a row without a key, a progress outside
0–100 or going backwards without a new note refuses the whole file, every problem named by
sheet, row and column in Chinese and English, nothing written. Accepted changes go through
data_loaders.actions.tasks.update_task (one event each: who, when, from what, the file's
name); a row whose editable cells equal the store changes nothing, so a file imported twice
changes nothing the second time.
"""

from __future__ import annotations

import io
import math
import re
import threading
import zipfile
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data_loaders.actions.tasks import Via, update_task
from data_loaders.files import FileProblem, RowError
from data_loaders.importers.fields import FieldError, a_date
from data_loaders.rules.links import LinkError, check_link
from data_loaders.store.engine import session_scope
from data_loaders.store.schema import CommitteeTask
from data_loaders.users import has_role
from data_loaders.vocab import TASK_STATUSES, parse_choice

# --- the layout, shared with read_models.documents.review_workbook -------------------------
SEQ, TITLE, OWNER, DUE, STATUS, PROGRESS, NOTE, EVIDENCE = (
    "序号",
    "任务",
    "责任单位",
    "完成时限",
    "状态",
    "进度",
    "进展情况",
    "佐证材料",
)
KEY = "任务编号（请勿修改）"
HEADERS: tuple[str, ...] = (SEQ, TITLE, OWNER, DUE, STATUS, PROGRESS, NOTE, EVIDENCE, KEY)
EDITABLE: tuple[str, ...] = (STATUS, PROGRESS, NOTE, EVIDENCE)
TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3
FIRST_ROW = HEADER_ROW + 1
# English names of the columns, for the English half of a message
COLUMN_EN = {
    SEQ: "No.",
    TITLE: "task",
    OWNER: "owner unit",
    DUE: "deadline",
    STATUS: "status",
    PROGRESS: "progress",
    NOTE: "progress note",
    EVIDENCE: "evidence",
    KEY: "task key",
}

# --- bounds ---------------------------------------------------------------------------------
MAX_BYTES = 10 * 1024 * 1024
_SQLITE_IMPORTS = threading.Lock()
MAX_UNPACKED = 200 * 1024 * 1024  # what the zip may expand to (a zip bomb is refused)
MAX_SHEETS = 50
MAX_ROWS = 5000  # task rows, all sheets together
MAX_SHEET_ROWS = 20000  # rows scanned per sheet (blank ones included)
NOTE_MAX = 2000
LINK_MAX = 500
TEXT_MAX = 2000  # any other cell (task text, owner unit): longer is not what was exported
FILE_NAME_MAX = 255


@dataclass(frozen=True)
class ProgressRow:
    """One task row of a returned file, its cells as the file holds them (text stripped;
    None for an empty cell; a number or a date as such)."""

    sheet: str
    row: int
    code: str | None
    cells: dict[str, Any]  # header -> value, for every header in HEADERS the sheet has
    letters: dict[str, str] = field(default_factory=dict)  # header -> column letter


@dataclass(frozen=True)
class PlannedChange:
    """A change the file makes to one task: what update_task is given, and what it was."""

    code: str
    sheet: str
    row: int
    changes: dict[str, Any]
    was: dict[str, Any]


@dataclass
class ProgressResult:
    """What an import of a returned file did (or, on a dry run, would do)."""

    file_name: str
    rows: int
    changed: int
    unchanged: int
    codes: list[str]
    dry_run: bool = False


# --- reading the file -----------------------------------------------------------------------


def _problem_not_xlsx() -> FileProblem:
    return FileProblem(
        "文件不是 Excel（.xlsx）工作簿：请上传导出的督查表（.xlsx），不要另存为 .xls 或 CSV",
        "the file is not an Excel (.xlsx) workbook: send back the exported review sheet as "
        ".xlsx (not .xls or CSV)",
    )


def _raw(path_or_bytes: str | Path | bytes) -> bytes:
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        raw = bytes(path_or_bytes)
    else:
        path = Path(path_or_bytes)
        try:
            if not path.is_file():
                raise FileProblem(f"文件不存在：{path.name}", f"file not found: {path.name}")
            if path.stat().st_size > MAX_BYTES:
                raise _too_big()
            raw = path.read_bytes()
        except OSError as exc:
            raise FileProblem(
                f"无法打开文件（{exc.strerror or exc}）", f"cannot open the file ({exc.strerror})"
            ) from None
    if not raw:
        raise FileProblem("文件是空的（0 字节）", "the file is empty (0 bytes)")
    if len(raw) > MAX_BYTES:
        raise _too_big()
    return raw


def _too_big() -> FileProblem:
    return FileProblem(
        f"文件超过 {MAX_BYTES // 1024 // 1024} MB",
        f"the file is over {MAX_BYTES // 1024 // 1024} MB",
    )


def _open_book(raw: bytes) -> Any:
    """The workbook (openpyxl, read-only; a formula is read as one), after the zip itself
    is checked."""
    from openpyxl import load_workbook

    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            "这是旧版 Excel（.xls）文件或有密码保护的工作簿：请在 Excel 中另存为 .xlsx（不加密码）",
            "this is an old Excel (.xls) or a password-protected workbook: save it as .xlsx "
            "without a password",
        )
    if not raw.startswith(b"PK\x03\x04"):
        raise _problem_not_xlsx()
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileProblem(
            "Excel 文件已损坏（无法解压）", "the Excel file is damaged (cannot be unpacked)"
        ) from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise _problem_not_xlsx()
    if sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise FileProblem(
            f"文件解压后超过 {MAX_UNPACKED // 1024 // 1024} MB", "the file unpacks to too much data"
        )
    try:
        return load_workbook(io.BytesIO(raw), read_only=True, data_only=False)  # formulas seen
    except Exception as exc:  # openpyxl's own errors for broken workbooks
        detail = str(exc).strip()[:200] or type(exc).__name__
        raise FileProblem(
            f"无法读取 Excel 文件（文件已损坏？）：{detail}",
            f"cannot read the Excel file (damaged?): {detail}",
        ) from None


class Formula(str):
    """A cell that holds a formula (its text): refused, a returned sheet holds values."""


def _cell(cell: Any) -> Any:
    value = cell.value
    if getattr(cell, "data_type", None) == "f" and value is not None:
        return Formula(str(value))
    if isinstance(value, str):
        return value.strip() or None
    return value


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def read_progress(path_or_bytes: str | Path | bytes, file_name: str) -> list[ProgressRow]:
    """The task rows of a returned review workbook, every sheet that has the key column.
    Raises FileProblem only: not an xlsx, damaged, too big, too many sheets or rows, a sheet
    with the task column but no key column, no sheet with the key column at all."""
    del file_name  # (named in messages by the caller)
    book = _open_book(_raw(path_or_bytes))
    try:
        return _read_book(book)
    except FileProblem:
        raise
    except Exception as exc:  # a damaged sheet found while streaming it
        detail = str(exc).strip()[:200] or type(exc).__name__
        raise FileProblem(
            f"无法读取 Excel 文件（文件已损坏？）：{detail}",
            f"cannot read the Excel file (damaged?): {detail}",
        ) from None
    finally:
        book.close()


def _read_book(book: Any) -> list[ProgressRow]:
    sheets = book.worksheets
    if len(sheets) > MAX_SHEETS:
        raise FileProblem(
            f"工作表超过 {MAX_SHEETS} 个（有 {len(sheets)} 个）",
            f"more than {MAX_SHEETS} worksheets ({len(sheets)})",
        )
    out: list[ProgressRow] = []
    found_key = False
    width = len(HEADERS) + 10  # columns read: the layout's and some an office added
    for sheet in sheets:
        if not hasattr(sheet, "iter_rows"):
            continue  # a chart sheet
        name = sheet.title
        header: dict[str, int] | None = None
        for number, values in enumerate(sheet.iter_rows(max_col=width), start=1):
            if number > MAX_SHEET_ROWS:
                raise FileProblem(
                    f"工作表“{name}”超过 {MAX_SHEET_ROWS} 行",
                    f"worksheet '{name}' has more than {MAX_SHEET_ROWS} rows",
                )
            cells = [_cell(v) for v in values]
            if header is None:
                # the header is looked for down the whole sheet (rows inserted above it are
                # the office's own); a row with the task column and other headers of ours but
                # no key column is a review sheet whose key was deleted
                texts = {str(v): i for i, v in reversed(list(enumerate(cells))) if v is not None}
                ours = sum(1 for h in HEADERS if h in texts)
                if KEY in texts or (TITLE in texts and ours >= 3):
                    if getattr(sheet, "sheet_state", "visible") != "visible":
                        raise FileProblem(
                            f"工作表“{name}”被隐藏：隐藏的督查表不导入，请取消隐藏或删除该表",
                            f"worksheet '{name}' is hidden: a hidden review sheet is not "
                            "imported (unhide it or delete it)",
                        )
                    if KEY not in texts:
                        raise FileProblem(
                            f"工作表“{name}”缺少“{KEY}”列（隐藏列，在“{EVIDENCE}”列之后）："
                            "请用系统导出的督查表填写，不要删除或改动这一列",
                            f"worksheet '{name}' has no '{KEY}' column (hidden, after "
                            f"'{EVIDENCE}'): fill in the exported review sheet and keep that "
                            "column",
                        )
                    header = {h: texts[h] for h in HEADERS if h in texts}
                    found_key = True
                continue
            if all(v is None for v in cells):
                continue
            row_cells = {h: cells[i] if i < len(cells) else None for h, i in header.items()}
            if all(v is None for v in row_cells.values()):
                continue
            key = row_cells.get(KEY)
            out.append(
                ProgressRow(
                    name,
                    number,
                    str(key).strip() if key is not None else None,
                    row_cells,
                    {h: _letter(i) for h, i in header.items()},
                )
            )
            if len(out) > MAX_ROWS:
                raise FileProblem(
                    f"任务行超过 {MAX_ROWS} 行", f"more than {MAX_ROWS} task rows in the file"
                )
    if not found_key:
        raise FileProblem(
            f"文件中没有督查表（找不到“{KEY}”列）：请用系统导出的督查表填写后上传",
            f"the file holds no review sheet (no '{KEY}' column): fill in the exported review "
            "sheet and send it back",
        )
    return out


# --- checking against the store -------------------------------------------------------------


def _shown(value: Any, limit: int = 40) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def parse_progress(value: Any) -> int:
    """A progress cell: a whole number 0–100 (60, 60.0, "60", "60%"); FieldError otherwise."""
    bad = FieldError(
        f"“{_shown(value)}”不是 0–100 的整数", f"'{_shown(value)}' is not a whole number 0–100"
    )
    if isinstance(value, bool):
        raise bad
    if isinstance(value, int):
        number: float = value
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        text = value.strip().rstrip("%％").strip()
        if len(text) > 12 or not re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
            raise bad
        number = float(text)
    else:
        raise bad
    if not math.isfinite(number) or abs(number) > 1e9 or number != int(number):
        raise bad
    if not 0 <= number <= 100:
        raise FieldError(
            f"进度 {int(number)} 超出 0–100", f"progress {int(number)} is outside 0–100"
        )
    return int(number)


def parse_status(value: Any) -> str:
    """A status cell: 未开始/进行中/已完成, an alias, or the English code."""
    code = parse_choice(str(value), TASK_STATUSES) if value is not None else None
    if code is None:
        allowed = "、".join(zh for zh, _a in TASK_STATUSES.values())
        raise FieldError(
            f"“{_shown(value)}”不是可选的状态（{allowed}）",
            f"'{_shown(value)}' is not a status ({', '.join(TASK_STATUSES)})",
        )
    return code


def parse_due(value: Any) -> date | None:
    """A deadline cell as written (a date cell) or typed back as text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        try:
            return from_excel(value).date()
        except (ValueError, OverflowError, TypeError):
            raise FieldError(f"“{value}”不是日期", f"'{value}' is not a date") from None
    return a_date(str(value))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.isoformat(sep=" ")
    return str(value).strip() or None


class _Errors:
    def __init__(self) -> None:
        self.items: list[RowError] = []

    def add(self, r: ProgressRow, column: str, zh: str, en: str) -> None:
        letter = r.letters.get(column)
        where = f"{letter} {column}" if letter else column  # "F 进度": letter and header
        self.items.append(RowError(r.row, where, zh, en, sheet=r.sheet))


def check_progress(session: Session, rows: list[ProgressRow]) -> list[PlannedChange]:
    """The changes the rows make, each checked against the store; FileProblem listing every
    problem (sheet, row, column; Chinese and English) when there is any."""
    errors = _Errors()
    codes = sorted({r.code for r in rows if r.code})
    tasks: dict[str, CommitteeTask] = {}
    for start in range(0, len(codes), 500):
        for t in session.scalars(
            # locked (PostgreSQL) until the import is kept: the same file taken twice at
            # once is checked the second time against what the first wrote
            select(CommitteeTask)
            .where(CommitteeTask.code.in_(codes[start : start + 500]))
            .order_by(CommitteeTask.id)
            .with_for_update()
        ):
            tasks[t.code] = t
    first: dict[str, ProgressRow] = {}
    sheets: dict[str, int] = {}  # each sheet's committee: its first known task's
    planned: list[PlannedChange] = []
    for r in rows:
        plan = _check_row(r, tasks, first, errors, sheets)
        if plan is not None:
            planned.append(plan)
    if errors.items:
        order = {s: i for i, s in enumerate(dict.fromkeys(r.sheet for r in rows))}
        raise FileProblem(
            f"退回的督查表有 {len(errors.items)} 处问题，整份文件未导入，未写入任何数据",
            f"the returned review sheet has {len(errors.items)} problem(s): the whole file is "
            "refused, nothing written",
            sorted(errors.items, key=lambda e: (order.get(e.sheet or "", 0), e.row, e.column)),
        )
    return planned


def _check_row(
    r: ProgressRow,
    tasks: dict[str, CommitteeTask],
    first: dict[str, ProgressRow],
    errors: _Errors,
    sheets: dict[str, int],
) -> PlannedChange | None:
    c = r.cells
    add: Callable[[str, str, str], None] = lambda col, zh, en: errors.add(r, col, zh, en)  # noqa: E731
    if r.code is None:
        if c.get(TITLE) is not None:
            add(
                KEY,
                "本行没有任务编号，像是新增的任务：新任务须在督查会上确定，不能通过退回的表格添加"
                "（请删除本行）",
                "this row has no task key, so it looks like a new task: new tasks are added at "
                "a review meeting, not by the returned file (delete the row)",
            )
        else:
            add(
                KEY,
                "本行没有任务编号（隐藏列被清空？）：请用系统导出的督查表填写",
                "this row has no task key (the hidden column was cleared?): fill in the exported "
                "sheet",
            )
        return None
    if len(r.code) > 40 or r.code not in tasks:
        add(
            KEY,
            f"系统中没有编号为“{_shown(r.code)}”的任务（编号被改动？）",
            f"no task '{_shown(r.code)}' in the store (was the key changed?)",
        )
        return None
    if r.code in first:
        p = first[r.code]
        where_zh = f"工作表“{p.sheet}”第 {p.row} 行" if p.sheet != r.sheet else f"第 {p.row} 行"
        where_en = f"sheet '{p.sheet}' row {p.row}" if p.sheet != r.sheet else f"row {p.row}"
        add(
            KEY,
            f"任务“{r.code}”重复：与{where_zh}是同一任务",
            f"task '{r.code}' repeats {where_en}",
        )
        return None
    first[r.code] = r
    task = tasks[r.code]
    owner = sheets.setdefault(r.sheet, task.committee_id)
    if task.committee_id != owner:
        # a row copied in from another committee's sheet: one sheet is one committee's
        add(
            KEY,
            f"任务“{r.code}”属于另一个专委会，不在本工作表：请在该专委会的工作表中填写",
            f"task '{r.code}' is another committee's, not this sheet's: fill it in on that "
            "committee's sheet",
        )
        return None
    formulas = [h for h in HEADERS if isinstance(c.get(h), Formula)]
    for h in formulas:
        add(
            h,
            f"单元格是公式（{_shown(c[h])}）：请直接填写内容，不要使用公式",
            f"the cell holds a formula ({_shown(c[h])}): type the value itself",
        )
    if formulas:
        return None
    before = len(errors.items)
    _check_fixed(r, task, add)
    status = progress = None
    try:
        status = parse_status(c.get(STATUS)) if c.get(STATUS) is not None else None
        if status is None:
            add(STATUS, "状态为空：请选择未开始、进行中或已完成", "the status is empty")
    except FieldError as exc:
        add(STATUS, exc.zh, exc.en)
    try:
        if c.get(PROGRESS) is None:
            add(PROGRESS, "进度为空：请填 0–100 的整数", "the progress is empty: give 0–100")
        else:
            progress = parse_progress(c.get(PROGRESS))
    except FieldError as exc:
        add(PROGRESS, exc.zh, exc.en)
    note = _text(c.get(NOTE))
    if note is not None and len(note) > NOTE_MAX:
        add(
            NOTE,
            f"进展情况超过 {NOTE_MAX} 个字符（{len(note)} 个）",
            f"the note is longer than {NOTE_MAX} characters ({len(note)})",
        )
        note = None
    new_note = note if note is not None and note != (task.note or "").strip() else None
    link = _text(c.get(EVIDENCE))
    new_link = None
    if link is not None and link != (task.evidence_url or "").strip():
        try:
            new_link = check_link(link)
        except LinkError as exc:
            add(EVIDENCE, exc.zh, exc.en)
    moved = (status, progress) != (task.status, task.progress)  # (as stored: nothing to say)
    if moved and status == "done" and progress is not None and progress != 100:
        add(
            PROGRESS,
            f"状态为已完成，进度却是 {progress}：已完成的任务进度应为 100"
            "（未完成请把状态改为进行中）",
            f"the status is done but the progress is {progress}: a done task is at 100 (or set "
            "the status to in progress)",
        )
    if moved and status == "not_started" and progress:
        add(
            STATUS,
            f"状态为未开始，进度却是 {progress}：已有进度请把状态改为进行中",
            f"the status is not started but the progress is {progress}: set it to in progress",
        )
    if moved and progress is not None and progress < task.progress and new_note is None:
        add(
            PROGRESS,
            f"进度从 {task.progress} 降为 {progress}，却没有在“{NOTE}”中说明原因："
            "进度倒退须填写新的进展情况",
            f"the progress goes back from {task.progress} to {progress} without a new note "
            f"('{NOTE}'): say why",
        )
    if len(errors.items) > before or status is None or progress is None:
        return None
    changes: dict[str, Any] = {}
    if status != task.status or progress != task.progress:
        changes = {"status": status, "progress": progress}
    if new_note is not None:
        changes["note"] = new_note
    if new_link is not None:
        changes["evidence_url"] = new_link
    if not changes:
        return None
    changes.setdefault("status", status)
    changes.setdefault("progress", progress)
    return PlannedChange(
        r.code,
        r.sheet,
        r.row,
        changes,
        {"status": task.status, "progress": task.progress},
    )


def _check_fixed(r: ProgressRow, task: CommitteeTask, add: Callable[[str, str, str], None]) -> None:
    """The columns the export wrote from the store and nobody may change in the file."""
    c = r.cells
    for column, stored in ((TITLE, task.title), (OWNER, task.owner_unit)):
        if column not in c:
            continue  # (a column deleted from the sheet: the key still finds the task)
        given = _text(c.get(column))
        if (given or "") != (stored or "").strip():
            what_zh = "任务内容" if column == TITLE else "责任单位"
            add(
                column,
                f"{what_zh}与系统中的不一致（系统中为“{_shown(stored)}”，表中为“{_shown(given)}”）："
                "这一列不能在表中修改，调整须经督查会",
                f"the {COLUMN_EN[column]} differs from the store ('{_shown(stored)}' there, "
                f"'{_shown(given)}' here): it cannot be changed by the file, only at a review "
                "meeting",
            )
    if DUE in c:
        try:
            given_due = parse_due(c.get(DUE))
        except FieldError as exc:
            add(DUE, exc.zh, exc.en)
            return
        if given_due != task.due_on:
            stored = task.due_on.isoformat() if task.due_on else "无"
            shown = given_due.isoformat() if given_due else "空"
            add(
                DUE,
                f"完成时限与系统中的不一致（系统中为 {stored}，表中为 {shown}）：完成时限不能在表中"
                "修改，调整须经督查会",
                f"the deadline differs from the store ({stored} there, {shown} here): it cannot be "
                "changed by the file, only at a review meeting",
            )


# --- the import -----------------------------------------------------------------------------


def file_base_name(file_name: str) -> str:
    """The file's own name (no folder, also a Windows one), at most 255 characters."""
    base = re.split(r"[\\/]", file_name or "")[-1].strip() or "upload.xlsx"
    return base[-FILE_NAME_MAX:]


def import_progress(
    engine: Engine,
    path_or_bytes: str | Path | bytes,
    file_name: str,
    actor: str,
    role: str | None,
    now: datetime,
    dry_run: bool = False,
) -> ProgressResult:
    """Import a returned review workbook as `actor` (an operator or admin: PermissionError
    otherwise): all its changes in one transaction, or none (FileProblem)."""
    if not actor or not has_role(role, "operator"):
        raise PermissionError("importing a returned review sheet needs the operator role")
    name = file_base_name(file_name)
    rows = read_progress(path_or_bytes, name)
    # SQLite has no row locks: one import at a time in this process (SQLite serves one)
    with (
        _SQLITE_IMPORTS if engine.dialect.name == "sqlite" else nullcontext(),
        session_scope(engine) as session,
    ):
        planned = check_progress(session, rows)
        result = ProgressResult(
            name,
            rows=len(rows),
            changed=len(planned),
            unchanged=len(rows) - len(planned),
            codes=[p.code for p in planned],
            dry_run=dry_run,
        )
        if dry_run:
            session.rollback()
            return result
        for p in planned:
            update_task(session, p.code, p.changes, actor, now, via=Via("import", file_name=name))
    return result
