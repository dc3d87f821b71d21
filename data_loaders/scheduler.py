"""The ingest scheduler process (APScheduler 3.x): never runs inside the web workers.

Jobs: drain the telemetry sources (MQTT, drop folder, simulator), evaluate the time-based
rules (offline sensors), escalate unacknowledged alarms, thin out old readings, bump the
telemetry version the screens poll, and record a heartbeat. Every job takes `now` from the
caller (tests pass it), and each runs at most once at a time.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine, delete, select

from data_loaders.store.engine import (
    get_meta,
    increment_meta,
    session_scope,
    set_meta,
)
from data_loaders.store.schema import Reading, ReadingRollup
from data_loaders.telemetry.alarms import AlarmConfig, check_offline, escalate
from data_loaders.telemetry.drop import poll_drop_folder
from data_loaders.telemetry.mqtt import MqttSource
from data_loaders.telemetry.simulator import Simulator, load_simulator
from data_loaders.telemetry.store import (
    IngestResult,
    SensorDirectory,
    count_ingest,
    ingest_bodies,
    ingest_parsed,
)
from data_loaders.times import as_utc

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
    drop_dir: str = ""
    simulator: bool = False
    simulator_seed: int = 1
    retention_days: int = 30
    parent_pid: int | None = None  # stop when this process is gone (`onemap run` is)


# --- the jobs ------------------------------------------------------------------------------
def poll_heartbeat(engine: Engine, now: Clock = utc_now) -> str:
    """Record that the scheduler is alive (the /health route reports it)."""
    stamp = now().isoformat(timespec="seconds")
    with session_scope(engine) as session:
        set_meta(session, "ingest_heartbeat", stamp)
    return stamp


def poll_mqtt(
    engine: Engine,
    source: MqttSource,
    directory: SensorDirectory,
    config: AlarmConfig,
    now: Clock = utc_now,
    batch: int = 2000,
    budget_s: float = 0.45,
) -> IngestResult:
    """Store what the broker sent, batch by batch, acknowledging each batch once committed."""
    total = IngestResult()
    started = time.monotonic()
    while source.pending() and time.monotonic() - started < budget_s:
        messages = source.take(batch)
        at = now()
        with session_scope(engine) as session:
            result = ingest_bodies(session, [m[2] for m in messages], directory, "mqtt", at, config)
            count_ingest(session, "mqtt", result, at)
        source.ack(messages)  # after the commit: a crash before it means a redelivery
        total.accepted += result.accepted
        total.duplicates += result.duplicates
        total.rejected += result.rejected
    return total


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
    """Give the simulated sensors a day of normal history when they have none."""
    at = now()
    with session_scope(engine) as session:
        if session.scalar(select(Reading.id).where(Reading.ts > at - timedelta(hours=hours))):
            return 0
        readings = simulator.history(at, hours)
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


def poll_retention(engine: Engine, days: int, now: Clock = utc_now, max_hours: int = 6) -> int:
    """Summarise readings older than the retention into hourly rollups, then delete them.

    Works through at most `max_hours` of old data per run, oldest first, so a large backlog
    is thinned out over several runs without one long transaction.
    """
    cutoff = now().replace(minute=0, second=0, microsecond=0) - timedelta(days=days)
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


def poll_parent(parent_pid: int) -> bool:
    """Stop this process (as SIGTERM does: running batches finish) when the process that
    started it is gone; True when it is. A killed `onemap run` must not leave ingest behind."""
    if os.getppid() == parent_pid:
        return False
    log.warning("parent process %d is gone: stopping", parent_pid)
    os.kill(os.getpid(), signal.SIGTERM)
    return True


# --- the process ---------------------------------------------------------------------------
class Ingest:
    """The scheduler and its sources; `start` blocks until `shutdown`."""

    def __init__(self, engine: Engine, config: IngestConfig, now: Clock = utc_now) -> None:
        self.engine = engine
        self.config = config
        self.now = now
        self.directory = SensorDirectory()
        self.mqtt: MqttSource | None = None
        self.simulator: Simulator | None = None
        self.scheduler = BlockingScheduler(timezone="UTC")
        self._add_jobs()

    def _job(self, func: Callable, seconds: float, *args: object, first: float = 0.0) -> None:  # type: ignore[type-arg]
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
        if c.parent_pid is not None:
            self._job(poll_parent, 1, c.parent_pid)
        if c.mqtt_url:
            self.mqtt = MqttSource(c.mqtt_url, c.mqtt_client_id, c.mqtt_topic)
            self._job(poll_mqtt, 0.5, self.engine, self.mqtt, self.directory, alarms, self.now)
        if c.drop_dir:
            folder = Path(c.drop_dir)
            folder.mkdir(parents=True, exist_ok=True)
            self._job(poll_files, 2, self.engine, folder, self.directory, alarms, self.now)
        if c.simulator:
            with session_scope(self.engine) as session:
                self.simulator = load_simulator(session, c.simulator_seed)
            seeded = seed_history(self.engine, self.simulator, self.directory, alarms, self.now)
            if seeded:
                log.info("simulator: %d readings of history", seeded)
            self._job(
                poll_simulator, 1, self.engine, self.simulator, self.directory, alarms, self.now
            )
        self._job(poll_offline, 15, self.engine, self.now, first=5)
        self._job(poll_escalation, 15, self.engine, alarms.escalate_after_s, self.now, first=5)
        self._job(poll_versions, 2, self.engine)
        self._job(poll_retention, 600, self.engine, c.retention_days, self.now, first=60)

    def start(self) -> None:
        """Connect the sources and run the jobs (blocks)."""
        if self.mqtt is not None:
            self.mqtt.start()
        try:
            self.scheduler.start()
        finally:
            if self.mqtt is not None:
                self.mqtt.stop()

    def shutdown(self) -> None:
        """Stop after the running jobs finish (a batch in flight is committed, then acked)."""
        self.scheduler.shutdown(wait=True)
