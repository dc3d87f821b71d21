"""The 隐患整改 tab: hidden dangers found and rectified, overdue and listed ones."""

from __future__ import annotations

from datetime import date
from typing import Any

from dash import html

from views.charts import (
    MONTHS_EN,
    create_found_bars,
    create_rate_bars,
    create_trend,
)
from views.labels import Label
from views.tables import (
    column,
    create_table,
    export_links,
)
from views.tabs.common import DATE_WIDTH, big, days_overdue_column, figure, flagged, heading
from views.url_state import link_row_id


def _delta(now: int, before: int) -> html.Span:
    diff = now - before
    arrow = "↑" if diff > 0 else ("↓" if diff < 0 else "→")
    return html.Span(f"{arrow}{abs(diff):,}", className="delta")


def span_text(start: str, end: str, label: Label, lang: str) -> str:
    """Days of one month, e.g. 11月1–23日 / 1–23 Nov (one day: 12月1日 / 1 Dec)."""
    a, b = date.fromisoformat(start), date.fromisoformat(end)
    key = "dangers.span_one" if a == b else "dangers.span"
    return label(key, lang).format(m=a.month, a=a.day, b=b.day, mon=MONTHS_EN[a.month - 1])


TOP_INDUSTRIES = 10


def create_danger_tab(
    doc: dict[str, Any],
    listed: dict[str, Any],
    theme: str,
    label: Label,
    lang: str,
    scope: str | None = None,
) -> list:
    """隐患整改: totals, this month to date vs the same days of last month, rate by child grid,
    trend, sources, industries, the overdue list (rows open the dossier; the first rows of
    all, which the export has) and the listed major hidden dangers. `scope`: the grid code."""
    tot, this, last = doc["totals"], doc["this_month"], doc["last_month"]
    industries = doc["by_industry"]
    out: list = [
        html.Div(
            [
                big(label("big.found", lang), f"{tot['found']:,}", "found"),
                big(label("big.rectified", lang), f"{tot['rectified']:,}", "rectified"),
                big(label("big.rate", lang), f"{tot['rate']:.2%}", "rate", cls="good"),
                big(label("big.overdue", lang), f"{tot['overdue']:,}", "overdue", cls="warn"),
                big(label("big.major", lang), f"{tot['major']:,}", "major"),
            ],
            className="bigs five",
        ),
        html.Div(
            [
                html.Span(
                    label("dangers.this_month", lang).format(
                        span=span_text(this["from"], this["to"], label, lang)
                    ),
                    className="month-name",
                ),
                html.Span(f"{label('kpi.found', lang)} {this['found']:,} "),
                _delta(this["found"], last["found"]),
                html.Span(f" · {label('kpi.rectified', lang)} {this['rectified']:,} "),
                _delta(this["rectified"], last["rectified"]),
                html.Span(
                    label("dangers.last_month_figures", lang).format(
                        span=span_text(last["from"], last["to"], label, lang),
                        found=f"{last['found']:,}",
                        rectified=f"{last['rectified']:,}",
                    ),
                    className="muted",
                ),
            ],
            className="month-line",
            id="danger-months",
        ),
    ]
    if doc["by_child"]:
        out += [
            html.H3(label("dangers.rate_by_child", lang)),
            figure(
                create_rate_bars(doc["by_child"], tot["rate"], theme, label, lang), "chart-rate"
            ),
        ]
    out += [
        html.H3(label("dangers.trend", lang)),
        figure(create_trend(doc["trend"], theme, label, lang), "chart-trend"),
        html.H3(label("dangers.by_source", lang)),
        figure(
            create_found_bars(
                doc["by_source"], lambda r: label(f"source.{r['source']}", lang), theme, label, lang
            ),
            "chart-source",
        ),
        html.H3(label("dangers.by_industry", lang)),
        figure(
            create_found_bars(
                industries[:TOP_INDUSTRIES], lambda r: r["industry"] or "—", theme, label, lang
            ),
            "chart-industry",
        ),
        html.Div(
            [
                html.Span(
                    label("dangers.industries_cut", lang).format(
                        n=TOP_INDUSTRIES, total=len(industries)
                    ),
                    className="muted",
                ),
                export_links("dangers-by-industry", {"grid": scope}, len(industries), label, lang),
            ],
            className="cut-note",
            id="industries-cut",
            style={"display": "flex", "gap": "10px", "fontSize": "12px"},
        )
        if len(industries) > TOP_INDUSTRIES
        else None,
        heading(label("dangers.overdue_list", lang), label("dangers.open_dossier", lang)),
        create_table(
            "overdue",
            [
                column("enterprise", label("col.enterprise", lang), flex=3, minWidth=72),
                column("grid", label("col.grid", lang), flex=2, minWidth=56),
                column("what", label("col.what", lang), flex=3, minWidth=72),
                column("deadline", label("col.deadline", lang), flex=2, minWidth=DATE_WIDTH),
                days_overdue_column(label, lang, cellClass=["warn", "ag-right-aligned-cell"]),
            ],
            [
                {
                    "row_id": link_row_id(d["credit_code"], d["code"]),
                    "enterprise": d["enterprise"] or "—",
                    "grid": d["grid"] or "—",
                    "what": d["description"] or d["category"] or "",
                    "deadline": d["deadline"],
                    "days_overdue": d["days_overdue"],
                }
                for d in doc["overdue"]
            ],
            theme,
            label,
            lang,
            height=300,
            row_id="row_id",
            total=doc["overdue_total"],
            export=("overdue-dangers", {"grid": scope}),
        ),
    ]
    counts = listed["counts"]
    out += [
        html.H3(label("dangers.listed", lang)),
        html.Div(
            [
                html.Span(
                    [html.B(f"{counts[k]}"), f" {label(f'listing.{k}', lang)}"],
                    className="chip-count",
                    id=f"listed-{k}",
                )
                for k in counts
            ],
            className="chip-counts",
        ),
        create_table(
            "listed",
            [
                column("level", label("col.level", lang), flex=1, minWidth=52),
                column("what", label("col.what", lang), flex=3, minWidth=84),
                column("enterprise", label("col.enterprise", lang), flex=2, minWidth=72),
                # the deadline and where the danger stands, one column: five fit a laptop
                column(
                    "deadline_status",
                    label("col.deadline_status", lang),
                    flex=2,
                    minWidth=DATE_WIDTH,
                ),
            ],
            [
                {
                    "row_id": link_row_id(d["credit_code"], d["code"]),
                    "level": label(f"listing.{d['listing_level']}", lang),
                    "what": d["description"] or "",
                    "enterprise": d["enterprise"] or d["grid"] or "—",
                    "deadline_status": " ".join(
                        [
                            d["deadline"] or "—",
                            flagged(
                                label(f"status.{d['status']}", lang), d["overdue"], label, lang
                            ),
                        ]
                    ),
                    "overdue": d["overdue"],
                }
                for d in listed["items"]
            ],
            theme,
            label,
            lang,
            height=240,
            row_id="row_id",
            row_class={"row-overdue": "params.data.overdue"},
        ),
    ]
    return out
