"""The briefing as a PDF (A4, Noto CJK embedded, page numbers, when it was made and the data
version on every page), laid out from the briefing's blocks (briefing_text)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from read_models.documents.briefing_map import MAP_ASPECT
from read_models.documents.briefing_text import Block, briefing_blocks, subtitle, title
from read_models.documents.pdf import GREY, PdfDocument, Writer
from read_models.documents.words import made_at, pick


def write_briefing_pdf(
    doc: dict[str, Any], map_png: bytes, now: datetime, lang: str = "zh"
) -> bytes:
    """The briefing document as PDF bytes (lang zh or en)."""
    lang = "en" if lang == "en" else "zh"
    heading = title(doc, lang)
    head = f"{heading} · {pick(lang, '数据版本', 'data version')} v{doc['data_version']}"
    pdf = PdfDocument(lang, heading, head)
    pdf.set_subject(subtitle(doc, lang))
    w = Writer(pdf, lang)
    made = made_at(now, lang)
    pdf.add_page()
    pdf.set_font("cjk", "B", 17)
    pdf.multi_cell(0, 10, heading, align="C")
    pdf.set_font("cjk", size=10)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 6, subtitle(doc, lang), align="C")
    pdf.multi_cell(0, 6, pick(lang, f"生成时间：{made}", f"Made {made}"), align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    blocks = briefing_blocks(doc, lang)
    for i, block in enumerate(blocks):
        before_map = i + 1 < len(blocks) and blocks[i + 1].kind == "image"
        if block.kind == "section" and before_map and pdf.will_page_break(map_height(pdf) + 24):
            pdf.add_page()  # the head goes with its map
        _write(pdf, w, block, map_png)
    pdf.page_numbers(made)
    return bytes(pdf.output())


def map_height(pdf: PdfDocument) -> float:
    """The map's height on the page (mm): the text width, at the picture's proportions."""
    return pdf.epw * MAP_ASPECT


def _write(pdf: PdfDocument, w: Writer, block: Block, map_png: bytes) -> None:
    if block.kind == "section":
        w.section(block.text, block.text)
    elif block.kind == "para":
        w.para(block.text)
    elif block.kind == "note":
        w.para(block.text, size=8.5, colour=GREY)
    elif block.kind == "table":
        w.table(block.head, block.rows, block.widths, block.align, marked=block.marked)
    elif block.kind == "image":
        if pdf.will_page_break(map_height(pdf) + 10):
            pdf.add_page()
        pdf.image(io.BytesIO(map_png), w=pdf.epw, h=map_height(pdf))
        w.para(block.text, size=8.5, colour=GREY)
