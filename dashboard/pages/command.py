"""The command page (`/`): the map in the centre, KPI strip above, layers and filters on the
left, the area summary or enterprise dossier on the right, the newest alarms below."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.i18n import t
from data_loaders.vocab import RISK_TAGS, SAFETY_CLASSES
from read_models.geojson.grids import METRICS
from views import ids
from views.alarm_panel import create_alarm_dialog
from views.chrome import create_user_box
from views.legend import create_legend
from views.map import create_map
from views.task_editor import create_task_editor
from views.url_state import ALL_LAYERS, DEFAULT_LAYERS, controls_of, parse_query


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
    store, and the KPI strip, the panel, the alarm list and strip drawn for it (`initial`:
    "strip", "panel", "alarms", "detail", "feed"; none of their callbacks runs at the
    page's start, and links drawn here start no call either); callbacks take over from
    there. `links` are the language and theme switches' first targets (callbacks.chrome
    keeps them on the view)."""
    lang_href, theme_href = links
    # the daily layers first, then those for an emergency (resources, targets), off at first
    switchable = [*DEFAULT_LAYERS, *(n for n in ALL_LAYERS if n not in DEFAULT_LAYERS)]
    layer_options = [{"label": t(f"layer.{name}", lang), "value": name} for name in switchable]
    # the controls show the URL's view (their callbacks do not run at the page's start)
    shown, metric, classes, industries_on, tags = controls_of(parse_query(search, default_lang))
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
                value=shown,
                className="switches",
            ),
            html.H4(t("map.metric", lang)),
            dcc.RadioItems(id=ids.METRIC, options=metric_options, value=metric, className="metric"),
            html.H4(t("map.filters", lang)),
            html.Div(t("filter.class", lang), className="field-label"),
            dcc.Checklist(
                id=ids.CLASS_FILTER,
                options=class_options,
                value=classes,
                inline=True,
                className="classes",
            ),
            html.Div(t("filter.industry", lang), className="field-label"),
            dcc.Dropdown(
                id=ids.INDUSTRY_FILTER,
                multi=True,
                placeholder=t("filter.any", lang),
                options=[{"label": f"{name} ({n:,})", "value": name} for name, n in industries],
                value=industries_on,
            ),
            html.Div(t("filter.tag", lang), className="field-label"),
            dcc.Dropdown(
                id=ids.TAG_FILTER,
                multi=True,
                placeholder=t("filter.any", lang),
                options=[{"label": t(f"tag.{code}", lang), "value": code} for code in RISK_TAGS],
                value=tags,
            ),
            create_legend(t, lang),
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
            dcc.Store(id=ids.LINK_EVENT),
            dcc.Store(id=ids.INCIDENT_EVENT),
            # fixed for the page's life: a language or theme switch loads a new page
            dcc.Store(
                id=ids.PAGE_STATE,
                data={"lang": lang, "default_lang": default_lang, "theme": theme},
            ),
            dcc.Interval(id=ids.DATA_POLL, interval=poll_ms),
            dcc.Interval(id=ids.TREND_TICK, interval=30_000),
            dcc.Interval(id=ids.MINUTE_TICK, interval=60_000),
            dcc.Store(id=ids.ALARM_SELECTED),
            dcc.Store(id=ids.ALARM_DETAIL_KEY, data=initial["detail"][1]),
            dcc.Store(id=ids.ALARM_DONE, data=0),
            dcc.Store(id=ids.ALARM_SIGNAL, data=initial["alarms"][2]),
            dcc.Store(id=ids.SOUND_ON, storage_type="local", data=True),
            html.Div(id=ids.ALARM_FLASH, className="alarm-flash"),
            # 演练 / DRILL over every screen while a drill runs (callbacks.incidents)
            html.Div(
                t("incident.watermark", lang),
                id=ids.DRILL_WATERMARK,
                className=initial["banner"][1],
                **{"aria-hidden": "true"},
            ),
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
                    html.Div(initial["strip"][0], id=ids.KPI_STRIP, className="kpi-strip"),
                    html.Div(
                        [
                            html.Div(id=ids.CLOCK, className="clock"),
                            html.Div(initial["strip"][1], id=ids.SCOPE, className="scope"),
                            html.Div(
                                [
                                    create_user_box(t, user, lang, csrf),
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
                    html.Div(
                        initial["banner"][0], id=ids.INCIDENT_BANNER, className="incident-banner"
                    ),
                ],
                className="center",
            ),
            html.Aside(
                [
                    html.Nav(
                        initial["panel"][0],
                        id=ids.PANEL_TABS,
                        className="panel-tabs",
                        role="tablist",
                    ),
                    html.Div(initial["panel"][1], id=ids.PANEL, className="panel-body"),
                    create_task_editor(t, lang),
                    dcc.Store(id=ids.PANEL_KEY, data=initial["panel"][2]),
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
                                [
                                    t("alarm.list", lang),
                                    " ",
                                    html.Span(initial["alarms"][1], id=ids.ALARM_COUNT),
                                ],
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
                    html.Div(initial["feed"], id=ids.ALARM_STRIP, className="strip-items"),
                ],
                className="bottom",
            ),
            create_alarm_dialog(t, lang, initial["detail"][0]),
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
