"""The map's state lives in the URL (?grid=, ?enterprise=, ?layers=, filters, ?lang=), so a link
opens the same view and back/forward work. One callback keeps controls and URL in step; another
turns the URL into the map spec, which the browser turns into the dash-leaflet layers' urls and
hideouts (assets/onemap.js); clicks on the layers come back as their clickData."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

from dash import ALL, ClientsideFunction, Input, Output, State, ctx, html, no_update

from callbacks import ids
from callbacks.deps import Deps
from data_loaders.queries import UnknownGrid, load_grid_chain, search_enterprises
from data_loaders.store import session_scope
from data_loaders.vocab import RISK_TAGS, SAFETY_CLASSES
from layers import alarms, build_map, enterprises, grids, listed_dangers, major_hazards

TABS = ("summary", "dangers", "campaigns", "committee", "rankings")
THEMES = ("dark", "light")
# tables whose rows open an enterprise's dossier: their row ids are "CREDIT_CODE|ROW"
LINK_TABLES = ("overdue", "listed")


def link_row_id(credit_code: str | None, row: str) -> str:
    """The row id of a link table: the enterprise to open, then what makes the row unique."""
    return f"{credit_code or ''}|{row}"


DEFAULT_LAYERS = ("grids", "enterprises", "major_hazards", "listed_dangers", "alarms")
LAYER_MODULES = (grids, enterprises, major_hazards, listed_dangers, alarms)


@dataclass(frozen=True)
class MapState:
    """Everything that decides what the map shows."""

    grid: str | None = None
    enterprise: str | None = None
    layers: tuple[str, ...] = DEFAULT_LAYERS
    metric: str = "none"
    classes: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    q: str = ""
    lang: str = "zh"
    tab: str = "summary"
    campaign: str | None = None
    month: str | None = None
    theme: str = "dark"
    extra: dict[str, str] = field(default_factory=dict, compare=False)


def _list(params: dict[str, list[str]], key: str, allowed: Any = None) -> tuple[str, ...]:
    values = [v for raw in params.get(key, []) for v in raw.split(",") if v]
    return tuple(v for v in dict.fromkeys(values) if allowed is None or v in allowed)


def parse_query(search: str | None, default_lang: str = "zh") -> MapState:
    """The state a URL query describes; unknown or bad values fall back to defaults."""
    params = parse_qs((search or "").lstrip("?"))

    def one(key: str) -> str | None:
        values = params.get(key)
        return values[0].strip() if values and values[0].strip() else None

    layers = _list(params, "layers", DEFAULT_LAYERS) if "layers" in params else DEFAULT_LAYERS
    metric = one("metric") or "none"
    lang = one("lang") or default_lang
    tab = one("tab") or "summary"
    theme = one("theme") or "dark"
    return MapState(
        grid=one("grid"),
        enterprise=one("enterprise"),
        layers=layers,
        metric=metric if metric in grids.METRICS else "none",
        classes=_list(params, "class", SAFETY_CLASSES),
        industries=_list(params, "industry"),
        tags=_list(params, "tag", RISK_TAGS),
        q=one("q") or "",
        lang=lang if lang in ("zh", "en") else default_lang,
        tab=tab if tab in TABS else "summary",
        campaign=one("campaign"),
        month=one("month"),
        theme=theme if theme in THEMES else "dark",
    )


def encode_query(state: MapState, default_lang: str = "zh") -> str:
    """The URL query for a state, leaving out defaults so links stay short."""
    params: dict[str, str] = {}
    if state.grid:
        params["grid"] = state.grid
    if state.enterprise:
        params["enterprise"] = state.enterprise
    if tuple(state.layers) != DEFAULT_LAYERS:
        params["layers"] = ",".join(state.layers) or "none"
    if state.metric != "none":
        params["metric"] = state.metric
    for key, values in (
        ("class", state.classes),
        ("industry", state.industries),
        ("tag", state.tags),
    ):
        if values:
            params[key] = ",".join(values)
    if state.lang != default_lang:
        params["lang"] = state.lang
    if state.tab != "summary":
        params["tab"] = state.tab
    if state.campaign:
        params["campaign"] = state.campaign
    if state.month:
        params["month"] = state.month
    if state.theme != "dark":
        params["theme"] = state.theme
    return "?" + urlencode(params, safe=",") if params else ""


def feature_code(click: dict | None, key: str) -> str | None:
    """The code in a clicked feature's properties (None for clusters and misses)."""
    props = (click or {}).get("properties") or {}
    if props.get("cluster"):
        return None
    value = props.get(key)
    return str(value) if value else None


