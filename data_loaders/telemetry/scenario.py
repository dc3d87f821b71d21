"""Drill scenario files: what a drill injects, as offsets (seconds from the drill's start),
sensors (by tag) and values. Pure: a file in, steps out, nothing stored.

CSV (UTF-8, BOM or GBK) with the columns `offset_s,sensor,value` (or 偏移秒,传感器,数值; other
columns are ignored), or JSON: `[{"offset_s": 0, "sensor": "P01-D001-AMMO01", "value": 12}]`.
All or nothing: any bad row and the file is refused with every problem (up to MAX_ERRORS)
named by row and column in Chinese and English (FileProblem, like the importers). In a JSON
file the rows are the list's items, counted from 1.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data_loaders.files import FileProblem, RowError, read_csv_bytes

# the demo city's scenario: an ammonia leak at a real pilot sensor past level 1 and level 2
DEMO_SCENARIO = Path(__file__).parents[1] / "demo" / "scenarios" / "ammonia_leak.csv"
MAX_STEPS = 10_000
MAX_OFFSET_S = 86_400.0  # a drill's scenario spans a day at most
MAX_ABS_VALUE = 1e9
MAX_TAG_CHARS = 64  # as long as a sensor's tag can be
MAX_BYTES = 4 * 1024 * 1024  # far more than 10,000 steps need
MAX_ERRORS = 50

# Column: the names it may have (compared without case and surrounding spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "offset_s": ("offset_s", "偏移秒", "偏移（秒）", "偏移(秒)"),
    "sensor": ("sensor", "传感器", "tag", "传感器位号"),
    "value": ("value", "数值", "值"),
}
ZH = {"offset_s": "偏移秒", "sensor": "传感器", "value": "数值"}
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Step:
    """One injected reading: `value` for the sensor `sensor` (a tag) at `offset_s` seconds."""

    offset_s: float
    sensor: str
    value: float


def parse_scenario(path_or_bytes: str | Path | bytes, name: str | None = None) -> list[Step]:
    """The steps of a scenario file, sorted by offset (file order among equal offsets).

    `name` is the file's name (its suffix says CSV or JSON; without one the content does);
    given a path it defaults to the path's name. Raises FileProblem only."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        raw = bytes(path_or_bytes)
        name = name or "scenario"
    else:
        path = Path(path_or_bytes)
        name = name or path.name
        raw = _read(path)
    if len(raw) > MAX_BYTES:
        raise FileProblem(
            f"情景文件过大（{len(raw):,} 字节，上限 {MAX_BYTES:,} 字节）",
            f"the scenario file is too large ({len(raw):,} bytes, at most {MAX_BYTES:,})",
        )
    if not raw.strip():
        raise FileProblem("情景文件是空的", "the scenario file is empty")
    try:
        rows = _json_rows(raw) if _is_json(raw, name) else _csv_rows(raw)
        return _steps(rows)
    except FileProblem:
        raise
    except Exception as exc:  # whatever slips through, the user gets a message, not a trace
        detail = f"{type(exc).__name__}: {str(exc)[:200]}"
        raise FileProblem(
            f"无法读取情景文件（{detail}）", f"cannot read the scenario file ({detail})"
        ) from exc


