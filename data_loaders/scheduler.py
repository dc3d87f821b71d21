"""The ingest scheduler process (APScheduler 3.x): never runs inside the web workers.

Jobs: drain the telemetry sources (MQTT, drop folder, simulator), evaluate the time-based
rules (offline sensors), escalate unacknowledged alarms, thin out old readings, bump the
telemetry version the screens poll, and record a heartbeat. Every job takes `now` from the
caller (tests pass it), and each runs at most once at a time.

Several ingest processes may run on one PostgreSQL store: they split the MQTT messages
between them (a shared subscription) and elect a leader (data_loaders.leader) for the jobs
that must run once for the whole cluster (LEADER_JOBS). Every process beats, drains MQTT and
watches its parent; the leader alone checks offline sensors, escalates, thins out old
readings, moves the telemetry version, reads the drop folder, runs the simulator and the
hourly jobs. On SQLite the one process is always the leader.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import socket
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from data_loaders.leader import CHECK_S, Leadership, beat_key, meta_key, read_beats
from data_loaders.store import partitions
from data_loaders.store.engine import (
    get_meta,
    increment_meta,
    session_scope,
    set_meta,
)
from data_loaders.store.schema import Meta, Reading, ReadingRollup
from data_loaders.telemetry.alarms import AlarmConfig, check_offline, escalate
from data_loaders.telemetry.drop import poll_drop_folder
from data_loaders.telemetry.formats import Problem
from data_loaders.telemetry.mqtt import SESSION_EXPIRY_S, Message, MqttSource, adopt_session
from data_loaders.telemetry.simulator import Simulator, load_simulator
from data_loaders.telemetry.store import (
    IngestResult,
    SensorDirectory,
    count_ingest,
    ingest_bodies,
    ingest_parsed,
    reject,
    track_sequences,
)
from data_loaders.times import CHINA, as_utc
from data_loaders.users import purge_sessions

log = logging.getLogger("onemap.ingest")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class IngestConfig:
    """What the ingest process runs (built by the CLI from the settings)."""

    alarms: AlarmConfig = field(default_factory=AlarmConfig)
    heartbeat_s: int = 10
    mqtt_url: str = ""
    mqtt_client_id: str = "onemap-ingest"
    mqtt_topic: str = "onemap/telemetry/#"
    mqtt_group: str = "onemap"  # shared subscription $share/GROUP/TOPIC; empty: unshared
    mqtt_session_expiry_s: int = SESSION_EXPIRY_S
    # a group member away this long has its session drained and ended by the leader; 0: never
    mqtt_adopt_after_s: int = 60
    drop_dir: str = ""
    simulator: bool = False
    simulator_seed: int = 1
    retention_days: int = 30
    parent_pid: int | None = None  # stop when this process is gone (`onemap run` is)


# --- the jobs ------------------------------------------------------------------------------
OWNER = f"{socket.gethostname()}:{os.getpid()}"


def poll_heartbeat(engine: Engine, now: Clock = utc_now, owner: str = OWNER) -> str:
    """Record that the scheduler is alive (the /health route reports it): `ingest_heartbeat`,
    the latest beat of any ingest process, and this process's own beat (/health counts the
    processes that beat); the beats of processes gone for an hour are forgotten."""
    at = now()
    stamp = at.isoformat(timespec="seconds")
    with session_scope(engine) as session:
        set_meta(session, "ingest_heartbeat", stamp)
        set_meta(session, beat_key(owner), stamp)
        prune_beats(session, at)
    return stamp


BEATS_KEPT_S = 3600  # a process silent this long is gone: its beat is forgotten


def prune_beats(session, at: datetime) -> int:  # type: ignore[no-untyped-def]
    """Forget the beats of processes silent for BEATS_KEPT_S (each restart is a new owner, so
    they would pile up); the number forgotten."""
    old = [
        key
        for key, stamp in read_beats(session).items()
        if stamp is None or (at - stamp).total_seconds() > BEATS_KEPT_S
    ]
    if old:
        session.execute(delete(Meta).where(Meta.key.in_(old)))
    return len(old)


def forget_beat(engine: Engine, owner: str = OWNER) -> None:
    """A clean stop: this process no longer counts among those that beat."""
    with session_scope(engine) as session:
        session.execute(delete(Meta).where(Meta.key == beat_key(owner)))


class ClientIdTaken(RuntimeError):
    """Another ingest process is connected with the same MQTT client id."""


def claim_client_id(
    engine: Engine, client_id: str, heartbeat_s: int, now: Clock = utc_now, owner: str = OWNER
) -> None:
    """Record this process as the one using an MQTT client id; ClientIdTaken when another
    process using it has beaten within 3 heartbeats (two would knock each other off the
    broker every second)."""
    key = f"mqtt.client.{client_id}"
    at = now()
    with session_scope(engine) as session:
        held = get_meta(session, key)
        if held:
            other, _, stamp = held.rpartition("@")
            try:
                fresh = (at - datetime.fromisoformat(stamp)).total_seconds() <= 3 * heartbeat_s
            except ValueError:
                fresh = False
            # "" (stopped cleanly) and ADOPTED (its session drained by the leader) hold nothing
            held_by_one = other not in ("", ADOPTED)
            if fresh and held_by_one and other != owner and not _gone_here(other):
                raise ClientIdTaken(
                    f"MQTT client id {client_id!r} is in use by ingest process {other}; give "
                    "each ingest process its own ONEMAP_MQTT_CLIENT_ID"
                )
        set_meta(session, key, f"{owner}@{at.isoformat(timespec='seconds')}")


def _gone_here(owner: str) -> bool:
    """Whether a claim's owner ran on this machine and has exited (killed, crashed): its
    restart must not wait for its claim to age out."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def release_client_id(
    engine: Engine, client_id: str, owner: str = OWNER, now: Clock = utc_now
) -> None:
    """Forget this process's claim on a client id (at a clean stop), keeping when it stopped:
    a member of a shared subscription that stays away has its session adopted later."""
    key = f"mqtt.client.{client_id}"
    with session_scope(engine) as session:
        if (get_meta(session, key) or "").rpartition("@")[0] == owner:
            set_meta(session, key, f"@{now().isoformat(timespec='seconds')}")


