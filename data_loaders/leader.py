"""Leader election among ingest processes: one of them runs the cluster-wide jobs.

On PostgreSQL the leader is the process holding a session-level advisory lock
(`pg_try_advisory_lock`) on a connection of its own, kept for the process's life. The lock
lives exactly as long as that backend: a process killed (even with -9) closes its socket, its
backend ends and the lock is free for the next check of another process. A process whose
connection is lost (the server restarted, the network went away) stops leading at once and
tries again on every check; the jobs stop until it is the leader again.

TCP keepalives on both sides bound how long a half-open connection (a host that died without
closing its socket, a network cut) keeps the lock: the server drops the backend of a silent
client after ~`KEEPALIVE_IDLE_S + KEEPALIVE_INTERVAL_S * KEEPALIVE_COUNT` s, which frees the
lock, and the old leader's own check fails within the same bound (keepalive + TCP user
timeout), so it stops leading. Between those two a few seconds of overlap are possible; the
cluster-wide jobs are idempotent (offline checks, escalation, retention work on rows under
their locks), so an overlap costs a repeat, never a wrong result.

On SQLite there is one ingest process per store (a file on one machine): it always leads.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, create_engine, select, text
from sqlalchemy.pool import NullPool

from data_loaders.store.engine import get_meta, session_scope, set_meta

log = logging.getLogger("onemap.leader")

# The advisory lock's key: one 64-bit number for the whole store ("onemap-l" in ASCII), so
# every ingest process of one database contends for the same lock.
LOCK_KEY = 0x6F6E656D61702D6C
LEADER_KEY = "ingest.leader"  # meta: "<owner>@<ISO time>" of the process that leads
CHECK_S = 3.0  # how often a process checks (or tries to take) the lead
KEEPALIVE_IDLE_S = 5
KEEPALIVE_INTERVAL_S = 2
KEEPALIVE_COUNT = 3  # dead after idle + interval * count = 11 s of silence
TCP_USER_TIMEOUT_MS = 10_000  # data sent and unacknowledged this long: the connection is dead


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def lock_engine(engine: Engine) -> Engine:
    """An engine for the lock's one connection: no pool (a lost connection is never handed out
    again), TCP keepalives on the client side and asked of the server for its side."""
    server_side = (
        f"-c tcp_keepalives_idle={KEEPALIVE_IDLE_S} "
        f"-c tcp_keepalives_interval={KEEPALIVE_INTERVAL_S} "
        f"-c tcp_keepalives_count={KEEPALIVE_COUNT} "
        f"-c tcp_user_timeout={TCP_USER_TIMEOUT_MS}"
    )
    url = engine.url
    options = url.query.get("options")
    if isinstance(options, tuple):  # a repeated query parameter
        options = " ".join(options)
    url = url.update_query_dict({"options": f"{options} {server_side}" if options else server_side})
    return create_engine(
        url,
        poolclass=NullPool,
        connect_args={
            "keepalives": 1,
            "keepalives_idle": KEEPALIVE_IDLE_S,
            "keepalives_interval": KEEPALIVE_INTERVAL_S,
            "keepalives_count": KEEPALIVE_COUNT,
            "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
            "connect_timeout": 5,
            "application_name": "onemap-ingest-leader",
        },
    )


class Leadership:
    """Whether this process leads; `check` (every CHECK_S seconds) keeps it up to date."""

    def __init__(
        self,
        engine: Engine,
        owner: str,
        now: Callable[[], datetime] = utc_now,
        key: int = LOCK_KEY,
        on_change: Callable[[bool], object] | None = None,
    ) -> None:
        self.engine = engine
        self.owner = owner
        self.now = now
        self.key = key
        self.on_change = on_change
        self.single = engine.dialect.name != "postgresql"  # SQLite: one process, the leader
        self._lock_engine = None if self.single else lock_engine(engine)
        self._conn: Connection | None = None
        self.is_leader = self.single
        self.since: float | None = time.monotonic() if self.single else None

    def check(self) -> bool:
        """Take the lead when it is free, keep it while the lock's connection lives; whether
        this process leads now. Never raises: a store away means not leading."""
        was = self.is_leader
        if not self.single:
            try:
                self.is_leader = self._hold()
            except Exception as exc:  # the connection (or the server) is gone: so is the lead
                if was:
                    log.warning("lost the lock's connection (%r): no longer the leader", exc)
                self._drop()
                self.is_leader = False
        if self.is_leader:
            self._stamp()
        if self.is_leader != was:
            self.since = time.monotonic() if self.is_leader else None
            # a warning: no logging is set up, and a failover is what an operator wants to see
            log.warning(
                "%s is %s the ingest leader", self.owner, "now" if self.is_leader else "no longer"
            )
            if self.on_change is not None:
                self.on_change(self.is_leader)
        return self.is_leader

    def _hold(self) -> bool:
        """On the lock's connection: the lock already held is checked alive, else tried."""
        if self._conn is None:
            assert self._lock_engine is not None
            self._conn = self._lock_engine.connect()
            # autocommit: no transaction left open for the process's life (the lock is the
            # session's, not a transaction's, and an idle transaction would hold back vacuum)
            self._conn = self._conn.execution_options(isolation_level="AUTOCOMMIT")
        if self.is_leader:
            self._conn.execute(text("SELECT 1"))  # raises when the backend (and lock) is gone
            return True
        return bool(self._conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}))

    def _stamp(self) -> None:
        """Say in the store who leads, since when it last checked (/health shows it)."""
        stamp = f"{self.owner}@{self.now().isoformat(timespec='seconds')}"
        try:
            with session_scope(self.engine) as session:
                set_meta(session, LEADER_KEY, stamp)
        except Exception as exc:  # the store away: the stamp waits for the next check
            log.warning("could not record the leader (%r)", exc)

    def _drop(self) -> None:
        """Forget the lock's connection (closing a dead one may raise)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:
                log.debug("closing the lock's dead connection failed", exc_info=True)

    def release(self) -> None:
        """Give the lead up (a clean stop): the lock's connection closes, the lock is free."""
        if not self.single:
            if self._conn is not None:
                try:
                    self._conn.close()
                except Exception:
                    log.debug("closing the lock's connection failed", exc_info=True)
                self._conn = None
            if self._lock_engine is not None:
                self._lock_engine.dispose()
            if self.is_leader:
                self.is_leader = False
                self.since = None
                self._unstamp()
                if self.on_change is not None:
                    self.on_change(False)

    def _unstamp(self) -> None:
        """A clean stop: the store names no leader until another takes the lock."""
        try:
            with session_scope(self.engine) as session:
                if get_meta(session, LEADER_KEY).rpartition("@")[0] == self.owner:
                    set_meta(session, LEADER_KEY, "")
        except Exception as exc:
            log.warning("could not clear the leader (%r)", exc)


