"""The telemetry write path on SQLite and PostgreSQL: once per (sensor, ts), rejects kept."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from sqlalchemy import func, select

from data_loaders.store import session_scope
from data_loaders.store.schema import Reading, RejectedMessage, Sensor
from data_loaders.telemetry.store import SensorDirectory, ingest_body

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
