"""The briefing menu (汇报材料) above every tab: the scope's briefing of this and last month
and quarter as PDF, Word or slides, and the monthly ones the scheduler made. Plain links:
operators and viewers alike download them (GET routes behind the sign-in gate)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from dash import html

from data_loaders.periods import Period, current_period, period_label, previous_period
from views.labels import Label

SHOWN_MONTHLY = 6  # the newest monthly files listed


def briefing_periods(today: date) -> list[Period]:
    """This month, last month, this quarter, last quarter."""
    month, quarter = current_period("month", today), current_period("quarter", today)
    return [month, previous_period(month, today), quarter, previous_period(quarter, today)]


def briefing_links(code: str, period: Period, lang: str) -> dict[str, str]:
    """The URLs of a scope's briefing for a period: pdf, docx and the slides."""
    query = urlencode({"grid": code, "period": period.code, "lang": lang})
    return {
        "pdf": f"/api/briefing.pdf?{query}",
        "docx": f"/api/briefing.docx?{query}",
        "slides": f"/brief/?{query}",
    }


def create_briefing_menu(
    code: str, today: date, monthly: list[dict[str, Any]], label: Label, lang: str
) -> html.Details:
    """The menu for one scope (code: the grid shown; the county's own code for the county);
    `monthly`: the scheduler's files of this scope (read_models.documents.briefing_jobs)."""
    rows = []
    for period in briefing_periods(today):
        links = briefing_links(code, period, lang)
        rows.append(
            html.Div(
                [
                    html.Span(period_label(period, lang), className="brief-period"),
                    html.A(label("brief.pdf", lang), href=links["pdf"], className="brief-link"),
                    html.A(label("brief.docx", lang), href=links["docx"], className="brief-link"),
                    html.A(
                        label("brief.slides", lang),
                        href=links["slides"],
                        target="_blank",
                        className="brief-link",
                    ),
                ],
                className="brief-row",
            )
        )
    if monthly:
        rows.append(html.Div(label("brief.monthly", lang), className="brief-sub"))
        for item in monthly[:SHOWN_MONTHLY]:
            rows.append(
                html.Div(
                    html.A(
                        f"{item['period']} · {item['format'].upper()}",
                        href=item["url"],
                        className="brief-link",
                    ),
                    className="brief-row",
                )
            )
    return html.Details(
        [html.Summary(label("brief.menu", lang)), html.Div(rows, className="brief-items")],
        className="brief-menu",
        id="brief-menu",
    )
