"""The 专项整治 tab: a campaign's progress, by town and by task."""

from __future__ import annotations

from typing import Any

from dash import html

from views import ids
from views.charts import (
    create_progress_bars,
)
from views.kpi import campaign_name
from views.labels import Label
from views.tables import (
    column,
    create_table,
)
from views.tabs.common import DATE_WIDTH, big, days_overdue_column, figure


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
                days_overdue_column(label, lang),
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