def read_leader(session) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    """(owner, ISO time of its last check) of the leader the store names, else None."""
    held = get_meta(session, LEADER_KEY)
    if not held:
        return None
    owner, _, stamp = held.rpartition("@")
    return owner, stamp


BEAT_PREFIX = "ingest.heartbeat."  # meta: one key per ingest process, its last beat


def meta_key(prefix: str, name: str) -> str:
    """`prefix.name` as a meta key, within the key column's 64 characters (a long name is cut
    and told apart by a hash of it)."""
    key = f"{prefix}.{name}"
    if len(key) <= 64:
        return key
    return f"{key[:55]}~{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def beat_key(owner: str) -> str:
    """The meta key of one process's beat."""
    return meta_key(BEAT_PREFIX.rstrip("."), owner)


def read_beats(session) -> dict[str, datetime | None]:  # type: ignore[no-untyped-def]
    """Each process's beat by its meta key (None: a stamp that is no time)."""
    from data_loaders.store.schema import Meta

    rows = session.execute(
        select(Meta.key, Meta.value).where(Meta.key.startswith(BEAT_PREFIX, autoescape=True))
    ).all()
    beats: dict[str, datetime | None] = {}
    for key, value in rows:
        try:
            beats[key] = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            beats[key] = None
    return beats


def count_beating(session, now: datetime, within_s: float) -> int:  # type: ignore[no-untyped-def]
    """How many ingest processes have beaten within `within_s` seconds of `now`."""
    return sum(
        1
        for at in read_beats(session).values()
        if at is not None and (now - at).total_seconds() <= within_s
    )