ADOPTED = "adopted"  # a claim's owner once the leader drained and ended its session


def stale_client_ids(
    engine: Engine, away_s: float, now: Clock = utc_now, own: str = ""
) -> list[str]:
    """Client ids whose process has not refreshed its claim for `away_s` seconds (killed,
    stopped, its host gone), not yet adopted, other than `own`."""
    at, found = now(), []
    with session_scope(engine) as session:
        rows = session.execute(
            select(Meta.key, Meta.value).where(Meta.key.startswith("mqtt.client.", autoescape=True))
        ).all()
    for key, value in rows:
        client_id = key.removeprefix("mqtt.client.")
        other, _, stamp = (value or "").rpartition("@")
        if client_id == own or other == ADOPTED or not stamp:
            continue
        try:
            away = (at - datetime.fromisoformat(stamp)).total_seconds()
        except ValueError:
            continue
        if away > away_s:
            found.append(client_id)
    return sorted(found)


def poll_orphans(
    engine: Engine,
    source: MqttSource,
    away_s: float,
    directory: SensorDirectory,
    config: AlarmConfig,
    now: Clock = utc_now,
) -> int:
    """Drain and end the MQTT sessions of the group's members away for `away_s` seconds (the
    leader's job): Mosquitto keeps handing a dead member its share of the messages, which
    would wait for it (or be dropped when its session expires). The messages stored."""
    total, counter = 0, meta_key(ACCEPTED, source.client_id)  # received by this process

    def store(messages: list[Message]) -> None:
        _store_split(engine, messages, directory, config, now(), counter)

    for client_id in stale_client_ids(engine, away_s, now, own=source.client_id):
        key = f"mqtt.client.{client_id}"
        log.warning("MQTT client %r is away: the leader takes its session over", client_id)
        try:
            filters = [source.filter, *([source.guard_topic] if source.guard_topic else [])]
            stored = adopt_session(
                source.address_url, client_id, filters, store, topic=source.topic
            )
        except StoreAway:
            log.warning("the store is away: the session of %r waits", client_id)
            return total
        if stored is None:
            continue
        total += stored
        with session_scope(engine) as session:
            held = get_meta(session, key)
            if not held or held.rpartition("@")[0] in ("", ADOPTED) or _stale(held, now(), away_s):
                set_meta(session, key, f"{ADOPTED}@{now().isoformat(timespec='seconds')}")
        log.warning("MQTT session of %r drained (%d messages) and ended", client_id, stored)
    return total


