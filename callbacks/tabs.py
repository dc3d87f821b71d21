"""The right panel's tabs (隐患整改, 专项整治, 安委会, 通报排名): UI factories from the read models.

Each `create_*_tab` takes the read model's document and returns Dash children; nothing here
reads the store. Dash and AG Grid render every data text as text."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from dash import dcc, html

from callbacks import ids
from callbacks.charts import (
    CONFIG,
    MONTHS_EN,
    create_found_bars,
    create_progress_bars,
    create_rate_bars,
    create_score_bars,
    create_status_bars,
    create_trend,
    month_label,
)
from callbacks.deps import Label
from callbacks.kpi import campaign_name
from callbacks.map_state import TABS, link_row_id
from callbacks.tables import (
    COMPACT_FONT,
    COMPACT_PADDING,
    JOIN,
    column,
    create_table,
    export_links,
    fit_width,
)
from data_loaders.rules.metrics import rate
from data_loaders.times import month_start

# narrowest columns: a date (2026-11-23) and a day count, whole; tables fit the panel (a
# column is never narrower than its header's longest word either)
DATE_WIDTH = fit_width("", "2026-11-23")
DAYS_WIDTH = 48
# AG Grid formats in the browser; the row keeps the number so sorting stays numeric
# a bulletin part: one decimal, a full score as 100 (100.0 widened all five columns)
PART_SCORE = "(params.value >= 100 ? '100' : d3.format('.1f')(params.value))"
TWO_DECIMALS = {"function": "params.value == null ? '—' : d3.format('.2f')(params.value)"}


def create_tab_bar(active: str, label: Label, lang: str) -> list:
    """The tab buttons; the active one is marked (and announced to screen readers)."""
    return [
        html.Button(
            label(f"panel.tab.{tab}", lang),
            id={"type": ids.PANEL_TAB, "tab": tab},
            className="panel-tab active" if tab == active else "panel-tab",
            **{"aria-selected": "true" if tab == active else "false"},
            role="tab",
        )
        for tab in TABS
    ]


def figure(fig: Any, key: str) -> dcc.Graph:
    """A panel chart (no mode bar; sized by the figure's own height)."""
    return dcc.Graph(figure=fig, config=CONFIG, className="panel-chart", id=key)


def big(title: str, value: str, key: str, note: Any = None, cls: str = "") -> html.Div:
    """One large figure with its caption."""
    return html.Div(
        [
            html.Div(title, className="big-title"),
            html.Div(value, className=f"big-value {cls}".strip()),
            html.Div(note, className="big-note") if note is not None else None,
        ],
        className="big",
        id=f"big-{key}",
    )


def flagged(text: str, flag: bool, label: Label, lang: str) -> str:
    """A status with its overdue flag: 未开始 · 逾期 (the dot stays with the status, so a
    narrow cell breaks before 逾期, never inside a phrase)."""
    return f"{text}{JOIN}{label('task.overdue', lang)}" if flag else text


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
        html.H3(
            [
                label("dangers.overdue_list", lang),
                html.Span(f" {label('dangers.open_dossier', lang)}", className="h3-note"),
            ]
        ),
        create_table(
            "overdue",
            [
                column("enterprise", label("col.enterprise", lang), flex=3, minWidth=72),
                column("grid", label("col.grid", lang), flex=2, minWidth=56),
                column("what", label("col.what", lang), flex=3, minWidth=72),
                column("deadline", label("col.deadline", lang), flex=2, minWidth=DATE_WIDTH),
                column(
                    "days_overdue",
                    label("col.days_overdue", lang),
                    flex=1,
                    minWidth=DAYS_WIDTH,
                    type="numericColumn",
                    cellClass=["warn", "ag-right-aligned-cell"],
                ),
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


def chosen_campaign(campaigns: list[dict[str, Any]], wanted: str | None) -> str | None:
    """The campaign to detail: the one asked for, else the first behind schedule, else the
    first."""
    codes = [c["code"] for c in campaigns]
    if wanted in codes:
        return wanted
    behind = [c["code"] for c in campaigns if c["behind"]]
    return (behind or codes or [None])[0]


def create_campaign_tab(
    campaigns: list[dict[str, Any]],
    detail: dict[str, Any] | None,
    theme: str,
    label: Label,
    lang: str,
    scope: str | None = None,
) -> list:
    """专项整治: every campaign's progress against time, a picker, and the chosen one's
    progress by child grid and owner unit, overdue tasks (the first rows of all, which the
    export has), hidden dangers and enforcement. `scope`: the grid code."""

    def name(c: dict[str, Any]) -> str:
        return campaign_name(c, lang)

    out: list = [
        html.H3(label("campaign.progress", lang)),
        figure(create_progress_bars(campaigns, name, theme, label, lang), "chart-campaigns"),
        html.Div(
            [
                html.Button(
                    [
                        html.Span(name(c), className="pick-name"),
                        html.Span(f"{c['done']:,}/{c['tasks']:,}", className="pick-figure"),
                        html.Span(
                            label("campaign.behind" if c["behind"] else "campaign.on_track", lang),
                            className="pick-flag behind" if c["behind"] else "pick-flag",
                        ),
                    ],
                    id={"type": ids.CAMPAIGN_PICK, "code": c["code"]},
                    className="pick active" if detail and c["code"] == detail["code"] else "pick",
                    title=label("campaign.pick", lang),
                )
                for c in campaigns
            ],
            className="picks",
        ),
    ]
    if detail is None:
        return out
    d = detail
    elapsed = d["elapsed"]
    out += [
        html.H2(name(d), className="detail-name", id="campaign-detail-name"),
        html.Div(
            f"{d['starts_on'] or ''} – {d['ends_on'] or ''}"
            + (
                f" · {label('campaign.elapsed', lang).format(v=f'{elapsed:.0%}')}"
                if elapsed
                else ""
            ),
            className="muted",
        ),
        html.Div(
            [
                big(label("col.done_total", lang), f"{d['done']:,}/{d['tasks']:,}", "c-done"),
                big(label("col.rate", lang), f"{d['progress']:.2%}", "c-rate"),
                big(label("big.overdue", lang), f"{d['overdue']:,}", "c-overdue", cls="warn"),
            ],
            className="bigs three",
        ),
    ]
    children = [
        {**r, "elapsed": elapsed, "behind": elapsed is not None and r["progress"] < elapsed}
        for r in d["by_child"]
        if r["tasks"]
    ]
    in_children = sum(r["tasks"] for r in d["by_child"])
    if children:
        out += [
            html.H3(label("campaign.by_child", lang)),
            figure(
                create_progress_bars(
                    sorted(children, key=lambda r: -r["progress"]),
                    lambda r: r["name"],
                    theme,
                    label,
                    lang,
                ),
                "chart-campaign-child",
            ),
        ]
    if d["by_child"] and d["tasks"] > in_children:
        out.append(
            html.Div(
                label("campaign.county_wide", lang).format(n=d["tasks"] - in_children),
                className="muted",
            )
        )
    hd, enf = d["hidden_dangers"], d["enforcement"]
    out += [
        html.H3(label("campaign.by_unit", lang)),
        create_table(
            "units",
            [
                column("unit", label("col.owner", lang), flex=3, minWidth=100),
                column("done_total", label("col.done_total", lang), flex=2),
                column("rate", label("col.rate", lang), flex=1, type="numericColumn"),
                column("overdue", label("big.overdue", lang), flex=1, type="numericColumn"),
            ],
            [
                {
                    "unit": u["owner_unit"] or "—",
                    "done_total": f"{u['done']}/{u['tasks']}",
                    "rate": f"{u['progress']:.1%}",
                    "overdue": u["overdue"],
                }
                for u in d["by_unit"]
            ],
            theme,
            label,
            lang,
            height=220,
        ),
        html.H3(label("campaign.overdue_tasks", lang)),
        create_table(
            "campaign-overdue",
            [
                column("title", label("col.task", lang), flex=3, minWidth=110),
                column("owner_unit", label("col.owner", lang), flex=2, minWidth=72),
                column("due_on", label("col.due", lang), flex=2, minWidth=DATE_WIDTH),
                column(
                    "days_overdue",
                    label("col.days_overdue", lang),
                    flex=1,
                    minWidth=DAYS_WIDTH,
                    type="numericColumn",
                ),
            ],
            d["overdue_tasks"],
            theme,
            label,
            lang,
            height=220,
            total=d["overdue"],
            export=("campaign-overdue-tasks", {"grid": scope, "campaign": d["code"]}),
        ),
        html.H3(label("campaign.dangers", lang)),
        html.Div(
            [
                big(label("big.found", lang), f"{hd['found']:,}", "cd-found"),
                big(label("big.rectified", lang), f"{hd['rectified']:,}", "cd-rectified"),
                big(label("big.rate", lang), f"{hd['rate']:.2%}", "cd-rate", cls="good"),
                big(label("big.overdue", lang), f"{hd['overdue']:,}", "cd-overdue", cls="warn"),
            ],
            className="bigs four",
        ),
        html.H3(label("campaign.enforcement", lang)),
        html.Div(
            # two by two: a whole label each (行政拘留 / Administrative detentions)
            [big(label(f"enforcement.{k}", lang), f"{v:,}", f"enf-{k}") for k, v in enf.items()],
            className="bigs two",
            id="campaign-enforcement",
        ),
    ]
    return out


def committee_name(c: dict[str, Any], lang: str, key: str = "name") -> str:
    """A committee's short name: English, or the Chinese without 专业委员会."""
    if lang != "zh" and c.get(f"{key}_en"):
        return c[f"{key}_en"]
    return (c.get(key) or "").removesuffix("安全专业委员会").removesuffix("专业委员会")


def create_committee_tab(
    panel: dict[str, Any], tasks: list[dict[str, Any]], theme: str, label: Label, lang: str
) -> list:
    """安委会: completion, status by committee, activity counts, overdue tasks, the task list
    (a click picks a task for the editor below)."""
    tot = panel["totals"]
    overdue = [
        {**t, "committee": committee_name(c, lang)}
        for c in panel["committees"]
        for t in c["overdue_tasks"]
    ]
    return [
        html.Div(
            [
                big(
                    label("committee.rate", lang),
                    f"{rate(tot['done'], tot['tasks']):.2%}",
                    "cm-rate",
                    cls="good",
                ),
                big(label("col.done_total", lang), f"{tot['done']:,}/{tot['tasks']:,}", "cm-done"),
                big(label("big.overdue", lang), f"{tot['overdue']:,}", "cm-overdue", cls="warn"),
            ],
            className="bigs three",
        ),
        html.Div(
            [
                big(label("big.meetings", lang), f"{tot['meetings']:,}", "cm-meetings"),
                big(label("big.inspections", lang), f"{tot['inspections']:,}", "cm-inspections"),
                big(
                    label("big.joint_enforcement", lang),
                    f"{tot['joint_enforcement']:,}",
                    "cm-joint",
                ),
            ],
            className="bigs three",
        ),
        html.H3(label("committee.by_status", lang)),
        figure(
            create_status_bars(
                panel["committees"], lambda c: committee_name(c, lang), theme, label, lang
            ),
            "chart-committees",
        ),
        html.H3(label("committee.overdue", lang)),
        create_table(
            "committee-overdue",
            [
                column("committee", label("col.committee", lang), flex=2, minWidth=60),
                column("title", label("col.task", lang), flex=3, minWidth=64),
                column("owner_unit", label("col.owner", lang), flex=2, minWidth=60),
                column("due_on", label("col.due", lang), flex=2, minWidth=DATE_WIDTH),
                column(
                    "days_overdue",
                    label("col.days_overdue", lang),
                    flex=1,
                    minWidth=DAYS_WIDTH,
                    type="numericColumn",
                ),
            ],
            overdue,
            theme,
            label,
            lang,
            height=200,
        ),
        html.H3(
            [
                label("committee.tasks", lang),
                html.Span(f" {label('task.pick', lang)}", className="h3-note"),
            ]
        ),
        create_table(
            "tasks",
            [
                column("committee", label("col.committee", lang), flex=2, minWidth=60),
                column("title", label("col.task", lang), flex=3, minWidth=56),
                column("owner_unit", label("col.owner", lang), flex=2, minWidth=60),
                # the due date and where the task stands, one column: five fit a laptop
                column("due_status", label("col.due_status", lang), flex=3, minWidth=DATE_WIDTH),
                column(
                    "progress",
                    label("col.progress_short", lang),
                    flex=1,
                    minWidth=44,
                    type="numericColumn",
                    headerTooltip=label("col.progress", lang),
                ),
            ],
            [
                {
                    "code": t["code"],
                    "committee": committee_name(t, lang, "committee_name"),
                    "title": t["title"],
                    "owner_unit": t["owner_unit"],
                    "due_status": " ".join(
                        [
                            t["due_on"] or "—",
                            flagged(label(f"task.{t['status']}", lang), t["overdue"], label, lang),
                        ]
                    ),
                    "progress": f"{t['progress']}%",
                    "overdue": t["overdue"],
                }
                for t in tasks
            ],
            theme,
            label,
            lang,
            height=300,
            row_id="code",
            row_class={"row-overdue": "params.data.overdue"},
        ),
    ]


def month_options(today: date, label: Label, lang: str, n: int = 12) -> list[dict[str, str]]:
    """The last n months, newest first, as dropdown options."""
    out = []
    for k in range(n):
        m = month_start(today, k).isoformat()[:7]
        text = label("rank.month_label", lang).format(
            y=m[:4], m=int(m[5:7]), name=month_label(m, lang)
        )
        out.append({"label": text, "value": m})
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
                    value=doc["month"],
                    clearable=False,
                    searchable=False,
                    className="month-pick",
                ),
                html.Span(
                    label("rank.as_of", lang).format(d=doc["as_of"], p=doc["previous_month"]),
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
