"""Tables of the drill-down panels (dash-ag-grid): sortable columns, a quick filter box, the
page's theme, labels in the page's language. Cell text is rendered as text by AG Grid (no
HTML), so names from files cannot inject markup. Cells wrap and rows grow to fit them, so a
name is shown whole (also as the cell's tooltip); a list cut to its first rows says so and
links to its whole export (/api/exports/…)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
from dash import dcc, html

from views import ids
from views.charts import colors
from views.labels import Label

# The library's main bundle is served on demand (assets/panels.js loads it when a tab with
# tables is first asked for), not with the page: the map's first view stays light.
for _resource in dag._js_dist:
    if _resource.get("relative_package_path") == "dash_ag_grid.min.js":
        _resource["dynamic"] = True

LOCALE = {
    "zh": {"noRowsToShow": "无数据", "loadingOoo": "加载中…"},
    "en": {"noRowsToShow": "No rows", "loadingOoo": "Loading…"},
}


PADDING = 6  # px each side of a cell's text (Balham's own is 12: wide for a side panel)
COMPACT_PADDING = 3  # a table of many narrow columns (the bulletin) ...
COMPACT_FONT = 12  # ... in smaller type, so its eight columns fit a laptop's panel
FONT_PX = 13


# glyph widths in em, at or a little over those of the page's fonts (measured in Noto Sans CJK
# SC; PingFang and YaHei are alike): CJK, the middle dot and arrows a full em; thin, narrow and
# wide Latin letters apart; bold headers wider
TINY, NARROW, WIDE = set("ijl.,:;'| \u00a0"), set("tfr-/()"), set("mwMW%")
FULL = set("·↑↓→←")


def text_px(text: str, size: int = FONT_PX, bold: bool = False) -> int:
    """About how wide a text is in the tables' font (regular, or bold as the headers are):
    never less than it shows, so a column made this wide holds it."""

    def em(ch: str) -> float:
        if ord(ch) >= 0x2E80 or ch in FULL:
            return 1.0
        if ch in TINY:
            return 0.33 if bold else 0.3
        if ch in NARROW:
            return 0.44 if bold else 0.4
        if ch in WIDE:
            return 0.98 if bold else 0.94
        if ch.isdigit():
            return 0.6 if bold else 0.57
        if ch.isupper() or ch == "&":
            return 0.76 if bold else 0.7
        return 0.65 if bold else 0.62

    return round(sum(size * em(ch) for ch in text))


def fit_width(header: str, *values: str, padding: int = PADDING, size: int = FONT_PX) -> int:
    """The narrowest column that shows its header's longest word (a header wraps between
    words) and its widest value whole."""
    words = header.split() or [""]
    widest = max([text_px(w, size, bold=True) for w in words] + [text_px(v, size) for v in values])
    return widest + 2 * padding + 2


def grid_theme(theme: str, padding: int = PADDING, size: int = FONT_PX) -> dict[str, str]:
    """AG Grid's Balham theme with the page's colours (an AG Grid theme function)."""
    c = colors(theme)
    background = "#111f33" if theme != "light" else "#ffffff"
    header = "#16263d" if theme != "light" else "#eef2f7"
    params = (
        f"backgroundColor: '{background}', foregroundColor: '{c['text']}', "
        f"headerBackgroundColor: '{header}', accentColor: '{c['main']}', "
        f"fontSize: {size}, headerFontSize: {size}, spacing: 4, "
        f"cellHorizontalPadding: {padding}, "
        f"fontFamily: 'inherit', wrapperBorderRadius: 4"
    )
    return {"function": f"themeBalham.withParams({{ {params} }})"}


# wrapped cells: a line a little taller than the text, the row grows to fit its lines; lines
# break between words, never inside a Latin word: a column is made wide enough for its longest
# word instead (create_table). Chinese breaks between characters, balanced so that no line is
# one lone character (text-wrap-style: pretty, assets/app.css); a column of short Chinese
# phrases (a committee, a town, a status: KEEP_CJK characters at most) keeps each phrase whole
# (word-break: keep-all) and is made as wide as its widest phrase.
CELL_STYLE = {
    "lineHeight": "20px",
    "paddingTop": "4px",
    "paddingBottom": "4px",
    "wordBreak": "normal",
}
KEEP_STYLE = {**CELL_STYLE, "wordBreak": "keep-all"}
LATIN_WORD = re.compile(r"[^ \t\n\u2e80-\uffff]+")  # a no-break space joins a word
CJK_RUN = re.compile(r"[\u2e80-\uffff]+")
SPACES = re.compile(r"[ \t\n]+")  # where a kept phrase may break (a no-break space joins)
KEEP_CJK = 4
WIDEST_FLOOR = 160  # a long link or code may still wrap: it must not take the whole table
JOIN = "\u00a0· "  # between a status and its flag: 未开始 · 逾期 breaks after the dot only
DEFAULT_COLUMN = {
    "sortable": True,
    "resizable": True,
    "filter": False,
    "minWidth": 60,
    "wrapText": True,
    "autoHeight": True,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
    "cellStyle": CELL_STYLE,
}
EXPORT_FORMATS = (("csv", "CSV"), ("xlsx", "Excel"))


def column(
    field: str, header: str, padding: int = PADDING, size: int = FONT_PX, **more: Any
) -> dict[str, Any]:
    """One column definition (sortable, resizable; a text column's tooltip is its text), never
    narrower than its header's longest word (in the table's type size)."""
    text = "type" not in more and "valueFormatter" not in more
    floor = max(
        more.pop("minWidth", DEFAULT_COLUMN["minWidth"]),
        fit_width(header, padding=padding, size=size),
    )
    return {
        "field": field,
        "headerName": header,
        **({"tooltipField": field} if text else {}),
        "minWidth": floor,
        **more,
    }


def with_words(
    col: dict[str, Any], rows: list[dict[str, Any]], padding: int, size: int = FONT_PX
) -> dict[str, Any]:
    """A text column made at least as wide as the longest Latin word in its cells (lines break
    between words only), up to WIDEST_FLOOR; a column whose Chinese is short phrases only keeps
    each phrase whole and is as wide as its widest (up to WIDEST_FLOOR)."""
    if "tooltipField" not in col:
        return col
    texts = [str(r.get(col["field"]) or "") for r in rows]
    runs = [run for text in texts for run in CJK_RUN.findall(text)]
    keep = bool(runs) and max(len(run) for run in runs) <= KEEP_CJK
    if keep:
        words = {w for text in texts for w in SPACES.split(text) if w}
    else:
        words = {w for text in texts for w in LATIN_WORD.findall(text)}
    if not words:
        return col
    widest = max(words, key=lambda w: text_px(w, size))
    floor = min(WIDEST_FLOOR, fit_width("", widest, padding=padding, size=size))
    out = {**col, "minWidth": max(col.get("minWidth", 0), floor)}
    return {**out, "cellStyle": KEEP_STYLE} if keep else out


def export_links(
    name: str, params: dict[str, str | None], total: int, label: Label, lang: str
) -> html.Span:
    """Links to a list's whole export, one per file format (the server checks the role)."""
    query = urlencode({k: v for k, v in {**params, "lang": lang}.items() if v})
    return html.Span(
        [
            html.Span(label("table.export", lang)),
            *(
                html.A(
                    text,
                    href=f"/api/exports/{name}.{fmt}?{query}",
                    download="",
                    title=label("table.export_hint", lang).format(total=f"{total:,}", fmt=text),
                    className=f"table-export export-{fmt}",
                    style={"color": "var(--accent)", "marginLeft": "6px"},
                )
                for fmt, text in EXPORT_FORMATS
            ),
        ],
        className="table-exports",
        style={"fontSize": "12px", "whiteSpace": "nowrap"},
    )


