"""The PDF pages every document of ours shares (the incident report, the briefing): A4
portrait, the Noto CJK font embedded (a subset), a running head, the drill watermark under
each page's text, page numbers "第 n 页 / 共 m 页" with when it was made, numbered sections
一、二、三…, tables that wrap and repeat their head.

fpdf2 writes it: pure Python (no system libraries), and every text from data as text (no
markup is read: tables and cells are plain, the total-pages alias is off, so "<b>x</b>" or
"{nb}" prints as itself)."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from read_models.documents.words import DRILL_MARK, pick

# Noto Sans CJK SC, regular and bold: Debian's fonts-noto-cjk, then other layouts
FONT_FILES = (
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    ),
    (
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    ),
    (
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    ),
)
FAMILY = "Noto Sans CJK SC"
NUMERALS = "一二三四五六七八九十"
MARGIN = 18  # mm
GREY = (90, 90, 90)
HEAD_FILL = (228, 233, 240)
WATERMARK = (242, 200, 200)  # light red, drawn under the text


MARKED = FontFace(emphasis="BOLD", fill_color=(255, 243, 205))  # a row to find at a glance


class FontMissing(RuntimeError):
    """No Chinese font to embed (install fonts-noto-cjk)."""


@cache
def cjk_fonts() -> tuple[tuple[str, int], tuple[str, int]]:
    """(file, face index) of Noto Sans CJK SC regular and bold."""
    for regular, bold in FONT_FILES:
        if Path(regular).exists() and Path(bold).exists():
            return (regular, _face(regular)), (bold, _face(bold))
    found = []
    for style in ("Regular", "Bold"):
        try:  # fontconfig knows where the distribution put it
            out = subprocess.run(
                ["fc-match", "-f", "%{file}\t%{index}", f"{FAMILY}:style={style}"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            raise FontMissing(f"no {FAMILY} font: install fonts-noto-cjk ({exc})") from exc
        path, _, index = out.partition("\t")
        if "CJK" not in path:
            raise FontMissing(f"no {FAMILY} font: install fonts-noto-cjk (fc-match: {path})")
        found.append((path, int(index or 0)))
    return found[0], found[1]


def _face(path: str) -> int:
    """The index of the Simplified Chinese face in a font collection (0 for a single font)."""
    if not path.lower().endswith(".ttc"):
        return 0
    from fontTools.ttLib import TTCollection

    faces = TTCollection(path, lazy=True).fonts
    for i, face in enumerate(faces):
        if face["name"].getDebugName(1) == FAMILY:
            return i
    return 0


def numeral(n: int) -> str:
    """1 → 一 … 10 → 十 (the sections are few)."""
    return NUMERALS[n - 1] if 1 <= n <= len(NUMERALS) else str(n)


def cell_text(value: Any) -> str:
    """Any value as the plain text a cell shows ("" for none)."""
    return "" if value is None else str(value)


class PdfDocument(FPDF):
    """A4 portrait with a running head, and the drill watermark under each page's text."""

    def __init__(self, lang: str, title: str, head: str, drill: bool = False) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang, self.title_text, self.head, self.drill = lang, title, head, drill
        self.str_alias_nb_pages = ""  # a name "{nb}" from data prints as itself
        (regular, r_index), (bold, b_index) = cjk_fonts()
        self.add_font("cjk", fname=regular, collection_font_number=r_index)
        self.add_font("cjk", style="B", fname=bold, collection_font_number=b_index)
        self.set_margins(MARGIN, MARGIN + 4, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 2)
        self.set_title(title)
        self.set_creator("onemap 应急一张图")
        self.set_lang("zh-CN" if lang == "zh" else "en")

    def multi_cell(self, *args: Any, **kwargs: Any) -> Any:  # the next line at the margin
        kwargs.setdefault("new_x", "LMARGIN")
        kwargs.setdefault("new_y", "NEXT")
        return super().multi_cell(*args, **kwargs)

    def header(self) -> None:
        if self.drill:
            self._watermark()
        self.set_font("cjk", size=8)
        self.set_text_color(*GREY)
        self.set_xy(MARGIN, 10)
        self.cell(0, 5, self.head, align="R")
        self.set_draw_color(180, 180, 180)
        self.line(MARGIN, 15.5, self.w - MARGIN, 15.5)
        self.set_text_color(0, 0, 0)
        self.set_xy(MARGIN, MARGIN + 4)

    def _watermark(self) -> None:
        """ "演练 / DRILL" across the page, light, beneath everything the page then writes."""
        self.set_font("cjk", "B", 64)
        self.set_text_color(*WATERMARK)
        cx, cy = self.w / 2, self.h / 2
        width = self.get_string_width(DRILL_MARK)
        with self.rotation(55, cx, cy):
            self.text(cx - width / 2, cy + 8, DRILL_MARK)
        self.set_text_color(0, 0, 0)

    def page_numbers(self, made: str) -> None:
        """Each page's foot, written once the page count is known."""
        total = self.pages_count
        self.set_auto_page_break(False)
        for n in range(1, total + 1):
            self.page = n
            # fpdf2 writes a font or colour into a page only when it changes, and it
            # remembers the last page's: going back to page n, the font it believes current
            # may not be the one page n's text ended in (the foot came out in another
            # font's glyphs). Two changes write the one wanted into this page whatever.
            self.set_font("cjk", "B", 8)
            self.set_font("cjk", size=8)
            self.set_text_color(0, 0, 0)
            self.set_text_color(*GREY)
            self.set_xy(MARGIN, self.h - 13)
            self.cell(0, 5, pick(self.lang, f"生成时间：{made}", f"Made {made}"), align="L")
            self.set_xy(MARGIN, self.h - 13)
            label = pick(self.lang, f"第 {n} 页 / 共 {total} 页", f"Page {n} of {total}")
            self.cell(0, 5, label, align="R")
        self.set_text_color(0, 0, 0)


