"""Faults: break one part of a running deployment mid-stream and show that nothing is lost and
the service comes back by itself (figures, not a pass/fail test; needs root for the private
PostgreSQL and the small disk).

    .venv/bin/python bench/faults.py [--only broker,broker-crash,postgres,ingest,web,disk]
                                     [--seconds 30]

A deployment of its own, so nothing else on the machine is disturbed: a Mosquitto on the
broker configuration of deploy/ (sign-in, ACL, persistence) and a PostgreSQL cluster, both on
free ports in a temporary folder; two `onemap ingest` processes sharing the subscription
(`$share/…`, a client id each), and a device account that publishes readings with QoS 1 at a
steady rate (10 readings per message, each (sensor, ts) once).

Each fault, mid-stream:
- broker: Mosquitto stopped and started again 3 s later (its queues kept on disk);
- broker-crash: Mosquitto killed with SIGKILL (its store as last autosaved, every 30 s)
  and started again 3 s later;
- postgres: the cluster restarted (`pg_ctl restart -m fast`);
- ingest: one ingest process killed with SIGKILL and started again 5 s later, as the
  systemd unit's Restart=always does (the other carries on meanwhile);
- web: a gunicorn worker (of 4) killed with SIGKILL while screens poll;
- disk: the drop folder's disk (a 512 KiB tmpfs) filled while files are written to it.
Printed per fault: readings published, stored, lost, the redeliveries the store turned into
no-ops, the seconds without new readings (or failed requests), and whether the service was
back by itself.
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
from sqlalchemy import func, insert, select

from data_loaders.store import init_db, make_engine, session_scope
from data_loaders.store.schema import Meta, Reading, Sensor

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SENSORS = 200
PER_MESSAGE = 10
USERS = {
    "onemap-ingest-1": secrets.token_hex(8),
    "onemap-ingest-2": secrets.token_hex(8),
    "GW-FAULT": secrets.token_hex(8),
}
TOPIC = "onemap/telemetry/GW-FAULT/batch"


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 20) -> None:
    """Until something listens on a port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port} after {timeout:.0f} s")


class Broker:
    """Mosquitto on deploy/mosquitto/onemap.conf, moved into a folder of its own."""

    def __init__(self, where: Path) -> None:
        self.where = where
        where.mkdir()
        self.port = free_port()
        passwd = where / "onemap.passwd"
        passwd.touch(0o600)
        for user, password in USERS.items():
            subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True)
        shutil.copy(ROOT / "deploy" / "mosquitto" / "onemap.acl", where / "onemap.acl")
        (where / "db").mkdir()
        conf = (ROOT / "deploy" / "mosquitto" / "onemap.conf").read_text()
        conf = conf.replace("listener 1883", f"listener {self.port} 127.0.0.1")
        conf = conf.replace("/etc/mosquitto/", f"{where}/")
        # what Debian's mosquitto.conf adds around the drop-in: the store on disk
        conf += f"\npersistence true\npersistence_location {where}/db/\n"
        conf += f"\nuser {pwd.getpwuid(os.getuid()).pw_name}\n"
        # (the run waits for the ingest processes' subscriptions in the broker's log)
        conf += "log_type error\nlog_type warning\nlog_type notice\nlog_type subscribe\n"
        (where / "onemap.conf").write_text(conf)
        self.proc: subprocess.Popen | None = None  # type: ignore[type-arg]

    def start(self) -> None:
        """Start it and wait until it listens."""
        log = (self.where / "mosquitto.log").open("ab")
        self.proc = subprocess.Popen(
            ["mosquitto", "-c", str(self.where / "onemap.conf")], stdout=log, stderr=log
        )
        wait_port(self.port)

    def stop(self) -> None:
        """Stop it as its service does (SIGTERM: the queues are written to disk)."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(20)

    def wait_saved(self, timeout: float = 45) -> float:
        """Wait for the broker's next autosave (its store then holds the sessions of now);
        the seconds waited."""
        store, asked = self.where / "db" / "mosquitto.db", time.time()
        while time.time() - asked < timeout:
            if store.exists() and store.stat().st_mtime > asked:
                return time.time() - asked
            time.sleep(0.2)
        raise TimeoutError(f"no autosave of {store} within {timeout} s")

    def kill(self) -> None:
        """Kill it outright, as a crash or the OOM killer would."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(20)

    def url(self, user: str) -> str:
        """The URL an account signs in with."""
        return f"mqtt://{user}:{USERS[user]}@127.0.0.1:{self.port}"


