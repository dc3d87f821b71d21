"""The map's state lives in the URL (?grid=, ?enterprise=, ?layers=, filters, ?lang=), so a link
opens the same view and back/forward work. One callback keeps controls and URL in step; another
turns the URL into the map spec, which the browser turns into the dash-leaflet layers' urls and
hideouts (assets/onemap.js); clicks on the layers come back as their clickData."""

from __future__ import annotations

from typing import Any

from dash import ALL, ClientsideFunction, Input, Output, State, ctx, no_update

from callbacks.deps import Deps
from data_loaders.store import session_scope
from layers import (
    LAYERS,
    enterprises,
    grids,
    incident,
    targets,
)
from read_models.geojson.enterprises import CELL, MAX_CLUSTER_ZOOM
from read_models.grids import UnknownGrid, load_grid_chain
from read_models.incidents import load_incident_place
from read_models.search import search_enterprises
from views import ids
from views.breadcrumb import create_breadcrumb
from views.legend import create_choropleth_legend
from views.map import grid_view
from views.url_state import MapState, apply_event, controls_of, encode_query, parse_query

LAYER_MODULES = LAYERS  # every layer, in draw order (layers/__init__.py)


def register(app, deps: Deps) -> None:  # type: ignore[no-untyped-def]
    """Wire controls ↔ URL, URL → map spec → the map's layers, map clicks → URL.

    A user action gives the new URL and the map's spec in one answer (sync_url, follow_link).
    The spec (the map-spec store) becomes the layers' url and hideout and the map's viewport
    in the browser (assets/onemap.js apply, with the map's zoom and bounds for the clusters).
    draw_map is left for URL changes nobody here made (back/forward: a clientside gate asks
    for it only when the spec was made for another URL) and for new data.
    """
    map_outputs = (
        Output(ids.MAP_SPEC, "data", allow_duplicate=True),
        Output(ids.BREADCRUMB, "children", allow_duplicate=True),
        Output(ids.CHORO_LEGEND, "children", allow_duplicate=True),
    )
    clicks = [Input(m.ID, "n_clicks") for m in LAYER_MODULES]
    clicked = [State(m.ID, "clickData") for m in LAYER_MODULES]
    by_id = {m.ID: m.NAME for m in LAYER_MODULES}

    def answer(state: MapState, search: str | None) -> tuple:
        """The new query and the map for it, or no_update when nothing moved."""
        new = encode_query(state, deps.lang)
        if new == (search or ""):
            return no_update, no_update, no_update, no_update
        props = map_props(state, deps, new)
        # the breadcrumb and the legend are drawn again only when they change: a new
        # breadcrumb is new links, which Dash hands to follow_link, and the map's apply
        # (reading the spec follow_link may also write) would wait for that round trip
        old = parse_query(search, deps.lang)
        same_grid = (old.grid, old.lang) == (state.grid, state.lang)
        crumbs = no_update if same_grid else props["crumbs"]
        legend = no_update if same_grid and old.metric == state.metric else props["legend"]
        return new, props["spec"], crumbs, legend

    @app.callback(
        Output(ids.LOCATION, "search"),
        Output(ids.LAYER_SWITCHES, "value"),
        Output(ids.METRIC, "value"),
        Output(ids.CLASS_FILTER, "value"),
        Output(ids.INDUSTRY_FILTER, "value"),
        Output(ids.TAG_FILTER, "value"),
        *map_outputs,
        Input(ids.LOCATION, "search"),
        Input(ids.LAYER_SWITCHES, "value"),
        Input(ids.METRIC, "value"),
        Input(ids.CLASS_FILTER, "value"),
        Input(ids.INDUSTRY_FILTER, "value"),
        Input(ids.TAG_FILTER, "value"),
        Input(ids.SEARCH_SUBMIT, "data"),
        *clicks,
        *clicked,
        # the page is drawn for its URL (controls and map included): nothing to do at its
        # start (an initial call would also hold back every callback that reads the URL)
        prevent_initial_call=True,
    )
    def sync_url(search, *args):  # type: ignore[no-untyped-def]
        state = parse_query(search, deps.lang)
        trigger = ctx.triggered_id
        current = list(args[:5])  # the five controls, as the inputs above list them
        if trigger in (None, ids.LOCATION):
            # The URL changed (a link, back/forward): show it in the controls; the map
            # follows through draw_map.
            wanted = list(controls_of(state))
            return (
                no_update,
                *[w if w != c else no_update for w, c in zip(wanted, current, strict=True)],
                *(no_update,) * 3,
            )
        value = ctx.triggered[0]["value"]
        best = None
        if trigger == ids.SEARCH_SUBMIT:
            with session_scope(deps.engine) as session:
                hits = search_enterprises(session, (value or {}).get("text") or "", limit=1)
            best = hits[0]["credit_code"] if hits else None
        elif trigger in by_id:  # a click on a map layer: its feature (dash-leaflet clickData)
            feature = args[6 + len(clicks) + list(by_id).index(trigger)] or {}
            trigger, value = (
                ids.MAP_EVENT,
                {
                    "layer": by_id[trigger],
                    "properties": feature.get("properties") or {},
                },
            )
        new, spec, crumbs, legend = answer(apply_event(state, trigger, value, best), search)
        return (new, *(no_update,) * 5, spec, crumbs, legend)

    # Links drawn by other callbacks (breadcrumb, search hits, alarm items, the dossier's close,
    # tabs, table rows) have their own callback: re-drawing them must never cancel a control
    # change in flight. The browser first tells a click from a redraw (assets/page.js): a
    # redraw that reached the server would hold the map's apply back for the round trip.
    app.clientside_callback(
        ClientsideFunction("onemap_page", "link_event"),
        Output(ids.LINK_EVENT, "data"),
        Input({"type": ids.CLOSE_DOSSIER, "i": ALL}, "n_clicks"),
        Input({"type": ids.CRUMB, "code": ALL}, "n_clicks"),
        Input({"type": ids.HIT, "code": ALL}, "n_clicks"),
        Input({"type": ids.STRIP_HIT, "n": ALL, "code": ALL}, "n_clicks"),
        Input({"type": ids.PANEL_TAB, "tab": ALL}, "n_clicks"),
        Input({"type": ids.CAMPAIGN_PICK, "code": ALL}, "n_clicks"),
        Input({"type": ids.PANEL_TABLE, "name": ALL}, "cellClicked"),
        Input({"type": ids.INCIDENT_LINK, "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.LOCATION, "search", allow_duplicate=True),
        *map_outputs,
        Input(ids.LINK_EVENT, "data"),
        Input({"type": ids.RANK_MONTH, "i": ALL}, "value"),
        State(ids.LOCATION, "search"),
        prevent_initial_call=True,
    )
    def follow_link(event, _months, search):  # type: ignore[no-untyped-def]
        if not ctx.triggered or not ctx.triggered[0]["value"]:
            return (no_update,) * 4  # the month choice was just drawn, not changed
        if ctx.triggered_id == ids.LINK_EVENT:
            trigger, value = link_trigger(event)
            if trigger is None:
                return (no_update,) * 4
        else:
            trigger, value = ctx.triggered_id, ctx.triggered[0]["value"]
        state = parse_query(search, deps.lang)
        moved = apply_event(state, trigger, value)
        # (what the browser sent is read back through the URL's rules: an unknown tab or a
        # 300-character code is what any hand-edited link would be)
        return answer(parse_query(encode_query(moved, deps.lang), deps.lang), search)

    # Only when the spec was made for another URL than the page's (back/forward) does the
    # server need asking; `at` makes every ask new. (The map's apply asks too, when it drops
    # a spec made for a URL the page has left.)
    app.clientside_callback(
        ClientsideFunction("onemap_map", "gate"),
        Output(ids.MAP_WANTED, "data"),
        Input(ids.LOCATION, "search"),
        State(ids.MAP_SPEC, "data"),
        prevent_initial_call=True,
    )
    # the map is not ready while a spec is on its way (the readiness counter hears of it)
    app.clientside_callback(
        ClientsideFunction("onemap_map", "asked"),
        Output(ids.MAP_ASKED, "data"),
        Input(ids.MAP_WANTED, "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.MAP_SPEC, "data"),
        Output(ids.BREADCRUMB, "children"),
        Output(ids.CHORO_LEGEND, "children"),
        Input(ids.MAP_WANTED, "data"),
        Input(ids.DATA_VERSION, "data"),
        State(ids.LOCATION, "search"),
        prevent_initial_call=True,  # the page starts with the spec of its URL
    )
    def draw_map(wanted, _version, search):  # type: ignore[no-untyped-def]
        if ctx.triggered_id == ids.MAP_WANTED and wanted:
            search = wanted["search"]  # the URL the browser asked for
        props = map_props(parse_query(search, deps.lang), deps, search)
        return props["spec"], props["crumbs"], props["legend"]

    # The spec and the map's zoom and bounds become every layer's url and hideout and the
    # map's viewport, in the browser (assets/onemap.js).
    app.clientside_callback(
        ClientsideFunction("onemap_map", "apply"),
        *[Output(m.ID, prop) for m in LAYER_MODULES for prop in ("url", "hideout")],
        Output(ids.MAP, "viewport"),
        Input(ids.MAP_SPEC, "data"),
        Input(ids.MAP, "zoom"),
        Input(ids.MAP, "bounds"),
        Input(ids.MINUTE_TICK, "n_intervals"),
        State(ids.LOCATION, "search"),
    )


LINK_TYPES = {
    ids.CLOSE_DOSSIER: ("i",),
    ids.CRUMB: ("code",),
    ids.HIT: ("code",),
    ids.STRIP_HIT: ("n", "code"),
    ids.PANEL_TAB: ("tab",),
    ids.CAMPAIGN_PICK: ("code",),
    ids.PANEL_TABLE: ("name",),
    ids.INCIDENT_LINK: ("id",),
}


def link_trigger(event: Any) -> tuple[dict[str, Any] | None, Any]:
    """(the link's id, its value) from the browser's link event, or (None, None) for anything
    that is not one of the page's link types with its keys (the event is the browser's word)."""
    if not isinstance(event, dict) or not isinstance(event.get("id"), dict):
        return None, None
    ident = event["id"]
    keys = LINK_TYPES.get(ident.get("type"))
    if keys is None or set(ident) != {"type", *keys}:
        return None, None
    if any(not isinstance(ident[k], str | int) or len(str(ident[k])) > 64 for k in keys):
        return None, None
    return ident, event.get("value")


def layer_labels(deps: Deps, prefixes: tuple[str, ...], lang: str) -> dict[str, str]:
    """The catalog's labels a layer's browser functions show."""
    return {k: v for k, v in deps.js_labels(lang).items() if k.startswith(prefixes)}


def map_props(state: MapState, deps: Deps, search: str | None) -> dict[str, Any]:
    """What the map shows for a state, with the breadcrumb, the choropleth legend and the data
    token the page starts from.

    The spec (JSON, the map-spec store, read by assets/onemap.js apply): the URL query it
    was made for (`search`, as the browser has it: the map drops a spec for a URL it has
    left), the layers in order, each with its id, url (None: switched off; the enterprises'
    base url, to which the browser adds the zoom and squares of its view) and hideout (what
    its symbol functions read: the layer's name, url and labels among it), where to look
    (`view`: bounds, or an enterprise's centre and zoom), and a key saying which view this
    is (the map moves only when it changes). `layers` gives each layer's starting url and
    hideout for the page's map (build_map)."""
    md = deps.map_data
    with session_scope(deps.engine) as session:
        try:
            chain = load_grid_chain(session, state.grid)
        except UnknownGrid:
            chain = load_grid_chain(session, None)
        target = None
        if state.enterprise:
            hits = search_enterprises(session, state.enterprise, limit=1)
            target = hits[0] if hits and hits[0]["credit_code"] == state.enterprise else None
        shown = load_incident_place(session, state.incident) if state.incident else None
    parent, selected = grid_view(chain)
    scoped = selected if selected and len(chain) > 1 else None
    breaks = md.grid_breaks(None, parent, state.metric)
    urls = {
        "grids": md.url("grids", live=state.metric == "open_alarms", parent=parent),
        "enterprises": md.url(
            "enterprise-clusters",
            **{
                "class": ",".join(state.classes),
                "industry": ",".join(state.industries),
                "tag": ",".join(state.tags),
                "grid": scoped,
            },
        ),
        "major_hazards": md.url("major-hazards"),
        "listed_dangers": md.url("listed-dangers"),
        "resources": md.url("resources"),
        "targets": md.url("targets"),
        "alarms": md.url("alarms", live=True),
        # shown by ?incident= (never switched off); `follow`: the browser names the minute,
        # so a plume on a station's wind is asked for again as readings come
        "incident": md.url("incident", live=True, id=state.incident) if shown else None,
    }
    hideouts = {
        grids.NAME: grids.hideout(state.metric, breaks, selected, state.lang),
        # the map asks the clusters of the squares it shows (read_models.geojson.enterprises)
        enterprises.NAME: {
            "selected": state.enterprise,
            "lang": state.lang,
            "cell": CELL,
            "max_cluster_zoom": MAX_CLUSTER_ZOOM,
        },
        # drawn from a town's zoom up (the browser adds `far` for the zoom it shows)
        targets.NAME: {"lang": state.lang, "min_zoom": targets.MIN_ZOOM},
        incident.NAME: {"lang": state.lang, "follow": True},
    }
    layers: dict[str, Any] = {}
    for m in LAYER_MODULES:
        url = urls[m.NAME] if m.NAME in state.layers or m is incident else None
        hideout = {
            **hideouts.get(m.NAME, {"lang": state.lang}),
            "labels": layer_labels(deps, m.LABELS, state.lang),
            "layer": m.NAME,
            # the browser completes these
            "url": url if m.NAME not in (enterprises.NAME, incident.NAME) else None,
        }
        layers[m.NAME] = {"id": m.ID, "url": url, "hideout": hideout}
    if shown and not target:
        view: dict[str, Any] = {"bounds": shown["bounds"]}
    elif target:
        view = {"center": [target["lat"], target["lon"]], "zoom": 17}
    else:
        view = {"bounds": chain[-1]["bounds"] if chain else None}
    spec = {
        "search": search or "",
        "order": [m.NAME for m in LAYER_MODULES],
        "layers": layers,
        "view": view,
        "key": f"{selected or ''}|{state.enterprise or ''}|{state.incident if shown else ''}",
        "lang": state.lang,
    }
    return {
        "spec": spec,
        "crumbs": create_breadcrumb(chain),
        "legend": create_choropleth_legend(state.metric, breaks, deps.label, state.lang),
        "version": md.token(live=True),
    }
