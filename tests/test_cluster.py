"""Several ingest processes on one store: the MQTT messages split between them (a shared
subscription), one leader for the cluster-wide jobs (a PostgreSQL advisory lock), a leader
killed with -9 replaced within seconds, and nothing lost or doubled through it all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import func, select, text

from dashboard.settings import Settings
from data_loaders.leader import LEADER_KEY, Leadership, count_beating, read_leader
from data_loaders.scheduler import (
    ACCEPTED,
    ADOPTED,
    Ingest,
    IngestConfig,
    claim_client_id,
    poll_heartbeat,
    poll_leader,
    release_client_id,
    stale_client_ids,
)
from data_loaders.store import get_meta, session_scope, set_meta
from data_loaders.store.schema import Reading
from data_loaders.telemetry.mqtt import parse_url, shared_filter
from tests.test_mqtt import add_sensors, forget_session, publisher
from tests.test_production import free_port

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
SENSORS = 3  # readings per message, one per sensor


# --- leader election, in-process ------------------------------------------------------------
@pytest.mark.postgresql_only("the advisory lock is PostgreSQL's")
def test_only_one_of_two_takes_the_lead_and_a_closed_connection_frees_it(engine, backend):
    at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    a = Leadership(engine, "host-a:1", now=lambda: at)
    b = Leadership(engine, "host-b:2", now=lambda: at)
    try:
        assert a.check() is True
        assert b.check() is False and a.check() is True  # held, and still held
        with session_scope(engine) as s:
            assert read_leader(s) == ("host-a:1", "2026-11-23T08:00:00+00:00")
        # a's backend ends (its process was killed, its host lost): the lock goes with it
        with engine.connect() as admin:
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'onemap-ingest-leader' AND datname = "
                    "current_database() AND pid <> pg_backend_pid()"
                    " AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory')"
                )
            )
        assert a.check() is False  # a learns it no longer leads: its jobs stop
        assert b.check() is True
        assert a.check() is False  # a's new connection finds the lock taken
        with session_scope(engine) as s:
            assert read_leader(s)[0] == "host-b:2"
        b.release()  # a clean stop: the store names no leader, the next check takes it
        with session_scope(engine) as s:
            assert get_meta(s, LEADER_KEY) == ""
        assert a.check() is True
    finally:
        a.release()
        b.release()


@pytest.mark.sqlite_only("SQLite's single-process mode")
def test_on_sqlite_the_one_process_always_leads(engine):
    one = Leadership(engine, "here:1")
    assert one.is_leader and one.check() and one.check()
    assert one._lock_engine is None  # no lock, no connection of its own
    one.release()  # nothing to give up: a lone process leads until it stops
    assert Leadership(engine, "here:2").check()


def test_the_cluster_wide_jobs_run_in_the_leader_only(engine, backend):
    process = Ingest(engine, IngestConfig())
    versions = process.scheduler.get_job("poll_versions")
    heartbeat = process.scheduler.get_job("poll_heartbeat")

    def telemetry_version() -> int:
        with session_scope(engine) as s:
            return int(get_meta(s, "telemetry_version", "0") or 0)

    with session_scope(engine) as s:
        set_meta(s, "ingest.last_message_at", "2026-11-23T08:00:00+00:00")
    process.leadership.is_leader = False  # another process leads
    assert versions.func(*versions.args) is None and telemetry_version() == 0
    heartbeat.func(*heartbeat.args)  # every process beats
    process.leadership.is_leader = True
    assert versions.func(*versions.args) is True and telemetry_version() == 1
    assert poll_leader(process.leadership) is True  # alone: it takes (keeps) the lead
    process.leadership.release()
    process.shutdown()


def test_each_process_beats_and_health_counts_those_beating(engine, backend):
    at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    poll_heartbeat(engine, lambda: at, owner="host-a:1")
    poll_heartbeat(engine, lambda: at - timedelta(seconds=20), owner="host-b:2")
    poll_heartbeat(engine, lambda: at - timedelta(seconds=5), owner="h" * 80 + ":3")
    with session_scope(engine) as s:
        assert get_meta(s, "ingest_heartbeat") == (at - timedelta(seconds=5)).isoformat()
        assert count_beating(s, at, 30) == 3
        assert count_beating(s, at, 10) == 2
    # an hour later the silent ones are forgotten by the next beat
    poll_heartbeat(engine, lambda: at + timedelta(hours=1, seconds=10), owner="host-a:1")
    with session_scope(engine) as s:
        assert count_beating(s, at + timedelta(hours=1, seconds=10), 10**6) == 1


def test_the_members_away_are_found_by_their_stale_claims(engine, backend):
    """A claim refreshed within `away_s` is a live member; an old one (killed), one released
    long ago (stopped) are away; an adopted one and our own are never taken over."""
    at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

    def ago(s: float):  # type: ignore[no-untyped-def]
        return lambda: at - timedelta(seconds=s)

    claim_client_id(engine, "live", 1, ago(2), owner="h:1")
    claim_client_id(engine, "killed", 1, ago(90), owner="h:2")
    claim_client_id(engine, "stopped", 1, ago(100), owner="h:3")
    release_client_id(engine, "stopped", owner="h:3", now=ago(80))
    claim_client_id(engine, "ours", 1, ago(90), owner="h:4")
    with session_scope(engine) as s:
        set_meta(s, "mqtt.client.adopted-one", f"{ADOPTED}@{(at - timedelta(hours=1)).isoformat()}")
        set_meta(s, "mqtt.client.old-format", "")
    assert stale_client_ids(engine, 60, lambda: at, own="ours") == ["killed", "stopped"]
    assert stale_client_ids(engine, 85, lambda: at, own="ours") == ["killed"]
    # a released or adopted id is free at once for the process that comes back with it
    claim_client_id(engine, "stopped", 1, lambda: at, owner="h:5")
    claim_client_id(engine, "adopted-one", 1, lambda: at, owner="h:6")
    with session_scope(engine) as s:
        assert get_meta(s, "mqtt.client.adopted-one").startswith("h:6@")


@pytest.mark.postgresql_only("SQLite writes one at a time: nothing to race")
def test_two_processes_writing_a_new_meta_key_at_once_both_succeed(engine, backend):
    """Both ingest processes wrote the shared heartbeat's first value together: the second's
    read-then-insert was a unique violation (seen in bench/faults.py)."""
    from data_loaders.store import increment_meta

    gate, errors = threading.Barrier(2), []

    def write(value: str) -> None:
        try:
            with session_scope(engine) as s:
                gate.wait(5)
                set_meta(s, "race.set", value)
                increment_meta(s, "race.count")
                time.sleep(0.3)  # (the other writer now waits on this insert's commit)
        except Exception as exc:  # the failure is the finding
            errors.append(repr(exc))

    writers = [threading.Thread(target=write, args=(v,)) for v in ("a", "b")]
    for w in writers:
        w.start()
    for w in writers:
        w.join(20)
    assert errors == []
    with session_scope(engine) as s:
        assert get_meta(s, "race.set") in ("a", "b")
        assert get_meta(s, "race.count") == "2"  # each added, none lost


def test_the_group_setting_is_checked():
    assert Settings().mqtt_group == "onemap"
    assert Settings(mqtt_group=" ops ").mqtt_group == "ops"
    assert Settings(mqtt_group="").ingest_config().mqtt_group == ""  # unshared
    for bad in ("a/b", "a+", "#", "   "):
        with pytest.raises(ValueError, match="ONEMAP_MQTT_GROUP"):
            Settings(mqtt_group=bad)
    with pytest.raises(ValueError, match="ONEMAP_MQTT_SESSION_EXPIRY_S"):
        Settings.from_env({"ONEMAP_MQTT_SESSION_EXPIRY_S": "0"})
    # a live process, beating every 10 s, is never taken for away within 40 s
    assert (
        Settings(mqtt_adopt_after_s=30, heartbeat_seconds=10).ingest_config().mqtt_adopt_after_s
        == 40
    )
    assert Settings(mqtt_adopt_after_s=0).ingest_config().mqtt_adopt_after_s == 0
    assert shared_filter("onemap/telemetry/#", "onemap") == "$share/onemap/onemap/telemetry/#"
    assert shared_filter("onemap/telemetry/#", "") == "onemap/telemetry/#"


# --- processes through the broker -----------------------------------------------------------
@dataclass
class Cluster:
    """`onemap ingest` processes on one store, one topic and one private group."""

    engine: object
    mqtt_url: str
    topic: str
    group: str
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)  # by client id

    def start(self, client_id: str, **more: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "ONEMAP_DATABASE_URL": self.engine.url.render_as_string(hide_password=False),  # type: ignore[attr-defined]
            "ONEMAP_MQTT_URL": self.mqtt_url,
            "ONEMAP_MQTT_CLIENT_ID": client_id,
            "ONEMAP_MQTT_TOPIC": f"{self.topic}/#",
            "ONEMAP_MQTT_GROUP": self.group,
            "ONEMAP_HEARTBEAT_SECONDS": "1",
            "ONEMAP_SIMULATOR": "false",
            "ONEMAP_DROP_DIR": "",
            "ONEMAP_BRIEFING_DIR": "",
            **more,
        }
        log = (self.log_dir / f"{client_id}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "ingest"],
            env=env,
            cwd=ROOT,  # this tree's code, whatever the caller's directory
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.processes[client_id] = process
        return process

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.log_dir.glob("*.log")))

    def accepted(self, client_id: str) -> int:
        with session_scope(self.engine) as s:  # type: ignore[arg-type]
            return int(get_meta(s, f"{ACCEPTED}.{client_id}", "0") or 0)

    def leader_pid(self) -> int | None:
        with session_scope(self.engine) as s:  # type: ignore[arg-type]
            held = read_leader(s)
        return int(held[0].rpartition(":")[2]) if held and held[0] else None

    def stop(self) -> None:
        for p in self.processes.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.processes.values():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture
def cluster(engine, mqtt_url, tmp_path) -> Iterator[Cluster]:
    """Two ingest processes' worth of private names: a topic, a group, two client ids."""
    run = uuid.uuid4().hex[:10]
    c = Cluster(engine, mqtt_url, f"onemap-test/{run}/telemetry", f"g{run}", tmp_path)
    yield c
    c.stop()
    for client_id in c.processes:
        forget_session(mqtt_url, client_id)


