"""The command page (`/`): the map in the centre, KPI strip above, layers and filters on the
left, the area summary or enterprise dossier on the right, the newest alarms below."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from callbacks import ids
from callbacks.committee_tasks import create_task_editor
from callbacks.map_state import DEFAULT_LAYERS, create_map
from dashboard.i18n import t
from data_loaders.vocab import RISK_TAGS, SAFETY_CLASSES
from read_models.geojson.grids import METRICS


def create_legend(lang: str) -> html.Div:
    """Each layer's symbols, drawn with the map's own classes (assets/app.css); a switched-off
    layer's part is hidden (callbacks.chrome). The choropleth's classes sit on the map."""

    def row(swatch: Any, text: str) -> html.Div:
        return html.Div([swatch, html.Span(text)], className="legend-row")

    def group(layer: str, rows: list) -> html.Div:
        title = html.Div(t(f"layer.{layer}", lang), className="legend-title")
        return html.Div([title, *rows], className=f"legend-group lg-{layer}")

    def symbol(cls: str, text: str = "") -> html.Div:
        return html.Div(html.Span(text), className=f"legend-symbol {cls}")

    listing = ("province", "city", "county", "rolling")
    return html.Div(
        [
            html.H4(t("map.legend", lang)),
            group(
                "enterprises",
                [
                    html.Div(
                        [
                            row(html.Span(className=f"swatch class-{c}"), t(f"class.{c}", lang))
                            for c in SAFETY_CLASSES
                        ],
                        className="legend-inline",
                    ),
                    row(
                        html.Span(html.Span("25"), className="legend-cluster"),
                        t("legend.cluster", lang),
                    ),
                    row(html.Span(className="legend-red-dot"), t("legend.cluster_red", lang)),
                ],
            ),
            group(
                "major_hazards",
                [
                    html.Div(
                        [
                            row(
                                symbol(f"onemap-hazard hazard-l{n}", str(n)),
                                t("kpi.level_n", lang).format(n=n),
                            )
                            for n in (1, 2, 3, 4)
                        ],
                        className="legend-inline",
                    ),
                    html.Div(t("legend.hazard", lang), className="legend-note"),
                ],
            ),
            group(
                "listed_dangers",
                [
                    html.Div(
                        [
                            row(
                                symbol(f"onemap-listed listed-{k}", t(f"listing.short.{k}", lang)),
                                t(f"listing.{k}", lang),
                            )
                            for k in listing
                        ],
                        className="legend-inline",
                    ),
                    row(
                        symbol("onemap-listed overdue", t("listing.short.county", lang)),
                        t("listed.overdue", lang),
                    ),
                ],
            ),
            group(
                "alarms",
                [
                    html.Div(
                        [
                            row(symbol("onemap-alarm alarm-l2", "!"), t("alarm.level_2", lang)),
                            row(symbol("onemap-alarm alarm-l1", "·"), t("alarm.level_1", lang)),
                        ],
                        className="legend-inline",
                    ),
                ],
            ),
        ],
        id=ids.LEGEND,
        className="legend",
    )


def create_user_box(user: tuple[str, str] | None, lang: str, csrf: str = "") -> html.Div:
    """Who is signed in, with sign-out (a form post with the session's token: signing out
    changes state, so no plain link does it); or a sign-in link for the anonymous wall."""
    if user is None or not user[0]:
        return html.Div(html.A(t("login.signin", lang), href="/login"), id=ids.USER_BOX)
    name, role = user
    sign_out = html.Form(
        [
            dcc.Input(type="hidden", name="csrf", value=csrf),
            html.Button(t("login.logout", lang), type="submit", className="logout"),
        ],
        method="post",
        action=f"/logout?lang={lang}",
        className="logout-form",
    )
    return html.Div(
        [
            html.Span(f"{name} · {t('role.' + role, lang)}", className="user-name"),
            sign_out,
        ],
        id=ids.USER_BOX,
        className="user-box",
    )


def create_alarm_dialog(lang: str) -> html.Div:
    """The alarm handling panel: open alarms on the left, the chosen one and its actions."""
    return html.Div(
        [
            html.Div(
                [
                    html.H2(t("alarm.list", lang)),
                    html.Div(id=ids.ALARM_MESSAGE, className="alarm-message", role="status"),
                    html.Button(
                        "×", id=ids.ALARM_CLOSE, className="close", title=t("panel.close", lang)
                    ),
                ],
                className="dialog-head",
            ),
            html.Div(
                [
                    html.Div(id=ids.ALARM_LIST, className="alarm-list"),
                    html.Div(id=ids.ALARM_DETAIL, className="alarm-detail"),
                ],
                className="dialog-body",
            ),
        ],
        id=ids.ALARM_DIALOG,
        className="alarm-dialog",
    )


def create_layout(
    title: str,
    lang: str,
    initial: dict[str, Any],
    industries: list[tuple[str, int]],
    user: tuple[str, str] | None = None,
    poll_ms: int = 3000,
    theme: str = "dark",
    links: tuple[str, str] = ("?lang=en", "?theme=light"),
    default_lang: str = "zh",
    csrf: str = "",
    tile_url: str = "",
    search: str = "",
) -> html.Div:
    """The page for its URL's language and theme: the dash-leaflet map in the centre looking
    where the URL says, with the map spec it was made from (map_state.map_props) in its
    store; callbacks take over from there. `links` are the language and theme switches'
    first targets (callbacks.chrome keeps them on the view)."""
    lang_href, theme_href = links
    layer_options = [{"label": t(f"layer.{name}", lang), "value": name} for name in DEFAULT_LAYERS]
    metric_options = [{"label": t(f"metric.{m}", lang), "value": m} for m in METRICS]
    class_options = [
        {"label": html.Span(t(f"class.{c}", lang), className=f"chip class-{c}"), "value": c}
        for c in SAFETY_CLASSES
    ]

    left = html.Aside(
        [
            dcc.Input(
                id=ids.SEARCH,
                type="search",
                debounce=0.25,  # the list follows typing; Enter flies (callbacks.search)
                placeholder=t("map.search", lang),
                className="search",
                autoComplete="off",
            ),
            html.Div(id=ids.SEARCH_RESULTS, className="search-results"),
            dcc.Store(id=ids.SEARCH_SUBMIT),
            html.H4(t("map.layers", lang)),
            dcc.Checklist(
                id=ids.LAYER_SWITCHES,
                options=layer_options,
                value=list(DEFAULT_LAYERS),
                className="switches",
            ),
            html.H4(t("map.metric", lang)),
            dcc.RadioItems(id=ids.METRIC, options=metric_options, value="none", className="metric"),
            html.H4(t("map.filters", lang)),
            html.Div(t("filter.class", lang), className="field-label"),
            dcc.Checklist(
                id=ids.CLASS_FILTER,
                options=class_options,
                value=[],
                inline=True,
                className="classes",
            ),
            html.Div(t("filter.industry", lang), className="field-label"),
            dcc.Dropdown(
                id=ids.INDUSTRY_FILTER,
                multi=True,
                placeholder=t("filter.any", lang),
                options=[{"label": f"{name} ({n:,})", "value": name} for name, n in industries],
            ),
            html.Div(t("filter.tag", lang), className="field-label"),
            dcc.Dropdown(
                id=ids.TAG_FILTER,
                multi=True,
                placeholder=t("filter.any", lang),
                options=[{"label": t(f"tag.{code}", lang), "value": code} for code in RISK_TAGS],
            ),
            create_legend(lang),
        ],
        className="left",
    )
    return html.Div(
        [
            # it starts with the URL the page was drawn for: nothing to tell at its start
            dcc.Location(id=ids.LOCATION, refresh=False, pathname="/", search=search),
            dcc.Store(id=ids.DATA_VERSION, data=initial.get("version")),
            dcc.Store(id=ids.MAP_SPEC, data=initial["spec"]),
            dcc.Store(id=ids.MAP_WANTED),
            dcc.Store(id=ids.MAP_ASKED),
            # fixed for the page's life: a language or theme switch loads a new page
            dcc.Store(
                id=ids.PAGE_STATE,
                data={"lang": lang, "default_lang": default_lang, "theme": theme},
            ),
            dcc.Interval(id=ids.DATA_POLL, interval=poll_ms),
            dcc.Interval(id=ids.TREND_TICK, interval=30_000),
            dcc.Store(id=ids.ALARM_SELECTED),
            dcc.Store(id=ids.ALARM_DETAIL_KEY),
            dcc.Store(id=ids.ALARM_DONE, data=0),
            dcc.Store(id=ids.ALARM_SIGNAL),
            dcc.Store(id=ids.SOUND_ON, storage_type="local", data=True),
            html.Div(id=ids.ALARM_FLASH, className="alarm-flash"),
            dcc.Interval(id=ids.CLOCK_TICK, interval=1_000),
            html.Header(
                [
                    html.Div(
                        [
                            html.H1(title, id=ids.TITLE, className="title"),
                            html.Div(
                                t("app.subtitle", lang), id=ids.SUBTITLE, className="subtitle"
                            ),
                        ],
                        className="brand",
                    ),
                    html.Div(id=ids.KPI_STRIP, className="kpi-strip"),
                    html.Div(
                        [
                            html.Div(id=ids.CLOCK, className="clock"),
                            html.Div(id=ids.SCOPE, className="scope"),
                            html.Div(
                                [
                                    create_user_box(user, lang, csrf),
                                    html.A(
                                        t(
                                            "theme.dark" if theme == "light" else "theme.light",
                                            lang,
                                        ),
                                        href=theme_href,
                                        id=ids.THEME_LINK,
                                        className="lang-switch",
                                    ),
                                    html.A(
                                        t("app.lang_switch", lang),
                                        href=lang_href,
                                        id=ids.LANG_LINK,
                                        className="lang-switch",
                                    ),
                                ],
                                className="header-tools",
                            ),
                        ],
                        className="header-right",
                    ),
                ],
                className="header",
            ),
            left,
            html.Main(
                [
                    create_map(initial["spec"], tile_url),
                    html.Nav(initial["crumbs"], id=ids.BREADCRUMB, className="breadcrumb"),
                    html.Div(initial["legend"], id=ids.CHORO_LEGEND, className="choro"),
                ],
                className="center",
            ),
            html.Aside(
                [
                    html.Nav(id=ids.PANEL_TABS, className="panel-tabs", role="tablist"),
                    html.Div(id=ids.PANEL, className="panel-body"),
                    create_task_editor(t, lang),
                    dcc.Store(id=ids.PANEL_KEY),
                    dcc.Store(id=ids.GRIDS_READY),
                    dcc.Store(id=ids.TASK_SELECTED),
                ],
                className="right",
            ),
            html.Footer(
                [
                    html.Div(
                        [
                            html.Button(
                                [t("alarm.list", lang), " ", html.Span(id=ids.ALARM_COUNT)],
                                id=ids.ALARM_OPEN,
                                className="alarm-open",
                            ),
                            html.Button(
                                [
                                    html.Span(t("alarm.sound_on", lang), className="snd-on"),
                                    html.Span(t("alarm.sound_off", lang), className="snd-off"),
                                ],
                                id=ids.SOUND_TOGGLE,
                                className="sound-toggle",
                            ),
                        ],
                        className="strip-controls",
                    ),
                    html.Div(id=ids.ALARM_STRIP, className="strip-items"),
                ],
                className="bottom",
            ),
            create_alarm_dialog(lang),
        ],
        id=ids.PAGE,
        className="page theme-light" if theme == "light" else "page",
        lang="zh-CN" if lang == "zh" else "en",
    )


def create_shell() -> html.Div:
    """What /_dash-layout serves, the same for every URL: a location, and where the page for
    the URL's query is drawn (dashboard.app render_page: the language and theme come with
    the query). The page has its own location (ids.LOCATION), which its callbacks follow."""
    return html.Div([dcc.Location(id=ids.PAGE_LOCATION), html.Div(id=ids.PAGE_ROOT)])