def _stale(held: str, at: datetime, away_s: float) -> bool:
    """Whether a claim is older than away_s (its process did not come back meanwhile)."""
    try:
        return (at - datetime.fromisoformat(held.rpartition("@")[2])).total_seconds() > away_s
    except ValueError:
        return True


def poll_mqtt(
    engine: Engine,
    source: MqttSource,
    directory: SensorDirectory,
    config: AlarmConfig,
    now: Clock = utc_now,
    batch: int = 2000,
    budget_s: float = 0.45,
) -> IngestResult:
    """Store what the broker sent, batch by batch, acknowledging each batch once committed.
    A batch that fails is split in halves until the message at fault is alone; that message
    is kept aside as a dead letter and acknowledged (else the broker would redeliver it after
    every restart, for ever). When the store itself is away, the messages wait."""
    total = IngestResult()
    if source.taken_over.is_set():
        _note_conflict(engine, source, now())
    started = time.monotonic()
    while source.pending() and time.monotonic() - started < budget_s:
        messages = source.take(batch)
        at = now()
        try:
            result = _store_split(
                engine, messages, directory, config, at, meta_key(ACCEPTED, source.client_id)
            )
        except StoreAway as away:
            # what was committed is acknowledged; the rest waits for the store, in order
            source.ack(messages[: away.done])
            source.put_back(messages[away.done :])
            log.warning("the store is away: %d MQTT messages wait", len(messages) - away.done)
            return total
        source.ack(messages)  # after the commit: a crash before it means a redelivery
        total.accepted += result.accepted
        total.duplicates += result.duplicates
        total.rejected += result.rejected
    return total


class StoreAway(Exception):
    """The store cannot be reached; `done` messages of the batch were committed before."""

    def __init__(self, done: int) -> None:
        super().__init__(done)
        self.done = done


# this process's share of the accepted MQTT readings, per client id (proof of the split)
ACCEPTED = "ingest.mqtt.accepted"


def _store_split(
    engine: Engine,
    messages: list[Message],
    directory: SensorDirectory,
    config: AlarmConfig,
    at: datetime,
    counter: str | None = None,
) -> IngestResult:
    """Store messages in one transaction; when that fails for a reason of theirs, each half in
    its own (a poisoned message costs log2(batch) transactions, not one per message), down
    to the one message at fault, which is a dead letter. StoreAway when the store is."""
    try:
        return _store_messages(engine, messages, directory, config, at, counter)
    except STORE_AWAY:
        raise StoreAway(0) from None
    except Exception as exc:
        if len(messages) == 1:
            _dead_letter(engine, messages[0], exc, at)
            return IngestResult(rejected=1)
        log.warning("a batch of %d MQTT messages failed (%r): halving it", len(messages), exc)
    half = len(messages) // 2
    first = _store_split(engine, messages[:half], directory, config, at, counter)
    try:
        second = _store_split(engine, messages[half:], directory, config, at, counter)
    except StoreAway as away:
        raise StoreAway(half + away.done) from None
    return IngestResult(
        accepted=first.accepted + second.accepted,
        duplicates=first.duplicates + second.duplicates,
        rejected=first.rejected + second.rejected,
    )


def _note_conflict(engine: Engine, source: MqttSource, at: datetime) -> None:
    """Say in /health that another client took our MQTT session (the source keeps trying)."""
    with session_scope(engine) as session:
        set_meta(session, f"mqtt.conflict.{source.client_id}", at.isoformat(timespec="seconds"))


# The store went away (or its connection did): retry later, never a dead letter for that.
STORE_AWAY = (OperationalError, InterfaceError, DisconnectionError)