class Postgres:
    """A PostgreSQL cluster of its own (initdb as the postgres user)."""

    def __init__(self, where: Path) -> None:
        self.data = where / "pg"
        self.port = free_port()
        where.chmod(0o755)
        self.data.mkdir()
        shutil.chown(self.data, "postgres")
        self._as_postgres(
            [str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        )
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, args: list[str]) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], check=True, stdout=subprocess.DEVNULL
        )

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}"
        self._as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.data / "log"),
                "-w",
                *args,
            ]
        )

    def start(self) -> None:
        """Start the cluster."""
        self._ctl("start")

    def restart(self) -> None:
        """Restart it, ending every connection (as a minor upgrade or a failover does)."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        """Stop it."""
        self._ctl("stop", "-m", "fast")


@dataclass
class Deployment:
    """The pieces a fault breaks."""

    where: Path
    broker: Broker
    pg: Postgres
    env: dict[str, str]
    ingests: dict[str, subprocess.Popen]  # type: ignore[type-arg]
    streams: list[datetime]

    def start_ingest(self, name: str) -> None:
        """An ingest process with its own client id (the unit's instance name)."""
        log = (self.where / f"ingest-{name}.log").open("ab")
        self.ingests[name] = subprocess.Popen(
            [str(BIN / "onemap"), "ingest"],
            cwd=ROOT,
            env={
                **self.env,
                "ONEMAP_MQTT_CLIENT_ID": f"onemap-ingest-{name}",  # (its account's name)
                "ONEMAP_MQTT_URL": self.broker.url(f"onemap-ingest-{name}"),
            },
            stdout=log,
            stderr=log,
        )

    def wait_subscribed(self, timeout: float = 60) -> None:
        """Until every ingest process has subscribed (what is published before a first
        subscription goes to nobody: a deployment's sessions exist from its first start)."""
        log = self.broker.where / "mosquitto.log"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = log.read_text(errors="replace") if log.exists() else ""
            if all(f"onemap-ingest-{n} 1 " in seen for n in self.ingests):  # (id, QoS, topic)
                return
            time.sleep(0.2)
        raise SystemExit("the ingest processes did not subscribe within a minute")

    def stop(self) -> None:
        """Stop the ingest processes, the broker and the cluster."""
        for proc in self.ingests.values():
            proc.terminate()
        for proc in self.ingests.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.broker.stop()
        self.pg.stop()


def make_deployment(where: Path, group: str = "onemap") -> Deployment:
    """Broker, cluster, a store with SENSORS detectors, two ingest processes."""
    broker = Broker(where / "broker")
    broker.start()
    pg = Postgres(where)
    pg.start()
    engine = make_engine(pg.url)
    init_db(engine)
    with session_scope(engine) as s:
        s.execute(
            insert(Sensor),
            [
                {
                    "tag": f"F-{i:04d}",
                    "kind": "ammonia",
                    "unit": "ppm",
                    "level_1": 150,
                    "level_2": 300,
                    "stale_after_s": 86400,
                }
                for i in range(SENSORS)
            ],
        )
    engine.dispose()
    env = {
        **os.environ,
        "ONEMAP_DATABASE_URL": pg.url,
        "ONEMAP_MQTT_GROUP": group,
        "ONEMAP_SIMULATOR": "false",
        "ONEMAP_SECRET_KEY": secrets.token_hex(32),
        "PYTHONPATH": str(ROOT),
    }
    deployment = Deployment(where, broker, pg, env, {}, [])
    for name in ("1", "2"):
        deployment.start_ingest(name)
    deployment.wait_subscribed()
    return deployment


class Publisher:
    """A device publishing batches of readings with QoS 1 at a steady rate; paho keeps what
    the broker has not acknowledged and sends it again after a reconnect."""

    def __init__(self, broker: Broker, rate: int, start: datetime) -> None:
        self.rate = rate
        self.start = start
        self.sent = 0  # messages
        self.client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"gw-fault-{secrets.token_hex(3)}",
            protocol=mqtt.MQTTv5,
        )
        self.client.username_pw_set("GW-FAULT", USERS["GW-FAULT"])
        self.client.max_queued_messages_set(0)
        self.client.max_inflight_messages_set(1000)
        self.client.reconnect_delay_set(0.5, 2)
        # the broker's acknowledgements (a message published while the broker is away is
        # queued by paho, sent on the reconnect, acknowledged then)
        self.acked = 0  # (a count: packet ids wrap at 65,535)
        self.client.on_publish = lambda *_a: self._ack()
        self.client.connect("127.0.0.1", broker.port, clean_start=False)
        self.client.loop_start()

    def _ack(self) -> None:
        self.acked += 1  # (paho's network thread is the only writer)

    def body(self, n: int) -> bytes:
        """Message n: PER_MESSAGE readings, each (sensor, ts) once over the run."""
        rows = []
        for k in range(PER_MESSAGE):
            i = n * PER_MESSAGE + k
            ts = self.start + timedelta(seconds=i // SENSORS)
            rows.append({"sensor": f"F-{i % SENSORS:04d}", "ts": ts.isoformat(), "value": 20.0})
        return orjson.dumps(rows)

    def run(self, seconds: float) -> None:
        """Publish for a while at the rate."""
        t0 = time.monotonic()
        while (elapsed := time.monotonic() - t0) < seconds:
            due = int(elapsed * self.rate)
            while self.sent < due:
                self.client.publish(TOPIC, self.body(self.sent), qos=1)
                self.sent += 1
            time.sleep(0.01)

    def settle(self, timeout: float = 60) -> int:
        """Wait until the broker acknowledged every message; how many it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.acked < self.sent:
            time.sleep(0.1)
        self.client.disconnect()
        self.client.loop_stop()
        return self.acked


def stored(url: str) -> int:
    """Readings in the store (0 while it is away)."""
    try:
        engine = make_engine(url)
        with session_scope(engine) as s:
            n = s.scalar(select(func.count()).select_from(Reading))
        engine.dispose()
        return int(n or 0)
    except Exception:
        return -1


def duplicates(url: str) -> int:
    """Redelivered readings the store ignored (the ingest counts them)."""
    engine = make_engine(url)
    with session_scope(engine) as s:
        rows = s.execute(
            select(Meta.key, Meta.value).where(Meta.key.like("ingest.mqtt.duplicates%"))
        ).all()
    engine.dispose()
    return sum(int(v or 0) for _k, v in rows)


class Gap:
    """The longest time the store took no new readings while a stream ran."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.longest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        last_n, last_change = -1, time.monotonic()
        while not self._stop.wait(0.25):
            n = stored(self.url)
            now = time.monotonic()
            if n > last_n:
                last_n, last_change = n, now
            self.longest = max(self.longest, now - last_change)

    def stop(self) -> float:
        """Stop watching; the longest gap in seconds."""
        self._stop.set()
        self._thread.join()
        return self.longest


def stream_with_fault(
    d: Deployment, seconds: float, rate: int, fault: Callable[[], None]
) -> dict[str, object]:
    """Publish for `seconds`, break something a third of the way in; the figures."""
    before, repeats = stored(d.pg.url), duplicates(d.pg.url)
    # each stream's readings are its own: a start time none of the others use
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=len(d.streams) + 1)
    d.streams.append(start)
    publisher = Publisher(d.broker, rate, start)
    gap = Gap(d.pg.url)
    timer = threading.Timer(seconds / 3, fault)
    timer.start()
    publisher.run(seconds)
    timer.join()
    acknowledged = publisher.settle()
    expected = before + publisher.sent * PER_MESSAGE
    deadline = time.monotonic() + 90
    while stored(d.pg.url) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # (anything doubled would have arrived too)
    got = stored(d.pg.url)
    return {
        "published": publisher.sent * PER_MESSAGE,
        "acknowledged by the broker": acknowledged * PER_MESSAGE,
        "stored": got - before,
        "lost": expected - got,
        "longest gap s": round(gap.stop(), 1),
        "redeliveries ignored": duplicates(d.pg.url) - repeats,
    }


