"""The wall screen's callbacks (its own Dash app at /wall/, dashboard/wall.py). The browser
(assets/wall.js) keeps the clock, walks the tour on the wall clock, polls /wall/state.json and
decides which alarm holds the screen; the server draws what it asks for: the step (the map's
view, the panel), the alarm's card, and the figures when the data moved."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from dash import ClientsideFunction, Input, Output, State, html

from callbacks.deps import Deps
from callbacks.map_state import map_props
from callbacks.panel import kpi_document
from data_loaders.store import session_scope
from data_loaders.times import china_today
from layers import LAYERS
from read_models.alarms import load_alarm, load_alarm_feed
from read_models.grids import UnknownGrid
from read_models.incidents import load_incident, load_incidents
from read_models.wall import Step, load_takeover_queue, load_tour
from views import ids
from views.incident import kind_line, watermark_class
from views.kpi import create_strip
from views.url_state import parse_query
from views.wall import (
    NEWEST,
    SCREENS,
    alarm_card,
    campaigns_panel,
    committee_panel,
    dangers_panel,
    incident_panel,
    newest_alarms,
    ranking_panel,
    scope_panel,
    step_label,
)

MAP_SCREENS = ("all", "map")  # the screens that draw the map
NEWEST_ON = {"alarms": 12}  # the alarms screen lists more of them (views.wall NEWEST else)
MAX_ALARM_ID = 2**31 - 1
ALARM_ZOOM = 15  # the map's zoom on the place of the alarm that holds the screen


def wall_query(search: str | None) -> dict[str, str]:
    """The wall's own words from its URL: screen, tour, lang (bounded, unknown → default)."""
    try:
        args = parse_qs((search or "").lstrip("?")[:4000], max_num_fields=20)
    except ValueError:  # more fields than any wall URL has: the defaults, not a 500
        args = {}

    def one(name: str) -> str:
        value = (args.get(name) or [""])[0]
        return value if len(value) <= 600 else ""

    screen = one("screen")
    return {
        "screen": screen if screen in SCREENS else "all",
        "tour": one("tour"),
        "lang": one("lang") if one("lang") in ("zh", "en") else "",
    }


def focus_of(value: Any) -> tuple[int | None, int]:
    """(the alarm that holds the screen, how many more wait) from wall.js's store."""
    if not isinstance(value, dict):
        return None, 0
    alarm, more = value.get("id"), value.get("more", 0)
    if not isinstance(alarm, int) or isinstance(alarm, bool) or not 0 < alarm <= MAX_ALARM_ID:
        return None, 0
    return alarm, more if isinstance(more, int) and 0 <= more <= 1000 else 0


def step_index(value: Any, count: int) -> int:
    """The step wall.js asks for, within the tour."""
    if isinstance(value, int) and not isinstance(value, bool) and count:
        return value % count
    return 0


def blank(spec: dict[str, Any]) -> dict[str, Any]:
    """A map spec with every layer off (a screen without the map loads nothing)."""
    layers = {
        name: {**layer, "url": None, "hideout": {**layer["hideout"], "url": None}}
        for name, layer in spec["layers"].items()
    }
    return {**spec, "layers": layers, "off": True}


def step_spec(
    deps: Deps, step: Step, alarm: dict[str, Any] | None, lang: str, screen: str
) -> dict[str, Any]:
    """The map's spec for a step, or for the enterprise of the alarm that holds the screen."""
    query = f"?lang={lang}"
    if alarm and alarm.get("credit_code"):
        query += f"&enterprise={alarm['credit_code']}"
    elif step.kind == "incident" and step.incident:
        query += f"&incident={step.incident}"
    elif step.grid:
        query += f"&grid={step.grid}"
    spec = map_props(parse_query(query, deps.lang), deps, query)["spec"]
    if alarm and spec["view"].get("center"):
        # the alarm's place with its streets around it: read from the room, not the desk
        spec = {**spec, "view": {**spec["view"], "zoom": ALARM_ZOOM}}
    return spec if screen in MAP_SCREENS else blank(spec)


def step_panel(deps: Deps, step: Step, lang: str) -> list:
    """The panel a step shows."""
    label, today = deps.label, china_today()
    panels = deps.panels
    scope = step.name
    if step.kind in ("county", "town"):
        try:
            doc = kpi_document(deps, step.grid, today)
        except UnknownGrid:
            doc = kpi_document(deps, None, today)
        return scope_panel(doc, label, lang)
    if panels is None:
        return []
    if step.kind == "dangers":
        return dangers_panel(panels.get("closure", None, today), scope, label, lang)
    if step.kind == "campaigns":
        return campaigns_panel(panels.get("campaigns", None, today), scope, label, lang)
    if step.kind == "committee":
        return committee_panel(panels.get("committee", None, today), scope, label, lang)
    if step.kind == "ranking":
        return ranking_panel(panels.get("rankings", None, today), label, lang)
    with session_scope(deps.engine) as session:
        doc = load_incident(session, step.incident or 0, datetime.now(UTC))
    return incident_panel(doc, label, lang)


