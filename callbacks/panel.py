"""The header KPI strip and the right panel (area summary or enterprise dossier), for the
scope the URL selects."""

from __future__ import annotations

from datetime import date
from typing import Any

from dash import Input, Output, State, html, no_update

from caches.panel_documents import LOADERS
from callbacks import ids
from callbacks.alarms import local_time
from callbacks.deps import Deps, Label
from callbacks.kpi import create_cards
from callbacks.map_state import MapState, parse_query
from callbacks.tables import export_links, rows_text
from callbacks.tabs import (
    chosen_campaign,
    create_campaign_tab,
    create_committee_tab,
    create_danger_tab,
    create_ranking_tab,
    create_tab_bar,
)
from data_loaders.store import session_scope
from data_loaders.times import china_today
from read_models.dossier import load_enterprise_dossier
from read_models.grids import UnknownGrid, load_grid_chain
from read_models.rankings import BadMonth
from read_models.stats import load_stats


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


def panel_key(state: MapState, token: str | None) -> str:
    """What the panel body shows: redrawn only when this changes, so sorting a table or
    typing is not undone by every poll. Alarms move only the overview, dossier and ranking."""
    data, _, alarms = (token or "").partition(".")
    live = bool(state.enterprise) or state.tab in ("summary", "rankings")
    parts = (state.grid, state.enterprise, state.tab, state.campaign, state.month, state.lang)
    return "|".join([*(p or "" for p in parts), state.theme, data, alarms if live else ""])


def render_body(state: MapState, deps: Deps, today: date) -> tuple[list, list]:
    """(tab bar, panel body) for a state: the dossier, or the chosen tab for the scope."""
    label, lang = deps.label, state.lang
    with session_scope(deps.engine) as session:
        try:
            chain = load_grid_chain(session, state.grid)
        except UnknownGrid:
            chain = load_grid_chain(session, None)
        if not chain:
            return [], [html.P(label("app.empty", lang))]
        code = chain[-1]["code"]

        def model(kind: str, arg: Any = None) -> Any:
            # deps.panels keeps read models per data version (and warms the towns)
            if deps.panels is not None:
                return deps.panels.get(kind, code, today, arg)
            return LOADERS[kind](session, code, today, arg, deps.ranking)

        if state.enterprise:
            dossier = load_enterprise_dossier(session, state.enterprise, today)
            return [], create_dossier(dossier, label, lang)
        if state.tab == "dangers":
            body = create_danger_tab(
                model("closure"), model("listed"), state.theme, label, lang, scope=code
            )
        elif state.tab == "campaigns":
            campaigns = model("campaigns")
            pick = chosen_campaign(campaigns, state.campaign)
            detail = model("campaign", pick) if pick else []
            body = create_campaign_tab(
                campaigns, detail[0] if detail else None, state.theme, label, lang, scope=code
            )
        elif state.tab == "committee":
            body = create_committee_tab(
                model("committee"), model("tasks"), state.theme, label, lang
            )
        elif state.tab == "rankings":
            try:
                doc = model("rankings", state.month)
            except BadMonth:  # a hand-edited ?month=: show this month's bulletin
                doc = model("rankings")
            town = chain[1]["code"] if len(chain) > 1 else None
            body = create_ranking_tab(doc, town, today, state.theme, label, lang)
        else:
            body = create_cards(kpi_document(deps, code, today), label, lang)
    colon = label("punct.colon", lang)
    head = [
        html.Div(
            f"{label('scope.label', lang)}{colon}"
            + label("panel.scope_of", lang).format(name=chain[-1]["name"]),
            className="panel-scope",
            id="panel-scope",
        ),
        html.H2(
            [label(f"panel.tab.{state.tab}", lang), " · ", chain[-1]["name"]],
            className="panel-title",
        ),
    ]
    return create_tab_bar(state.tab, label, lang), head + body


def kpi_document(deps: Deps, grid: str | None, today: date) -> dict[str, Any]:
    """The KPI document of a scope: from the map's cache (kept per data and alarm version, so
    a filter or a tab change costs a lookup; it keeps its own day), or from the store."""
    if deps.map_data is not None:
        return deps.map_data.stats(grid)
    with session_scope(deps.engine) as session:
        return load_stats(session, grid, today)


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """The strip follows every data or alarm change; the panel body only what it shows."""

    @app.callback(
        Output(ids.KPI_STRIP, "children"),
        Output(ids.SCOPE, "children"),
        Input(ids.LOCATION, "search"),
        Input(ids.DATA_VERSION, "data"),
    )
    def render_strip(search, _version):  # type: ignore[no-untyped-def]
        state = parse_query(search, deps.lang)
        try:
            doc = kpi_document(deps, state.grid, china_today())
        except UnknownGrid:
            doc = kpi_document(deps, None, china_today())
        if doc["grid"] is None:
            return [], ""
        colon = deps.label("punct.colon", state.lang)
        scope = f"{deps.label('scope.label', state.lang)}{colon}{doc['grid']['name']}"
        return create_strip(doc, deps.label, state.lang), scope

    @app.callback(
        Output(ids.PANEL_TABS, "children"),
        Output(ids.PANEL, "children"),
        Output(ids.PANEL_KEY, "data"),
        Input(ids.LOCATION, "search"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.GRIDS_READY, "data"),
        State(ids.PANEL_KEY, "data"),
    )
    def render_panel(search, version, grids_ready, shown):  # type: ignore[no-untyped-def]
        state = parse_query(search, deps.lang)
        if state.tab != "summary" and not state.enterprise and not grids_ready:
            # the tables' library is still loading (assets/panels.js): say so, draw after
            waiting = html.P(deps.label("panel.loading", state.lang), className="muted")
            return create_tab_bar(state.tab, deps.label, state.lang), [waiting], ""
        key = panel_key(state, version)
        if key == shown:
            return no_update, no_update, no_update
        tabs, body = render_body(state, deps, china_today())
        return tabs, body, key
