"""A simulator that keeps the demo city's sensors alive: believable values (a level that suits
the signal, noise, a daily cycle, a slow drift), rare excursions over the thresholds, a dropout
now and then, and AI-scene events; tuned so the city shows a few alarms an hour.

Deterministic for a seed and a sequence of `now`s, so tests can pin what it does.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.store.schema import Sensor
from data_loaders.telemetry.formats import RawReading

GASES = {"ammonia", "combustible_gas", "toxic_gas", "hydrogen"}
CYCLING = {"temperature", "pressure", "tank_level", "water_level"}


@dataclass(frozen=True)
class SimSettings:
    """How often things happen, city-wide."""

    interval_s: int = 10  # one reading per signal this often
    scene_heartbeat_s: int = 300  # AI scenes report "nothing seen" (0) this often
    excursions_per_hour: float = 3.0
    level_2_share: float = 0.3  # of excursions, how many pass level 2
    dropouts_per_hour: float = 0.5
    scene_events_per_hour: float = 2.0


@dataclass
class _Signal:
    tag: str
    kind: str
    level_1: float | None
    level_2: float | None
    direction: str
    base: float
    noise: float
    cycle: float
    drift: float = 0.0
    excursion: tuple[datetime, datetime, float] | None = None  # start, end, target value
    silent_until: datetime | None = None
    next_at: datetime | None = None


@dataclass
class _Scene:
    tag: str
    next_at: datetime | None = None
    silent_until: datetime | None = None


def baseline(
    kind: str, l1: float | None, l2: float | None, direction: str, r: random.Random
) -> float:
    """A normal operating value for a signal, well inside its thresholds."""
    limit = l1 if l1 is not None else l2
    if limit is None:
        return 0.0
    span = abs((l2 if l2 is not None else limit) - limit) or abs(limit) * 0.5 or 1.0
    if direction == "low":
        return limit + max(abs(limit), span) * r.uniform(0.4, 0.8)
    if kind in GASES:
        return limit * r.uniform(0.02, 0.15)
    if kind == "tank_level":
        return r.uniform(40, 60)
    if limit <= 0:  # a cold room: normal is colder than the (negative) limit
        return limit - span * r.uniform(1.0, 2.0)
    return limit * r.uniform(0.35, 0.65)


@dataclass
class Simulator:
    """Values for every sensor, one `tick(now)` at a time."""

    signals: list[_Signal]
    scenes: list[_Scene]
    settings: SimSettings = field(default_factory=SimSettings)
    seed: int = 1

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @classmethod
    def from_sensors(
        cls, rows: list[Sensor], seed: int = 1, settings: SimSettings | None = None
    ) -> Simulator:
        """A simulator for these sensors (AI-video ones become scenes)."""
        r = random.Random(seed * 7919)
        signals, scenes = [], []
        for s in sorted(rows, key=lambda s: s.tag):
            if s.kind == "ai_video":
                scenes.append(_Scene(s.tag))
                continue
            base = baseline(s.kind, s.level_1, s.level_2, s.direction, r)
            scale = abs(base) if base else abs(s.level_1 or s.level_2 or 1.0)
            signals.append(
                _Signal(
                    s.tag,
                    s.kind,
                    s.level_1,
                    s.level_2,
                    s.direction,
                    base,
                    noise=scale * (0.06 if s.kind in GASES else 0.015),
                    cycle=scale * 0.05 if s.kind in CYCLING else 0.0,
                )
            )
        return cls(signals, scenes, settings or SimSettings(), seed)

    # --- one signal ----------------------------------------------------------------------
    def _normal(self, s: _Signal, at: datetime) -> float:
        hours = at.hour + at.minute / 60 + 8  # the daily cycle follows China time
        cycle = s.cycle * math.sin(2 * math.pi * (hours - 9) / 24)
        value = s.base + cycle + s.drift + self.rng.gauss(0, s.noise)
        if s.kind in GASES:
            value = max(0.0, value)
        return value

    def _limit_beyond(self, s: _Signal, level: int) -> float:
        limit = (s.level_2 if level == 2 else s.level_1) or s.level_1 or s.level_2 or 0.0
        span = abs((s.level_2 or limit) - (s.level_1 or limit)) or abs(limit) * 0.2 or 1.0
        push = span * self.rng.uniform(0.15, 0.5)
        return limit + push if s.direction == "high" else limit - push

    def _value(self, s: _Signal, at: datetime) -> float:
        normal = self._normal(s, at)
        if s.excursion is None:
            return normal
        start, end, target = s.excursion
        if at >= end:
            s.excursion = None
            return normal
        # ramp up over the first third, hold, ramp down over the last third
        f = (at - start) / (end - start)
        shape = min(1.0, f * 3, (1 - f) * 3)
        return normal + (target - normal) * shape

    def _step_signal(self, s: _Signal, at: datetime, per_tick: dict[str, float]) -> float | None:
        # mean-reverting drift, so values wander but come home
        s.drift += -0.05 * s.drift + self.rng.gauss(0, s.noise * 0.2)
        if s.silent_until and at < s.silent_until:
            return None
        s.silent_until = None
        if s.excursion is None and self.rng.random() < per_tick["excursion"]:
            level = 2 if self.rng.random() < self.settings.level_2_share else 1
            minutes = self.rng.uniform(2, 8)
            s.excursion = (at, at + timedelta(minutes=minutes), self._limit_beyond(s, level))
        elif self.rng.random() < per_tick["dropout"]:
            s.silent_until = at + timedelta(minutes=self.rng.uniform(6, 15))
            return None
        return self._value(s, at)

    def _chances(self) -> dict[str, float]:
        n = max(1, len(self.signals))
        ticks_per_hour = 3600 / self.settings.interval_s
        scenes_n = max(1, len(self.scenes))
        return {
            "excursion": self.settings.excursions_per_hour / (n * ticks_per_hour),
            "dropout": self.settings.dropouts_per_hour / (n * ticks_per_hour),
            "scene": self.settings.scene_events_per_hour / (scenes_n * ticks_per_hour),
        }

    # --- the whole city ---------------------------------------------------------------------
    def tick(self, now: datetime) -> list[RawReading]:
        """The readings due at `now` (each sensor at most once per interval)."""
        out: list[RawReading] = []
        chances = self._chances()
        interval = timedelta(seconds=self.settings.interval_s)
        at = now.replace(microsecond=0)
        for s in self.signals:
            if s.next_at is not None and now < s.next_at:
                continue
            s.next_at = at + interval
            value = self._step_signal(s, at, chances)
            if value is not None:
                out.append(RawReading(s.tag, at, round(value, 3)))
        for c in self.scenes:
            if self.rng.random() < chances["scene"]:
                out.append(RawReading(c.tag, at, 1.0))
                c.next_at = at + timedelta(seconds=self.settings.scene_heartbeat_s)
            elif c.next_at is None or now >= c.next_at:
                out.append(RawReading(c.tag, at, 0.0))
                c.next_at = at + timedelta(seconds=self.settings.scene_heartbeat_s)
        return out

    def history(self, end: datetime, hours: int = 24, step_s: int = 300) -> list[RawReading]:
        """Normal values (no excursions, no dropouts) over the hours before `end`, so trends
        have a past when the simulator starts on a fresh store."""
        out: list[RawReading] = []
        start = end.replace(microsecond=0) - timedelta(hours=hours)
        steps = hours * 3600 // step_s
        for i in range(steps):
            at = start + timedelta(seconds=i * step_s)
            for s in self.signals:
                s.drift += -0.05 * s.drift + self.rng.gauss(0, s.noise * 0.2)
                out.append(RawReading(s.tag, at, round(self._normal(s, at), 3)))
            if i % max(1, 3600 // step_s) == 0:
                out.extend(RawReading(c.tag, at, 0.0) for c in self.scenes)
        return out


def load_simulator(
    session: Session, seed: int = 1, settings: SimSettings | None = None
) -> Simulator:
    """A simulator for every real sensor in the store."""
    rows = list(session.scalars(select(Sensor).where(Sensor.is_drill.is_(False))))
    return Simulator.from_sensors(rows, seed, settings)
