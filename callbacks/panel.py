"""The header KPI strip and the right panel (area summary or enterprise dossier), for the
scope the URL selects."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from dash import Input, Output, State, html, no_update

from caches.panel_documents import LOADERS
from callbacks.deps import Deps
from data_loaders.periods import BadPeriod
from data_loaders.store import session_scope
from data_loaders.times import china_today
from read_models.documents.briefing_jobs import list_briefings
from read_models.dossier import load_enterprise_dossier
from read_models.grids import UnknownGrid, load_grid_chain
from read_models.incidents import load_incident
from read_models.stats import load_stats
from views import ids
from views.briefing_menu import create_briefing_menu
from views.dossier import create_dossier
from views.incident import create_incident_panel, create_start_form
from views.kpi import create_cards, create_strip
from views.tabs.bar import create_panel_head, create_tab_bar
from views.tabs.campaigns import chosen_campaign, create_campaign_tab
from views.tabs.committee import create_committee_tab
from views.tabs.dangers import create_danger_tab
from views.tabs.rankings import create_ranking_tab
from views.url_state import MapState, parse_query


def panel_key(state: MapState, token: str | None) -> str:
    """What the panel body shows: redrawn only when this changes, so sorting a table or
    typing is not undone by every poll. Alarms move only the overview, dossier and ranking."""
    data, _, alarms = (token or "").partition(".")
    live = bool(state.enterprise or state.incident) or state.tab in ("summary", "rankings")
    parts = (
        state.grid,
        state.enterprise,
        state.tab,
        state.campaign,
        state.month,
        state.lang,
        str(state.incident or ""),
    )
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

        may_act = deps.may("operator")
        if state.enterprise:
            dossier = load_enterprise_dossier(session, state.enterprise, today)
            body = create_dossier(dossier, label, lang)
            if dossier is not None and may_act:
                body.append(create_start_form(state.enterprise, label, lang))
            return [], body
        if state.incident:
            doc = load_incident(session, state.incident, datetime.now(UTC))
            return [], create_incident_panel(doc, may_act, label, lang)
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
            except BadPeriod:  # a hand-edited ?month=: show this month's bulletin
                doc = model("rankings")
            town = chain[1]["code"] if len(chain) > 1 else None
            body = create_ranking_tab(doc, town, today, state.theme, label, lang)
        else:
            body = create_cards(kpi_document(deps, code, today), label, lang)
    head = create_panel_head(state.tab, chain[-1]["name"], label, lang)
    menu = create_briefing_menu(code, today, monthly_briefings(deps, code), label, lang)
    return create_tab_bar(state.tab, label, lang), [menu, *head, *body]


def monthly_briefings(deps: Deps, code: str) -> list[dict[str, Any]]:
    """The scheduler's briefings of one scope, newest first, with their download URLs."""
    if not deps.briefing_dir:
        return []
    return [
        {**b, "url": f"/api/briefings/{b['period']}/{b['name']}"}
        for b in list_briefings(Path(deps.briefing_dir))
        if b["grid"] == code
    ]


def kpi_document(deps: Deps, grid: str | None, today: date) -> dict[str, Any]:
    """The KPI document of a scope: from the map's cache (kept per data and alarm version, so
    a filter or a tab change costs a lookup; it keeps its own day), or from the store."""
    if deps.map_data is not None:
        return deps.map_data.stats(grid)
    with session_scope(deps.engine) as session:
        return load_stats(session, grid, today)


def strip_parts(state: MapState, deps: Deps) -> tuple[list, str]:
    """(KPI strip, scope line) for a state: the page starts with them, render_strip follows."""
    try:
        doc = kpi_document(deps, state.grid, china_today())
    except UnknownGrid:
        doc = kpi_document(deps, None, china_today())
    if doc["grid"] is None:
        return [], ""
    colon = deps.label("punct.colon", state.lang)
    scope = f"{deps.label('scope.label', state.lang)}{colon}{doc['grid']['name']}"
    return create_strip(doc, deps.label, state.lang), scope


def panel_parts(
    state: MapState, deps: Deps, version: str | None, grids_ready: bool | None, shown: str | None
) -> tuple[Any, Any, Any]:
    """(tab bar, panel body, panel key) for a state, or no_update × 3 when the body shown
    (`shown` is its key) is still right. A tab with tables waits for their library."""
    if state.tab != "summary" and not (state.enterprise or state.incident) and not grids_ready:
        # the tables' library is still loading (assets/panels.js): say so, draw after
        waiting = html.P(deps.label("panel.loading", state.lang), className="muted")
        return create_tab_bar(state.tab, deps.label, state.lang), [waiting], ""
    key = panel_key(state, version)
    if key == shown:
        return no_update, no_update, no_update
    tabs, body = render_body(state, deps, china_today())
    return tabs, body, key


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """The strip follows every data or alarm change; the panel body only what it shows.
    The page starts with both drawn for its URL (dashboard.app page): no call at its start."""

    @app.callback(
        Output(ids.KPI_STRIP, "children"),
        Output(ids.SCOPE, "children"),
        Input(ids.LOCATION, "search"),
        Input(ids.DATA_VERSION, "data"),
        prevent_initial_call=True,
    )
    def render_strip(search, _version):  # type: ignore[no-untyped-def]
        return strip_parts(parse_query(search, deps.lang), deps)

    @app.callback(
        Output(ids.PANEL_TABS, "children"),
        Output(ids.PANEL, "children"),
        Output(ids.PANEL_KEY, "data"),
        Input(ids.LOCATION, "search"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.GRIDS_READY, "data"),
        State(ids.PANEL_KEY, "data"),
        prevent_initial_call=True,
    )
    def render_panel(search, version, grids_ready, shown):  # type: ignore[no-untyped-def]
        return panel_parts(parse_query(search, deps.lang), deps, version, grids_ready, shown)
