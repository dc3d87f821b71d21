"""Reading and writing the files offices really have: CSV (UTF-8, BOM, GBK), XLSX, GeoJSON,
Shapefile (with .prj/.cpg, often GBK) and GeoPackage.

Reading never raises anything but FileProblem: a file that cannot be read says why, in Chinese
and English, with the row and column when there is one. Writing never writes a formula: text a
spreadsheet would run (=, +, -, @, a leading tab or line break: CSV injection) is written as
text, and import reads back exactly what was exported.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

GEO_SUFFIXES = {".geojson", ".json", ".shp", ".gpkg", ".zip"}
TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm"}


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (or row) of the file; row numbers count the header as row 1."""

    row: int
    column: str
    zh: str
    en: str
    sheet: str | None = None  # the worksheet, when the file has several that are read

    def __str__(self) -> str:
        where_zh = f"第 {self.row} 行" + (f"“{self.column}”列" if self.column else "")
        where_en = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        if self.sheet is not None:
            where_zh = f"工作表“{self.sheet}”{where_zh}"
            where_en = f"sheet '{self.sheet}', {where_en}"
        return f"{where_zh}：{self.zh} | {where_en}: {self.en}"


class FileProblem(ValueError):
    """The file cannot be read: why in Chinese and English, and the rows at fault if known."""

    def __init__(self, zh: str, en: str, errors: Sequence[RowError] = ()) -> None:
        lines = [f"{zh} / {en}", *(f"  {e}" for e in errors)]
        super().__init__("\n".join(lines))
        self.zh, self.en = zh, en
        self.errors = list(errors)


@dataclass
class Table:
    """A file's rows as text cells (None for empty), with geometry when the file has it.

    `rows` holds each row's number in the file as a spreadsheet shows it (None: the header is
    row 1 and rows follow without gaps); `header_row` is the header's."""

    frame: pd.DataFrame
    geometry: gpd.GeoSeries | None
    crs: str | None
    rows: list[int] | None = None
    header_row: int = 1

    def row_number(self, i: int) -> int:
        """The file's row number of the i-th data row."""
        return self.rows[i] if self.rows is not None else self.header_row + 1 + i


def read_table(path: str | Path) -> Table:
    """Read any supported file into text cells; geometry (if any) keeps its CRS."""
    path = Path(path)
    if not path.exists():
        raise FileProblem(f"文件不存在：{path}", f"file not found: {path}")
    if not path.is_file():
        raise FileProblem(f"不是文件：{path}", f"not a file: {path}")
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES | GEO_SUFFIXES:
        raise FileProblem(
            f"不支持的文件类型 {suffix}（支持 CSV、XLSX、GeoJSON、Shapefile、GeoPackage）",
            f"unsupported file type {suffix} (use CSV, XLSX, GeoJSON, Shapefile or GeoPackage)",
        )
    try:
        if path.stat().st_size == 0:
            raise FileProblem("文件是空的（0 字节）", "the file is empty (0 bytes)")
        if suffix in (".csv", ".txt"):
            return _read_csv(path)
        if suffix in TABLE_SUFFIXES:
            return _read_xlsx(path)
        return _read_geo(path)
    except FileProblem:
        raise
    except OSError as exc:
        raise FileProblem(
            f"无法打开文件（{exc.strerror or exc}）",
            f"cannot open the file ({exc.strerror or exc})",
        ) from exc
    except Exception as exc:  # whatever a reader raises, the user gets a message
        detail = _detail(exc, path)
        raise FileProblem(f"无法读取文件：{detail}", f"cannot read the file: {detail}") from exc


# --- CSV ------------------------------------------------------------------------------------


def _read_csv(path: Path) -> Table:
    """A CSV's records, checked: every quote closed, no row wider than the header."""
    return read_csv_bytes(path.read_bytes())


