"""Briefing files kept per data version, and made one at a time: a county's PDF costs a few
seconds of a core, and `GET /api/briefing.pdf` is open to every viewer, so the same file asked
again (a meeting's ten laptops) is served from memory, and a burst of different ones waits its
turn instead of taking every core of the web server."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


def briefing_key(map_data: Any, period: Any, *parts: Hashable) -> tuple:
    """What a briefing's file, document or map is made from: its parts, the period's days and
    the data version (with the alarm version only while the period runs: a finished period's
    alarms are counted as they stood at its end, so later alarm changes move nothing)."""
    version = map_data.token(live=not period.complete) if map_data is not None else None
    return (*parts, period.code, period.end.isoformat(), version)


class BriefingBusy(RuntimeError):
    """Others are being made: try again in a moment."""


class BriefingFiles:
    """The last `size` files made (bytes and names), keyed by what they were made from."""

    def __init__(self, size: int = 32, at_once: int = 1, wait_s: float = 20.0) -> None:
        self._files: OrderedDict[Hashable, Any] = OrderedDict()
        self._size, self._wait_s = size, wait_s
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(at_once)

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The file for a key: kept, or made now (raises BriefingBusy after waiting too long)."""
        with self._lock:
            if key in self._files:
                self._files.move_to_end(key)
                return self._files[key]
        if not self._slots.acquire(timeout=self._wait_s):
            raise BriefingBusy("briefings are being made; try again shortly")
        try:
            with self._lock:  # made by another request while this one waited
                if key in self._files:
                    return self._files[key]
            made = make()
            with self._lock:
                self._files[key] = made
                while len(self._files) > self._size:
                    self._files.popitem(last=False)
            return made
        finally:
            self._slots.release()