def fault_broker(d: Deployment) -> Callable[[], None]:
    """Stop the broker, start it 3 s later."""

    def fault() -> None:
        d.broker.stop()
        time.sleep(3)
        d.broker.start()

    return fault


def fault_broker_crash(d: Deployment) -> Callable[[], None]:
    """Kill the broker outright (SIGKILL: its store is as last autosaved), start it 3 s
    later: what it had acknowledged to the device and not yet delivered may be gone."""

    def fault() -> None:
        d.broker.kill()
        time.sleep(3)
        d.broker.start()

    return fault


def fault_postgres(d: Deployment) -> Callable[[], None]:
    """Restart the cluster."""
    return d.pg.restart


def fault_ingest(d: Deployment) -> Callable[[], None]:
    """Kill ingest 1 outright, start it again 5 s later (systemd's Restart=always)."""

    def fault() -> None:
        d.ingests["1"].send_signal(signal.SIGKILL)
        d.ingests["1"].wait()
        time.sleep(5)
        d.start_ingest("1")

    return fault


def web_worker_fault(d: Deployment, seconds: float) -> dict[str, object]:
    """gunicorn -w 4; screens poll; one worker killed: failed requests, workers back."""
    port = free_port()
    log = (d.where / "web.log").open("ab")
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "dashboard.wsgi:server"],
        cwd=ROOT,
        env={**d.env, "ONEMAP_ANONYMOUS_ROLE": "viewer"},
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_port(port, 90)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/health", timeout=5).read()
                break
            except OSError:
                time.sleep(0.5)
        results: list[bool] = []
        stop = threading.Event()

        def poll() -> None:
            while not stop.is_set():
                try:
                    urllib.request.urlopen(base + "/api/alarms?state=open", timeout=10).read()
                    results.append(True)
                except OSError:
                    results.append(False)
                time.sleep(0.02)

        pollers = [threading.Thread(target=poll, daemon=True) for _ in range(4)]
        for p in pollers:
            p.start()
        time.sleep(seconds / 3)
        workers = children(web.pid)
        os.kill(workers[0], signal.SIGKILL)
        killed_at = time.monotonic()
        back = None
        while time.monotonic() - killed_at < 60:
            now = children(web.pid)
            if len(now) == 4 and workers[0] not in now:
                back = time.monotonic() - killed_at
                break
            time.sleep(0.1)
        time.sleep(max(0.0, seconds * 2 / 3 - (time.monotonic() - killed_at)))
        stop.set()
        for p in pollers:
            p.join()
        return {
            "requests": len(results),
            "failed": results.count(False),
            "worker replaced after s": round(back, 1) if back is not None else "never",
        }
    finally:
        web.terminate()
        web.wait(30)