class Writer:
    """Writes the sections into a PdfDocument."""

    def __init__(self, pdf: PdfDocument, lang: str) -> None:
        self.pdf, self.lang, self.sections = pdf, lang, 0

    def t(self, zh: str, en: str) -> str:
        return pick(self.lang, zh, en)

    def section(self, zh: str, en: str) -> None:
        self.sections += 1
        n = self.sections
        pdf = self.pdf
        if pdf.will_page_break(40):  # a head is kept with the first lines of what it heads
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font("cjk", "B", 13)
        pdf.cell(0, 8, f"{numeral(n)}、{zh}" if self.lang == "zh" else f"{n}. {en}")
        pdf.ln(9)
        pdf.set_font("cjk", size=10)

    def subhead(self, text: str) -> None:
        pdf = self.pdf
        if pdf.will_page_break(18):
            pdf.add_page()
        pdf.set_font("cjk", "B", 10.5)
        pdf.multi_cell(0, 6, text)
        pdf.set_font("cjk", size=10)

    def para(self, text: str, size: float = 10, colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        pdf = self.pdf
        pdf.set_font("cjk", size=size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(0, 5.6, text, align="L")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("cjk", size=10)
        pdf.ln(1)

    def table(
        self,
        head: list[str],
        rows: list[list[Any]],
        widths: tuple[float, ...],
        align: str = "",
        size: float = 9,
        marked: set[int] | None = None,
    ) -> None:
        """A table that wraps its cells and repeats its head on a new page; every cell is
        plain text. align: one letter per column (L, C, R), left by default; `marked`: the
        rows (by index) shaded and bold."""
        pdf = self.pdf
        pdf.set_font("cjk", size=size)
        aligns = (align or "L" * len(head)).ljust(len(head), "L")
        with pdf.table(
            col_widths=widths,
            width=pdf.epw,
            line_height=size * 0.55,
            text_align=tuple(aligns),
            headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
            padding=1.2,
            repeat_headings=1,
            markdown=False,
        ) as table:
            table.row([cell_text(h) for h in head])
            for i, row in enumerate(rows):
                style = MARKED if marked and i in marked else None
                table.row([cell_text(v) for v in row], style=style)
        pdf.set_font("cjk", size=10)
        pdf.ln(2)

    def pairs(self, rows: list[tuple[str, str]]) -> None:
        """A two-column table of labels and values."""
        pdf = self.pdf
        pdf.set_font("cjk", size=10)
        with pdf.table(
            col_widths=(1, 3.4),
            width=pdf.epw,
            line_height=5.6,
            text_align=("L", "L"),
            first_row_as_headings=False,
            padding=1.4,
            markdown=False,
        ) as table:
            for label, value in rows:
                row = table.row()
                row.cell(label, style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL))
                row.cell(value)
        pdf.ln(2)
