"""The header KPI strip and the right panel (area summary or enterprise dossier), for the
scope the URL selects."""

from __future__ import annotations

from datetime import date
from typing import Any

from dash import Input, Output, html

from callbacks import ids
from callbacks.alarms import local_time
from callbacks.deps import Deps, Label
from callbacks.kpi import create_cards
from callbacks.map_state import parse_query
from data_loaders.queries import UnknownGrid, load_enterprise_dossier, load_stats
from data_loaders.store import session_scope


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


def create_dossier(d: dict[str, Any] | None, label: Label, lang: str) -> list:
    """一企一档 for the right panel (Dash escapes every text it renders)."""
    close = html.Button(
        label("panel.close", lang), id={"type": ids.CLOSE_DOSSIER, "i": 0}, className="close"
    )
    if d is None:
        return [close, html.P(label("panel.not_found", lang))]

    def row(key: str, value: Any) -> html.Tr:
        return html.Tr(
            [html.Th(label(key, lang)), html.Td(value if value not in (None, "") else "—")]
        )

    yes_no = lambda v: label("common.yes" if v else "common.no", lang)  # noqa: E731
    tags = [html.Span(label(f"tag.{t}", lang), className="tag") for t in d["risk_tags"]] or label(
        "common.none", lang
    )
    grid = " / ".join(g["name"] for g in d["grids"][1:])
    worker = d["grid_worker"] or {}
    hd = d["hidden_dangers"]
    facts = html.Table(
        [
            row("field.credit_code", d["credit_code"]),
            row("field.industry", d["industry"]),
            row("field.address", d["address"]),
            row("field.employees", d["employees"]),
            row(
                "field.safety_class",
                html.Span(
                    label(f"class.{d['safety_class']}", lang),
                    className=f"badge class-{d['safety_class']}",
                ),
            ),
            row("field.risk_tags", tags),
            row("field.grid", grid),
            row(
                "field.grid_worker",
                f"{worker.get('name') or ''} {worker.get('phone') or ''}".strip(),
            ),
            row("field.flags", f"{yes_no(d['mutual_aid'])} / {yes_no(d['trusteeship'])}"),
            row("field.self_report", d["last_self_report"]),
        ],
        className="facts",
    )
    history = [
        html.Li(
            f"{h['on']}  {label('class.' + h['from'], lang) + ' → ' if h['from'] else ''}"
            f"{label('class.' + h['to'], lang)}  {h['reason'] or ''}"
        )
        for h in d["class_history"]
    ]
    dangers = [
        html.Li(
            [
                html.Span(
                    label(f"status.{x['status']}", lang), className=f"status status-{x['status']}"
                ),
                html.Span(f" {x['found_on']} {x['description'] or ''}"),
                html.Span(
                    f" {label('dangers.days_overdue', lang).format(n=x['days_overdue'])}",
                    className="warn",
                )
                if x["overdue"]
                else None,
            ],
            className="danger major" if x["severity"] == "major" else "danger",
        )
        for x in hd["items"][:12]
    ]
    hazards = [
        html.Li(
            f"{h['name']} · {label('hazard.level', lang)} {h['level']} · R = {h['r_value']} · "
            f"{label('control.' + h['control_status'], lang)}"
        )
        for h in d["major_hazards"]
    ]

    def alarm_key(a: dict[str, Any]) -> str:
        return f"alarm.level_{a['level']}"

    def latest(s: dict[str, Any]) -> str:
        if not s["latest"]:
            return label("sensor.no_data", lang)
        return f"{s['latest']['value']} {s['unit'] or ''}"

    colon = label("punct.colon", lang)
    signals = [s for s in d["sensors"] if s["kind"] != "ai_video"]
    cameras: dict[str, list[str]] = {}
    for s in d["sensors"]:
        if s["kind"] == "ai_video":
            cameras.setdefault(s["device"] or "", []).append(label(f"scene.{s['scene']}", lang))
    sensors = [
        html.Li(
            f"{s['device'] or ''} · {label('kind.' + s['kind'], lang)} · {s['tag']} · "
            f"{label('sensor.latest', lang)} {latest(s)}",
            className=f"sensor-level-{s['level']}",
        )
        for s in signals
    ] + [
        html.Li(f"{camera}{colon}{label('punct.list', lang).join(scenes)}", className="camera")
        for camera, scenes in cameras.items()
    ]
    alarms = [
        html.Li(
            f"{local_time(a['opened_at'])} {a['sensor']} {label(alarm_key(a), lang)} "
            f"{label('alarm.state.' + a['state'], lang)}"
        )
        for a in d["alarms"]
    ]
    none = html.P(label("common.none", lang), className="muted")
    return [
        close,
        html.Div(label("panel.dossier", lang), className="panel-kicker"),
        html.H2(d["name"], className="dossier-name"),
        facts,
        html.H3(label("section.class_history", lang)),
        html.Ul(history, className="history"),
        html.H3(
            [
                label("section.dangers", lang),
                html.Span(
                    f" {label('dangers.open', lang)} {hd['open']}"
                    f" · {label('dangers.overdue', lang)} {hd['overdue']}"
                    f" · {label('dangers.rectified', lang)} {hd['rectified']}",
                    className="h3-note",
                ),
            ]
        ),
        html.Ul(dangers, className="dangers") if dangers else none,
        html.H3(label("section.hazards", lang)),
        html.Ul(hazards) if hazards else none,
        html.H3(label("section.sensors", lang)),
        html.Ul(sensors) if sensors else none,
        *(
            [
                html.H3(label("sensor.trends", lang)),
                html.Div(id={"type": ids.TRENDS, "code": d["credit_code"]}, className="trends"),
            ]
            if signals
            else []
        ),
        html.H3(label("section.alarms", lang)),
        html.Ul(alarms) if alarms else none,
    ]


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """Re-render the strip and the panel when the URL or the data changes."""

    @app.callback(
        Output(ids.KPI_STRIP, "children"),
        Output(ids.SCOPE, "children"),
        Output(ids.PANEL, "children"),
        Input(ids.LOCATION, "search"),
        Input(ids.DATA_VERSION, "data"),
    )
    def render_panel(search, _version):  # type: ignore[no-untyped-def]
        state = parse_query(search, deps.lang)
        today = date.today()
        with session_scope(deps.engine) as session:
            try:
                doc = load_stats(session, state.grid, today)
            except UnknownGrid:
                doc = load_stats(session, None, today)
            dossier = (
                load_enterprise_dossier(session, state.enterprise, today)
                if state.enterprise
                else None
            )
        if doc["grid"] is None:
            return [], "", [html.P(deps.label("app.empty", state.lang))]
        colon = deps.label("punct.colon", state.lang)
        scope = f"{deps.label('scope.label', state.lang)}{colon}{doc['grid']['name']}"
        if state.enterprise:
            panel = create_dossier(dossier, deps.label, state.lang)
        else:
            panel = [
                html.Div(deps.label("panel.summary", state.lang), className="panel-kicker"),
                html.H2(doc["grid"]["name"]),
                *create_cards(doc, deps.label, state.lang),
            ]
        return create_strip(doc, deps.label, state.lang), scope, panel