def children(pid: int) -> list[int]:
    """A process's children."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def disk_fault(d: Deployment) -> dict[str, object]:
    """A drop folder on a 512 KiB disk: files written while it fills are refused whole."""
    from data_loaders.telemetry.drop import poll_drop_folder, prepare_folder
    from data_loaders.telemetry.store import SensorDirectory

    folder = d.where / "drop"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(folder)], check=True)
    engine = make_engine(d.pg.url)
    try:
        prepare_folder(folder)
        before = stored(d.pg.url)
        start = datetime(2026, 1, 1, tzinfo=UTC)
        written, cut, empty = 0, 0, 0
        for n in range(40):
            rows = "".join(
                f"F-{i % SENSORS:04d},{(start + timedelta(seconds=n * 5000 + i)).isoformat()},1.5\n"
                for i in range(5000)
            )
            path = folder / f"batch-{n:02d}.csv"
            try:
                with open(path, "w") as f:
                    f.write("sensor,ts,value\n" + rows)
                    f.flush()
                    os.fsync(f.fileno())
                written += 1
            except (
                OSError
            ):  # the disk filled: what was written stays, as a careless writer leaves it
                if path.stat().st_size:
                    cut += 1
                else:
                    empty += 1
        old = time.time() - 61  # (past the minute a file without its last line end waits)
        for p in folder.glob("*.csv"):
            os.utime(p, (old, old))
        outcomes = poll_drop_folder(engine, folder, SensorDirectory(), datetime.now(UTC))
        refused = sum(o.moved_to.parent.name == "rejects" for o in outcomes)
        whole = sum(o.moved_to.parent.name == "done" for o in outcomes)
        got = stored(d.pg.url) - before
        return {
            "files written whole": written,
            "files cut by the full disk": cut,
            "files left empty": empty,
            "stored whole": whole,
            "refused": refused,
            "readings stored": got,
            "readings of whole files": whole * 5000,
            "half-read": got != whole * 5000,
        }
    finally:
        engine.dispose()
        subprocess.run(["umount", "-l", str(folder)], check=False)


def main() -> None:
    """Run the faults asked for and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="broker,broker-crash,postgres,ingest,web,disk")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=int, default=200, help="messages per second")
    parser.add_argument(
        "--group", default="onemap", help="ONEMAP_MQTT_GROUP ('' : each process subscribes alone)"
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root (a PostgreSQL cluster as the postgres user, a tmpfs)")
    # a SIGTERM (a timeout, Ctrl-C's neighbour) ends through the finally: below, so the
    # deployment it started (broker, cluster, ingest processes) is stopped, not left running
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    where = Path(tempfile.mkdtemp(prefix="onemap-faults-"))
    d = make_deployment(where, args.group)
    version = subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout
    print(f"{version.splitlines()[0] if version else 'mosquitto'}; group {args.group!r}")
    results: dict[str, dict[str, object]] = {}
    try:
        faults = {
            "broker": fault_broker,
            "broker-crash": fault_broker_crash,
            "postgres": fault_postgres,
            "ingest": fault_ingest,
        }
        for name in args.only.split(","):
            print(f"— {name} …", flush=True)
            if name == "broker-crash":
                # a crash soon after the broker started (or a session began) finds no
                # session in its store: what devices send before the ingest is back goes to
                # nobody (measured: 12,020 of 59,970). Crashed after an autosave, as a broker
                # up for more than 30 s is:
                print(f"  (after its autosave, {d.broker.wait_saved():.0f} s)", flush=True)
            if name in faults:
                results[name] = stream_with_fault(d, args.seconds, args.rate, faults[name](d))
            elif name == "web":
                results[name] = web_worker_fault(d, args.seconds)
            elif name == "disk":
                results[name] = disk_fault(d)
            print("  " + ", ".join(f"{k}: {v}" for k, v in results[name].items()), flush=True)
    finally:
        d.stop()
    print(f"\n(logs under {where})")
    ok = all(r.get("lost", 0) == 0 and not r.get("half-read") for r in results.values())
    ok = ok and all(r.get("failed", 0) <= 4 for r in results.values())
    print("nothing lost, nothing half-read:", "yes" if ok else "NO")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