def body(m: int) -> bytes:
    """Message m: one reading per sensor, all at second m (each reading its own)."""
    return orjson.dumps(
        [
            {"sensor": f"S{k}", "ts": T0.timestamp() + m, "value": float(m % 89)}
            for k in range(SENSORS)
        ]
    )


def both_subscribed(c: Cluster, pub, ids: list[str], timeout: float = 40.0) -> None:  # type: ignore[no-untyped-def]
    """Probe (one reading each, before T0) until every process has stored one: each is
    subscribed then (a probe sent before the first subscribed reached nobody, so the probes
    are not counted; the stream's readings, from T0 on, are)."""
    sent, deadline = 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(c.accepted(i) > 0 for i in ids):
            time.sleep(1.0)  # the probes still in flight are stored
            return
        sent += 1
        probe = {"sensor": "S0", "ts": T0.timestamp() - sent, "value": 0}
        pub.publish(f"{c.topic}/probe", orjson.dumps(probe), qos=1).wait_for_publish(5)
        time.sleep(0.1)
    raise AssertionError(f"not every process subscribed in time:\n{c.logs()}")


def streamed(engine) -> int:  # type: ignore[no-untyped-def]
    """Readings of the stream (from T0 on; the probes are older)."""
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Reading).where(Reading.ts >= T0))