def _store_messages(
    engine: Engine,
    messages: list[Message],
    directory: SensorDirectory,
    config: AlarmConfig,
    at: datetime,
    counter: str | None = None,
) -> IngestResult:
    """One transaction: the messages' readings, their topics' numbers, the counters (and
    `counter`, this process's own count of accepted readings, when given)."""
    with session_scope(engine) as session:
        result = ingest_bodies(
            session,
            [m.payload for m in messages],
            directory,
            "mqtt",
            at,
            config,
            accounts=[m.account for m in messages],
        )
        numbered: dict[str, list[int]] = {}
        for m in messages:
            if m.seq is not None:
                numbered.setdefault(f"mqtt:{m.topic}"[:200], []).append(m.seq)
        track_sequences(session, numbered, at)
        count_ingest(session, "mqtt", result, at)
        if counter and result.accepted:
            increment_meta(session, counter, result.accepted)
    return result


def _dead_letter(engine: Engine, message: Message, exc: Exception, at: datetime) -> None:
    """Keep a message nothing could handle aside, and count it. Should even that fail for a
    reason of the message's, it is logged (its head) and still acknowledged: one message must
    never hold up those behind it. StoreAway when the store cannot be reached."""
    log.error("MQTT message on %s could not be handled (%r): a dead letter", message.topic, exc)
    reason = f"could not be handled: {type(exc).__name__}: {exc}"
    body = message.payload[:10_000].decode("utf-8", "replace")
    for kept in (body, None):  # the body itself may be what the store refuses
        try:
            with session_scope(engine) as session:
                reject(session, "mqtt", at, [Problem(reason, kept)], dead_letter=True)
                increment_meta(session, "ingest.mqtt.dead_letters", 1)
                increment_meta(session, "ingest.mqtt.rejected", 1)
            return
        except STORE_AWAY:
            raise StoreAway(0) from None
        except Exception:
            log.exception("the dead letter could not be written (body kept: %s)", kept is not None)
    log.error("dead letter lost to the store, its head: %r", message.payload[:500])


def poll_files(
    engine: Engine,
    folder: Path,
    directory: SensorDirectory,
    config: AlarmConfig,
    now: Clock = utc_now,
) -> int:
    """Read the drop folder; the number of files handled."""
    return len(poll_drop_folder(engine, folder, directory, now(), config))


def poll_simulator(
    engine: Engine,
    simulator: Simulator,
    directory: SensorDirectory,
    config: AlarmConfig,
    now: Clock = utc_now,
) -> IngestResult:
    """Store the simulator's readings due now."""
    at = now()
    readings = simulator.tick(at)
    with session_scope(engine) as session:
        result = ingest_parsed(session, readings, [], directory, "simulator", at, config)
        count_ingest(session, "simulator", result, at)
    return result


def seed_history(
    engine: Engine,
    simulator: Simulator,
    directory: SensorDirectory,
    config: AlarmConfig,
    now: Clock = utc_now,
    hours: int = 24,
) -> int:
    """Give the simulated sensors that have no recent readings a day of normal history (the
    demo's alarmed sensors have theirs already)."""
    at = now()
    with session_scope(engine) as session:
        recent = set(
            session.scalars(
                select(Reading.sensor_id).where(Reading.ts > at - timedelta(hours=hours)).distinct()
            )
        )
        readings = simulator.history(at, hours)
        ids = directory.resolve(session, {r.tag for r in readings})
        readings = [r for r in readings if ids.get(r.tag) not in recent]
        if not readings:
            return 0
        result = ingest_parsed(session, readings, [], directory, "simulator", at, config)
    return result.accepted


def poll_offline(engine: Engine, now: Clock = utc_now) -> int:
    """Offline alarms for sensors silent past their stale-after."""
    with session_scope(engine) as session:
        return check_offline(session, now())


def poll_escalation(engine: Engine, limits_s: dict[int, int], now: Clock = utc_now) -> int:
    """Escalate alarms nobody acknowledged in time."""
    with session_scope(engine) as session:
        return escalate(session, now(), limits_s)


def poll_versions(engine: Engine) -> bool:
    """Move the telemetry version when readings arrived since the last run (the dossier's
    latest values and trends follow it; alarms move their own version as they change)."""
    with session_scope(engine) as session:
        last = get_meta(session, "ingest.last_message_at")
        if last and last != get_meta(session, "telemetry.seen_message_at"):
            set_meta(session, "telemetry.seen_message_at", last)
            increment_meta(session, "telemetry_version")
            return True
    return False


