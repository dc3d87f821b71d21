"""Benchmark telemetry ingestion and print the figures (not a pass/fail test).

    .venv/bin/python bench/ingest.py [--readings 200000] [--per-message 100] [--no-pg]

For SQLite and PostgreSQL, in the same run:
- the raw baseline: the same readings inserted with one executemany INSERT per 5,000 rows
  (no broker, no parsing, no rules);
- end to end: readings published to the real broker (QoS 1), received by an `onemap ingest`
  process, parsed, stored once per (sensor, ts) and run through the alarm rules; readings/s
  from the first publish to the last reading stored;
- alarm latency: one ammonia reading past level 2 published to the broker → the alarm visible
  in GET /api/alarms of a running `onemap serve` (p50/p95 over many samples).

Services: MQTT at ONEMAP_BENCH_MQTT_URL (default mqtt://127.0.0.1:1883), PostgreSQL admin URL
at ONEMAP_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from data_loaders.store import init_db, make_engine, session_scope
from data_loaders.store.schema import Alarm, Reading, Sensor
from data_loaders.telemetry.mqtt import parse_url

MQTT_URL = os.environ.get("ONEMAP_BENCH_MQTT_URL", "mqtt://127.0.0.1:1883")
PG_ADMIN = os.environ.get(
    "ONEMAP_BENCH_PG_URL",
    os.environ.get("ONEMAP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)
SENSORS = 1000
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)


def make_store(url: str) -> None:
    """A fresh store with SENSORS ammonia sensors (150/300 ppm)."""
    engine = make_engine(url)
    init_db(engine)
    with session_scope(engine) as s:
        s.execute(
            insert(Sensor),
            [
                {
                    "tag": f"B{i:05d}",
                    "kind": "ammonia",
                    "unit": "ppm",
                    "level_1": 150.0,
                    "level_2": 300.0,
                    "direction": "high",
                    "stale_after_s": 10**6,
                    "is_drill": False,
                }
                for i in range(SENSORS)
            ],
        )
    engine.dispose()


def readings(n: int, offset_s: int = 0) -> list[tuple[int, float, float]]:
    """n normal readings spread over the sensors: (sensor index, epoch seconds, value)."""
    t0 = START.timestamp() + offset_s
    return [(i % SENSORS, t0 + i // SENSORS, 20.0 + (i % 37)) for i in range(n)]


def baseline(url: str, n: int) -> float:
    """Raw executemany INSERT of n readings; readings/s."""
    engine = make_engine(url)
    with session_scope(engine) as s:
        ids = dict(s.execute(select(Sensor.tag, Sensor.id)).all())
    ids_by_index = [ids[f"B{i:05d}"] for i in range(SENSORS)]
    rows = [
        {"sensor_id": ids_by_index[k], "ts": datetime.fromtimestamp(t, UTC), "value": v}
        for k, t, v in readings(n, offset_s=-3 * 3600)
    ]
    started = time.perf_counter()
    with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(insert(Reading), rows[i : i + 5000])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return n / elapsed


def count(url: str, model: type = Reading) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        engine.dispose()


def publisher() -> mqtt.Client:
    address = parse_url(MQTT_URL)
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"bench-pub-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv5,
    )
    client.max_inflight_messages_set(2000)
    client.max_queued_messages_set(0)
    client.connect(address.host, address.port)
    client.loop_start()
    return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard", command],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def wait_for(check, timeout: float, every: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return False


def end_to_end(url: str, n: int, per_message: int, samples: int, workdir: Path) -> dict:
    """Throughput through the broker and the alarm latency to /api/alarms."""
    run = uuid.uuid4().hex[:8]
    topic = f"onemap-bench/{run}/telemetry"
    port = free_port()
    env = {
        **os.environ,
        "ONEMAP_DATABASE_URL": url,
        "ONEMAP_MQTT_URL": MQTT_URL,
        "ONEMAP_MQTT_CLIENT_ID": f"onemap-bench-{run}",
        "ONEMAP_MQTT_TOPIC": f"{topic}/#",
        "ONEMAP_SIMULATOR": "false",
        "ONEMAP_DEMO_ON_EMPTY": "false",
        "ONEMAP_ANONYMOUS_ROLE": "viewer",
        "ONEMAP_WARM_CACHE": "false",
        "ONEMAP_PORT": str(port),
    }
    log = workdir / f"ingest-{run}.log"
    ingest = start("ingest", env, log)
    serve = start("serve", env, log)
    pub = publisher()
    try:
        before = count(url)
        probe = {"sensor": "B00000", "ts": START.timestamp() - 7200, "value": 1}
        ok = wait_for(
            lambda: pub.publish(f"{topic}/p", orjson.dumps(probe), qos=1) and count(url) > before,
            60,
            0.3,
        )
        assert ok, log.read_text()
        before = count(url)
        batch = readings(n)
        bodies = [
            orjson.dumps(
                [
                    {"sensor": f"B{k:05d}", "ts": t, "value": v}
                    for k, t, v in batch[i : i + per_message]
                ]
            )
            for i in range(0, n, per_message)
        ]
        started = time.perf_counter()
        for body in bodies:
            info = pub.publish(f"{topic}/gw", body, qos=1)
        info.wait_for_publish(60)
        published = time.perf_counter() - started
        assert wait_for(lambda: count(url) >= before + n, 600, 0.1), log.read_text()
        elapsed = time.perf_counter() - started
        stored = count(url) - before

        # latency: one reading past level 2 (a gas detector's alarm needs no hold) → /api/alarms
        assert wait_for(lambda: _get(port, "/health") is not None, 60, 0.2), log.read_text()
        latencies = []
        for k in range(samples):
            tag = f"B{(k * 7 + 1) % SENSORS:05d}"
            t = START.timestamp() + 5 * 3600 + k * 60
            body = orjson.dumps([{"sensor": tag, "ts": t, "value": 400}])
            sent = time.perf_counter()
            pub.publish(f"{topic}/alarm", body, qos=1)
            seen = wait_for(lambda tag=tag: _has_alarm(port, tag), 30, 0.02)
            if seen:
                latencies.append(time.perf_counter() - sent)
            time.sleep(0.05)
        alarms = count(url, Alarm)
    finally:
        pub.disconnect()
        for p in (ingest, serve):
            p.send_signal(signal.SIGTERM)
            p.wait(20)
    latencies.sort()
    return {
        "stored": stored,
        "publish_s": published,
        "elapsed_s": elapsed,
        "rate": stored / elapsed,
        "alarms": alarms,
        "lat_p50": statistics.median(latencies) if latencies else None,
        "lat_p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
        "lat_n": len(latencies),
        "samples": samples,
    }


def _get(port: int, path: str) -> bytes | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.read()
    except OSError:
        return None


def _has_alarm(port: int, tag: str) -> bool:
    body = _get(port, "/api/alarms?state=open&limit=5000")
    return body is not None and any(a["sensor"] == tag for a in orjson.loads(body))


def pg_database() -> tuple[str, callable]:  # type: ignore[valid-type]
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"onemap_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    """Print the figures for SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readings", type=int, default=200_000)
    parser.add_argument("--per-message", type=int, default=100)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="onemap-bench-"))
    stores = [("SQLite", f"sqlite:///{workdir / 'bench.db'}", None)]
    if not args.no_pg:
        url, drop = pg_database()
        stores.append(("PostgreSQL", url, drop))
    print(
        f"{args.readings:,} readings over {SENSORS:,} sensors, {args.per_message} per MQTT "
        f"message (QoS 1); {os.cpu_count()} cores"
    )
    try:
        for name, url, _ in stores:
            make_store(url)
            raw = baseline(url, args.readings)
            e2e = end_to_end(url, args.readings, args.per_message, args.samples, workdir)
            print(f"\n{name}")
            print(f"  raw batch INSERT baseline      {raw:>10,.0f} readings/s")
            print(
                f"  broker → stored → evaluated    {e2e['rate']:>10,.0f} readings/s "
                f"({e2e['stored']:,} in {e2e['elapsed_s']:.2f} s; publishing took "
                f"{e2e['publish_s']:.2f} s) = {e2e['rate'] / raw:.0%} of the baseline"
            )
            if e2e["lat_p95"] is not None:
                print(
                    f"  reading over threshold → /api/alarms: p50 {e2e['lat_p50'] * 1000:.0f} ms, "
                    f"p95 {e2e['lat_p95'] * 1000:.0f} ms ({e2e['lat_n']}/{e2e['samples']} seen)"
                )
    finally:
        for _, _, drop in stores:
            if drop:
                drop()
    print(f"\nlogs: {workdir}")


if __name__ == "__main__":
    main()
