"""The map's legends: each layer's symbols (left) and the choropleth's classes (on the map)."""

from __future__ import annotations

from typing import Any

from dash import html

from data_loaders.vocab import RESOURCE_TYPES, SAFETY_CLASSES, TARGET_TYPES
from layers import grids, targets
from views import ids
from views.labels import Label


def create_choropleth_legend(metric: str, class_breaks: list[float], label: Any, lang: str) -> list:
    """The choropleth's classes: a colour and a value range each."""
    if metric == "none" or not class_breaks:
        return []
    colors = grids.palette(metric, len(class_breaks))

    def fmt(v: float) -> str:
        return f"{v:.2%}" if metric == "rate" else f"{v:,.0f}"

    rows = []
    low = None
    for color, high in zip(colors, class_breaks, strict=True):
        text = f"≤ {fmt(high)}" if low is None else f"{fmt(low)} – {fmt(high)}"
        rows.append(
            html.Div(
                [html.Span(className="choro-swatch", style={"background": color}), text],
                className="choro-row",
            )
        )
        low = high
    return [html.Div(label(f"metric.{metric}", lang), className="field-label"), *rows]


def create_legend(label: Label, lang: str) -> html.Div:
    """Each layer's symbols, drawn with the map's own classes (assets/app.css); a switched-off
    layer's part is hidden (callbacks.chrome). The choropleth's classes sit on the map."""

    def row(swatch: Any, text: str) -> html.Div:
        return html.Div([swatch, html.Span(text)], className="legend-row")

    def group(layer: str, rows: list) -> html.Div:
        title = html.Div(label(f"layer.{layer}", lang), className="legend-title")
        return html.Div([title, *rows], className=f"legend-group lg-{layer}")

    def symbol(cls: str, text: str = "") -> html.Div:
        return html.Div(html.Span(text), className=f"legend-symbol {cls}")

    listing = ("province", "city", "county", "rolling")
    return html.Div(
        [
            html.H4(label("map.legend", lang)),
            group(
                "enterprises",
                [
                    html.Div(
                        [
                            row(html.Span(className=f"swatch class-{c}"), label(f"class.{c}", lang))
                            for c in SAFETY_CLASSES
                        ],
                        className="legend-inline",
                    ),
                    row(
                        html.Span(html.Span("25"), className="legend-cluster"),
                        label("legend.cluster", lang),
                    ),
                    row(html.Span(className="legend-red-dot"), label("legend.cluster_red", lang)),
                ],
            ),
            group(
                "major_hazards",
                [
                    html.Div(
                        [
                            row(
                                symbol(f"onemap-hazard hazard-l{n}", str(n)),
                                label("kpi.level_n", lang).format(n=n),
                            )
                            for n in (1, 2, 3, 4)
                        ],
                        className="legend-inline",
                    ),
                    html.Div(label("legend.hazard", lang), className="legend-note"),
                ],
            ),
            group(
                "listed_dangers",
                [
                    html.Div(
                        [
                            row(
                                symbol(
                                    f"onemap-listed listed-{k}", label(f"listing.short.{k}", lang)
                                ),
                                label(f"listing.{k}", lang),
                            )
                            for k in listing
                        ],
                        className="legend-inline",
                    ),
                    row(
                        symbol("onemap-listed overdue", label("listing.short.county", lang)),
                        label("listed.overdue", lang),
                    ),
                ],
            ),
            group(
                "alarms",
                [
                    html.Div(
                        [
                            row(symbol("onemap-alarm alarm-l2", "!"), label("alarm.level_2", lang)),
                            row(symbol("onemap-alarm alarm-l1", "·"), label("alarm.level_1", lang)),
                        ],
                        className="legend-inline",
                    ),
                ],
            ),
            group(
                "resources",
                [
                    html.Div(
                        [
                            row(
                                symbol(
                                    f"onemap-resource resource-{k}",
                                    label(f"resource.glyph.{k}", lang),
                                ),
                                label(f"resource.type.{k}", lang),
                            )
                            for k in RESOURCE_TYPES
                        ],
                        className="legend-inline",
                    ),
                    html.Div(label("legend.resources", lang), className="legend-note"),
                ],
            ),
            group(
                "targets",
                [
                    html.Div(
                        [
                            row(
                                symbol(
                                    f"onemap-target target-{k}", label(f"target.glyph.{k}", lang)
                                ),
                                label(f"target.type.{k}", lang),
                            )
                            for k in TARGET_TYPES
                        ],
                        className="legend-inline",
                    ),
                    html.Div(
                        label("legend.targets", lang).format(z=targets.MIN_ZOOM),
                        className="legend-note",
                    ),
                ],
            ),
        ],
        id=ids.LEGEND,
        className="legend",
    )