def apply_event(state: MapState, trigger: Any, value: Any, best_hit: str | None = None) -> MapState:
    """The state after one user action (trigger is a component id, value its new value)."""
    if trigger == ids.LAYER_SWITCHES:
        return replace(state, layers=tuple(v for v in DEFAULT_LAYERS if v in (value or [])))
    if trigger == ids.METRIC:
        return replace(state, metric=value or "none")
    if trigger == ids.CLASS_FILTER:
        return replace(state, classes=tuple(v for v in SAFETY_CLASSES if v in (value or [])))
    if trigger == ids.INDUSTRY_FILTER:
        return replace(state, industries=tuple(value or ()))
    if trigger == ids.TAG_FILTER:
        return replace(state, tags=tuple(value or ()))
    if trigger == ids.MAP_EVENT:
        # a click on the map: {"layer": NAME, "properties": {...}, "n": count}
        layer = (value or {}).get("layer")
        if layer == grids.NAME:
            code = feature_code(value, "code")
            return replace(state, grid=code, enterprise=None) if code else state
        if layer in (enterprises.NAME, major_hazards.NAME, listed_dangers.NAME, alarms.NAME):
            code = feature_code(value, "credit_code")
            return replace(state, enterprise=code) if code else state
        return state
    if trigger == ids.SEARCH_SUBMIT:
        return replace(state, enterprise=best_hit) if best_hit else state
    if isinstance(trigger, dict) and trigger.get("type") == ids.CLOSE_DOSSIER:
        return replace(state, enterprise=None)
    if isinstance(trigger, dict) and trigger.get("type") == ids.CRUMB:
        return replace(state, grid=trigger["code"] or None, enterprise=None)
    if isinstance(trigger, dict) and trigger.get("type") in (ids.HIT, ids.STRIP_HIT):
        return replace(state, enterprise=trigger["code"] or None)
    if isinstance(trigger, dict) and trigger.get("type") == ids.PANEL_TAB:
        return replace(state, tab=trigger["tab"], enterprise=None)
    if isinstance(trigger, dict) and trigger.get("type") == ids.CAMPAIGN_PICK:
        return replace(state, campaign=trigger["code"])
    if isinstance(trigger, dict) and trigger.get("type") == ids.RANK_MONTH:
        return replace(state, month=value or None)
    if isinstance(trigger, dict) and trigger.get("type") == ids.PANEL_TABLE:
        code = str((value or {}).get("rowId") or "").partition("|")[0]
        if trigger.get("name") in LINK_TABLES and code:
            return replace(state, enterprise=code)
    return state


def controls_of(state: MapState) -> tuple[list, str, list, list, list]:
    """The control values that show a state."""
    return (
        list(state.layers),
        state.metric,
        list(state.classes),
        list(state.industries),
        list(state.tags),
    )


