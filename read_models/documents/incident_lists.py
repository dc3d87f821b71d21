"""An incident's evacuation and notification lists (疏散与通知名单) as XLSX bytes, made from
the incident document (read_models.incidents.load_incident) and nothing else: one sheet per
zone (each ring, each plume footprint) with its sensitive targets and the enterprises inside,
a sheet of the grid workers to notify and one of the nearest resources. Every sheet starts
with a title row (for a drill "【演练 / DRILL】"), its head is frozen, its columns are as wide
as they read. Every cell is written by data_loaders.files.xlsx_cell: text is never a formula.

The store keeps no phone for an enterprise, so the enterprise rows have none (the grid worker
of the village is the one to call: the contacts sheet)."""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from data_loaders.files import xlsx_cell
from read_models.documents.words import (
    DRILL_MARK,
    code_name,
    made_at,
    pick,
    zone_name,
    zone_short,
)

HEAD_FILL = PatternFill("solid", fgColor="E4E9F0")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
DRILL_TITLE = Font(bold=True, size=13, color="B41E1E")
MAX_WIDTH = 60


def _width(value: Any) -> int:
    """How many character cells a value takes (a Chinese character takes two)."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _Sheet:
    """One sheet's rows before they are written: a title, a note, then blocks of a caption,
    a head row and the rows."""

    def __init__(self, name: str, title: str, note: str) -> None:
        self.name, self.title, self.note = name, title, note
        self.rows: list[tuple[str, list[Any]]] = []  # (kind: caption|head|row|blank, cells)
        self.frozen_row: int | None = None  # the first head row (frozen with all above)

    def block(self, caption: str, head: list[str], rows: list[list[Any]]) -> None:
        if self.rows:
            self.rows.append(("blank", []))
        self.rows.append(("caption", [caption]))
        self.rows.append(("head", head))
        if self.frozen_row is None:
            self.frozen_row = 2 + len(self.rows)  # title, note, then these
        self.rows.extend(("row", r) for r in rows)

    def write(self, book: Workbook, drill: bool) -> None:
        sheet = book.create_sheet(self.name)
        widths: dict[int, int] = {}
        for kind, cells in self.rows:
            if kind in ("head", "row"):
                for i, v in enumerate(cells):
                    widths[i] = max(widths.get(i, 0), _width(v))
        from openpyxl.utils import get_column_letter

        for i, w in widths.items():
            sheet.column_dimensions[get_column_letter(i + 1)].width = min(max(w + 2, 8), MAX_WIDTH)
        if self.frozen_row is not None:
            sheet.freeze_panes = f"A{self.frozen_row + 1}"
        title = xlsx_cell(sheet, self.title)
        title.font = DRILL_TITLE if drill else TITLE
        sheet.append([title])
        sheet.append([xlsx_cell(sheet, self.note)])
        for kind, cells in self.rows:
            out = [xlsx_cell(sheet, v) for v in cells]
            if kind == "caption":
                out[0].font = BOLD
            elif kind == "head":
                for c in out:
                    c.font, c.fill = BOLD, HEAD_FILL
            sheet.append(out)


def lists_title(doc: dict[str, Any], part: str, lang: str = "zh") -> str:
    """A sheet's title row: the drill mark, the incident and the part."""
    name = doc["title"] or code_name("kind", doc["kind"], lang)
    mark = f"【{DRILL_MARK}】" if doc["drill"] else ""
    number = pick(lang, f"事件编号 {doc['id']}", f"incident {doc['id']}")
    lists = pick(lang, "疏散与通知名单", "evacuation and notification lists")
    return f"{mark}{name}（{number}）· {part} · {lists}"


