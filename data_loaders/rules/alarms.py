"""Alarm rules as pure functions: levels with a deadband, a minimum duration, offline sensors,
AI-scene events and escalation. No database here; time always comes from the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

THRESHOLD, OFFLINE, SCENE = "threshold", "offline", "scene"
RULES = (THRESHOLD, OFFLINE, SCENE)


@dataclass(frozen=True)
class Limits:
    """One sensor's two-level thresholds: level 1 预警 warning, level 2 报警 alarm."""

    level_1: float | None
    level_2: float | None
    direction: str = "high"  # "high": alarm above; "low": alarm below

    def deadband(self, ratio: float) -> float:
        """The hysteresis width: a share of the gap between the levels (or of the one level)."""
        if self.level_1 is not None and self.level_2 is not None and self.level_1 != self.level_2:
            return abs(self.level_2 - self.level_1) * ratio
        one = self.level_2 if self.level_2 is not None else self.level_1
        return abs(one or 0.0) * ratio


# Gas, toxic and dust detectors must alarm within seconds (GB/T 50493-2019): their level 2
# counts on the first reading past the limit; the hold time is for warnings and the way back.
IMMEDIATE_KINDS = ("ammonia", "combustible_gas", "toxic_gas", "hydrogen", "dust")


@dataclass(frozen=True)
class RuleSettings:
    """How eager the threshold rule is for one kind of sensor (thresholds are per sensor)."""

    deadband_ratio: float = 0.1  # leave a level only this far (× the level gap) past its limit
    min_duration_s: float = 10.0  # a new level must hold this long (in reading time) to count
    immediate_level: int | None = None  # a rise to this level or above counts at once


class SignalState(NamedTuple):
    """What the rule remembers of one sensor between readings (a tuple: made per reading)."""

    level: int = 0  # the confirmed level: 0 normal, 1 warning, 2 alarm
    since: datetime | None = None  # when readings began to disagree with `level`
    pending: int = 0  # the level the latest disagreeing reading meant
    last_ts: datetime | None = None
    last_value: float | None = None


class Step(NamedTuple):
    """What one reading did: the level before and after (equal when nothing changed)."""

    ts: datetime
    value: float
    before: int
    after: int

    @property
    def raised(self) -> bool:
        """The level went up (0→1, 0→2, 1→2)."""
        return self.after > self.before

    @property
    def recovered(self) -> bool:
        """The value came back to normal."""
        return self.before > 0 and self.after == 0


def beyond(value: float, limit: float | None, direction: str, margin: float = 0.0) -> bool:
    """Whether a value is at or past a limit (moved `margin` back towards normal)."""
    if limit is None:
        return False
    return value >= limit - margin if direction == "high" else value <= limit + margin


def level_of(value: float, limits: Limits, current: int, band: float) -> int:
    """The level a value means, with hysteresis: a level already reached is left only once
    the value is `band` back on the normal side of its limit."""
    for lvl, limit in ((2, limits.level_2), (1, limits.level_1)):
        if beyond(value, limit, limits.direction, band if current >= lvl else 0.0):
            return lvl
    return 0


def step(
    state: SignalState,
    ts: datetime,
    value: float,
    limits: Limits,
    settings: RuleSettings,
    band: float | None = None,
) -> tuple[SignalState, Step | None]:
    """Feed one reading to the threshold rule. Readings older than the last one are ignored
    (they are stored, but the rule only moves forward in time)."""
    if state.last_ts is not None and ts <= state.last_ts:
        return state, None
    if band is None:
        band = limits.deadband(settings.deadband_ratio)
    seen = level_of(value, limits, state.level, band)
    if seen == state.level:
        return SignalState(seen, None, 0, ts, value), Step(ts, value, seen, seen)
    # A different level must hold for the minimum duration before it counts; turning back
    # (up, then below the confirmed level before the time is up) starts the clock again.
    same_side = state.since is not None and (state.pending > state.level) == (seen > state.level)
    since = state.since if same_side else ts
    at_once = settings.immediate_level is not None and seen > state.level
    at_once = at_once and seen >= settings.immediate_level  # type: ignore[operator]
    if at_once or (ts - since).total_seconds() >= settings.min_duration_s:  # type: ignore[operator]
        return SignalState(seen, None, 0, ts, value), Step(ts, value, state.level, seen)
    return SignalState(state.level, since, seen, ts, value), Step(
        ts, value, state.level, state.level
    )


def run(
    state: SignalState,
    readings: list[tuple[datetime, float]],
    limits: Limits,
    settings: RuleSettings,
) -> tuple[SignalState, list[Step]]:
    """Feed readings (any order; they are taken in time order); keep the steps that matter
    to an alarm (any step away from, at, or back from a level; not normal ones)."""
    steps = []
    band = limits.deadband(settings.deadband_ratio)
    for ts, value in sorted(readings):
        state, s = step(state, ts, value, limits, settings, band)
        if s is not None and (s.before or s.after):
            steps.append(s)
    return state, steps


def scene_level(value: float, limits: Limits) -> int:
    """The level of an AI-scene event (1 = the behaviour was seen); 0 = nothing seen."""
    if value <= 0:
        return 0
    for lvl, limit in ((2, limits.level_2), (1, limits.level_1)):
        if limit is not None and value >= limit:
            return lvl
    return 0 if limits.level_1 is not None or limits.level_2 is not None else 2


def worse(a: float | None, b: float, direction: str) -> float:
    """The further from normal of two values (the peak of an alarm)."""
    if a is None:
        return b
    return max(a, b) if direction == "high" else min(a, b)


def is_stale(last_ts: datetime | None, stale_after_s: int, now: datetime) -> bool:
    """Whether a sensor that has reported has since fallen silent for too long.

    A sensor that never reported is not "offline": it has not been commissioned yet.
    """
    return last_ts is not None and now - last_ts > timedelta(seconds=stale_after_s)


def escalation_due(
    level: int, opened_at: datetime, limits_s: dict[int, int], now: datetime
) -> bool:
    """Whether an alarm nobody acknowledged has waited past its level's limit."""
    limit = limits_s.get(level)
    return limit is not None and now - opened_at >= timedelta(seconds=limit)