def read_csv_bytes(raw: bytes) -> Table:
    """A CSV held in memory (UTF-8, BOM or GBK), read and checked as read_table reads a CSV
    file; raises FileProblem only."""
    text = _decode(raw)
    records: list[tuple[int, list[str]]] = []
    lines_read = 0  # physical lines before the record being parsed
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, skipinitialspace=True)
    try:
        for number, cells in enumerate(reader, start=1):
            records.append((number, cells))
            lines_read = reader.line_num
    except csv.Error as exc:
        header = next((c for _n, c in records if any(v.strip() for v in c)), [])
        raise _csv_syntax_problem(text, lines_read, len(records) + 1, header, exc) from None
    return _records_table(records, from_csv=True)


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) first; Excel exports from offices are often GBK (decoded as
    GB18030, its superset). Files that are not text at all are named for what they are."""
    if raw.startswith(b"PK\x03\x04"):
        raise FileProblem(
            "这不是 CSV 文件，而是 ZIP 压缩包或 Excel（.xlsx）文件：若是 Excel 文件请把扩展名改为 "
            ".xlsx，或在 Excel 中另存为 CSV",
            "this is not a CSV file but a ZIP archive or an Excel (.xlsx) workbook: rename an "
            "Excel file to .xlsx, or save it as CSV from Excel",
        )
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            "这是旧版 Excel（.xls）文件，不是 CSV：请在 Excel 中另存为 .xlsx 或 CSV",
            "this is an old Excel (.xls) workbook, not a CSV: save it as .xlsx or CSV",
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(
            "文件是 UTF-16 编码（Excel 的“Unicode 文本”）：请另存为“CSV UTF-8”",
            "the file is UTF-16 text (Excel's 'Unicode Text'): save it as 'CSV UTF-8'",
        )
    if b"\x00" in raw:
        raise FileProblem(
            "这不是文本文件（含有二进制内容）：请导入 CSV、XLSX 或地理文件",
            "this is not a text file (it holds binary data): import a CSV, XLSX or geographic file",
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(
        "无法识别文件编码（应为 UTF-8 或 GBK）", "unknown text encoding (use UTF-8 or GBK)"
    )


def _csv_syntax_problem(
    text: str, lines_read: int, number: int, header: list[str], exc: csv.Error
) -> FileProblem:
    """The record `number` (starting after `lines_read` lines) cannot be parsed: say where."""
    lines = io.StringIO(text, newline="").readlines()
    line = lines_read + 1
    found = _bad_quote("".join(lines[lines_read:]))
    column = ""
    if found is not None:
        field, offset = found
        column = _column_name(header, field)
        line += "".join(lines[lines_read:])[:offset].count("\n")
    message = str(exc)
    if message.startswith("unexpected end of data"):
        zh = f"引号没有闭合：这个单元格的引号一直到文件末尾都没有结束（文件第 {line} 行）"
        en = f"unclosed quote: the quote opening this cell never ends (file line {line})"
    elif "expected after" in message:
        zh = (
            "引号用法不对：引号括起的单元格在结尾引号后应紧跟逗号，单元格里的引号要写成两个 "
            f'""（文件第 {line} 行）'
        )
        en = (
            "misplaced quote: a quoted cell must end with a quote and a comma; a quote inside "
            f'a cell is written "" (file line {line})'
        )
    elif message.startswith("field larger than field limit"):
        limit = csv.field_size_limit()
        zh = f"单元格过长（超过 {limit} 个字符），可能是引号没有闭合（文件第 {line} 行起）"
        en = f"a cell longer than {limit} characters: an unclosed quote? (from file line {line})"
    else:
        zh, en = f"CSV 格式有误：{message}（文件第 {line} 行）", f"bad CSV: {message} (line {line})"
    return FileProblem("CSV 格式有误", "the CSV cannot be read", [RowError(number, column, zh, en)])


def _bad_quote(record: str) -> tuple[int, int] | None:
    """(field index, offset) of the quote that breaks the first record of `record`: one never
    closed, or one closed but not followed by a comma or the end of the line."""
    i, field, n = 0, 0, len(record)
    while i < n:
        while i < n and record[i] == " ":
            i += 1  # skipinitialspace
        if i < n and record[i] == '"':
            start, i = i, i + 1
            while True:
                j = record.find('"', i)
                if j < 0:
                    return field, start
                if record.startswith('""', j):
                    i = j + 2
                    continue
                i = j + 1
                break
            if i < n and record[i] not in ",\r\n":
                return field, start
        else:
            while i < n and record[i] not in ",\r\n":
                i += 1
        if i >= n or record[i] in "\r\n":
            return None
        i, field = i + 1, field + 1
    return None


# --- XLSX -----------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> Table:
    """The first visible worksheet's cells (python-calamine), row numbers as Excel shows them."""
    from python_calamine import CalamineWorkbook, PasswordError, SheetVisibleEnum

    with path.open("rb") as f:
        magic = f.read(4)
    if magic != b"PK\x03\x04":
        raise FileProblem(
            "文件内容不是 Excel（.xlsx）：可能是改了扩展名的 CSV 或旧版 .xls，请在 Excel 中另存为 "
            ".xlsx",
            "the file is not an Excel (.xlsx) workbook: perhaps a renamed CSV or an old .xls; "
            "save it as .xlsx from Excel",
        )
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = book.sheets_metadata
        visible = [s for s in sheets if s.visible == SheetVisibleEnum.Visible] or sheets
        if not visible:
            raise FileProblem("工作簿里没有工作表", "the workbook has no worksheet")
        sheet = visible[0].name
        cells = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except PasswordError as exc:
        raise FileProblem(
            "工作簿有密码保护：请去掉密码后再导入", "the workbook is password-protected"
        ) from exc
    except FileProblem:
        raise
    except Exception as exc:  # calamine's own errors for broken workbooks
        detail = _detail(exc, path)
        raise FileProblem(
            f"无法读取 Excel 文件（文件已损坏？）：{detail}",
            f"cannot read the Excel file (damaged?): {detail}",
        ) from exc
    try:
        return _records_table(enumerate(cells, start=1), from_csv=False)
    except FileProblem as exc:
        raise FileProblem(
            f"{exc.zh}（读取的是第一个工作表“{sheet}”）",
            f"{exc.en} (the first worksheet, '{sheet}', is read)",
            exc.errors,
        ) from None


