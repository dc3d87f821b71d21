"""The map's state as the URL says it (?grid=, ?enterprise=, ?layers=, filters, ?lang=, ?tab=):
parsed, encoded and changed by one user action, as plain functions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

from data_loaders.vocab import RISK_TAGS, SAFETY_CLASSES
from layers import alarms, enterprises, grids, listed_dangers, major_hazards
from read_models.geojson.grids import METRICS
from views import ids

TABS = ("summary", "dangers", "campaigns", "committee", "rankings")


THEMES = ("dark", "light")


# tables whose rows open an enterprise's dossier: their row ids are "CREDIT_CODE|ROW"
LINK_TABLES = ("overdue", "listed")


def link_row_id(credit_code: str | None, row: str) -> str:
    """The row id of a link table: the enterprise to open, then what makes the row unique."""
    return f"{credit_code or ''}|{row}"


# Every layer ?layers= can switch on, in draw order (layers.LAYERS), and the ones a link
# without ?layers= shows: the emergency resources and sensitive targets are asked for by name
# (they are for an emergency, not the daily view), so a link from before them still means
# what it meant.
ALL_LAYERS = (
    "grids",
    "enterprises",
    "targets",
    "major_hazards",
    "listed_dangers",
    "resources",
    "alarms",
)
DEFAULT_LAYERS = ("grids", "enterprises", "major_hazards", "listed_dangers", "alarms")


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
    incident: int | None = None  # the incident shown (its zones on the map, its panel)
    extra: dict[str, str] = field(default_factory=dict, compare=False)


# A URL is the user's (or anyone's) text: a value longer than any code or name is not one,
# and a list longer than any choice list is cut, before anything reads the store with them.
MAX_VALUE = 100
MAX_ITEMS = 50


def _list(params: dict[str, list[str]], key: str, allowed: Any = None) -> tuple[str, ...]:
    values = [v for raw in params.get(key, []) for v in raw.split(",") if v and len(v) <= MAX_VALUE]
    kept = [v for v in dict.fromkeys(values) if allowed is None or v in allowed]
    return tuple(kept[:MAX_ITEMS])


def parse_query(search: str | None, default_lang: str = "zh") -> MapState:
    """The state a URL query describes; unknown or bad values fall back to defaults."""
    params = parse_qs((search or "").lstrip("?"))

    def one(key: str) -> str | None:
        values = params.get(key)
        value = values[0].strip() if values else ""
        return value if value and len(value) <= MAX_VALUE else None

    layers = _list(params, "layers", ALL_LAYERS) if "layers" in params else DEFAULT_LAYERS
    metric = one("metric") or "none"
    lang = one("lang") or default_lang
    tab = one("tab") or "summary"
    theme = one("theme") or "dark"
    return MapState(
        grid=one("grid"),
        enterprise=one("enterprise"),
        layers=layers,
        metric=metric if metric in METRICS else "none",
        classes=_list(params, "class", SAFETY_CLASSES),
        industries=_list(params, "industry"),
        tags=_list(params, "tag", RISK_TAGS),
        q=one("q") or "",
        lang=lang if lang in ("zh", "en") else default_lang,
        tab=tab if tab in TABS else "summary",
        campaign=one("campaign"),
        month=one("month"),
        theme=theme if theme in THEMES else "dark",
        incident=_incident_id(one("incident")),
    )


def _incident_id(value: str | None) -> int | None:
    """An incident id from the URL: a whole number the store can hold, else none."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 9:
        return None
    return int(value) or None


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
    if state.incident:
        params["incident"] = str(state.incident)
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
        return replace(state, layers=tuple(v for v in ALL_LAYERS if v in (value or [])))
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
    if isinstance(trigger, dict) and trigger.get("type") == ids.INCIDENT_LINK:
        return replace(state, incident=_incident_id(str(trigger["id"])), enterprise=None)
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
