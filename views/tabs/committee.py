"""The 安委会 tab: committees, their meetings and tasks."""

from __future__ import annotations

from typing import Any

from dash import html

from data_loaders.rules.metrics import rate
from views.charts import (
    create_status_bars,
)
from views.labels import Label
from views.tables import (
    column,
    create_table,
)
from views.tabs.common import DATE_WIDTH, big, days_overdue_column, figure, flagged, heading


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
    review = "/review/" + ("?lang=en" if lang == "en" else "")
    return [
        html.A(
            label("review.link", lang) + " ›",
            href=review,
            className="tab-link",
            id="committee-review-link",
            title=label("review.title", lang),
        ),
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
                days_overdue_column(label, lang),
            ],
            overdue,
            theme,
            label,
            lang,
            height=200,
        ),
        heading(label("committee.tasks", lang), label("task.pick", lang)),
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