def wait_count(engine, want: int, timeout: float) -> int:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while streamed(engine) < want and time.monotonic() < deadline:
        time.sleep(0.2)
    return streamed(engine)


def per_second(engine) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Readings per distinct time: every message's second holds one reading per sensor."""
    with session_scope(engine) as s:
        rows = s.execute(select(Reading.ts, func.count()).group_by(Reading.ts)).all()
    return {int(ts.timestamp()): n for ts, n in rows if ts >= T0}


@pytest.mark.postgresql_only("several processes share production's store")
def test_two_processes_split_the_messages_and_store_each_once(cluster):
    add_sensors(cluster.engine, SENSORS)
    ids = [f"onemap-test-a-{cluster.group}", f"onemap-test-b-{cluster.group}"]
    for client_id in ids:
        cluster.start(client_id)
    pub = publisher(cluster.mqtt_url)
    try:
        both_subscribed(cluster, pub, ids)
        before = [cluster.accepted(i) for i in ids]
        messages = 400
        for m in range(messages):
            info = pub.publish(f"{cluster.topic}/stream", body(m), qos=1)
            if m % 50 == 0:
                info.wait_for_publish(10)
        info.wait_for_publish(10)
        want = messages * SENSORS
        assert wait_count(cluster.engine, want, 30) == want, cluster.logs()
        time.sleep(1.0)  # anything doubled would show by now
        assert streamed(cluster.engine) == want
        shares = [cluster.accepted(i) - b for i, b in zip(ids, before, strict=True)]
        assert sum(shares) == messages * SENSORS and all(n > 0 for n in shares), shares
        seconds = per_second(cluster.engine)
        assert all(seconds[int(T0.timestamp()) + m] == SENSORS for m in range(messages))
        # one leader for the cluster, both beating
        leader = cluster.leader_pid()
        assert leader in {p.pid for p in cluster.processes.values()}
        with session_scope(cluster.engine) as s:
            assert count_beating(s, datetime.now(UTC), 10) == 2  # (1 s beats; slack for load)
        # /health says so: who leads (its name for signed-in users only), how many beat
        from dashboard.app import create_app

        app = create_app(Settings(warm_cache=False, heartbeat_seconds=3), engine=cluster.engine)
        health = app.server.test_client().get("/health").json
        assert health["status"] == "ok", health
        assert health["ingest"]["processes"] == 2 and health["ingest"]["leader"] is True
        assert 0 <= health["ingest"]["leader_age_s"] < 10
    finally:
        pub.disconnect()


