"""KPI cards of a KPI document (the right panel's area summary)."""

from __future__ import annotations

from typing import Any

from dash import html

from views.labels import Label


def create_cards(doc: dict[str, Any], label, lang: str) -> list:  # type: ignore[no-untyped-def]
    """The KPI cards of one KPI document (labels from the catalog; Dash escapes data text), in
    two columns (assets/app.css: .kpi-cards), so the nine fit a wall screen's panel unscrolled."""
    e, h, mh = doc["enterprises"], doc["hidden_dangers"], doc["major_hazards"]
    g, cm, a, m = doc["grids"], doc["committees"], doc["alarms"], doc["monitoring"]

    def card(title: str, big: str, parts: list, key: str) -> html.Div:
        return html.Div(
            [
                html.Div(title, className="kpi-title"),
                html.Div(big, className="kpi-big"),
                html.Div(parts, className="kpi-parts"),
            ],
            className="kpi-card",
            id=f"kpi-{key}",
        )

    def part(text: str, cls: str = "") -> html.Span:
        return html.Span(text, className=f"kpi-part {cls}")

    classes = [
        part(f"{label(f'class.{c}', lang)} {e[c]:,}", f"class-{c}")
        for c in ("green", "blue", "yellow", "red")
    ]
    levels = [
        part(f"{label('kpi.level_n', lang).format(n=k[-1])} {mh[k]}")
        for k in ("level_1", "level_2", "level_3", "level_4")
    ]
    listed = [part(f"{label(f'listing.{k}', lang)} {v}") for k, v in doc["listed_dangers"].items()]
    campaigns = [
        part(f"{campaign_name(c, lang)} {c['done']}/{c['tasks']}") for c in doc["campaigns"]
    ]
    cards = [
        card(
            label("kpi.grids", lang),
            f"{sum(int(v) for v in g.values()):,}",
            [part(f"{g['1']}/{g['2']}/{g['3']}/{g['4']}"), part(label("kpi.grid_levels", lang))],
            "grids",
        ),
        card(label("kpi.enterprises", lang), f"{e['total']:,}", classes, "enterprises"),
        card(
            label("kpi.hidden_dangers", lang),
            f"{h['rate']:.2%}",
            [
                part(f"{label('kpi.found', lang)} {h['found']:,}"),
                part(f"{label('kpi.rectified', lang)} {h['rectified']:,}"),
                part(f"{label('kpi.overdue', lang)} {h['overdue']:,}", "warn"),
                part(f"{label('kpi.major', lang)} {h['major']:,}"),
            ],
            "hidden-dangers",
        ),
        card(label("kpi.major_hazards", lang), f"{mh['total']}", levels, "major-hazards"),
        card(label("kpi.listed", lang), f"{sum(doc['listed_dangers'].values())}", listed, "listed"),
        card(label("kpi.campaigns", lang), f"{len(doc['campaigns'])}", campaigns, "campaigns"),
        card(
            label("kpi.committees", lang),
            f"{cm['count']}",
            [
                part(f"{label('kpi.meetings', lang)} {cm['meetings']}"),
                part(f"{label('kpi.inspections', lang)} {cm['inspections']}"),
                part(f"{label('kpi.joint_enforcement', lang)} {cm['joint_enforcement']}"),
            ],
            "committees",
        ),
        card(
            label("kpi.monitoring", lang),
            f"{m['enterprises']}",
            [
                part(f"{label('kpi.devices', lang)} {m['devices']}"),
                part(f"{label('kpi.signals', lang)} {m['signals']}"),
                part(f"{label('kpi.video_scenes', lang)} {m['video_scenes']}"),
            ],
            "monitoring",
        ),
        card(
            label("kpi.alarms", lang),
            f"{a['open']}",
            [
                part(f"{label('alarm.level_2', lang)} {a['level_2']}", "alarm"),
                part(f"{label('alarm.level_1', lang)} {a['level_1']}"),
            ],
            "alarms",
        ),
    ]
    return [html.Div(cards, className="kpi-cards", id="kpi-cards")]


def campaign_name(campaign: dict[str, Any], lang: str) -> str:
    """A campaign's name in the language (English falls back to the Chinese name)."""
    return campaign["name"] if lang == "zh" else (campaign.get("name_en") or campaign["name"])


def create_strip(doc: dict[str, Any], label: Label, lang: str) -> list:
    """The compact header strip: classes, open dangers and rate, hazards, listed, alarms."""
    e, h, a = doc["enterprises"], doc["hidden_dangers"], doc["alarms"]

    def item(title: str, value: str, key: str, parts: list | None = None) -> html.Div:
        return html.Div(
            [
                html.Div(title, className="strip-title"),
                html.Div(value, className="strip-value"),
                html.Div(parts or [], className="strip-parts"),
            ],
            className="strip-item",
            id=f"strip-{key}",
        )

    classes = [
        html.Span(f"{e[c]:,}", className=f"dot class-{c}", title=label(f"class.{c}", lang))
        for c in ("green", "blue", "yellow", "red")
    ]
    return [
        item(label("kpi.enterprises", lang), f"{e['total']:,}", "enterprises", classes),
        item(
            label("metric.open_dangers", lang),
            f"{h['found'] - h['rectified']:,}",
            "open-dangers",
            [
                html.Span(f"{label('kpi.rate', lang)} {h['rate']:.2%}"),
                html.Span(f"{label('kpi.overdue', lang)} {h['overdue']:,}", className="warn"),
            ],
        ),
        item(label("kpi.major_hazards", lang), f"{doc['major_hazards']['total']}", "major-hazards"),
        item(label("kpi.listed", lang), f"{sum(doc['listed_dangers'].values())}", "listed"),
        item(
            label("kpi.alarms", lang),
            f"{a['open']}",
            "alarms",
            [
                html.Span(f"{label('alarm.level_2', lang)} {a['level_2']}", className="alarm"),
                html.Span(f"{label('alarm.level_1', lang)} {a['level_1']}", className="warning"),
            ],
        ),
    ]
