"""A simulator that keeps the demo city's sensors alive: believable values (a level that suits
the signal, noise, a daily cycle, a slow drift), rare excursions over the thresholds, a dropout
now and then, and AI-scene events; tuned so the city shows a few alarms an hour. Weather
stations get wind: a speed with a daily cycle and gusts, a direction that wanders around the
season's monsoon with a sea breeze by day (their own random stream: the other sensors' values
do not depend on them).

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
from data_loaders.vocab import WEATHER_KINDS

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


# Wind, coastal Zhejiang: the East China Sea lies east of the county, so a sea breeze blows
# from the east-south-east by day and a weaker land breeze from the west-north-west at night;
# the monsoon blows from the north-east in winter and the south-south-east in summer.
WIND_MIN_M_S, WIND_MAX_M_S = 0.5, 8.0
SEA_BREEZE_FROM, LAND_BREEZE_FROM = 110.0, 290.0
WINTER_FROM, SUMMER_FROM = 45.0, 160.0
WIND_STREAM = 104_729  # the wind's random stream: seed × this + 17


@dataclass
class _Station:
    """A weather station: its speed and direction sensors share one state of the air."""

    speed_tag: str | None
    direction_tag: str | None
    mean: float  # m/s, a 24-hour mean for this spot
    offset: float  # degrees: the local terrain's turn of the wind
    speed_anom: float = 0.0  # slow wander of the speed, m/s
    gust: float = 0.0  # a decaying gust, m/s
    heading: float | None = None  # where the wind comes from now, degrees
    last_at: datetime | None = None
    next_at: datetime | None = None


def _turn(a: float, b: float) -> float:
    """The signed turn from bearing a to bearing b, in (-180, 180]."""
    d = (b - a) % 360.0
    return d - 360.0 if d > 180.0 else d


def _bearing(value: float) -> float:
    """A direction wrapped into [0, 360) after rounding to 0.1°."""
    v = round(value % 360.0, 1)
    return 0.0 if v >= 360.0 else v


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
    stations: list[_Station] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.wind_rng = random.Random(self.seed * WIND_STREAM + 17)

    @classmethod
    def from_sensors(
        cls, rows: list[Sensor], seed: int = 1, settings: SimSettings | None = None
    ) -> Simulator:
        """A simulator for these sensors (AI-video ones become scenes)."""
        r = random.Random(seed * 7919)
        signals, scenes = [], []
        weather = [s for s in rows if s.kind in WEATHER_KINDS]
        for s in sorted(rows, key=lambda s: s.tag):
            if s.kind in WEATHER_KINDS:
                continue
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
        return cls(signals, scenes, settings or SimSettings(), seed, _stations(weather, seed))

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

    # --- wind -------------------------------------------------------------------------------
    def _wind(self, w: _Station, at: datetime) -> tuple[float, float]:
        """The station's air moved on to `at`: (speed m/s, where from in degrees)."""
        r = self.wind_rng
        dt = 10.0 if w.last_at is None else abs((at - w.last_at).total_seconds())
        dt = min(max(dt, 1.0), 3600.0)
        w.last_at = at
        hours = (at.hour + at.minute / 60 + 8) % 24  # China time
        day = math.sin(2 * math.pi * (hours - 8) / 24)  # +1 at 14:00, -1 at 02:00
        # speed: the daily cycle (calm nights), a slow wander, gusts that die away in a minute
        keep = math.exp(-dt / 1800.0)
        w.speed_anom = w.speed_anom * keep + r.gauss(0, 0.6) * math.sqrt(1 - keep * keep)
        w.gust *= math.exp(-dt / 45.0)
        if r.random() < 1 - math.exp(-dt / 400.0):  # a gust every few minutes
            w.gust += r.uniform(0.8, 2.5) * (0.6 + 0.4 * max(day, 0.0))
        speed = w.mean * (1 + 0.45 * day) + w.speed_anom + w.gust + r.gauss(0, 0.25)
        speed = min(WIND_MAX_M_S, max(WIND_MIN_M_S, speed))
        # direction: pulled towards the season's monsoon with the breeze of the hour
        target = self._wind_target(at, day) + w.offset
        if w.heading is None:
            w.heading = (target + r.gauss(0, 20)) % 360.0
        pull = 1 - math.exp(-dt / 5400.0)
        w.heading += _turn(w.heading, target) * pull + r.gauss(0, 0.6) * math.sqrt(dt)
        w.heading %= 360.0
        spread = 4.0 + 12.0 / max(speed, WIND_MIN_M_S)  # light air veers about more
        return round(speed, 2), _bearing(w.heading + r.gauss(0, spread))

    @staticmethod
    def _wind_target(at: datetime, day: float) -> float:
        """Where the wind tends to come from at `at`: the monsoon of the month (north-east
        in winter, south-south-east in summer), turned by the sea breeze by day."""
        summer = (1 - math.cos(2 * math.pi * (at.month - 1) / 12)) / 2  # 0 in Jan, 1 in Jul
        monsoon = WINTER_FROM + _turn(WINTER_FROM, SUMMER_FROM) * summer
        breeze, weight = (SEA_BREEZE_FROM, 0.8 * day) if day > 0 else (LAND_BREEZE_FROM, -0.3 * day)
        weight *= 0.5 + 0.5 * summer  # the breeze shows most when the monsoon is weak
        x = math.sin(math.radians(monsoon)) + weight * math.sin(math.radians(breeze))
        y = math.cos(math.radians(monsoon)) + weight * math.cos(math.radians(breeze))
        return math.degrees(math.atan2(x, y)) % 360.0

    def _wind_readings(self, w: _Station, at: datetime) -> list[RawReading]:
        speed, heading = self._wind(w, at)
        out = []
        if w.speed_tag:
            out.append(RawReading(w.speed_tag, at, speed))
        if w.direction_tag:
            out.append(RawReading(w.direction_tag, at, heading))
        return out

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
        for w in self.stations:
            if w.next_at is not None and now < w.next_at:
                continue
            w.next_at = at + interval
            out.extend(self._wind_readings(w, at))
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
            for w in self.stations:
                out.extend(self._wind_readings(w, at))
        return out


def _stations(rows: list[Sensor], seed: int) -> list[_Station]:
    """The weather stations among these sensors: one per enterprise (or per tag where a wind
    sensor has none), its speed and direction sensors together."""
    by_place: dict[object, dict[str, str]] = {}
    for s in sorted(rows, key=lambda s: s.tag):
        place = s.enterprise_id if s.enterprise_id is not None else s.tag
        by_place.setdefault(place, {}).setdefault(s.kind, s.tag)
    r = random.Random(seed * WIND_STREAM)
    out = []
    for tags in sorted(by_place.values(), key=lambda t: sorted(t.values())):
        out.append(
            _Station(
                tags.get("wind_speed"),
                tags.get("wind_direction"),
                mean=r.uniform(2.4, 3.6),
                offset=r.uniform(-15, 15),
            )
        )
    return out


def load_simulator(
    session: Session, seed: int = 1, settings: SimSettings | None = None
) -> Simulator:
    """A simulator for every real sensor in the store."""
    rows = list(session.scalars(select(Sensor).where(Sensor.is_drill.is_(False))))
    return Simulator.from_sensors(rows, seed, settings)