@pytest.mark.postgresql_only("a killed process, the lock and the broker; production's store")
def test_a_killed_leader_is_replaced_and_nothing_is_lost_or_doubled(cluster):
    add_sensors(cluster.engine, SENSORS)
    ids = [f"onemap-test-a-{cluster.group}", f"onemap-test-b-{cluster.group}"]
    for client_id in ids:
        cluster.start(client_id)
        time.sleep(0.5)  # the first to start leads
    pub = publisher(cluster.mqtt_url)
    try:
        both_subscribed(cluster, pub, ids)
        by_pid = {p.pid: i for i, p in cluster.processes.items()}
        deadline = time.monotonic() + 10
        while cluster.leader_pid() not in by_pid and time.monotonic() < deadline:
            time.sleep(0.2)
        leader_id = by_pid[cluster.leader_pid()]  # type: ignore[index]
        [other_id] = [i for i in ids if i != leader_id]
        messages, kill_at = 400, 130
        killed: list[float] = []
        stored_at_kill: list[int] = []

        def stream() -> None:
            for m in range(messages):
                info = pub.publish(f"{cluster.topic}/stream", body(m), qos=1)
                if m == kill_at:  # mid-stream: it has messages in flight
                    stored_at_kill.append(streamed(cluster.engine))
                    cluster.processes[leader_id].send_signal(signal.SIGKILL)
                    cluster.processes[leader_id].wait(10)
                    killed.append(time.monotonic())
                if m % 50 == 0:
                    info.wait_for_publish(10)
                time.sleep(0.005)
            info.wait_for_publish(10)

        sender = threading.Thread(target=stream)
        sender.start()
        # the other one leads within 30 s of the kill (the lock went with the connection)
        deadline = time.monotonic() + 40
        while not killed and time.monotonic() < deadline:
            time.sleep(0.05)
        other_pid = cluster.processes[other_id].pid
        while cluster.leader_pid() != other_pid and time.monotonic() < killed[0] + 30:
            time.sleep(0.2)
        took_over_s = time.monotonic() - killed[0]
        assert cluster.leader_pid() == other_pid, cluster.logs()
        assert took_over_s < 30
        sender.join()
        # meanwhile the survivor stores its share of what came after the kill, at once
        after = (messages - kill_at) * SENSORS
        wait_count(cluster.engine, stored_at_kill[0] + after // 3, 15)
        assert streamed(cluster.engine) >= stored_at_kill[0] + after // 3, cluster.logs()
        want = messages * SENSORS
        assert 0 < stored_at_kill[0] < want, "the kill did not land mid-stream"
        # (Mosquitto keeps handing the dead member its share: it waits in its session)
        # back with the same client id: its session (in flight, queued) is delivered
        cluster.start(leader_id)
        assert wait_count(cluster.engine, want, 30) == want, cluster.logs()
        time.sleep(1.0)
        assert streamed(cluster.engine) == want  # nothing doubled
        seconds = per_second(cluster.engine)
        assert all(seconds[int(T0.timestamp()) + m] == SENSORS for m in range(messages))
        assert cluster.leader_pid() == other_pid  # the lead stays where it went
    finally:
        pub.disconnect()


def session_present(url: str, client_id: str) -> bool:
    """Whether the broker holds a session for a client id (asked so as to leave none)."""
    address = parse_url(url)
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
    )
    present: list[bool] = []
    client.on_connect = lambda _c, _u, flags, _rc, _p: present.append(flags.session_present)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    client.connect(address.host, address.port, clean_start=False, properties=props)
    deadline = time.monotonic() + 5
    while not present and time.monotonic() < deadline:
        client.loop(0.1)
    client.disconnect()
    return present[0]


