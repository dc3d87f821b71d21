"""What both caches are made of: the store's versions, one watcher for all; a store of values
keyed by version, bounded, thread-safe, each value built once; and a background warm-up.

A value is keyed by the data version, and, when it shows alarms ("live"), by the alarm
version too: a build begun before the data changed can never be served as the new version's
value. When a version moves, every store watching it drops what the move made stale.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine

from data_loaders.store import read_alarm_version, read_data_version, session_scope

V = TypeVar("V")
# (data moved, alarms moved): what a watcher tells its listeners
Listener = Callable[[bool, bool], None]


class Versions:
    """The store's (data version, alarm version), read at most once per `max_age` seconds
    (one tiny query); listeners hear when either moves (0: read the store every time)."""

    def __init__(self, engine: Engine, max_age: float = 1.0) -> None:
        self.engine = engine
        self.max_age = max_age
        self._lock = threading.Lock()
        self._data = -1
        self._alarms = -1
        self._read_at = 0.0
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(data_moved, alarms_moved)` after a read that saw a version move."""
        with self._lock:
            self._listeners.append(listener)

    def __call__(self) -> tuple[int, int]:
        """The versions, read again when the last read is older than max_age."""
        now = time.monotonic()
        if self.max_age <= 0 or now - self._read_at > self.max_age:
            with session_scope(self.engine) as s:
                data, alarms = read_data_version(s), read_alarm_version(s)
            with self._lock:
                self._read_at = now
                data_moved, alarms_moved = data != self._data, alarms != self._alarms
                self._data, self._alarms = data, alarms
                listeners = list(self._listeners) if data_moved or alarms_moved else []
            for listener in listeners:
                listener(data_moved, alarms_moved)
        return self.seen()

    def seen(self) -> tuple[int, int]:
        """The versions last read, without reading (-1 before the first read)."""
        with self._lock:
            return self._data, self._alarms


class VersionedStore(Generic[V]):
    """Values per (data version, alarm version or None, *key), least recently used dropped
    beyond `max_entries` (and beyond `max_bytes` of `size`, the newest always kept); concurrent
    askers for one key wait for its first builder instead of building it again."""

    def __init__(
        self,
        versions: Versions,
        max_entries: int,
        max_bytes: int | None = None,
        size: Callable[[V], int] | None = None,
    ) -> None:
        self.versions = versions
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size = size
        self._lock = threading.Lock()
        self._values: OrderedDict[tuple, V] = OrderedDict()
        self._building: dict[tuple, threading.Event] = {}
        versions.subscribe(self._moved)

    def get(self, key: tuple, make: Callable[[], V], live: bool = False) -> V:
        """The value for a key, built once per version (live: per alarm version too)."""
        data, alarms = self.versions()
        full = (data, alarms if live else None, *key)
        while True:
            with self._lock:
                if full in self._values:
                    self._values.move_to_end(full)
                    return self._values[full]
                building = self._building.get(full)
                if building is None:
                    building = self._building[full] = threading.Event()
                    break
            building.wait()
        try:
            value = make()
            with self._lock:
                if not self._stale(full, *self.versions.seen()):  # else the move dropped it
                    self._values[full] = value
                    self._evict()
            return value
        finally:
            with self._lock:
                self._building.pop(full, None)
            building.set()

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def held_bytes(self) -> int:
        """The sum of `size` over the values held (0 without a size)."""
        with self._lock:
            return self._total()

    def clear(self, keep: Callable[[tuple], bool] = lambda _key: False) -> None:
        """Forget every value but those whose key (without the versions) `keep` accepts."""
        with self._lock:
            for full in [k for k in self._values if not keep(k[2:])]:
                del self._values[full]

    def _moved(self, _data_moved: bool, _alarms_moved: bool) -> None:
        """Drop values of another data version, and live ones of another alarm version (a
        value that shows no alarms survives an alarm move)."""
        data, alarms = self.versions.seen()
        with self._lock:
            for full in [k for k in self._values if self._stale(k, data, alarms)]:
                del self._values[full]

    @staticmethod
    def _stale(full: tuple, data: int, alarms: int) -> bool:
        return full[0] != data or (full[1] is not None and full[1] != alarms)

    def _total(self) -> int:
        return sum(self.size(v) for v in self._values.values()) if self.size else 0

    def _evict(self) -> None:
        """Drop the least recently used values beyond the entry and byte budgets (the newest
        stays, whatever its size). Called with the lock held."""
        total = self._total() if self.max_bytes is not None else 0  # (a sum over all)
        while len(self._values) > 1 and (
            len(self._values) > self.max_entries
            or (self.max_bytes is not None and total > self.max_bytes)
        ):
            _key, dropped = self._values.popitem(last=False)
            if self.size:
                total -= self.size(dropped)


class WarmUp:
    """A best-effort job that prepares a cache in a background thread, once per key (a data
    version, a day), at most one run at a time unless `overlap`; a failure is logged, not
    raised (the requests then build what they need themselves)."""

    def __init__(
        self,
        job: Callable[..., Any],
        log: logging.Logger,
        failure: str,
        name: str | None = None,
        overlap: bool = False,
    ) -> None:
        self.job = job
        self.log = log
        self.failure = failure
        self.name = name
        self.overlap = overlap
        self._lock = threading.Lock()
        self._running = 0
        self._started_for: Hashable = None

    @property
    def running(self) -> bool:
        """Whether a run is under way (for /health)."""
        with self._lock:
            return self._running > 0

    def run(self, *args: Any) -> None:
        """Run the job now, in this thread (skipped while another run is under way)."""
        if self._begin():
            self._run(*args)

    def start(self, key: Hashable, *args: Any) -> None:
        """Run the job in a daemon thread, unless it was already started for this key."""
        with self._lock:
            if key == self._started_for:
                return
            self._started_for = key
        if self._begin():
            threading.Thread(target=self._run, args=args, name=self.name, daemon=True).start()

    def _begin(self) -> bool:
        with self._lock:
            if self._running and not self.overlap:
                return False
            self._running += 1
            return True

    def _run(self, *args: Any) -> None:
        try:
            self.job(*args)
        except Exception:  # best effort: requests build their values on demand
            self.log.exception(self.failure)
        finally:
            with self._lock:
                self._running -= 1
