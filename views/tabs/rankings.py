"""The 通报排名 tab: the month's town ranking and its bulletin."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from dash import dcc, html

from data_loaders.periods import current_period, parse_period, period_label, recent_periods
from data_loaders.times import month_start
from views import ids
from views.charts import (
    create_score_bars,
    month_label,
)
from views.labels import Label
from views.tables import (
    COMPACT_FONT,
    COMPACT_PADDING,
    column,
    create_table,
    fit_width,
)
from views.tabs.common import figure

# AG Grid formats in the browser; the row keeps the number so sorting stays numeric
# a bulletin part: one decimal, a full score as 100 (100.0 widened all five columns)
PART_SCORE = "(params.value >= 100 ? '100' : d3.format('.1f')(params.value))"


TWO_DECIMALS = {"function": "params.value == null ? '—' : d3.format('.2f')(params.value)"}


def month_options(
    today: date, label: Label, lang: str, n: int = 12, quarters: int = 4
) -> list[dict[str, str]]:
    """The last n months, newest first, then the last quarters (一季一排名), as options."""
    out = []
    for k in range(n):
        m = month_start(today, k).isoformat()[:7]
        text = label("rank.month_label", lang).format(
            y=m[:4], m=int(m[5:7]), name=month_label(m, lang)
        )
        out.append({"label": text, "value": m})
    for p in recent_periods(current_period("quarter", today), today, quarters)[::-1]:
        out.append({"label": period_label(p, lang), "value": p.code})
    return out


def too_few_line(towns: list[dict[str, Any]], fewest: int, label: Label, lang: str) -> str:
    """The bulletin's line naming the towns whose alarm part is not counted: those with a
    few alarms (and how many), then those with none."""
    sep = label("punct.list", lang)
    some = [t for t in towns if t["parts"]["alarm_handling"]["alarms"]]
    none = [t["name"] for t in towns if not t["parts"]["alarm_handling"]["alarms"]]
    out = []
    if some:
        listed = sep.join(
            label("rank.alarms_of_town", lang).format(
                name=t["name"], k=t["parts"]["alarm_handling"]["alarms"]
            )
            for t in some
        )
        out.append(label("rank.too_few_towns", lang).format(n=fewest, towns=listed))
    if none:
        key = "rank.no_alarm_towns" if some else "rank.no_alarm_towns_only"
        out.append(label(key, lang).format(n=fewest, towns=sep.join(none)))
    return label("rank.sentence_sep", lang).join(out)


def create_ranking_tab(
    doc: dict[str, Any], town: str | None, today: date, theme: str, label: Label, lang: str
) -> list:
    """通报排名: the month, how the score is made, the scores and the table with rank change;
    the town in scope is highlighted."""

    def change(t: dict[str, Any]) -> str:
        if t["change"] is None:
            return label("rank.new", lang)
        if t["change"] == 0:
            return ""
        return f"↑{t['change']}" if t["change"] > 0 else f"↓{-t['change']}"

    def rank_text(t: dict[str, Any]) -> str:
        return f"{t['rank']} {change(t)}".strip()

    def part(t: dict[str, Any], key: str) -> float | None:
        return t["parts"][key]["score"]

    weights = " · ".join(
        f"{label(f'rank.part.{k}', lang)} {w:g}" for k, w in doc["weights"].items() if w
    )
    parts = list(doc["weights"])
    fewest = max(int(doc.get("min_alarms", 1)), 1)
    excluded = label("rank.not_counted", lang)
    too_few = label("rank.too_few_alarms", lang).format(n=fewest)

    def counted(t: dict[str, Any]) -> bool:
        return t["parts"]["alarm_handling"].get("counted", True)

    # a town with too few alarms: the cell says 不计 (its tooltip why), a line below names them
    uncounted = [t for t in doc["towns"] if not counted(t)]
    alarm_cell = {
        "function": "params.value == null ? (params.data.alarm_excluded ? "
        + json.dumps(excluded, ensure_ascii=False)
        + " : '—') : "
        + PART_SCORE
    }
    part_cell = {"function": f"params.value == null ? '—' : {PART_SCORE}"}

    def narrow(header: str, *values: str) -> dict[str, Any]:
        # the bulletin's columns fit a laptop's panel: each as wide as its header or values,
        # in the bulletin's smaller type
        return {
            "flex": 1,
            "minWidth": fit_width(header, *values, padding=COMPACT_PADDING, size=COMPACT_FONT),
            "padding": COMPACT_PADDING,
            "size": COMPACT_FONT,
        }

    def part_column(k: str) -> dict[str, Any]:
        short = label(f"rank.short.{k}", lang)
        if k == "alarm_handling":
            return column(
                k,
                short,
                **narrow(short, "99.9", excluded),
                headerTooltip=f"{label(f'rank.part.{k}', lang)} · {too_few}",
                valueFormatter=alarm_cell,
                tooltipField="alarm_note",
            )
        return column(
            k,
            short,
            **narrow(short, "99.9"),
            headerTooltip=label(f"rank.part.{k}", lang),
            valueFormatter=part_cell,
        )

    return [
        html.Div(
            [
                dcc.Dropdown(
                    id={"type": ids.RANK_MONTH, "i": 0},
                    options=month_options(today, label, lang),
                    value=doc["period"],
                    clearable=False,
                    searchable=False,
                    className="month-pick",
                ),
                html.Span(
                    label("rank.as_of", lang).format(
                        d=doc["as_of"],
                        p=period_label(parse_period(doc["previous_period"], today), lang),
                    ),
                    className="muted",
                ),
            ],
            className="rank-head",
        ),
        html.Div(
            label("rank.method", lang)
            + weights
            + (
                label("rank.method_alarms", lang).format(n=fewest)
                if doc["weights"].get("alarm_handling")
                else ""
            ),
            className="method",
            id="rank-method",
        ),
        html.H3(label("rank.scores", lang)),
        figure(create_score_bars(doc["towns"], town, theme, label, lang), "chart-scores"),
        create_table(
            "rankings",
            [
                # the rank with its change since last month (3 ↓1, 9 新): sorted by the rank
                column(
                    "rank",
                    label("col.rank", lang),
                    **narrow(
                        label("col.rank", lang),
                        *(rank_text(t) for t in doc["towns"]),
                        f"{len(doc['towns'])} ↓{len(doc['towns'])}",
                    ),
                    valueFormatter={"function": "params.data.rank_text"},
                    headerTooltip=label("col.rank_change", lang),
                ),
                column(
                    "name",
                    label("col.town", lang),
                    **narrow(label("col.town", lang), *(t["name"] for t in doc["towns"])),
                ),
                column(
                    "score",
                    label("col.score", lang),
                    **narrow(label("col.score", lang), "100.00"),
                    valueFormatter=TWO_DECIMALS,
                ),
                *(part_column(k) for k in parts),
            ],
            [
                {
                    "code": t["code"],
                    "rank": t["rank"],
                    "rank_text": rank_text(t),
                    "name": t["name"],
                    "score": t["score"],
                    **{k: part(t, k) for k in parts},
                    "alarm_excluded": not counted(t),
                    "alarm_note": None if counted(t) else too_few,
                    "selected": t["code"] == town,
                }
                for t in doc["towns"]
            ],
            theme,
            label,
            lang,
            height=None,  # every town in view, however tall wrapped headers make it
            row_id="code",
            row_class={"row-selected": "params.data.selected"},
            padding=COMPACT_PADDING,
            font=COMPACT_FONT,
        ),
        html.Div(
            label("rank.too_few_all", lang).format(n=fewest)
            if len(uncounted) == len(doc["towns"])
            else too_few_line(uncounted, fewest, label, lang),
            className="method",
            id="rank-uncounted",
        )
        if uncounted and doc["weights"].get("alarm_handling")
        else None,
    ]