# --- rows to a table ------------------------------------------------------------------------


def _records_table(records: Iterable[tuple[int, Sequence[Any]]], *, from_csv: bool) -> Table:
    """Numbered records to a Table: blank rows skipped (numbers kept), the first other one the
    header; a CSV row with values beyond the header is an error (a cell's comma not quoted)."""
    rows = [(n, [_cell(v, from_csv) for v in cells]) for n, cells in records]
    filled = [(n, cells) for n, cells in rows if any(v is not None for v in cells)]
    if not filled:
        raise FileProblem(
            "文件是空的（没有表头也没有数据）", "the file is empty (no header, no rows)"
        )
    (header_row, header), *data = filled
    names = _unique_names(header)
    width = len(names)
    errors = []
    for n, cells in data:
        beyond = [(i, v) for i, v in enumerate(cells[width:], start=width) if v is not None]
        if from_csv and beyond:
            last, value = beyond[-1]
            shown = value if len(value) <= 30 else value[:30] + "…"
            errors.append(
                RowError(
                    n,
                    _letter(last + 1),
                    f"表头只有 {width} 列，本行却有 {last + 1} 个值（最后一个是“{shown}”）："
                    "可能是某个单元格里的逗号没有用引号括起来",
                    f"the header has {width} columns but this row has {last + 1} values (the "
                    f"last is '{shown}'): a comma inside a cell that is not quoted?",
                )
            )
    if errors:
        raise FileProblem(
            "有的行比表头多出数值", "some rows have more values than the header", errors
        )
    columns = {
        name: [cells[i] if i < len(cells) else None for _n, cells in data]
        for i, name in enumerate(names)
    }
    frame = pd.DataFrame(columns, columns=names, dtype=object)
    return Table(frame, None, None, rows=[n for n, _c in data], header_row=header_row)