def _read(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise FileProblem(f"情景文件不存在：{path}", f"scenario file not found: {path}")
        if path.stat().st_size > MAX_BYTES:
            raise FileProblem(
                f"情景文件过大（上限 {MAX_BYTES:,} 字节）",
                f"the scenario file is too large (at most {MAX_BYTES:,} bytes)",
            )
        return path.read_bytes()
    except OSError as exc:
        raise FileProblem(
            f"无法打开情景文件（{exc.strerror or exc}）",
            f"cannot open the scenario file ({exc.strerror or exc})",
        ) from exc


def _is_json(raw: bytes, name: str) -> bool:
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        return True
    if suffix in (".csv", ".txt"):
        return False
    return raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{")


# A row: (row number, {column: raw cell}); a cell is text (CSV) or any JSON value.
_Row = tuple[int, dict[str, Any]]


def _csv_rows(raw: bytes) -> list[_Row]:
    table = read_csv_bytes(raw)
    found: dict[str, str] = {}
    for header in table.frame.columns:
        key = str(header).strip().lower()
        for column, names in COLUMNS.items():
            if key in (n.lower() for n in names):
                if column in found:
                    raise FileProblem(
                        f"“{ZH[column]}”列出现了两次（“{found[column]}”和“{header}”）",
                        f"the {column} column appears twice ('{found[column]}' and '{header}')",
                    )
                found[column] = str(header)
    missing = [c for c in COLUMNS if c not in found]
    if missing:
        zh = "、".join(f"{ZH[c]}（{c}）" for c in missing)
        raise FileProblem(
            f"缺少列：{zh}；表头应为 offset_s,sensor,value 或 偏移秒,传感器,数值",
            f"missing columns: {', '.join(missing)}; the header is offset_s,sensor,value "
            "or 偏移秒,传感器,数值",
        )
    frame = table.frame
    n = len(frame)
    _check_count(n)
    cols = {c: frame[found[c]].tolist() for c in COLUMNS}
    return [(table.row_number(i), {c: cols[c][i] for c in COLUMNS}) for i in range(n)]


def _json_rows(raw: bytes) -> list[_Row]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(
            "JSON 情景文件应为 UTF-8 编码", "a JSON scenario file must be UTF-8"
        ) from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        zh, en = "JSON 格式有误", "the JSON cannot be read"
        if isinstance(exc, json.JSONDecodeError):
            zh += f"（第 {exc.lineno} 行第 {exc.colno} 列）"
            en += f" (line {exc.lineno}, column {exc.colno})"
        raise FileProblem(zh, en) from None
    if not isinstance(data, list):
        raise FileProblem(
            '情景 JSON 应是一个列表：[{"offset_s": 0, "sensor": "…", "value": 1}, …]',
            'a scenario JSON is a list: [{"offset_s": 0, "sensor": "…", "value": 1}, …]',
        )
    _check_count(len(data))
    rows: list[_Row] = []
    errors: list[RowError] = []
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            errors.append(
                RowError(i, "", "应为一个对象 {offset_s, sensor, value}", "not an object")
            )
            continue
        cells: dict[str, Any] = {}
        for key, value in item.items():
            for column, names in COLUMNS.items():
                if str(key).strip().lower() in (n.lower() for n in names):
                    cells[column] = value
        rows.append((i, cells))
    if errors:
        _refuse(errors)
    return rows


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


def _check_count(n: int) -> None:
    if n > MAX_STEPS:
        raise FileProblem(
            f"步骤过多（{n:,} 步，上限 {MAX_STEPS:,} 步）",
            f"too many steps ({n:,}, at most {MAX_STEPS:,})",
        )


def _steps(rows: list[_Row]) -> list[Step]:
    if not rows:
        raise FileProblem("情景文件没有步骤", "the scenario file has no steps")
    errors: list[RowError] = []
    out: list[tuple[float, int, Step]] = []
    seen: dict[tuple[float, str], int] = {}
    for order, (number, cells) in enumerate(rows):
        offset = _number(cells.get("offset_s"), number, "offset_s", errors)
        if offset is not None and not 0 <= offset <= MAX_OFFSET_S:
            errors.append(
                RowError(
                    number,
                    "offset_s",
                    f"偏移秒应在 0 到 {MAX_OFFSET_S:,.0f} 之间，收到 {offset:g}",
                    f"offset_s must be 0 to {MAX_OFFSET_S:,.0f}, got {offset:g}",
                )
            )
            offset = None
        tag = _tag(cells.get("sensor"), number, errors)
        value = _number(cells.get("value"), number, "value", errors)
        if value is not None and abs(value) > MAX_ABS_VALUE:
            errors.append(
                RowError(
                    number,
                    "value",
                    f"数值超出范围（绝对值不超过 {MAX_ABS_VALUE:g}），收到 {value:g}",
                    f"value out of range (at most ±{MAX_ABS_VALUE:g}), got {value:g}",
                )
            )
            value = None
        if offset is None or tag is None or value is None:
            continue
        first = seen.setdefault((offset, tag), number)
        if first != number:
            errors.append(
                RowError(
                    number,
                    "sensor",
                    f"传感器 {tag} 在偏移 {offset:g} 秒已有数值（第 {first} 行）",
                    f"sensor {tag} already has a value at offset {offset:g} s (row {first})",
                )
            )
            continue
        out.append((offset, order, Step(offset, tag, value)))
    if errors:
        _refuse(errors)
    return [step for *_key, step in sorted(out, key=lambda t: (t[0], t[1]))]


def _refuse(errors: Iterable[RowError]) -> None:
    errors = list(errors)
    more = len(errors) - MAX_ERRORS
    zh = f"情景文件有 {len(errors)} 处错误，未导入任何步骤"
    en = f"the scenario file has {len(errors)} problem(s); no step was taken"
    if more > 0:
        zh += f"（仅列出前 {MAX_ERRORS} 处）"
        en += f" (the first {MAX_ERRORS} are listed)"
    raise FileProblem(zh, en, errors[:MAX_ERRORS])


def _number(cell: Any, number: int, column: str, errors: list[RowError]) -> float | None:
    """A finite number from a cell (text as written in a CSV, or a JSON number)."""
    label = ZH[column]
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        errors.append(RowError(number, column, f"{label}不能为空", f"{column} is empty"))
        return None
    if isinstance(cell, bool) or not isinstance(cell, (int, float, str)):
        errors.append(RowError(number, column, f"{label}应为数字", f"{column} must be a number"))
        return None
    if isinstance(cell, str):
        text = cell.strip()
        if not NUMBER.fullmatch(text):
            shown = _shown(text)
            errors.append(
                RowError(
                    number,
                    column,
                    f"{label}应为数字，收到“{shown}”",
                    f"{column} must be a number, got '{shown}'",
                )
            )
            return None
        cell = text
    try:
        value = float(cell)
    except (OverflowError, ValueError):
        value = math.inf
    if not math.isfinite(value):
        errors.append(
            RowError(number, column, f"{label}应为有限的数字", f"{column} must be finite")
        )
        return None
    return value


def _tag(cell: Any, number: int, errors: list[RowError]) -> str | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        errors.append(RowError(number, "sensor", "传感器位号不能为空", "sensor is empty"))
        return None
    if not isinstance(cell, str):
        errors.append(
            RowError(
                number,
                "sensor",
                "传感器位号应为文本（JSON 中加引号）",
                "sensor must be text (quoted in JSON)",
            )
        )
        return None
    tag = cell.strip()
    if len(tag) > MAX_TAG_CHARS:
        errors.append(
            RowError(
                number,
                "sensor",
                f"传感器位号过长（{len(tag)} 个字符，上限 {MAX_TAG_CHARS}）",
                f"sensor tag too long ({len(tag)} characters, at most {MAX_TAG_CHARS})",
            )
        )
        return None
    if CONTROL.search(tag):
        errors.append(
            RowError(
                number, "sensor", "传感器位号含有控制字符", "sensor tag has control characters"
            )
        )
        return None
    return tag


def _shown(text: str) -> str:
    text = CONTROL.sub("�", text)
    return text if len(text) <= 30 else text[:30] + "…"
