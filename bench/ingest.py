"""Benchmark telemetry ingestion and print the figures (not a pass/fail test).

    PYTHONPATH=. .venv/bin/python bench/ingest.py [--readings 200000] [--per-message 10,100]
        [--processes 1,2] [--publishers 2] [--sqlite] [--samples 40]

On PostgreSQL (and SQLite with --sqlite, one ingest process only: SQLite has one writer):
- the raw baseline: the same readings inserted with one executemany INSERT per 5,000 rows
  (no broker, no parsing, no rules);
- end to end, for each readings-per-message and number of ingest processes: readings
  published to a real broker (QoS 1) by `--publishers` processes of a socket-level publisher
  (paho's Python per message made the publisher the limit), received
  by `onemap ingest` processes sharing the subscription (MQTT 5 shared subscription: each
  its own ONEMAP_MQTT_CLIENT_ID, one ONEMAP_MQTT_GROUP per run), parsed, stored once per
  (sensor, ts) and run through the alarm rules; readings/s from the first publish to the
  last reading stored, in a fresh store each;
- alarm latency (the first run of each store): one ammonia reading past level 2 published to
  the broker → the alarm visible in GET /api/alarms of a running `onemap serve`.

Services: a Mosquitto of the bench's own (`mosquitto` on PATH or in /usr/sbin) on a free port,
configured as the README tells operators (`max_queued_messages` raised: at the default 1000 a
broker drops QoS 1 messages queued for a subscriber that is behind, and a run never ends);
`--broker URL` (or ONEMAP_BENCH_MQTT_URL) uses another. PostgreSQL admin URL at
ONEMAP_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test). The
processes started run this checkout's code (PYTHONPATH is set to it).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from data_loaders.store import init_db, make_engine, session_scope
from data_loaders.store.schema import Alarm, Reading, Sensor
from data_loaders.telemetry.mqtt import parse_url

MQTT_URL = os.environ.get("ONEMAP_BENCH_MQTT_URL", "")  # empty: the bench's own broker
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


ROOT = Path(__file__).resolve().parent.parent


def start(command: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`onemap COMMAND` from this checkout (not whichever the venv has installed)."""
    path = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard", command],
        env={**env, "PYTHONPATH": path},
        cwd=ROOT,
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


def bodies_of(n: int, per_message: int, part: int = 0, parts: int = 1) -> list[bytes]:
    """The messages of one publisher's share: every `parts`-th message from `part` on."""
    batch = readings(n)
    return [
        orjson.dumps(
            [{"sensor": f"B{k:05d}", "ts": t, "value": v} for k, t, v in batch[i : i + per_message]]
        )
        for i in range(part * per_message, n, parts * per_message)
    ]


def _publish_share(topic: str, bodies: list[bytes], go, done) -> None:  # type: ignore[no-untyped-def]
    """A publisher process: connect, wait for the start, publish its share at QoS 1 (each
    message acknowledged by the broker before the process says it is done)."""
    address = parse_url(MQTT_URL)
    pub = RawPublisher(address.host, address.port, f"bench-pub-{uuid.uuid4().hex[:8]}")
    go.wait()
    pub.publish_all(topic, bodies)
    done.put(time.perf_counter())
    pub.close()


def _varint(n: int) -> bytes:
    """MQTT's variable byte integer."""
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _packet(first: int, body: bytes) -> bytes:
    return bytes([first]) + _varint(len(body)) + body


def _text(value: str) -> bytes:
    raw = value.encode()
    return len(raw).to_bytes(2, "big") + raw


