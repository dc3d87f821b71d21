"""The command page (`/`): the map in the centre, KPI strip above, layers and filters on the
left, the area summary or enterprise dossier on the right, the newest alarms below."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import dcc, html

from callbacks import ids
from callbacks.map_state import DEFAULT_LAYERS, LAYER_MODULES
from dashboard.i18n import t
from data_loaders.vocab import RISK_TAGS, SAFETY_CLASSES
from layers import basemap, grids


def create_legend(lang: str, choropleth: list) -> html.Div:
    """Symbols of every layer (the choropleth's classes are in the grid tooltip and colours)."""

    def entry(swatch: html.Span, text: str) -> html.Div:
        return html.Div([swatch, html.Span(text)], className="legend-row")

    rows = [
        entry(html.Span(className=f"swatch class-{c}"), t(f"class.{c}", lang))
        for c in SAFETY_CLASSES
    ]
    rows += [
        entry(html.Span(className="swatch cluster-red"), t("legend.cluster", lang)),
        entry(html.Span("1", className="swatch onemap-hazard hazard-l1"), t("legend.hazard", lang)),
        entry(html.Span("县", className="swatch onemap-listed overdue"), t("legend.listed", lang)),
        entry(html.Span(className="swatch onemap-alarm alarm-l2"), t("legend.alarm", lang)),
    ]
    return html.Div(
        [
            html.H4(t("map.legend", lang)),
            *rows,
            html.Div(choropleth, id=ids.CHORO_LEGEND, className="choro"),
        ],
        id=ids.LEGEND,
        className="legend",
    )


def view_props(view: dict[str, Any]) -> dict[str, Any]:
    """Initial Map props for a view (bounds of a grid, or centre and zoom of an enterprise)."""
    if view.get("center"):
        return {"center": view["center"], "zoom": view["zoom"]}
    return {"bounds": view.get("bounds") or [[27.6, 120.4], [27.9, 120.8]]}


def create_layout(
    title: str,
    lang: str,
    initial: dict[str, Any],
    industries: list[tuple[str, int]],
    tile_url: str,
) -> html.Div:
    """The page shell, with the map already set for the page's URL (map_state.map_props), so
    layer fetches start as soon as the map mounts; callbacks take over from there."""
    other = "en" if lang == "zh" else "zh"
    layer_options = [{"label": t(f"layer.{name}", lang), "value": name} for name in DEFAULT_LAYERS]
    metric_options = [{"label": t(f"metric.{m}", lang), "value": m} for m in grids.METRICS]
    class_options = [
        {"label": html.Span(t(f"class.{c}", lang), className=f"chip class-{c}"), "value": c}
        for c in SAFETY_CLASSES
    ]

    def layer_props(layer_id: str) -> dict[str, Any]:
        p = initial["layers"][layer_id]
        return {"url": p["url"], "hide": p["hideout"]}

    left = html.Aside(
        [
            dcc.Input(
                id=ids.SEARCH,
                type="search",
                debounce=True,
                placeholder=t("map.search", lang),
                className="search",
                autoComplete="off",
            ),
            html.Div(id=ids.SEARCH_RESULTS, className="search-results"),
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
            create_legend(lang, initial["legend"]),
        ],
        className="left",
    )
    the_map = dl.Map(
        [
            *basemap.build(tile_url),
            *(m.build(**layer_props(m.ID)) for m in LAYER_MODULES),
        ],
        id=ids.MAP,
        **view_props(initial["view"]),
        preferCanvas=True,
        # Nothing listens to the viewport, and tracking it breaks when only bounds are given.
        trackViewport=False,
        zoomSnap=0.25,
        attributionControl=False,
        className="map",
    )
    for layer in the_map.children:
        if isinstance(layer, dl.GeoJSON):
            layer.data = initial["layers"][layer.id]["data"]
    return html.Div(
        [
            dcc.Location(id=ids.LOCATION, refresh=False),
            dcc.Store(id=ids.DATA_VERSION, data=initial.get("version")),
            dcc.Store(id=ids.VIEW_KEY, data=initial["key"]),
            dcc.Interval(id=ids.DATA_POLL, interval=5_000),
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
                            html.A(
                                t("app.lang_switch", lang),
                                href=f"?lang={other}",
                                id=ids.LANG_LINK,
                                className="lang-switch",
                            ),
                        ],
                        className="header-right",
                    ),
                ],
                className="header",
            ),
            left,
            html.Main(
                [html.Nav(id=ids.BREADCRUMB, className="breadcrumb"), the_map], className="center"
            ),
            html.Aside(id=ids.PANEL, className="right"),
            html.Footer(id=ids.ALARM_STRIP, className="bottom"),
        ],
        className="page",
        lang="zh-CN" if lang == "zh" else "en",
    )