def grid_view(chain: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """(parent whose children to draw, grid to highlight) for a selected grid chain.

    A grid with children shows them; a village shows its siblings with itself highlighted.
    """
    if not chain:
        return None, None
    selected = chain[-1]
    if selected["level"] >= 4 and len(chain) > 1:
        return chain[-2]["code"], selected["code"]
    return selected["code"], selected["code"] if len(chain) > 1 else None


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

    # Links drawn by other callbacks (breadcrumb, search hits, alarm items, the dossier's close)
    # have their own callback: re-drawing them must never cancel a control change in flight.
    @app.callback(
        Output(ids.LOCATION, "search", allow_duplicate=True),
        *map_outputs,
        Input({"type": ids.CLOSE_DOSSIER, "i": ALL}, "n_clicks"),
        Input({"type": ids.CRUMB, "code": ALL}, "n_clicks"),
        Input({"type": ids.HIT, "code": ALL}, "n_clicks"),
        Input({"type": ids.STRIP_HIT, "n": ALL, "code": ALL}, "n_clicks"),
        Input({"type": ids.PANEL_TAB, "tab": ALL}, "n_clicks"),
        Input({"type": ids.CAMPAIGN_PICK, "code": ALL}, "n_clicks"),
        Input({"type": ids.RANK_MONTH, "i": ALL}, "value"),
        Input({"type": ids.PANEL_TABLE, "name": ALL}, "cellClicked"),
        State(ids.LOCATION, "search"),
        prevent_initial_call=True,
    )
    def follow_link(*args):  # type: ignore[no-untyped-def]
        search = args[-1]
        if not ctx.triggered or not ctx.triggered[0]["value"]:
            return (no_update,) * 4  # the links were just drawn, not clicked
        state = parse_query(search, deps.lang)
        value = ctx.triggered[0]["value"]
        return answer(apply_event(state, ctx.triggered_id, value), search)

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
        State(ids.LOCATION, "search"),
    )


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
        "alarms": md.url("alarms", live=True),
    }
    hideouts = {
        grids.NAME: grids.hideout(state.metric, breaks, selected, state.lang),
        # the map asks the clusters of the squares it shows (layers.enterprises.clusters)
        enterprises.NAME: {
            "selected": state.enterprise,
            "lang": state.lang,
            "cell": enterprises.CELL,
            "max_cluster_zoom": enterprises.MAX_CLUSTER_ZOOM,
            "cluster_pane": enterprises.CLUSTER_PANE,
        },
    }
    layers: dict[str, Any] = {}
    for m in LAYER_MODULES:
        url = urls[m.NAME] if m.NAME in state.layers else None
        hideout = {
            **hideouts.get(m.NAME, {"lang": state.lang}),
            "labels": layer_labels(deps, m.LABELS, state.lang),
            "layer": m.NAME,
            "url": url if m.NAME != enterprises.NAME else None,  # the browser completes it
        }
        layers[m.NAME] = {"id": m.ID, "url": url, "hideout": hideout}
    if target:
        view: dict[str, Any] = {"center": [target["lat"], target["lon"]], "zoom": 17}
    else:
        view = {"bounds": chain[-1]["bounds"] if chain else None}
    crumbs = []
    for i, g in enumerate(chain):
        if i:
            crumbs.append(html.Span("›", className="crumb-sep"))
        crumbs.append(
            html.Button(
                g["name"],
                id={"type": ids.CRUMB, "code": g["code"] if i else ""},
                className="crumb",
                disabled=i == len(chain) - 1,
            )
        )
    spec = {
        "search": search or "",
        "order": [m.NAME for m in LAYER_MODULES],
        "layers": layers,
        "view": view,
        "key": f"{selected or ''}|{state.enterprise or ''}",
        "lang": state.lang,
    }
    return {
        "spec": spec,
        "crumbs": crumbs,
        "legend": create_choropleth_legend(state.metric, breaks, deps.label, state.lang),
        "version": md.token(live=True),
    }


def create_map(spec: dict[str, Any], tile_url: str = "") -> Any:
    """The page's dash-leaflet map for a spec (map_props): its layers start with the spec's
    urls and hideouts (the enterprises' once the map knows its view) and it looks where the
    spec says."""
    view = spec["view"]
    props = {
        name: (None if name == enterprises.NAME else layer["url"], layer["hideout"])
        for name, layer in spec["layers"].items()
    }
    if view.get("center"):
        return build_map(ids.MAP, props, None, view["center"], view["zoom"], tile_url)
    bounds = view.get("bounds") or [[27.6, 120.4], [27.95, 120.8]]
    return build_map(ids.MAP, props, bounds, mercator_middle(bounds), None, tile_url)


def mercator_middle(bounds: list[list[float]]) -> list[float]:
    """The centre of (south, west), (north, east) bounds on a Web Mercator map (where the map
    puts it when it fits them)."""
    (south, west), (north, east) = bounds

    def y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    mid = (y(south) + y(north)) / 2
    return [math.degrees(2 * math.atan(math.exp(mid)) - math.pi / 2), (west + east) / 2]


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