def write_lists(doc: dict[str, Any], now: datetime, lang: str = "zh") -> bytes:
    """The incident document as the lists workbook, XLSX bytes (lang zh or en)."""
    lang = "en" if lang == "en" else "zh"
    made = pick(lang, "生成时间 ", "Made ") + made_at(now, lang)
    sheets = [_zone_sheet(doc, z, made, lang) for z in doc["zones"]]
    sheets.append(_contacts_sheet(doc, made, lang))
    sheets.append(_resources_sheet(doc, made, lang))
    book = Workbook(write_only=True)
    for s in sheets:
        s.write(book, doc["drill"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zone_sheet(doc: dict[str, Any], zone: dict[str, Any], made: str, lang: str) -> _Sheet:
    h = zone["holds"]
    e, tg = h["enterprises"], h["targets"]
    name = zone_name(zone, lang)
    sheet = _Sheet(zone_short(zone, lang), lists_title(doc, name, lang), made)
    sheet.block(
        pick(
            lang,
            f"敏感目标 {tg['total']} 处，约 {tg['people']} 人",
            f"Sensitive targets: {tg['total']}, about {tg['people']} people",
        ),
        [
            pick(lang, "编码", "Code"),
            pick(lang, "名称", "Name"),
            pick(lang, "类型", "Type"),
            pick(lang, "人数", "People"),
            pick(lang, "联系人", "Contact"),
            pick(lang, "电话", "Phone"),
        ],
        [
            [
                t["code"],
                t["name"],
                code_name("target", t["type"], lang),
                t["people"],
                t.get("contact"),
                t.get("phone"),
            ]
            for t in tg["items"]
        ],
    )
    sheet.block(
        pick(
            lang,
            f"企业 {e['total']} 家（红 {e['red']}、黄 {e['yellow']}、蓝 {e['blue']}、"
            f"绿 {e['green']}）",
            f"Enterprises: {e['total']} (red {e['red']}, yellow {e['yellow']}, "
            f"blue {e['blue']}, green {e['green']})",
        ),
        [
            pick(lang, "统一社会信用代码", "Credit code"),
            pick(lang, "名称", "Name"),
            pick(lang, "四色等级", "Safety class"),
        ],
        [
            [x["credit_code"], x["name"], code_name("class", x["safety_class"], lang)]
            for x in e.get("items", [])
        ],
    )
    return sheet


def _contacts_sheet(doc: dict[str, Any], made: str, lang: str) -> _Sheet:
    part = pick(lang, "网格联系人", "Grid contacts")
    sheet = _Sheet(part, lists_title(doc, part, lang), made)
    sheet.block(
        pick(
            lang,
            f"需通知的网格员 {len(doc['contacts'])} 人次（最大圈层内，由近及远）",
            f"Grid workers to notify: {len(doc['contacts'])} (in the widest ring, nearest first)",
        ),
        [
            pick(lang, "网格", "Grid"),
            pick(lang, "网格名称", "Grid name"),
            pick(lang, "负责人", "Responsible"),
            pick(lang, "电话", "Phone"),
            pick(lang, "距离(米)", "Distance (m)"),
        ],
        [[c["grid"], c["name"], c["person"], c["phone"], c["distance_m"]] for c in doc["contacts"]],
    )
    return sheet


def _resources_sheet(doc: dict[str, Any], made: str, lang: str) -> _Sheet:
    part = pick(lang, "应急资源", "Resources")
    note = f"{made} · {doc.get('distance_note') or ''}"
    sheet = _Sheet(part, lists_title(doc, part, lang), note)
    rows = []
    for kind, items in doc["resources"].items():
        for r in items:
            rows.append(
                [
                    code_name("resource", kind, lang),
                    r["name"],
                    r["distance_m"],
                    r.get("contact"),
                    r.get("phone"),
                    r["code"],
                    r.get("members"),
                    r.get("speciality"),
                    r.get("capacity"),
                    r.get("beds"),
                    r.get("ambulances"),
                    r.get("items"),
                ]
            )
    sheet.block(
        pick(lang, "各类最近的应急资源（直线距离）", "The nearest resources of each type"),
        [
            pick(lang, "类型", "Type"),
            pick(lang, "名称", "Name"),
            pick(lang, "距离(米)（直线）", "Distance (m, straight line)"),
            pick(lang, "联系人", "Contact"),
            pick(lang, "电话", "Phone"),
            pick(lang, "编码", "Code"),
            pick(lang, "人数", "Members"),
            pick(lang, "专长", "Speciality"),
            pick(lang, "可容纳(人)", "Capacity"),
            pick(lang, "床位", "Beds"),
            pick(lang, "救护车", "Ambulances"),
            pick(lang, "储备物资", "Stock"),
        ],
        rows,
    )
    return sheet