def poll_retention(
    engine: Engine, days: int, now: Clock = utc_now, max_hours: int = 6, max_partitions: int = 8
) -> int:
    """Summarise readings older than the retention into hourly rollups, then delete them; the
    number of readings summarised.

    PostgreSQL (readings partitioned by day): each day's partition wholly older than the
    cutoff is rolled up in SQL and dropped whole (at most `max_partitions` a run, each in its
    own transaction), and DEFAULT's old outliers are rolled up and deleted. SQLite works
    through at most `max_hours` of old data per run, oldest first, so a large backlog is
    thinned out over several runs without one long transaction.
    """
    at = now()
    cutoff = at.replace(minute=0, second=0, microsecond=0) - timedelta(days=days)
    with session_scope(engine) as session:
        purge_sessions(session, at)  # the sign-ins that ended a month ago
    with engine.connect() as conn:
        partitioned = partitions.is_partitioned(conn)
    if partitioned:
        return _drop_old_partitions(engine, cutoff, max_partitions)
    with session_scope(engine) as session:
        oldest = as_utc(session.scalar(select(Reading.ts).order_by(Reading.ts).limit(1)))
        if oldest is None or oldest >= cutoff:
            return 0
        upto = min(
            cutoff, oldest.replace(minute=0, second=0, microsecond=0) + timedelta(hours=max_hours)
        )
        rows = session.execute(
            select(Reading.sensor_id, Reading.ts, Reading.value).where(Reading.ts < upto)
        ).all()
        hours: dict[tuple[int, datetime], list[float]] = defaultdict(list)
        for sid, ts, value in rows:
            ts = as_utc(ts)
            hours[(sid, ts.replace(minute=0, second=0, microsecond=0))].append(value)  # type: ignore[union-attr]
        merge_rollups(session, hours)
        session.execute(delete(Reading).where(Reading.ts < upto))
    return len(rows)


def _drop_old_partitions(engine: Engine, cutoff: datetime, max_partitions: int) -> int:
    """PostgreSQL's retention: old day partitions rolled up and dropped, one transaction
    each (a failure keeps that day whole for the next run), then DEFAULT's old rows."""
    summarised = 0
    for _ in range(max_partitions):
        with engine.begin() as conn:
            n, dropped = partitions.drop_partitions_before(conn, cutoff, limit=1)
        if not dropped:
            break
        log.info("retention: %s rolled up (%d readings) and dropped", dropped[0].name, n)
        summarised += n
    with engine.begin() as conn:
        summarised += partitions.expire_default(conn, cutoff)
    return summarised


def poll_partitions(engine: Engine, now: Clock = utc_now) -> int:
    """Make readings' day partitions from yesterday to a week ahead (PostgreSQL; nothing on
    SQLite), moving any rows DEFAULT holds of those days into them; how many were made."""
    with engine.begin() as conn:
        if not partitions.is_partitioned(conn):
            return 0
        made = partitions.ensure_partitions(conn, partitions.days_around(now()))
    if made:
        log.info("partitions made: %s", ", ".join(p.name for p in made))
    return len(made)


def merge_rollups(session, hours: dict[tuple[int, datetime], list[float]]) -> None:  # type: ignore[no-untyped-def]
    """Add values to the hourly rollups (merging with what an earlier run summarised)."""
    if not hours:
        return
    existing = {
        (r.sensor_id, as_utc(r.hour)): r
        for r in session.scalars(
            select(ReadingRollup).where(ReadingRollup.sensor_id.in_({k[0] for k in hours}))
        )
    }
    for (sid, hour), values in hours.items():
        row = existing.get((sid, hour))
        n, total = len(values), sum(values)
        if row is None:
            session.add(
                ReadingRollup(
                    sensor_id=sid,
                    hour=hour,
                    n=n,
                    min_value=min(values),
                    max_value=max(values),
                    mean_value=total / n,
                )
            )
        else:
            row.mean_value = (row.mean_value * row.n + total) / (row.n + n)
            row.n += n
            row.min_value = min(row.min_value, *values)
            row.max_value = max(row.max_value, *values)