class RawPublisher:
    """An MQTT 5 QoS 1 publisher written on a socket: packets encoded once, sent back to back
    within the broker's Receive Maximum, PUBACKs counted. paho spends ~300 µs of Python per
    message (20,000 took 6.5 s of a core): a bench publisher as slow as that, on the cores
    the ingest needs, measured the publisher."""

    def __init__(self, host: str, port: int, client_id: str) -> None:
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        connect = b"\x00\x04MQTT\x05\x02" + (60).to_bytes(2, "big") + b"\x00" + _text(client_id)
        self.sock.sendall(_packet(0x10, connect))
        kind, body = self._read()
        assert kind == 2 and body[1] == 0, f"CONNACK refused: {body!r}"
        self.window = 65535  # Receive Maximum (property 0x21) when the broker sends none
        props, at = _read_varint(body, 2)
        end = at + props
        while at < end:  # the CONNACK's properties: find Receive Maximum
            ident = body[at]
            at += 1
            if ident == 0x21:
                self.window = int.from_bytes(body[at : at + 2], "big")
                break
            at += _PROPERTY_SIZE.get(ident, 0) or _skip(body, at, ident)

    def _read(self) -> tuple[int, bytes]:
        """The next packet's type and body (blocking)."""
        while (packet := self._take()) is None:
            chunk = self.sock.recv(65536)
            assert chunk, "the broker closed the connection"
            self.buffer += chunk
        return packet

    def _take(self) -> tuple[int, bytes] | None:
        """A whole packet from the buffer, if one is there."""
        try:
            length, at = _read_varint(self.buffer, 1)
        except IndexError:
            return None
        if len(self.buffer) < at + length:
            return None
        kind, body = self.buffer[0] >> 4, self.buffer[at : at + length]
        self.buffer = self.buffer[at + length :]
        return kind, body

    def _acks(self, block: bool) -> int:
        """PUBACKs received: waits for one when `block`, else takes only what has come."""
        if block:
            packets = [self._read()]
        else:
            packets = []
            self.sock.setblocking(False)
            try:
                self.buffer += self.sock.recv(1 << 20)
            except BlockingIOError:
                pass
            finally:
                self.sock.setblocking(True)
        while (packet := self._take()) is not None:
            packets.append(packet)
        for kind, body in packets:
            # a reason code of 0x80 or more is a refusal (MQTT 5 §3.4.2.1)
            assert kind != 4 or len(body) < 3 or body[2] < 0x80, f"PUBACK refused: {body!r}"
        return sum(kind == 4 for kind, _ in packets)

    def publish_all(self, topic: str, bodies: list[bytes]) -> None:
        """Publish every body at QoS 1; returns once the broker acknowledged them all."""
        head = _text(topic)
        n, sent, acked = len(bodies), 0, 0
        while acked < n:
            room = min(self.window - (sent - acked), n - sent, 500)
            if room > 0:
                packets = [
                    _packet(0x32, head + (k % 65535 + 1).to_bytes(2, "big") + b"\x00" + bodies[k])
                    for k in range(sent, sent + room)
                ]
                self.sock.sendall(b"".join(packets))
                sent += room
            acked += self._acks(block=sent == n or sent - acked >= self.window)

    def close(self) -> None:
        """DISCONNECT and close."""
        with contextlib.suppress(OSError):
            self.sock.sendall(b"\xe0\x00")
        self.sock.close()


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    """(value, position after it) of a variable byte integer at `at`."""
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


# CONNACK property sizes (MQTT 5 §3.2.2.3) of the fixed-size ones
_PROPERTY_SIZE = {0x11: 4, 0x13: 2, 0x22: 2, 0x24: 1, 0x25: 1, 0x27: 4, 0x28: 1, 0x29: 1, 0x2A: 1}


def _skip(body: bytes, at: int, ident: int) -> int:
    """The size of a variable-size CONNACK property (text, binary or pairs)."""
    if ident == 0x26:  # user property: two texts
        first = int.from_bytes(body[at : at + 2], "big")
        second = int.from_bytes(body[at + 2 + first : at + 4 + first], "big")
        return 4 + first + second
    return 2 + int.from_bytes(body[at : at + 2], "big")


def accepted(url: str) -> int:
    """Readings the ingest processes stored from MQTT (their counter: cheaper than count(*)
    on a growing table every tenth of a second)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.scalar(text("SELECT value FROM meta WHERE key = 'ingest.mqtt.accepted'"))
            return int(value or 0)
    finally:
        engine.dispose()


def shares(url: str, client_ids: list[str]) -> list[int]:
    """Each ingest process's own count of accepted readings (its share of the split)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                int(
                    conn.scalar(
                        text("SELECT value FROM meta WHERE key = :k"),
                        {"k": f"ingest.mqtt.accepted.{c}"},
                    )
                    or 0
                )
                for c in client_ids
            ]
    finally:
        engine.dispose()