@pytest.mark.postgresql_only("a killed process, the broker; production's store")
def test_a_member_that_stays_away_has_its_session_drained_by_the_leader(cluster):
    """Mosquitto keeps handing a dead member its share: the leader takes its session over,
    stores what it held (in flight and queued), ends it; then the leader gets everything."""
    add_sensors(cluster.engine, SENSORS)
    a, b = f"onemap-test-a-{cluster.group}", f"onemap-test-b-{cluster.group}"
    away = {"ONEMAP_MQTT_ADOPT_AFTER_S": "4"}
    first = cluster.start(a, **away)
    deadline = time.monotonic() + 20
    while cluster.leader_pid() != first.pid and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cluster.leader_pid() == first.pid, cluster.logs()
    cluster.start(b, **away)
    pub = publisher(cluster.mqtt_url)
    try:
        both_subscribed(cluster, pub, [a, b])
        messages, kill_at = 300, 100
        for m in range(messages):
            info = pub.publish(f"{cluster.topic}/stream", body(m), qos=1)
            if m == kill_at:  # mid-stream, never restarted
                cluster.processes[b].send_signal(signal.SIGKILL)
                cluster.processes[b].wait(10)
            if m % 50 == 0:
                info.wait_for_publish(10)
            time.sleep(0.005)
        info.wait_for_publish(10)
        want = messages * SENSORS
        assert wait_count(cluster.engine, want, 40) == want, cluster.logs()
        claim = ""
        deadline = time.monotonic() + 10  # marked once the session is ended (after a quiet 1 s)
        while not claim.startswith("adopted@") and time.monotonic() < deadline:
            with session_scope(cluster.engine) as s:
                claim = get_meta(s, f"mqtt.client.{b}")
            time.sleep(0.2)
        assert claim.startswith("adopted@"), cluster.logs()
        assert not session_present(cluster.mqtt_url, b)  # ended: no share goes to it now
        before = cluster.accepted(a)
        for m in range(messages, messages + 50):
            pub.publish(f"{cluster.topic}/stream", body(m), qos=1).wait_for_publish(5)
        assert wait_count(cluster.engine, want + 50 * SENSORS, 15) == want + 50 * SENSORS
        assert cluster.accepted(a) - before == 50 * SENSORS  # every one to the live member
        time.sleep(1.0)
        assert streamed(cluster.engine) == want + 50 * SENSORS  # nothing doubled
        seconds = per_second(cluster.engine)
        assert all(seconds[int(T0.timestamp()) + m] == SENSORS for m in range(messages + 50))
    finally:
        pub.disconnect()