def run_hourly(job: Callable[[datetime], object], now: Clock = utc_now) -> None:
    """One hourly job's run: a failure is logged, the next hour tries again."""
    try:
        job(now())
    except Exception:
        log.exception(
            "hourly job %s failed; it runs again next hour", getattr(job, "__name__", job)
        )


def poll_parent(parent_pid: int) -> bool:
    """Stop this process (as SIGTERM does: running batches finish) when the process that
    started it is gone; True when it is. A killed `onemap run` must not leave ingest behind."""
    if os.getppid() == parent_pid:
        return False
    log.warning("parent process %d is gone: stopping", parent_pid)
    os.kill(os.getpid(), signal.SIGTERM)
    return True


def poll_leader(leadership: Leadership) -> bool:
    """Check (or take) the lead of the cluster-wide jobs; whether this process leads."""
    return leadership.check()


# The jobs that run once for the whole cluster, in the leader only (the others run in every
# process: the heartbeat, the MQTT drain, the client-id claim, the parent watch, the leader
# check itself). The drop folder is the leader's too: two processes reading one folder would
# both take a file (it is moved aside only once handled), and a claim by renaming would leave
# the files a killed process had claimed stranded; with the leader alone, a file a killed
# leader was reading is still in the folder and the next leader reads it (a repeat is a
# no-op). The folder is a slow source (files of history), one reader keeps up; on several
# machines it must be one folder they all see. The simulator's too: every process would send
# the same values (unique on sensor and time, so no double, but twice the work).
LEADER_JOBS = frozenset(
    {
        "poll_offline",
        "poll_escalation",
        "poll_versions",
        "poll_retention",
        "poll_files",
        "poll_simulator",
        "poll_orphans",
        "run_hourly",
    }
)