def _until_stored(url: str, total: int, stall_s: float = 30.0) -> bool:
    """Wait until `total` readings were accepted; False once nothing moved for `stall_s`
    (messages lost: the broker dropped them), instead of waiting for ever."""
    last, moved = -1, time.monotonic()
    while True:
        now_ = accepted(url)
        if now_ >= total:
            return True
        if now_ != last:
            last, moved = now_, time.monotonic()
        elif time.monotonic() - moved > stall_s:
            print(f"  stalled at {now_:,} of {total:,} readings", flush=True)
            return False
        time.sleep(0.1)


def end_to_end(
    url: str,
    n: int,
    per_message: int,
    processes: int,
    publishers: int,
    samples: int,
    workdir: Path,
) -> dict:
    """Throughput through the broker with `processes` ingest processes sharing the
    subscription; the alarm latency to /api/alarms when `samples`."""
    run = uuid.uuid4().hex[:8]
    topic = f"onemap-bench/{run}/telemetry"
    port = free_port()
    env = {
        **os.environ,
        "ONEMAP_DATABASE_URL": url,
        "ONEMAP_MQTT_URL": MQTT_URL,
        "ONEMAP_MQTT_TOPIC": f"{topic}/#",
        "ONEMAP_MQTT_GROUP": f"bench{run}",  # a group of this run's processes only
        "ONEMAP_SIMULATOR": "false",
        "ONEMAP_DEMO_ON_EMPTY": "false",
        "ONEMAP_ANONYMOUS_ROLE": "viewer",
        "ONEMAP_WARM_CACHE": "false",
        "ONEMAP_PORT": str(port),
    }
    log = workdir / f"ingest-{run}.log"
    clients = [f"onemap-bench-{run}-{i}" for i in range(processes)]
    ingests = [start("ingest", {**env, "ONEMAP_MQTT_CLIENT_ID": c}, log) for c in clients]
    serve = None
    pub = publisher()
    ctx = multiprocessing.get_context("fork")
    try:
        # probes (old readings, one sensor) until every process has stored one: the shared
        # subscription hands messages only to members already subscribed
        k = 0

        def all_subscribed() -> bool:
            nonlocal k
            k += 1
            probe = {"sensor": "B00000", "ts": START.timestamp() - 7200 - k, "value": 1}
            pub.publish(f"{topic}/p", orjson.dumps(probe), qos=1)
            return all(shares(url, clients))

        assert wait_for(all_subscribed, 90, 0.3), log.read_text()
        time.sleep(1.0)  # the last probes drain
        before = accepted(url)
        go, done = ctx.Event(), ctx.Queue()
        senders = [
            ctx.Process(
                target=_publish_share,
                args=(f"{topic}/gw", bodies_of(n, per_message, i, publishers), go, done),
            )
            for i in range(publishers)
        ]
        for p in senders:
            p.start()
        time.sleep(1.0)  # connected
        split_before = shares(url, clients)
        started = time.perf_counter()
        go.set()
        assert _until_stored(url, before + n), f"readings lost on the way (see {log})"
        elapsed = time.perf_counter() - started
        published = max(done.get(timeout=60) for _ in senders) - started
        for p in senders:
            p.join(30)
        stored = accepted(url) - before
        split = [b - a for a, b in zip(split_before, shares(url, clients), strict=True)]

        latencies = []
        if samples:
            # started only now: its start-up would take the cores from the run above
            serve = start("serve", env, log)
            # one reading past level 2 (a gas detector's alarm needs no hold) → /api/alarms
            assert wait_for(lambda: _get(port, "/health") is not None, 60, 0.2), log.read_text()
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
        for p in [*ingests, *([serve] if serve else [])]:
            p.send_signal(signal.SIGTERM)
        for p in [*ingests, *([serve] if serve else [])]:
            p.wait(30)
    latencies.sort()
    return {
        "stored": stored,
        "split": split,
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


def own_broker(workdir: Path) -> tuple[str, subprocess.Popen]:
    """A Mosquitto of our own on a free port, its queues raised as the README advises."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 1000000\nmax_queued_bytes 0\n"
        # a bench publisher stands for many gateways, each with its own 20 unacknowledged
        # messages (Mosquitto's Receive Maximum): one connection gets the sum of theirs
        "max_inflight_messages 0\n",
        encoding="utf-8",
    )
    broker = subprocess.Popen(
        [binary, "-c", str(conf)],
        stdout=(workdir / "mosquitto.log").open("ab"),
        stderr=subprocess.STDOUT,
    )

    def listening() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    assert wait_for(listening, 10, 0.1), (workdir / "mosquitto.log").read_text()
    return f"mqtt://127.0.0.1:{port}", broker


def pg_database() -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database's URL and the function that drops it."""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"onemap_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), drop


def sqlite_database(workdir: Path) -> tuple[str, Callable[[], None]]:
    """A fresh SQLite file's URL (the folder is kept with the logs)."""
    return f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}", lambda: None


