"""The URL state of the map, as plain functions."""

from __future__ import annotations

from dataclasses import replace

from views import ids
from views.map import grid_view
from views.url_state import (
    ALL_LAYERS,
    DEFAULT_LAYERS,
    MapState,
    apply_event,
    encode_query,
    feature_code,
    parse_query,
)


def test_round_trip_and_defaults():
    state = MapState(
        grid="330381012",
        enterprise="91330381MA0000001X",
        layers=("grids", "enterprises"),
        metric="rate",
        classes=("red", "yellow"),
        industries=("制鞋",),
        tags=("dust",),
        lang="en",
    )
    query = encode_query(state)
    assert parse_query(query) == state
    assert encode_query(MapState()) == ""  # defaults leave the URL clean
    assert parse_query("") == MapState()


def test_bad_values_fall_back():
    state = parse_query("?metric=evil&class=purple,red&tag=nope&layers=grids,bogus&lang=fr")
    assert state.metric == "none" and state.classes == ("red",) and state.tags == ()
    assert state.layers == ("grids",) and state.lang == "zh"
    assert parse_query("?layers=none").layers == ()
    assert encode_query(replace(MapState(), layers=())) == "?layers=none"
    # a value no code or name is that long is no value; a list no choice list is that long
    # is cut (a URL is anyone's text, and its values reach the store)
    long = "9" * 101
    assert parse_query(f"?grid={long}&enterprise={long}&q={long}") == MapState()
    assert parse_query("?grid=" + "9" * 100).grid == "9" * 100
    many = parse_query("?industry=" + ",".join(f"i{n}" for n in range(500)))
    assert len(many.industries) == 50 and many.industries[0] == "i0"


def test_a_link_event_is_read_only_for_the_page_links():
    from callbacks.map_state import link_trigger

    crumb = {"id": {"type": ids.CRUMB, "code": "330381012"}, "value": 1}
    assert link_trigger(crumb) == ({"type": ids.CRUMB, "code": "330381012"}, 1)
    strip = {"id": {"type": ids.STRIP_HIT, "n": 3, "code": "C1"}, "value": 2}
    assert link_trigger(strip)[0] == strip["id"]
    for bad in (
        None,
        "crumb",
        {"id": "crumb", "value": 1},
        {"id": {"type": "alarm-act", "action": "close"}, "value": 1},  # not a link
        {"id": {"type": ids.CRUMB, "code": "1", "extra": 1}, "value": 1},
        {"id": {"type": ids.CRUMB}, "value": 1},
        {"id": {"type": ids.CRUMB, "code": ["x"]}, "value": 1},
        {"id": {"type": ids.CRUMB, "code": "9" * 65}, "value": 1},
    ):
        assert link_trigger(bad) == (None, None), bad


def test_events():
    s = MapState(grid="330381", enterprise="X")
    # clicks on the map, as assets/map/map.js sends them through the map-event store
    town = {"layer": "grids", "properties": {"code": "330381012", "name": "塘下镇"}, "n": 1}
    assert apply_event(s, ids.MAP_EVENT, town) == replace(s, grid="330381012", enterprise=None)
    cluster = {"layer": "enterprises", "properties": {"cluster": True, "point_count": 12}}
    assert apply_event(s, ids.MAP_EVENT, cluster) == s  # a cluster click only zooms
    point = {"layer": "enterprises", "properties": {"credit_code": "C1", "name": "x"}}
    assert apply_event(s, ids.MAP_EVENT, point).enterprise == "C1"
    alarm = {"layer": "alarms", "properties": {"credit_code": "C2", "id": 5}}
    assert apply_event(s, ids.MAP_EVENT, alarm).enterprise == "C2"
    assert apply_event(s, ids.MAP_EVENT, {"layer": "nonsense", "properties": {"code": "1"}}) == s
    assert apply_event(s, ids.CLASS_FILTER, ["red", "green"]).classes == ("green", "red")
    assert apply_event(s, ids.LAYER_SWITCHES, ["alarms", "grids"]).layers == ("grids", "alarms")
    assert apply_event(s, {"type": ids.CRUMB, "code": ""}, 1).grid is None
    assert apply_event(s, {"type": ids.HIT, "code": "C9"}, 1).enterprise == "C9"
    assert apply_event(s, {"type": ids.CLOSE_DOSSIER, "i": 0}, 1).enterprise is None
    assert apply_event(s, ids.SEARCH_SUBMIT, {"text": "华顺"}, best_hit="C7").enterprise == "C7"
    assert apply_event(s, ids.SEARCH_SUBMIT, {"text": "nothing"}, best_hit=None) == s
    assert feature_code(None, "code") is None


def test_grid_view_shows_children_or_siblings():
    county = {"code": "1", "level": 1}
    town = {"code": "2", "level": 2}
    community = {"code": "3", "level": 3}
    village = {"code": "4", "level": 4}
    assert grid_view([county]) == ("1", None)
    assert grid_view([county, town]) == ("2", "2")
    assert grid_view([county, town, community, village]) == ("3", "4")
    assert DEFAULT_LAYERS[0] == "grids"


def test_resources_and_targets_are_off_unless_the_url_names_them():
    assert "resources" not in DEFAULT_LAYERS and "targets" not in DEFAULT_LAYERS
    assert set(DEFAULT_LAYERS) < set(ALL_LAYERS)
    assert parse_query("").layers == DEFAULT_LAYERS  # an old link means what it meant
    on = parse_query("?layers=grids,resources,targets")
    assert on.layers == ("grids", "resources", "targets")
    # switched on in the panel: kept in draw order and written into the URL
    s = apply_event(MapState(), ids.LAYER_SWITCHES, [*DEFAULT_LAYERS, "resources"])
    assert s.layers == (
        "grids",
        "enterprises",
        "major_hazards",
        "listed_dangers",
        "resources",
        "alarms",
    )
    assert parse_query(encode_query(s)).layers == s.layers and "resources" in encode_query(s)
    back = apply_event(s, ids.LAYER_SWITCHES, list(DEFAULT_LAYERS))
    assert encode_query(back) == ""
