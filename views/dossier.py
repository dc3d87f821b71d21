"""The enterprise dossier (企业一企一档) in the right panel, from load_enterprise_dossier's
document."""

from __future__ import annotations

from typing import Any

from dash import html

from views import ids
from views.format import local_time
from views.labels import Label
from views.tables import export_links, rows_text

DOSSIER_DANGERS = 12  # hidden dangers the dossier lists (open first)


DOSSIER_ALARMS = 20  # the newest alarms load_enterprise_dossier gives


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
        for x in hd["items"][:DOSSIER_DANGERS]
    ]
    # the dossier lists the first dangers (open first): it says of how many, the export has all
    dangers_cut = (
        html.Div(
            [
                html.Span(rows_text(len(dangers), hd["total"], label, lang), className="muted"),
                export_links(
                    "enterprise-dangers", {"enterprise": d["credit_code"]}, hd["total"], label, lang
                ),
            ],
            className="cut-note",
            id="dossier-dangers-cut",
            style={"display": "flex", "gap": "10px", "fontSize": "12px"},
        )
        if hd["total"] > len(dangers)
        else None
    )
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
        dangers_cut,
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
        html.H3(
            [
                label("section.alarms", lang),
                # the store gives the newest DOSSIER_ALARMS: a full list may have more
                html.Span(
                    f" {label('dossier.recent', lang).format(n=len(alarms))}", className="h3-note"
                )
                if len(alarms) >= DOSSIER_ALARMS
                else None,
            ]
        ),
        html.Ul(alarms) if alarms else none,
    ]