def _ints(text_: str) -> list[int]:
    return [int(x) for x in text_.split(",") if x.strip()]


def main() -> None:
    """Print the figures: a table of readings/s by store, per message and processes."""
    global MQTT_URL  # the publishers (forked) and the ingest processes use the one chosen
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readings", type=int, default=200_000)
    parser.add_argument("--per-message", type=_ints, default=[10, 100], help="e.g. 10,100")
    parser.add_argument("--processes", type=_ints, default=[1, 2], help="ingest processes")
    parser.add_argument("--publishers", type=int, default=2, help="publisher processes")
    parser.add_argument("--samples", type=int, default=40, help="alarm latency samples")
    parser.add_argument("--sqlite", action="store_true", help="SQLite too (one process)")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--broker", default=MQTT_URL, help="an MQTT URL; default: our own")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="onemap-bench-"))
    broker = None
    if args.broker:
        MQTT_URL = args.broker
    else:
        MQTT_URL, broker = own_broker(workdir)
    try:
        _run_all(args, workdir)
    finally:
        if broker is not None:
            broker.terminate()
            broker.wait(10)


def _run_all(args: argparse.Namespace, workdir: Path) -> None:
    """Every run the arguments ask for, then the table."""
    stores: list[tuple[str, Callable[[], tuple[str, Callable[[], None]]], list[int]]] = []
    if args.sqlite or args.no_pg:
        stores.append(("SQLite", lambda: sqlite_database(workdir), [1]))
    if not args.no_pg:
        stores.append(("PostgreSQL", pg_database, args.processes))
    print(
        f"{args.readings:,} readings over {SENSORS:,} sensors per run, MQTT QoS 1 via "
        f"{MQTT_URL}, {args.publishers} publisher processes; {os.cpu_count()} cores"
    )
    rows = []
    for name, new_store, processes in stores:
        url, drop = new_store()
        try:
            make_store(url)
            raw = baseline(url, args.readings)
        finally:
            drop()
        print(f"\n{name}: raw batch INSERT baseline {raw:,.0f} readings/s")
        samples = args.samples
        for per in args.per_message:
            for procs in processes:
                url, drop = new_store()
                try:
                    make_store(url)
                    e2e = end_to_end(
                        url, args.readings, per, procs, args.publishers, samples, workdir
                    )
                finally:
                    drop()
                rows.append((name, per, procs, e2e))
                print(
                    f"  {per:>3}/message, {procs} ingest: {e2e['rate']:>8,.0f} readings/s "
                    f"({e2e['stored']:,} in {e2e['elapsed_s']:.2f} s; publishing took "
                    f"{e2e['publish_s']:.2f} s; split {e2e['split']}) = "
                    f"{e2e['rate'] / raw:.0%} of the baseline"
                )
                if e2e["lat_p95"] is not None:
                    print(
                        f"  reading over threshold → /api/alarms: p50 "
                        f"{e2e['lat_p50'] * 1000:.0f} ms, p95 {e2e['lat_p95'] * 1000:.0f} ms "
                        f"({e2e['lat_n']}/{e2e['samples']} seen)"
                    )
                samples = 0  # latency once per store: a web process beside costs the cores
    print("\nend to end, readings/s (broker → stored → evaluated)")
    print(f"  {'store':<11} {'per message':>11} {'processes':>9} {'readings/s':>11}")
    for name, per, procs, e2e in rows:
        print(f"  {name:<11} {per:>11} {procs:>9} {e2e['rate']:>11,.0f}")
    print(f"\nlogs: {workdir}")


if __name__ == "__main__":
    main()
