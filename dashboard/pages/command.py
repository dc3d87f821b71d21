"""The command page (`/`): header, KPI strip; the map arrives with the one-map issue."""

from __future__ import annotations

from dash import dcc, html

from callbacks import ids
from dashboard.i18n import t


def create_layout(title: str, lang: str) -> html.Div:
    """The page shell; callbacks fill the chrome in the URL's language and the KPI strip."""
    other = "en" if lang == "zh" else "zh"
    return html.Div(
        [
            dcc.Location(id=ids.LOCATION, refresh=True),
            dcc.Store(id=ids.DATA_VERSION),
            dcc.Interval(id=ids.KPI_POLL, interval=15_000),
            dcc.Interval(id=ids.CLOCK_TICK, interval=1_000),
            html.Header(
                [
                    html.H1(title, id=ids.TITLE, className="title"),
                    html.Div(t("app.subtitle", lang), id=ids.SUBTITLE, className="subtitle"),
                    html.Div(id=ids.CLOCK, className="clock"),
                    html.A(
                        t("app.lang_switch", lang),
                        href=f"?lang={other}",
                        id=ids.LANG_LINK,
                        className="lang-switch",
                    ),
                ],
                className="header",
            ),
            html.Main(
                [
                    html.P(t("app.map_next", lang), id=ids.NOTICE, className="notice"),
                    html.Div(id=ids.KPI_STRIP, className="kpi-strip"),
                ],
                className="main",
            ),
        ],
        className="page",
        lang="zh-CN" if lang == "zh" else "en",
    )
