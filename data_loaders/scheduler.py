"""The ingest scheduler process (APScheduler 3.x): never runs inside the web workers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine

from data_loaders.store.engine import session_scope, set_meta

log = logging.getLogger("onemap.ingest")


def poll_heartbeat(engine: Engine, now: Callable[[], datetime] | None = None) -> str:
    """Record that the scheduler is alive (the /health route reports it)."""
    stamp = (now or (lambda: datetime.now(UTC)))().isoformat(timespec="seconds")
    with session_scope(engine) as session:
        set_meta(session, "ingest_heartbeat", stamp)
    return stamp


def create_scheduler(engine: Engine, heartbeat_seconds: int = 10) -> BlockingScheduler:
    """The scheduler with its jobs; the caller starts it."""
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        poll_heartbeat,
        "interval",
        seconds=heartbeat_seconds,
        args=[engine],
        id="heartbeat",
        next_run_time=datetime.now(UTC),
        coalesce=True,
        max_instances=1,
    )
    return scheduler