def _cell(value: Any, from_csv: bool) -> str | None:
    """One cell as stripped text (None when empty); a CSV cell loses the quote export added."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if from_csv:
            text = csv_unescape(text).strip()
        return text or None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip() or None


def _unique_names(header: Sequence[str | None]) -> list[str]:
    """Header cells as column names: an empty one is 'Unnamed: i', a repeated one 'name.k'
    (as pandas names them), so every column keeps its cells."""
    names: list[str] = []
    used: set[str] = set()
    for i, cell in enumerate(header):
        base = (cell or "").lstrip("\ufeff").strip() or f"Unnamed: {i}"
        name, k = base, 0
        while name in used:
            k += 1
            name = f"{base}.{k}"
        used.add(name)
        names.append(name)
    return names


def _column_name(header: Sequence[str], field: int) -> str:
    """The header of the field-th column, or its spreadsheet letter when it has none."""
    if field < len(header) and header[field].strip():
        return header[field].strip().lstrip("\ufeff")
    return _letter(field + 1)


def _letter(column: int) -> str:
    """A 1-based column number as a spreadsheet's letters (1 → A, 27 → AA)."""
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


def _detail(exc: Exception, path: Path) -> str:
    """An exception's message without the file's full path (the CLI names the file)."""
    text = str(exc).replace(str(path), path.name).strip() or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "…"


# --- geographic files -----------------------------------------------------------------------


def _read_geo(path: Path) -> Table:
    """A geographic file's attributes as text cells and its geometry with its CRS."""
    encoding = None
    try:
        if path.suffix.lower() == ".shp" and not path.with_suffix(".cpg").exists():
            # No .cpg: GDAL assumes ISO-8859-1, which garbles Chinese. Try UTF-8, then GBK.
            encoding = "utf-8"
            try:
                pyogrio.read_dataframe(path, encoding=encoding, read_geometry=False)
            except UnicodeDecodeError:
                encoding = "gb18030"
        try:
            gdf = pyogrio.read_dataframe(path, encoding=encoding)
        except UnicodeDecodeError:
            gdf = pyogrio.read_dataframe(path, encoding="gb18030")
    except Exception as exc:  # GDAL's errors for broken or truncated files
        detail = _detail(exc, path).split("; It might help")[0]
        if "not recognized as" in detail:
            raise FileProblem(
                f"文件内容不是可识别的地理文件（扩展名与内容不符？）：{detail}",
                f"the content is not a geographic file this suffix names: {detail}",
            ) from exc
        raise FileProblem(
            f"无法读取地理文件（文件已损坏或不完整？）：{detail}",
            f"cannot read the geographic file (damaged or truncated?): {detail}",
        ) from exc
    geom = gdf.active_geometry_name if isinstance(gdf, gpd.GeoDataFrame) else None
    if geom is None or geom not in gdf.columns:
        attrs = pd.DataFrame(gdf)  # a table without geometry (a GeoPackage attribute table)
        geometry, crs = None, None
    else:
        attrs = pd.DataFrame(gdf.drop(columns=geom))
        geometry = gdf.geometry
        crs = gdf.crs.to_string() if gdf.crs is not None else None
    if not len(attrs.columns) and not len(attrs):
        raise FileProblem("文件是空的（没有要素）", "the file is empty (no features)")
    return Table(_as_text(attrs), geometry, crs)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text, or None when empty."""

    def cell(value: object) -> str | None:
        if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
            return None  # None, NaN, NaT and pd.NA are all an empty cell
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat() if value == value.normalize() else value.isoformat()
        text = str(value).strip()
        return text or None

    # Build object columns by hand: pandas 3's string dtype would turn None back into NaN.
    names = _unique_names([str(c) for c in frame.columns])
    data = {name: [cell(v) for v in frame.iloc[:, i].tolist()] for i, name in enumerate(names)}
    return pd.DataFrame(data, columns=names, dtype=object)


# --- writing: text is never a formula -------------------------------------------------------

# A cell whose text starts with one of these (after spaces) is a formula to Excel, WPS and
# LibreOffice; so is one that starts with a tab or a line break (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
CONTROL_START = ("\t", "\r", "\n")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would take this text for a formula."""
    return text.startswith(CONTROL_START) or text.lstrip().startswith(FORMULA_START)