def rows_text(shown: int, total: int | None, label: Label, lang: str) -> str:
    """How many rows a table holds, and of how many when it is cut."""
    if total is not None and total > shown:
        return label("table.rows_cut", lang).format(n=f"{shown:,}", total=f"{total:,}")
    return label("table.rows", lang).format(n=f"{shown:,}")


def create_table(
    name: str,
    columns: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    theme: str,
    label: Label,
    lang: str,
    height: int | None = 260,
    row_id: str | None = None,
    row_class: dict[str, str] | None = None,
    total: int | None = None,
    export: tuple[str, dict[str, str | None]] | None = None,
    padding: int = PADDING,
    font: int = FONT_PX,
) -> html.Div:
    """A titled-by-caller table with a quick filter box above it; `row_id` names the field
    that identifies a row (clicks report it). `total`: the list's full length when `rows` is
    its first part (the count says so); `export`: (name, parameters) of its whole export;
    `height` None: as tall as its rows; `padding` and `font`: a cell's side padding and the
    type size (px), which its columns' widths were made for."""
    grid = dag.AgGrid(
        id={"type": ids.PANEL_TABLE, "name": name},
        columnDefs=[with_words(c, rows, padding, font) for c in columns],
        rowData=rows,
        defaultColDef=DEFAULT_COLUMN,
        # no columnSize: every column has a flex, and AG Grid shares the width out by it (never
        # below a column's minWidth) and again when the grid's width changes; sizing to fit
        # made all columns alike, the % column as wide as the task's title
        dashGridOptions={
            "theme": grid_theme(theme, padding, font),
            "localeText": LOCALE.get(lang, LOCALE["zh"]),
            "rowHeight": 30,
            "headerHeight": 32,
            "animateRows": False,
            "suppressCellFocus": True,
            "tooltipShowDelay": 300,
            **({"domLayout": "autoHeight"} if height is None else {}),
            **({"rowClassRules": row_class} if row_class else {}),
        },
        getRowId=f"params.data.{row_id}" if row_id else None,
        style={"height": f"{height}px", "width": "100%"} if height else {"width": "100%"},
        className="panel-table",
    )
    return html.Div(
        [
            html.Div(
                [
                    dcc.Input(
                        id={"type": ids.TABLE_FILTER, "name": name},
                        type="search",
                        debounce=0.3,
                        placeholder=label("table.filter", lang),
                        className="table-filter",
                        autoComplete="off",
                    ),
                    html.Span(
                        rows_text(len(rows), total, label, lang),
                        className="table-count",
                        id=f"table-count-{name}",
                    ),
                    export_links(export[0], export[1], max(total or 0, len(rows)), label, lang)
                    if export
                    else None,
                ],
                className="table-tools",
            ),
            grid,
        ],
        className="table-box",
    )