# --- the process ---------------------------------------------------------------------------
class Ingest:
    """The scheduler and its sources; `start` blocks until `shutdown`."""

    def __init__(
        self,
        engine: Engine,
        config: IngestConfig,
        now: Clock = utc_now,
        hourly: Sequence[Callable[[datetime], object]] = (),
    ) -> None:
        self.engine = engine
        self.config = config
        self.now = now
        # jobs the composition root adds (the monthly briefings): each on the hour, China
        # time, given the time; what they make is theirs to keep idempotent
        self.hourly = tuple(hourly)
        self.directory = SensorDirectory()
        self.mqtt: MqttSource | None = None
        self.simulator: Simulator | None = None
        self._seeded = False
        self.scheduler = BlockingScheduler(timezone="UTC")
        self.leadership = Leadership(engine, OWNER, now, on_change=self._lead_changed)
        self._add_jobs()

    def _leading(self, func: Callable) -> Callable:  # type: ignore[type-arg]
        """The job, run only while this process leads (same name: the job's id)."""

        @functools.wraps(func)
        def run(*args: object) -> object:
            return func(*args) if self.leadership.is_leader else None

        return run

    def _lead_changed(self, leading: bool) -> None:
        """Taking the lead: a fresh store's simulated history, and the hourly jobs made up at
        once (the old leader may have died before its run of this hour); the MQTT guard
        held by the leader only."""
        if self.mqtt is not None:
            self.mqtt.set_guard(leading)
        if not leading:
            return
        if self.simulator is not None and not self._seeded:
            self._seed()
        if self.scheduler.running:
            soon = datetime.now(UTC) + timedelta(seconds=1)
            for i in range(len(self.hourly)):
                with contextlib.suppress(Exception):  # (gone at shutdown)
                    self.scheduler.modify_job(f"hourly-{i}", next_run_time=soon)

    def _seed(self) -> None:
        assert self.simulator is not None
        seeded = seed_history(
            self.engine, self.simulator, self.directory, self.config.alarms, self.now
        )
        self._seeded = True
        if seeded:
            log.info("simulator: %d readings of history", seeded)

    def _job(self, func: Callable, seconds: float, *args: object, first: float = 0.0) -> None:  # type: ignore[type-arg]
        if func.__name__ in LEADER_JOBS:
            func = self._leading(func)
        self.scheduler.add_job(
            func,
            "interval",
            seconds=seconds,
            args=args,
            id=func.__name__,
            next_run_time=datetime.now(UTC) + timedelta(seconds=first),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, int(seconds)),
        )

    def _add_jobs(self) -> None:
        c, alarms = self.config, self.config.alarms
        self._job(poll_heartbeat, c.heartbeat_s, self.engine, self.now)
        self._job(poll_leader, CHECK_S, self.leadership, first=CHECK_S)
        if c.mqtt_url:
            self._job(
                claim_client_id,
                c.heartbeat_s,
                self.engine,
                c.mqtt_client_id,
                c.heartbeat_s,
                self.now,
            )
        if c.parent_pid is not None:
            self._job(poll_parent, 1, c.parent_pid)
        if c.mqtt_url:
            self.mqtt = MqttSource(
                c.mqtt_url,
                c.mqtt_client_id,
                c.mqtt_topic,
                group=c.mqtt_group,
                session_expiry_s=c.mqtt_session_expiry_s,
            )
            self.mqtt.set_guard(self.leadership.is_leader)  # (a lone SQLite process leads)
            self._job(poll_mqtt, 0.5, self.engine, self.mqtt, self.directory, alarms, self.now)
            if c.mqtt_group and c.mqtt_adopt_after_s:
                self._job(
                    poll_orphans,
                    max(2.0, min(30.0, c.mqtt_adopt_after_s / 3)),
                    self.engine,
                    self.mqtt,
                    c.mqtt_adopt_after_s,
                    self.directory,
                    alarms,
                    self.now,
                    first=5,
                )
        if c.drop_dir:
            folder = Path(c.drop_dir)
            folder.mkdir(parents=True, exist_ok=True)
            self._job(poll_files, 2, self.engine, folder, self.directory, alarms, self.now)
        if c.simulator:
            with session_scope(self.engine) as session:
                self.simulator = load_simulator(session, c.simulator_seed)
            if self.leadership.single:  # else when (if) this process takes the lead
                self._seed()
            self._job(
                poll_simulator, 1, self.engine, self.simulator, self.directory, alarms, self.now
            )
        self._job(poll_offline, 15, self.engine, self.now, first=5)
        self._job(poll_escalation, 15, self.engine, alarms.escalate_after_s, self.now, first=5)
        self._job(poll_versions, 2, self.engine)
        self._job(poll_retention, 600, self.engine, c.retention_days, self.now, first=60)
        self._job(poll_partitions, 3600, self.engine, self.now)
        for i, job in enumerate(self.hourly):
            self.scheduler.add_job(
                self._leading(run_hourly),
                "cron",
                minute=0,
                timezone=CHINA,
                args=(job, self.now),
                id=f"hourly-{i}",
                # a run missed while the process was down is made up once it is back
                next_run_time=datetime.now(UTC) + timedelta(seconds=30),
                coalesce=True,
                max_instances=1,
                misfire_grace_time=3600,
            )

    def start(self) -> None:
        """Connect the sources and run the jobs (blocks). ClientIdTaken when another ingest
        process uses our MQTT client id."""
        c = self.config
        if self.mqtt is not None:
            claim_client_id(self.engine, c.mqtt_client_id, c.heartbeat_s, self.now)
            with session_scope(self.engine) as session:
                # ours now: an old note is history
                set_meta(session, f"mqtt.conflict.{c.mqtt_client_id}", "")
            self.mqtt.start()
        try:
            self.leadership.check()  # a lone process leads from its first second
            self.scheduler.start()
        finally:
            if self.mqtt is not None:
                self.mqtt.stop()
                release_client_id(self.engine, c.mqtt_client_id)
            # the lock goes with its connection: another process leads at its next check
            self.leadership.release()
            with contextlib.suppress(*STORE_AWAY):
                forget_beat(self.engine)

    def shutdown(self) -> None:
        """Stop after the running jobs finish (a batch in flight is committed, then acked).
        Twice is once: Ctrl-C sends SIGINT to the terminal's group and `onemap run` SIGTERM
        after it, and the second used to raise SchedulerNotRunningError (a traceback)."""
        with contextlib.suppress(SchedulerNotRunningError):
            self.scheduler.shutdown(wait=True)
