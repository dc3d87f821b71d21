"""Telemetry bodies: native, SenML (RFC 8428), ThingsBoard gateway, and bad messages."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_loaders.telemetry.formats import MESSAGE_LIMITS, BodyLimits, RawReading, parse_body

NOW = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)  # = 2026-11-22T08:00:00+08:00
E0 = int(T0.timestamp())  # 1795305600 (DESIGN.md's example E0 is a year earlier)


def test_native_single_and_list_with_iso_and_epoch():
    one = b'{"sensor": "NH3-1", "ts": "2026-11-22T08:00:00+08:00", "value": 12.3}'
    assert parse_body(one, NOW) == ([RawReading("NH3-1", T0, 12.3)], [])
    many = [
        {"sensor": "A", "ts": E0, "value": 1},
        {"sensor": "B", "ts": "2026-11-22T08:00:00", "value": "2.5"},
    ]
    readings, problems = parse_body(orjson.dumps(many), NOW)
    assert (
        readings == [RawReading("A", T0, 1.0), RawReading("B", T0, 2.5)] and problems == []
    )  # naive = UTC+8


def test_senml_resolves_base_name_time_value_and_relative_time():
    pack = [
        {"bn": "P01-D001-", "bt": E0, "bu": "ppm", "n": "AMMO01", "v": 120},
        {"n": "AMMO02", "t": 60, "v": 130.5},
        {"bn": "P01-CAM01-", "n": "SMOKING", "vb": True, "t": 5},
        {
            "bn": "X-",
            "bt": 0,
            "n": "REL",
            "v": 1,
            "t": -30,
        },  # RFC 8428: small times are relative to now
    ]
    readings, problems = parse_body(orjson.dumps(pack), NOW)
    assert problems == []
    assert readings == [
        RawReading("P01-D001-AMMO01", T0, 120.0),
        RawReading("P01-D001-AMMO02", T0 + timedelta(seconds=60), 130.5),
        RawReading("P01-CAM01-SMOKING", T0 + timedelta(seconds=5), 1.0),
        RawReading("X-REL", NOW - timedelta(seconds=30), 1.0),
    ]


def test_thingsboard_gateway_style():
    body = {
        "TANK-1": [{"ts": E0 * 1000, "values": {"value": 81.5, "temperature": 20}}],
        "P-2": {"ts": E0 * 1000, "values": {"value": 1.2}},
    }
    readings, problems = parse_body(orjson.dumps(body), NOW)
    assert problems == []
    assert set(readings) == {
        RawReading("TANK-1", T0, 81.5),
        RawReading("TANK-1.temperature", T0, 20.0),
        RawReading("P-2", T0, 1.2),
    }


def test_bad_messages_are_reasons_not_exceptions():
    assert parse_body(b"not json{", NOW)[1][0].reason.startswith("not JSON")
    assert "not a telemetry body" in parse_body(b"42", NOW)[1][0].reason
    cases = [
        ({"sensor": "A", "ts": E0, "value": "abc"}, "not a number"),
        ({"sensor": "A", "ts": E0, "value": True}, "boolean"),
        ({"sensor": "A", "ts": E0}, "missing"),
        ({"sensor": "A", "ts": 12, "value": 1}, "before 2000"),  # 1970
        ({"sensor": "A", "ts": (NOW + timedelta(days=3)).timestamp(), "value": 1}, "ahead"),
        ({"sensor": "A", "ts": "yesterday", "value": 1}, "ISO 8601"),
        ({"sensor": "", "ts": E0, "value": 1}, "tag"),
        ({"sensor": "A", "ts": E0, "value": float("nan")}, "finite"),
    ]
    for record, reason in cases:
        readings, problems = parse_body(record, NOW)
        assert readings == [] and reason in problems[0].reason, (record, problems)
    # one bad record does not spoil the rest
    mixed = [
        {"sensor": "A", "ts": E0, "value": 1},
        {"sensor": "B", "ts": E0, "value": "x"},
    ]
    readings, problems = parse_body(orjson.dumps(mixed), NOW)
    assert len(readings) == 1 and len(problems) == 1 and problems[0].record["sensor"] == "B"
    senml = [{"bn": "A", "v": "NaNish"}, {"v": 1}, {"bn": ""}, {"v": 2}]
    readings, problems = parse_body(orjson.dumps(senml), NOW)
    assert readings == [RawReading("A", NOW, 1.0)]  # the base name carries to the next record
    assert [p.reason for p in problems] == [
        "value 'NaNish' is not a number",
        "SenML record without a name (bn + n)",
    ]


FUTURE = timedelta(seconds=MESSAGE_LIMITS.future_s)


def test_no_reading_is_dated_past_the_receive_time_and_tolerance_in_any_format():
    """A reading years ahead silenced its sensor until then: every format refuses it."""
    late = NOW + FUTURE + timedelta(seconds=1)
    near = NOW + FUTURE - timedelta(seconds=1)
    for when, ok in ((late, False), (near, True), (NOW - timedelta(days=400), True)):
        bodies = [
            {"sensor": "A", "ts": when.timestamp(), "value": 1},
            {"sensor": "A", "ts": when.isoformat(), "value": 1},
            [{"bn": "A", "bt": when.timestamp(), "v": 1}],
            {"A": [{"ts": when.timestamp() * 1000, "values": {"value": 1}}]},
        ]
        for body in bodies:
            readings, problems = parse_body(orjson.dumps(body), NOW)
            assert bool(readings) == ok and bool(problems) != ok, (body, problems)
    # SenML relative times (below 2**28 s) are relative to now: 8 years ahead slipped past
    for t in (2**28 - 1, 3600):
        readings, problems = parse_body(orjson.dumps([{"n": "A", "t": t, "v": 1}]), NOW)
        assert readings == [] and "ahead" in problems[0].reason
    assert parse_body(orjson.dumps([{"n": "A", "t": -60, "v": 1}]), NOW)[0][
        0
    ].ts == NOW - timedelta(seconds=60)


def test_malformed_senml_records_are_rejected_alone():
    """A number where a name belongs, times and sums that overflow: problems, not exceptions,
    and the good records of the same pack are kept."""
    good = {"bn": "", "bt": 0, "bv": 0, "n": "A", "t": 0, "v": 1}  # resets the base fields
    bad_ones = [
        {"n": 5, "v": 1},
        {"bn": 7, "n": "A", "v": 1},
        {"n": "A", "bt": 1e308, "t": 1e308, "v": 1},
        {"n": "A", "t": -1e300, "v": 1},
        {"n": "A", "bv": 1.7e308, "v": 1.7e308},
        {"n": "A", "v": 1, "t": "soon"},
        {"n": "A", "bt": "x", "v": 1},
        {"n": ["A"], "v": 1},
        [1, 2],
        None,
    ]
    pack = [x for bad in bad_ones for x in (bad, good)]
    readings, problems = parse_body(orjson.dumps(pack), NOW)
    assert len(readings) == len(bad_ones) and len(problems) == len(bad_ones), problems
    assert all(math.isfinite(r.value) for r in readings)
    assert "finite" in next(p.reason for p in problems if p.record == bad_ones[4])


def test_a_message_holds_at_most_the_record_limit():
    body = [{"sensor": f"S{i}", "ts": E0, "value": 1} for i in range(11)]
    readings, problems = parse_body(orjson.dumps(body), NOW, BodyLimits(max_records=10))
    assert readings == [] and len(problems) == 1 and "more than 10" in problems[0].reason
    assert len(parse_body(orjson.dumps(body[:10]), NOW, BodyLimits(max_records=10))[0]) == 10
    tb = {"GW": [{"ts": E0 * 1000, "values": {f"k{i}": 1 for i in range(11)}}]}
    assert parse_body(orjson.dumps(tb), NOW, BodyLimits(max_records=10))[0] == []


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(["sensor", "ts", "value", "bn", "bt", "bv", "n", "t", "v", "vb", "values"])
RECORD = st.dictionaries(FIELDS, JSON, max_size=6)


def _sound(readings, problems=()) -> bool:  # type: ignore[no-untyped-def]
    """Readings a sensor can take, and every problem one the checks named (the catch-all
    "could not be read" means a check is missing)."""
    return all(
        math.isfinite(r.value) and r.ts.tzinfo is not None and r.ts <= NOW + FUTURE
        for r in readings
    ) and not any("could not be read" in p.reason for p in problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        JSON,
        st.lists(RECORD, max_size=6),
        RECORD,
        st.dictionaries(st.text(max_size=6), st.lists(RECORD, max_size=3), max_size=3),
    )
)
def test_fuzz_any_json_body_gives_readings_and_reasons_never_an_exception(body):
    readings, problems = parse_body(orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS), NOW)
    assert _sound(readings, problems) and all(isinstance(p.reason, str) for p in problems)


@settings(max_examples=100, deadline=None)
@given(st.lists(RECORD, max_size=5), st.sampled_from(["native", "senml"]))
def test_fuzz_bad_neighbours_never_take_a_good_record_down(junk, kind):
    """A good record among any others is read in the native and the SenML format alike."""
    if kind == "native":
        good = {"sensor": "GOOD", "ts": E0, "value": 7}
        junk = [{**j, "sensor": j.get("sensor", "J")} for j in junk]
    else:
        good = {"bn": "", "n": "GOOD", "bt": E0, "t": 0, "bv": 0, "v": 7}
    readings, problems = parse_body(orjson.dumps([*junk, good]), NOW)
    assert RawReading("GOOD", T0, 7.0) in readings and _sound(readings, problems)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_fuzz_any_bytes(raw):
    readings, problems = parse_body(raw, NOW)
    assert _sound(readings, problems)