def csv_safe(value: Any) -> Any:
    """A value for a CSV cell: formula-like text gets a leading ' (as does text that starts
    with one, so csv_unescape gives back exactly what was written); other values unchanged."""
    if isinstance(value, str) and (value.startswith("'") or formula_like(value)):
        return "'" + value
    return value


def csv_unescape(text: str) -> str:
    """A CSV cell's text without the ' that csv_safe added (import reads what export wrote)."""
    if text.startswith("'") and (text.startswith("''") or formula_like(text[1:])):
        return text[1:]
    return text


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """An openpyxl cell for a value: text is a text cell, never a formula (formula-like text
    also gets Excel's quote prefix, so it stays text when edited); numbers stay numbers."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = _plain(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.isoformat()  # Excel has no time zones: exact text instead
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XLSX cannot hold
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl takes a leading = as a formula otherwise
        if formula_like(value):
            cell.quotePrefix = True
    return cell


def write_csv(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], target: Path | IO[bytes]
) -> None:
    """Rows as CSV in UTF-8 with BOM (so Excel opens it), no cell a formula (csv_safe)."""
    own = isinstance(target, (str, Path))
    raw: IO[bytes] = open(target, "wb") if own else target  # noqa: SIM115
    out = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(csv_safe(_plain(v)) for v in header)
        for row in rows:
            writer.writerow(csv_safe(_plain(v)) for v in row)
        out.flush()
    finally:
        out.detach()
        if own:
            raw.close()


def write_xlsx(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], target: Path | IO[bytes]
) -> None:
    """Rows as an XLSX sheet (header frozen), no cell a formula (xlsx_cell)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, v) for v in header])
    for row in rows:
        sheet.append([xlsx_cell(sheet, v) for v in row])
    book.save(target)


def _plain(value: Any) -> Any:
    """A plain Python value for a cell: None for every kind of missing, numpy scalars unboxed."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, float) and value != value:
        return None
    if not isinstance(value, (str, list, tuple, dict)) and pd.isna(value):
        return None
    return value


def write_table(frame: pd.DataFrame, path: str | Path, geometry: list | None = None) -> None:
    """Write rows as CSV (UTF-8 with BOM, so Excel opens it), XLSX or GeoJSON by extension."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".xlsx"):
        write = write_xlsx if suffix == ".xlsx" else write_csv
        write(list(frame.columns), frame.itertuples(index=False, name=None), path)
    elif suffix in (".geojson", ".json", ".gpkg"):
        if geometry is None:
            raise FileProblem("该类数据没有几何，不能导出为地理文件", "this kind has no geometry")
        gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
        if suffix == ".gpkg":
            gdf.to_file(path, driver="GPKG", engine="pyogrio")
        else:
            gdf.to_file(path, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=7)
    else:
        raise FileProblem(
            f"不支持导出为 {suffix}（可用 .csv、.xlsx、.geojson、.gpkg）",
            f"cannot export to {suffix} (use .csv, .xlsx, .geojson or .gpkg)",
        )


def write_atomic(path: Path, body: bytes) -> None:
    """Write a file whole or not at all: into a temporary file beside it, flushed to disk,
    then renamed over the name (a reader never sees half a file, a failure leaves none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # (mkstemp's 0600 would keep the file from its readers)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