@pytest.mark.postgresql_only("several processes share production's store")
def test_a_broker_restart_mid_stream_loses_nothing(engine, tmp_path):
    """Mosquitto forgets shared subscriptions over its own restart: what devices publish
    before the members subscribe again (their queue, the moment they are back) would go to
    nobody. The leader's guard subscription (normal, kept by the broker) catches it. On the
    deployment's own broker configuration (accounts, ACL, client id = user name)."""
    from tests.test_deploy import USERS, broker_conf, start_broker

    port = free_port()
    conf = broker_conf(tmp_path, port)
    broker = start_broker(conf, port)
    url = lambda user: f"mqtt://{user}:{USERS[user]}@127.0.0.1:{port}"  # noqa: E731
    c = Cluster(engine, url("onemap-ingest-1"), "onemap/telemetry/GW-001", "onemap", tmp_path)
    add_sensors(engine, SENSORS)
    for client_id in ("onemap-ingest-1", "onemap-ingest-2"):
        c.start(client_id, ONEMAP_MQTT_URL=url(client_id))
    device = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5
    )
    device.username_pw_set("GW-001", USERS["GW-001"])
    device.max_inflight_messages_set(1000)
    device.max_queued_messages_set(0)
    device.reconnect_delay_set(0.2, 1)  # a device back the moment the broker is
    device.connect("127.0.0.1", port, clean_start=False)
    device.loop_start()
    try:
        both_subscribed(c, device, ["onemap-ingest-1", "onemap-ingest-2"])
        # the leader's guard confirmed by the broker (a fixed 1.5 s after the lead was taken
        # was once too short on a loaded machine: 231 readings lost, as without a guard)
        deadline = time.monotonic() + 30
        while "holds the guard subscription" not in c.logs():
            assert time.monotonic() < deadline, f"no guard held:\n{c.logs()}"
            time.sleep(0.2)
        time.sleep(0.3)  # (the line is written as the SUBACK is read)
        messages = 600
        for m in range(messages):
            if m == 200:
                broker.terminate()  # as `systemctl restart mosquitto` does
                broker.wait(10)
                broker = start_broker(conf, port)
            device.publish(f"{c.topic}/x", body(m), qos=1)
            time.sleep(0.01)
        got = wait_count(engine, messages * SENSORS, 60)
        assert got == messages * SENSORS, f"{messages * SENSORS - got} readings lost\n{c.logs()}"
        assert set(per_second(engine).values()) == {SENSORS}  # each reading once
    finally:
        device.loop_stop()
        c.stop()
        broker.terminate()
        broker.wait(10)


def test_a_broker_killed_before_saving_our_session_is_reported(tmp_path, caplog):
    """Killed outright, Mosquitto comes back with its store as last autosaved (every 30 s):
    a session made since is gone, and what devices sent before we subscribed again went to
    nobody (12,020 of 59,970 readings in bench/faults.py). Nothing can bring those back; the
    ingest says so. A clean restart keeps the session, and says nothing."""
    from data_loaders.telemetry.mqtt import MqttSource
    from tests.test_deploy import USERS, broker_conf, start_broker

    port = free_port()
    conf = broker_conf(tmp_path, port)
    broker = start_broker(conf, port)
    source = MqttSource(
        f"mqtt://onemap-ingest-1:{USERS['onemap-ingest-1']}@127.0.0.1:{port}",
        "onemap-ingest-1",
        "onemap/telemetry/#",
    )
    source.start()
    try:
        assert source.subscribed.wait(10)
        for how in ("kill", "terminate"):
            connections = source._generation
            getattr(broker, how)()
            broker.wait(10)
            broker = start_broker(conf, port)
            deadline = time.monotonic() + 20
            while source._generation == connections and time.monotonic() < deadline:
                time.sleep(0.1)  # (until it has connected again)
            assert source.subscribed.wait(10)
            if how == "kill":
                assert source.sessions_lost == 1
                assert "the broker kept no session for onemap-ingest-1" in caplog.text
        assert source.sessions_lost == 1  # the clean restart kept it
    finally:
        source.stop()
        broker.terminate()
        broker.wait(10)
