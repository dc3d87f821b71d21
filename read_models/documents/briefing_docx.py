"""The briefing as a Word file (.docx, A4), laid out from the same blocks as the PDF
(briefing_text), so the two say the same to the digit. python-docx writes it. Two things it
has no API for, the East Asian font of a run (宋体/黑体, the fonts every office machine has;
LibreOffice puts Noto CJK in their place here) and the footer's PAGE field, go through its
oxml layer (`run.element`, docx.oxml): the one exception to "public API only" in this module,
kept to those two lines. Tables use the built-in "Light Grid Accent 1" style for their heads
(cell shading and a repeated head row would need that layer too, so they are left out)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from read_models.documents.briefing_text import Block, briefing_blocks, subtitle, title
from read_models.documents.pdf import numeral
from read_models.documents.words import made_at, pick

BODY_FONT, HEAD_FONT = "宋体", "黑体"
GREY = RGBColor(0x5A, 0x5A, 0x5A)
ALIGN = {"L": WD_ALIGN_PARAGRAPH.LEFT, "C": WD_ALIGN_PARAGRAPH.CENTER}
ALIGN["R"] = WD_ALIGN_PARAGRAPH.RIGHT


def font(run: Any, name: str, size: float, bold: bool = False, grey: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if grey:
        run.font.color.rgb = GREY
    fonts = run.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def page_field(paragraph: Any) -> None:
    """A PAGE field: Word writes the page's number."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run.element.append(el)
    font(run, BODY_FONT, 9)


def a4_portrait(section: Any) -> None:
    """A4 portrait with the margins offices use (a docx section)."""
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(25))
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)


def page_footer(section: Any, made: str, lang: str) -> None:
    """The footer: 第 N 页 and when the document was made (`made`: words.made_at)."""
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(foot.add_run(pick(lang, "第 ", "Page ")), BODY_FONT, 9)
    page_field(foot)
    font(foot.add_run(pick(lang, " 页　", "   ")), BODY_FONT, 9)
    font(foot.add_run(pick(lang, f"生成时间：{made}", f"made {made}")), BODY_FONT, 8, grey=True)


def section_head(word: Any, n: int, text: str, lang: str) -> None:
    """A numbered section head: 一、… in Chinese, 1. … in English."""
    p = word.add_paragraph()
    p.paragraph_format.space_before = Pt(10)
    p.paragraph_format.keep_with_next = True
    head = f"{numeral(n)}、{text}" if lang == "zh" else f"{n}. {text}"
    font(p.add_run(head), HEAD_FONT, 14, bold=True)


def write_briefing_docx(
    doc: dict[str, Any], map_png: bytes, now: datetime, lang: str = "zh"
) -> bytes:
    """The briefing document as .docx bytes (lang zh or en)."""
    lang = "en" if lang == "en" else "zh"
    word = Document()
    section = word.sections[0]
    a4_portrait(section)
    heading = title(doc, lang)
    word.core_properties.title = heading
    word.core_properties.subject = subtitle(doc, lang)
    word.core_properties.language = "zh-CN" if lang == "zh" else "en"
    made = made_at(now, lang)
    page_footer(section, made, lang)

    p = word.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(p.add_run(heading), HEAD_FONT, 18, bold=True)
    for line in (subtitle(doc, lang), pick(lang, f"生成时间：{made}", f"Made {made}")):
        p = word.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        font(p.add_run(line), BODY_FONT, 10, grey=True)
    n = 0
    for block in briefing_blocks(doc, lang):
        if block.kind == "section":
            n += 1
            section_head(word, n, block.text, lang)
        elif block.kind in ("para", "note"):
            p = word.add_paragraph()
            note = block.kind == "note"
            if not note and lang == "zh":
                p.paragraph_format.first_line_indent = Pt(21)  # two characters, as offices do
            font(p.add_run(block.text), BODY_FONT, 9 if note else 11, grey=note)
        elif block.kind == "table":
            add_table(word, block)
        elif block.kind == "image":
            word.add_picture(io.BytesIO(map_png), width=Mm(160))
            word.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            p = word.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            font(p.add_run(block.text), BODY_FONT, 9, grey=True)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def add_table(word: Any, block: Block) -> None:
    """A table block: a bold head row, widths shared out of the 160 mm text width."""
    table = word.add_table(rows=1, cols=len(block.head))
    table.style = "Light Grid Accent 1"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    aligns = (block.align or "L" * len(block.head)).ljust(len(block.head), "L")
    total = sum(block.widths) or 1
    widths = [Mm(160 * w / total) for w in block.widths] if block.widths else None
    for i, text in enumerate(block.head):
        cell = table.rows[0].cells[i]
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        font(cell.paragraphs[0].add_run(text), HEAD_FONT, 9.5, bold=True)
    for r, row in enumerate(block.rows):
        cells = table.add_row().cells
        for i, value in enumerate(row):
            para = cells[i].paragraphs[0]
            para.alignment = ALIGN.get(aligns[i], WD_ALIGN_PARAGRAPH.LEFT)
            font(para.add_run(str(value)), BODY_FONT, 9.5, bold=r in block.marked)
    if widths:
        for row in table.rows:
            for i, cell in enumerate(row.cells):
                cell.width = widths[i]
    word.add_paragraph()
