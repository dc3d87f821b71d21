"""The telemetry write path on SQLite and PostgreSQL: once per (sensor, ts), rejects kept."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import func, select

from data_loaders.store import session_scope
from data_loaders.store.schema import Alarm, Reading, RejectedMessage, Sensor, SensorState
from data_loaders.telemetry.store import (
    MAX_MESSAGE_BYTES,
    MAX_REJECT_ROWS,
    SensorDirectory,
    ingest_bodies,
    ingest_body,
    load_stream_gaps,
    step_sequence,
)

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def add_sensors(engine, *tags: str) -> None:
    with session_scope(engine) as s:
        s.add_all(Sensor(tag=t, kind="ammonia", unit="ppm", level_1=150, level_2=300) for t in tags)


def counts(engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Reading)),
            s.scalar(select(func.count()).select_from(RejectedMessage)),
        )


def test_readings_are_stored_once(engine):
    add_sensors(engine, "A", "B")
    directory = SensorDirectory()
    batch = [{"sensor": "A", "ts": NOW.timestamp() + i, "value": i} for i in range(50)]
    batch += [
        {"sensor": "B", "ts": NOW.isoformat(), "value": 7},
        {"sensor": "B", "ts": NOW.isoformat(), "value": 7},
    ]
    with session_scope(engine) as s:
        first = ingest_body(s, orjson.dumps(batch), directory, "http", NOW)
    assert (first.accepted, first.duplicates, first.rejected) == (51, 1, 0)
    with session_scope(engine) as s:  # the same message again (a QoS 1 redelivery)
        again = ingest_body(s, orjson.dumps(batch), directory, "mqtt", NOW)
    assert (again.accepted, again.duplicates) == (0, 52)
    assert counts(engine) == (51, 0)
    with session_scope(engine) as s:
        b = s.execute(select(Reading.ts, Reading.value).join(Sensor).where(Sensor.tag == "B")).one()
    assert b.value == 7 and b.ts.astimezone(UTC) == NOW


def test_unknown_sensors_and_bad_messages_are_kept_aside(engine):
    add_sensors(engine, "A")
    directory = SensorDirectory()
    with session_scope(engine) as s:
        mixed = ingest_body(
            s,
            orjson.dumps(
                [
                    {"sensor": "A", "ts": NOW.timestamp(), "value": 1},
                    {"sensor": "GHOST", "ts": NOW.timestamp(), "value": 2},
                    {"sensor": "A", "ts": NOW.timestamp() + 1, "value": "high"},
                ]
            ),
            directory,
            "file",
            NOW,
        )
        garbage = ingest_body(s, b"\xff not json", directory, "mqtt", NOW)
    assert (mixed.accepted, mixed.rejected) == (1, 2) and garbage.rejected == 1
    with session_scope(engine) as s:
        rejects = {r.reason: r for r in s.scalars(select(RejectedMessage))}
    assert "unknown sensor 'GHOST'" in rejects
    assert any("'high' is not a number" in reason for reason in rejects)
    not_json = next(r for reason, r in rejects.items() if reason.startswith("not JSON"))
    assert not_json.source == "mqtt" and "not json" in not_json.body
    # a sensor added later is found without restarting (the directory refreshes)
    add_sensors(engine, "GHOST")
    with session_scope(engine) as s:
        late = ingest_body(
            s,
            orjson.dumps({"sensor": "GHOST", "ts": NOW.timestamp(), "value": 2}),
            directory,
            "http",
            NOW,
        )
    assert late.accepted == 1


def test_http_telemetry_needs_the_token_and_reports_counts(engine):
    from dashboard.app import create_app
    from dashboard.settings import Settings

    add_sensors(engine, "A")
    off = create_app(Settings(warm_cache=False), engine=engine).server.test_client()
    assert off.post("/api/telemetry", data=b"{}").status_code == 503
    client = create_app(
        Settings(ingest_token="s3cret-token", warm_cache=False), engine=engine
    ).server.test_client()
    body = orjson.dumps(
        [
            {"sensor": "A", "ts": NOW.timestamp(), "value": 3},
            {"sensor": "NOPE", "ts": NOW.timestamp(), "value": 1},
        ]
    )
    assert client.post("/api/telemetry", data=body).status_code == 401
    wrong = client.post("/api/telemetry", data=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"
    ok = client.post("/api/telemetry", data=body, headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and ok.json == {"accepted": 1, "duplicates": 0, "rejected": 1}
    again = client.post(
        "/api/telemetry", data=body, headers={"Authorization": "Bearer s3cret-token"}
    )
    assert again.json == {"accepted": 0, "duplicates": 1, "rejected": 1}
    bad = client.post(
        "/api/telemetry", data=b"<xml/>", headers={"Authorization": "Bearer s3cret-token"}
    )
    assert bad.status_code == 200 and bad.json["rejected"] == 1
    health = client.get("/health").json["ingest"]
    assert health["sources"]["http"] == {"accepted": 1, "rejected": 3, "duplicates": 1}
    assert health["last_message_at"] is not None
    assert counts(engine) == (1, 3)


def test_a_reading_written_by_the_orm_is_a_repeat_for_the_fast_path(engine):
    add_sensors(engine, "A")
    with session_scope(engine) as s:
        sid = s.scalar(select(Sensor.id))
        s.add(Reading(sensor_id=sid, ts=NOW, value=1.0))
    body = orjson.dumps([{"sensor": "A", "ts": NOW.timestamp(), "value": 1.0}])
    with session_scope(engine) as s:
        result = ingest_body(s, body, SensorDirectory(), "mqtt", NOW)
    assert (result.accepted, result.duplicates) == (0, 1)
    assert counts(engine) == (1, 0)


def test_a_reading_from_the_future_cannot_silence_its_sensor(engine):
    """One reading dated a year ahead moved the sensor's clock: every real reading after it
    was older, so no threshold (and no offline) alarm could open until the fake time."""
    add_sensors(engine, "A")
    directory = SensorDirectory()
    ahead = NOW + timedelta(days=365)
    for body in (
        {"sensor": "A", "ts": ahead.timestamp(), "value": 1},
        [{"bn": "A", "t": 3600 * 24 * 300, "v": 1}],  # SenML relative: 300 days from now
        {"A": [{"ts": (NOW + timedelta(hours=20)).timestamp() * 1000, "values": {"value": 1}}]},
    ):
        with session_scope(engine) as s:
            result = ingest_body(s, orjson.dumps(body), directory, "mqtt", NOW)
        assert (result.accepted, result.rejected) == (0, 1), body
    with session_scope(engine) as s:
        state = s.scalar(select(SensorState.last_ts))
        assert state is None  # the rule's clock never moved
        ingest_body(
            s,
            orjson.dumps({"sensor": "A", "ts": NOW.timestamp(), "value": 400}),
            directory,
            "mqtt",
            NOW,
        )
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Alarm)) == 1


def test_old_readings_are_stored_and_leave_the_alarm_state_alone(engine):
    """A gateway's backlog or a file of history is welcome; it does not reopen or close the
    alarm the current readings say."""
    add_sensors(engine, "A")
    directory = SensorDirectory()
    with session_scope(engine) as s:
        ingest_body(
            s,
            orjson.dumps({"sensor": "A", "ts": NOW.timestamp(), "value": 400}),
            directory,
            "mqtt",
            NOW,
        )
    backlog = [
        {"sensor": "A", "ts": NOW.timestamp() - 3600 + i * 60, "value": 10} for i in range(30)
    ]
    with session_scope(engine) as s:
        result = ingest_body(s, orjson.dumps(backlog), directory, "mqtt", NOW)
    assert result.accepted == 30
    with session_scope(engine) as s:
        [alarm] = s.scalars(select(Alarm)).all()
        assert alarm.state == "open" and alarm.recovered_at is None and alarm.level == 2


def test_a_flood_of_records_is_refused_whole_and_rejects_are_bounded(engine):
    """150,000 records for unknown sensors wrote 150,000 rows of rejects and stalled the drain."""
    add_sensors(engine, "A")
    directory = SensorDirectory()
    flood = [{"sensor": f"GHOST{i}", "ts": NOW.timestamp(), "value": 1} for i in range(20_000)]
    with session_scope(engine) as s:
        result = ingest_body(s, orjson.dumps(flood), directory, "mqtt", NOW)
    assert (result.accepted, result.rejected) == (0, 1)
    assert counts(engine) == (0, 1)
    many = [*flood[:5000], {"sensor": "A", "ts": NOW.timestamp(), "value": 1}]
    with session_scope(engine) as s:
        result = ingest_body(s, orjson.dumps(many), directory, "mqtt", NOW)
    assert (result.accepted, result.rejected) == (1, 5000)
    assert counts(engine) == (1, 1 + MAX_REJECT_ROWS + 1)  # 100 kept and one "and 4900 more"
    big = b"[" + b" " * (MAX_MESSAGE_BYTES + 1) + b"]"
    with session_scope(engine) as s:
        assert ingest_body(s, big, directory, "mqtt", NOW).rejected == 1
    with session_scope(engine) as s:
        kept = s.scalars(select(RejectedMessage.body).order_by(RejectedMessage.id.desc())).first()
    assert len(kept) <= 10_000


def test_an_overflowing_sum_is_never_stored(engine):
    add_sensors(engine, "A")
    body = [{"bn": "A", "bt": NOW.timestamp(), "bv": 1.5e308, "v": 1.5e308}]
    with session_scope(engine) as s:
        result = ingest_body(s, orjson.dumps(body), SensorDirectory(), "mqtt", NOW)
    assert (result.accepted, result.rejected) == (0, 1)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Alarm)) == 0


def test_numbered_readings_report_their_gaps(engine):
    add_sensors(engine, "A")
    directory = SensorDirectory()
    seqs = [1, 2, 3, 7, 8, 8, 5, 9, 12, 1, 2]  # 4-6 and 10-11 never came; a repeat; a restart
    for k, seq in enumerate(seqs):
        body = {"sensor": "A", "ts": NOW.timestamp() - 100 + k, "value": 1, "seq": seq}
        with session_scope(engine) as s:
            ingest_body(s, orjson.dumps(body), directory, "mqtt", NOW)
    with session_scope(engine) as s:
        gaps = load_stream_gaps(s)
    assert gaps["streams"] == 1 and gaps["missing"] == 5
    [stream] = gaps["with_gaps"]
    assert (stream["stream"], stream["gaps"], stream["last_seq"]) == ("sensor:A", 2, 2)
    assert [step_sequence(None, 5), step_sequence(5, 6), step_sequence(5, 9)] == [
        (5, 0, False),
        (6, 0, False),
        (9, 3, False),
    ]
    assert step_sequence(9, 4) == (9, 0, False) and step_sequence(9, 0) == (0, 0, True)
    bad = {"sensor": "A", "ts": NOW.timestamp(), "value": 1, "seq": -1}
    with session_scope(engine) as s:
        assert ingest_body(s, orjson.dumps(bad), directory, "mqtt", NOW).rejected == 1


def test_http_bodies_are_bounded_also_when_chunked(engine):
    """A chunked body (no Content-Length) skipped the 8 MB limit: sent over a real socket."""
    import http.client
    import threading

    from werkzeug.serving import make_server

    from dashboard.app import create_app
    from dashboard.settings import Settings

    app = create_app(Settings(ingest_token="s3cret-token", warm_cache=False), engine=engine)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    auth = {"Authorization": "Bearer s3cret-token"}
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        piece = b" " * 65536
        body = (piece for _ in range(MAX_MESSAGE_BYTES // len(piece) + 2))
        conn.request("POST", "/api/telemetry", body=body, headers=auth, encode_chunked=True)
        answer = conn.getresponse()
        assert answer.status == 413 and orjson.loads(answer.read())["code"] == "too_large"
        conn.close()
        client = app.server.test_client()
        sized = client.post("/api/telemetry", data=b" " * (MAX_MESSAGE_BYTES + 1), headers=auth)
        assert sized.status_code == 413
        assert client.get("/health").json["ingest"]["http_refused"] == 2
    finally:
        server.shutdown()


def test_an_mqtt_client_id_is_claimed_by_one_live_process(engine):
    import socket

    from data_loaders.scheduler import ClientIdTaken, claim_client_id

    def at(seconds: int):  # type: ignore[no-untyped-def]
        return lambda: NOW + timedelta(seconds=seconds)

    claim_client_id(engine, "ingest-a", 10, at(0), owner="other-host:41")
    with pytest.raises(ClientIdTaken, match="other-host:41"):
        claim_client_id(engine, "ingest-a", 10, at(29), owner="here:42")
    claim_client_id(engine, "ingest-a", 10, at(0), owner="other-host:41")  # its own beat
    claim_client_id(engine, "ingest-b", 10, at(29), owner="here:42")  # another id is free
    claim_client_id(engine, "ingest-a", 10, at(31), owner="here:42")  # 3 beats late: stale
    # a process of this machine that has exited (kill -9) does not block its restart
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    claim_client_id(
        engine, "ingest-c", 10, at(0), owner=f"{socket.gethostname()}:{dead.stdout.strip()}"
    )
    claim_client_id(engine, "ingest-c", 10, at(1), owner="here:43")


def test_a_nul_byte_is_kept_aside_not_a_failed_batch(engine):
    """PostgreSQL refuses NUL in text: the reject of such a message failed its whole batch
    (over HTTP a 500 with the good records lost; over MQTT even its dead letter)."""
    add_sensors(engine, "A")
    body = orjson.dumps(
        [
            {"sensor": "A", "ts": NOW.timestamp(), "value": 1},
            {"sensor": "GH\x00ST", "ts": NOW.timestamp(), "value": 1},
            {"sensor": "A", "ts": "\x00", "value": 1},
        ]
    )
    with session_scope(engine) as s:
        result = ingest_body(s, body, SensorDirectory(), "http", NOW)
    assert (result.accepted, result.rejected) == (1, 2)
    with session_scope(engine) as s:
        ingest_body(s, b"\x00\x01 not json", SensorDirectory(), "http", NOW)
        kept = s.scalars(select(RejectedMessage.body)).all()
    assert len(kept) == 3 and not any("\x00" in (k or "") for k in kept)


def test_a_seq_beyond_what_a_reading_number_can_be_is_rejected_alone(engine):
    """seq >= 2**63 overflowed the column and failed the whole transaction."""
    add_sensors(engine, "A")
    body = orjson.dumps(
        [
            {"sensor": "A", "ts": NOW.timestamp(), "value": 1, "seq": 2**63},
            {"sensor": "A", "ts": NOW.timestamp() + 1, "value": 2, "seq": 2**53 - 1},
        ]
    )
    with session_scope(engine) as s:
        result = ingest_body(s, body, SensorDirectory(), "http", NOW)
    assert (result.accepted, result.rejected) == (1, 1)


def test_rejects_are_bounded_per_batch_not_per_message(engine):
    from data_loaders.telemetry.store import ingest_bodies

    add_sensors(engine, "A")
    bodies = [
        orjson.dumps(
            [{"sensor": f"G{m}-{i}", "ts": NOW.timestamp(), "value": 1} for i in range(300)]
        )
        for m in range(20)
    ]
    with session_scope(engine) as s:
        result = ingest_bodies(s, bodies, SensorDirectory(), "mqtt", NOW)
    assert result.rejected == 6000
    assert counts(engine) == (0, MAX_REJECT_ROWS + 1)


def test_a_signal_bound_to_an_account_is_taken_from_that_account_only(engine):
    from data_loaders.telemetry.mqtt import account_of

    with session_scope(engine) as s:
        s.add(Sensor(tag="NH3-A", kind="ammonia", unit="ppm", gateway="GW-001"))
        s.add(Sensor(tag="NH3-FREE", kind="ammonia", unit="ppm"))  # bound to no account
    topic = "onemap/telemetry/#"
    assert account_of("onemap/telemetry/GW-001/tank/3", topic) == "GW-001"
    assert account_of("onemap/telemetry/GW-002", topic) == "GW-002"
    assert account_of("onemap/telemetry", topic) is None
    assert account_of("elsewhere/GW-001/x", topic) is None

    def body(tag: str, second: int) -> bytes:
        return orjson.dumps({"sensor": tag, "ts": NOW.timestamp() - 60 + second, "value": 1.0})

    directory = SensorDirectory()
    with session_scope(engine) as s:
        result = ingest_bodies(
            s,
            [body("NH3-A", 0), body("NH3-A", 1), body("NH3-A", 2), body("NH3-FREE", 3)],
            directory,
            "mqtt",
            NOW,
            accounts=["GW-001", "GW-002", None, "GW-002"],
        )
    # its own account's reading is stored; another device's, or one of no account, is not
    assert (result.accepted, result.rejected) == (2, 2)
    with session_scope(engine) as s:
        reasons = s.scalars(select(RejectedMessage.reason)).all()
        stored = s.scalar(select(func.count()).select_from(Reading))
    assert stored == 2
    assert sorted(r for r in reasons if "reports through" in r) == [
        "sensor 'NH3-A' reports through account 'GW-001', not 'GW-002'",
        "sensor 'NH3-A' reports through account 'GW-001', not 'no account'",
    ]
    # (HTTP and files carry no account: the binding is the broker's, by its topics)
    with session_scope(engine) as s:
        assert ingest_bodies(s, [body("NH3-A", 9)], directory, "http", NOW).accepted == 1
