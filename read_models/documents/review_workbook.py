"""The committee review as the workbook offices pass round (督查推进情况表), XLSX bytes made
from the review document (read_models.review.load_review) and nothing else.

One sheet per committee, named by its short name (道路交通): row 1 a merged title, row 2 a
merged note (the review's start day, what the red rows mean, what to fill in), row 3 the
header, the tasks from row 4. After 佐证材料 a hidden column keeps each task's key, so a
returned file finds its tasks (data_loaders.importers.committee_progress reads it back; the
layout is defined there, once). Frozen below the header; widths and wrapping print on A4
landscape, one page wide, the header on every page, page numbers in the footer. An overdue
row is filled light red and its 完成时限 cell says how many days late (its number format
carries the words, so the cell is still the date the import compares). 状态 is a list of the
three Chinese labels, 进度 a whole number 0–100. Every cell is written by
data_loaders.files.xlsx_cell: text is never a formula.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins

from data_loaders.files import xlsx_cell
from data_loaders.importers.committee_progress import (
    DUE,
    EDITABLE,
    EVIDENCE,
    FIRST_ROW,
    HEADER_ROW,
    HEADERS,
    KEY,
    NOTE,
    NOTE_ROW,
    OWNER,
    PROGRESS,
    SEQ,
    STATUS,
    TITLE,
    TITLE_ROW,
)
from data_loaders.vocab import TASK_STATUSES
from read_models.documents.words import made_at, pick

FONT = "宋体"
# Widths (Excel character units) that add up to one A4 landscape page at about 90 % scale.
WIDTHS = {
    SEQ: 5,
    TITLE: 38,
    OWNER: 16,
    DUE: 14,
    STATUS: 8,
    PROGRESS: 7,
    NOTE: 42,
    EVIDENCE: 24,
    KEY: 14,
}
DUE_WIDTH_OVERDUE = 24  # "2026-03-05（逾期 123 天）"
OVERDUE_FILL = PatternFill("solid", fgColor="F8D7D7")
HEAD_FILL = PatternFill("solid", fgColor="E4E9F0")
EDIT_HEAD_FILL = PatternFill("solid", fgColor="FFF2CC")  # the columns to fill in
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_SUFFIXES = ("安全生产专业委员会", "安全专业委员会", "专业委员会", "专委会", "委员会")


def sheet_name(name: str, used: set[str]) -> str:
    """A committee's short name as a sheet tab: no suffix (道路交通), none of []:*?/\\, at
    most 31 characters, not one already used (Excel compares them without case)."""
    short = name.strip()
    for suffix in _SUFFIXES:
        if short.endswith(suffix) and len(short) > len(suffix):
            short = short[: -len(suffix)]
            break
    short = _BAD_SHEET_CHARS.sub("", short).strip("' ") or "专委会"
    short = short[:31]
    out, k = short, 1
    while out.lower() in used:
        k += 1
        tail = f"({k})"
        out = short[: 31 - len(tail)] + tail
    used.add(out.lower())
    return out


def text_width(text: str) -> float:
    """How many character units (the width of a "0") a line of text takes in 宋体 11: a
    Chinese character about two, with a margin so that a row is never too short."""
    return sum(2.05 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def row_height(task: dict[str, Any]) -> float:
    """A task row's height in points: as many lines as its longest wrapped cell needs (set,
    not left to the spreadsheet: Excel does not fit a row to its wrapped text when it opens
    a file, and the printed page must show every line)."""
    lines = 1
    for h, value in (
        (TITLE, task["title"]),
        (OWNER, task["owner_unit"]),
        (NOTE, task["note"]),
        (EVIDENCE, task["evidence_url"]),
    ):
        room = WIDTHS[h] - 1.0
        n = sum(max(1, math.ceil(text_width(part) / room)) for part in str(value or "").split("\n"))
        lines = max(lines, n)
    return round(lines * 14.4 + 5, 1)


def _day(iso: str | None) -> str:
    if not iso:
        return ""
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def _since_words(c: dict[str, Any], lang: str) -> str:
    day = _day(c["since"])
    if c.get("since_from") == "meeting" and c.get("last_meeting"):
        return pick(
            lang, f"统计起点：{day}（上次督查会）", f"Since {c['since']} (the last review meeting)"
        )
    if c.get("since_from") == "quarter":
        return pick(lang, f"统计起点：{day}（本季度初）", f"Since {c['since']} (quarter start)")
    return pick(lang, f"统计起点：{day}", f"Since {c['since']}")


def review_workbook(doc: dict[str, Any], lang: str, made_at_: datetime) -> bytes:
    """The review document as the committees' workbook, XLSX bytes (lang zh or en: the title
    and the note follow it; the headers stay Chinese, as the offices fill them in)."""
    lang = "en" if lang == "en" else "zh"
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for c in doc["committees"]:
        _sheet(book, c, doc["today"], lang, made_at_, used)
    if not doc["committees"]:
        sheet = book.create_sheet("督查")
        sheet.append([xlsx_cell(sheet, pick(lang, "没有专委会", "No committee"))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(
    book: Workbook,
    c: dict[str, Any],
    today: str,
    lang: str,
    made: datetime,
    used: set[str],
) -> None:
    sheet = book.create_sheet(sheet_name(c["name"], used))
    ncols = len(HEADERS)
    last_col = get_column_letter(ncols - 1)  # the last printed column (佐证材料)
    t = date.fromisoformat(today)
    name = c["name"] if lang == "zh" or not c.get("name_en") else c["name_en"]
    title = pick(
        lang,
        f"{name}重点任务推进情况表（截至{t.year}年{t.month}月{t.day}日）",
        f"{name}: key tasks progress (as of {today})",
    )
    overdue = [task for task in c["tasks"] if task["overdue"]]
    note_parts = [
        _since_words(c, lang),
        pick(
            lang,
            f"共 {len(c['tasks'])} 项，已完成 {c['done']} 项，逾期 {len(overdue)} 项",
            f"{len(c['tasks'])} tasks, {c['done']} done, {len(overdue)} overdue",
        ),
        pick(lang, "红色底纹为逾期任务（完成时限后注明逾期天数）", "red rows are overdue"),
        "请填写进度、状态、进展情况、佐证材料，其他列请勿修改",
        pick(lang, "生成时间 ", "Made ") + made_at(made, lang),
    ]
    if c.get("lead_unit"):
        note_parts.insert(1, pick(lang, f"牵头单位：{c['lead_unit']}", f"Lead: {c['lead_unit']}"))
    cell = xlsx_cell(sheet, title)
    sheet.append([cell])
    sheet.append([xlsx_cell(sheet, "；".join(note_parts[:-2]) + "。" + "；".join(note_parts[-2:]))])
    sheet.append([xlsx_cell(sheet, h) for h in HEADERS])
    for i, task in enumerate(c["tasks"], start=1):
        sheet.append(
            [
                xlsx_cell(sheet, v)
                for v in (
                    i,
                    task["title"],
                    task["owner_unit"],
                    date.fromisoformat(task["due_on"]) if task["due_on"] else None,
                    TASK_STATUSES[task["status"]][0],
                    task["progress"],
                    task["note"],
                    task["evidence_url"],
                    task["code"],
                )
            ]
        )
    last_row = max(HEADER_ROW, FIRST_ROW + len(c["tasks"]) - 1)
    # title and note: merged across the printed columns
    sheet.merge_cells(f"A{TITLE_ROW}:{last_col}{TITLE_ROW}")
    sheet.merge_cells(f"A{NOTE_ROW}:{last_col}{NOTE_ROW}")
    head = sheet.cell(TITLE_ROW, 1)
    head.font = Font(name=FONT, bold=True, size=16)
    head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[TITLE_ROW].height = 30
    note = sheet.cell(NOTE_ROW, 1)
    note.font = Font(name=FONT, size=10)
    note.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    sheet.row_dimensions[NOTE_ROW].height = 32
    # the header
    for j, h in enumerate(HEADERS, start=1):
        cell = sheet.cell(HEADER_ROW, j)
        cell.font = Font(name=FONT, bold=True, size=11)
        cell.fill = EDIT_HEAD_FILL if h in EDITABLE else HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
    sheet.row_dimensions[HEADER_ROW].height = 22
    # the tasks
    col = {h: j for j, h in enumerate(HEADERS, start=1)}
    body = Font(name=FONT, size=11)
    for i, task in enumerate(c["tasks"]):
        r = FIRST_ROW + i
        for h, j in col.items():
            cell = sheet.cell(r, j)
            cell.font = body
            cell.border = BORDER
            cell.alignment = CENTER if h in (SEQ, DUE, STATUS, PROGRESS) else WRAP_TOP
            if task["overdue"]:
                cell.fill = OVERDUE_FILL
        due = sheet.cell(r, col[DUE])
        due.number_format = "yyyy-mm-dd"
        if task["overdue"] and task["days_overdue"]:
            due.number_format = f'yyyy-mm-dd"（逾期 {int(task["days_overdue"])} 天）"'
        sheet.cell(r, col[PROGRESS]).number_format = "0"
        sheet.row_dimensions[r].height = row_height(task)
    # widths, the hidden key, the frozen header
    for h, j in col.items():
        width = WIDTHS[h]
        if h == DUE and overdue:
            width = DUE_WIDTH_OVERDUE
        sheet.column_dimensions[get_column_letter(j)].width = width
    sheet.column_dimensions[get_column_letter(col[KEY])].hidden = True
    sheet.freeze_panes = f"A{FIRST_ROW}"
    # what may be typed in 状态 and 进度
    if c["tasks"]:
        labels = ",".join(zh for zh, _a in TASK_STATUSES.values())
        status = DataValidation(
            type="list",
            formula1=f'"{labels}"',
            allow_blank=False,
            showErrorMessage=True,
            errorTitle="状态",
            error=f"请选择：{labels.replace(',', '、')}",
            promptTitle="状态",
            prompt=labels.replace(",", "、"),
        )
        progress = DataValidation(
            type="whole",
            operator="between",
            formula1="0",
            formula2="100",
            allow_blank=False,
            showErrorMessage=True,
            errorTitle="进度",
            error="进度为 0–100 的整数",
            promptTitle="进度",
            prompt="0–100 的整数",
        )
        s, p = get_column_letter(col[STATUS]), get_column_letter(col[PROGRESS])
        status.add(f"{s}{FIRST_ROW}:{s}{last_row}")
        progress.add(f"{p}{FIRST_ROW}:{p}{last_row}")
        sheet.add_data_validation(status)
        sheet.add_data_validation(progress)
    # the printed page: A4 landscape, one page wide, the header repeated, page numbers
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_area = f"A1:{last_col}{last_row}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(
        left=0.4, right=0.4, top=0.55, bottom=0.6, header=0.25, footer=0.3
    )
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.oddFooter.center.size = 9
    sheet.oddHeader.right.text = sheet.title.replace("&", "&&")  # & starts a header code
    sheet.oddHeader.right.size = 9
