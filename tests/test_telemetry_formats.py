"""Telemetry bodies: native, SenML (RFC 8428), ThingsBoard gateway, and bad messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from data_loaders.telemetry.formats import RawReading, parse_body

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
        ({"sensor": "A", "ts": 12, "value": 1}, "absurd"),  # 1970
        ({"sensor": "A", "ts": (NOW + timedelta(days=3)).timestamp(), "value": 1}, "absurd"),
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