def show_parts(
    deps: Deps, search: str | None, index: Any, focus: Any, tour: str = ""
) -> tuple[dict[str, Any], str, list, list, str]:
    """(map spec, step label, panel, alarm card, card class) for the step and the focus
    (`tour`: the playlist when the URL names none)."""
    q = wall_query(search)
    lang = q["lang"] or deps.lang
    with session_scope(deps.engine) as session:
        steps = load_tour(session, q["tour"] or tour)
        alarm_id, more = focus_of(focus)
        # only an alarm of the takeover queue holds the screen, whatever the browser asks
        waiting = {a["id"] for a in load_takeover_queue(session)} if alarm_id else set()
        alarm = load_alarm(session, alarm_id) if alarm_id in waiting else None
    i = step_index(index, len(steps))
    step = steps[i]
    card = alarm_card(alarm, more, deps.label, lang)
    cls = (
        "wall-card on" + (" drill" if alarm and alarm["is_drill"] else "") if alarm else "wall-card"
    )
    return (
        step_spec(deps, step, alarm, lang, q["screen"]),
        step_label(step.as_dict(), i, len(steps), deps.label, lang),
        step_panel(deps, step, lang),
        card,
        cls,
    )


def figures_parts(deps: Deps, lang: str, screen: str = "all") -> tuple[list, list, list, str]:
    """(the county's KPI strip, the newest alarms, the incidents under way, the watermark's
    class): every figure as /api/stats has it, a drill's only marked, never counted."""
    doc = kpi_document(deps, None, china_today())
    with session_scope(deps.engine) as session:
        feed = load_alarm_feed(session, limit=NEWEST_ON.get(screen, NEWEST))
        incidents = load_incidents(session, "open")
    chips = [
        html.Span(
            kind_line(i, deps.label, lang),
            className="incident-chip drill" if i["drill"] else "incident-chip",
        )
        for i in incidents[:3]
    ]
    banner = (
        [html.Span(deps.label("incident.active", lang), className="banner-label"), *chips]
        if chips
        else []
    )
    return (
        create_strip(doc, deps.label, lang) if doc["grid"] else [],
        newest_alarms(feed, deps.label, lang),
        banner,
        watermark_class(incidents),
    )


def register(app, deps: Deps, tour: str = "") -> None:  # type: ignore[no-untyped-def]
    """The wall's steps and alarm card, its figures (`tour`: the configured playlist); wall.js
    starts on the page's conf, and the map's layers follow the spec as on the command page."""
    app.clientside_callback(
        ClientsideFunction("onemap_wall", "start"),
        Output(ids.WALL_STARTED, "data"),
        Input(ids.WALL_CONF, "data"),
    )
    app.clientside_callback(
        ClientsideFunction("onemap_wall", "apply"),
        *[Output(m.ID, prop) for m in LAYERS for prop in ("url", "hideout")],
        Output(ids.MAP, "viewport"),
        Input(ids.MAP_SPEC, "data"),
        Input(ids.MINUTE_TICK, "n_intervals"),
        # States, not Inputs: Dash's renderer keeps every browser-side change of an input
        # in its undo history for good, and the map reports each move of the tour (the wall
        # has nobody panning it: a spec's own view is where the map goes, and apply works
        # the clusters out for it)
        State(ids.MAP, "zoom"),
        State(ids.MAP, "bounds"),
    )

    @app.callback(
        Output(ids.MAP_SPEC, "data", allow_duplicate=True),
        Output(ids.WALL_STEP_LABEL, "children"),
        Output(ids.WALL_PANEL, "children"),
        Output(ids.WALL_CARD, "children"),
        Output(ids.WALL_CARD, "className"),
        Input(ids.WALL_STEP, "data"),
        Input(ids.WALL_FOCUS, "data"),
        Input(ids.WALL_VERSION, "data"),
        State(ids.WALL_LOCATION, "search"),
        prevent_initial_call=True,  # the page starts with its step drawn
    )
    def show(index, focus, _version, search):  # type: ignore[no-untyped-def]
        return show_parts(deps, search, index, focus, tour)

    @app.callback(
        Output(ids.WALL_KPI, "children"),
        Output(ids.WALL_ALARMS, "children"),
        Output(ids.WALL_INCIDENTS, "children"),
        Output(ids.DRILL_WATERMARK, "className"),
        Input(ids.WALL_VERSION, "data"),
        State(ids.WALL_LOCATION, "search"),
        prevent_initial_call=True,  # the page starts with its figures
    )
    def refresh(_version, search):  # type: ignore[no-untyped-def]
        q = wall_query(search)
        return figures_parts(deps, q["lang"] or deps.lang, q["screen"])
