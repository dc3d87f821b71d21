"""The demo's alarms: a few in every state of the loop (open, escalated, acknowledged,
dispatched, disposed, recently closed), so a fresh demo's screen is not empty.

They are made the way live ones are, in time order up to the demo's now: readings through the
store and the rules (`telemetry.store.ingest_parsed` → `telemetry.alarms.evaluate`), the
escalation check (`escalate`) and the operator's actions (`actions.alarms.act`,
`rules.lifecycle`). So the sensors' rule states (`sensor_states`) are where those readings left
them, and the live simulator or a gateway carries on from there: an open alarm is never opened
twice.

Only the alarms' sensors get readings (a day of normal values at the live simulator's levels,
with the excursion in): a sensor with readings counts as commissioned, so in a city nothing
feeds (`ONEMAP_SIMULATOR=false`) these few raise offline alarms once their stale-after passes.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.actions.alarms import act
from data_loaders.demo import names
from data_loaders.rules import alarms as rules
from data_loaders.rules.lifecycle import STATES
from data_loaders.store.schema import Alarm, Sensor
from data_loaders.telemetry.alarms import AlarmConfig, escalate
from data_loaders.telemetry.formats import RawReading
from data_loaders.telemetry.simulator import load_simulator
from data_loaders.telemetry.store import SensorDirectory, ingest_parsed
from data_loaders.times import CHINA

DEMO_OPERATOR = "duty"  # the demo's operator account (`onemap run` creates it)
SIMULATOR_SEED = 1  # ONEMAP_SIMULATOR_SEED's default: the live simulator's normal levels
HISTORY_HOURS = 24
STEP_S = 10  # readings this often during an excursion (the simulator's interval)
SOURCE = "demo"


@dataclass(frozen=True)
class Story:
    """One alarm's life: the sensor it happens on, the values, and what people did, in
    minutes (before the demo's now; after the values crossed the limit)."""

    kinds: tuple[str, ...]  # sensor kinds to take it from, first choice first
    level: int  # how far the values go: 1 past the warning limit, 2 past the alarm limit
    began_min: float  # the values crossed the limit this long before now
    lasted_min: float | None = None  # and stayed past it this long (None: they still are)
    steps: tuple[tuple[float, str, dict[str, Any]], ...] = ()  # (minutes after, action, body)
    scene: str | None = None  # an AI-video scene: which behaviour was seen

    @property
    def closed_ago(self) -> float | None:
        """Minutes before now the alarm is closed (None: it is still open now)."""
        closes = [m for m, action, _ in self.steps if action == "close"]
        return self.began_min - closes[0] if closes else None

    def apart(self, other: Story) -> bool:
        """Whether one of the two is over well before the other begins (so they can happen
        on one sensor: a sensor never has two open alarms of one rule)."""
        return any(
            a.closed_ago is not None and a.closed_ago >= b.began_min + 5
            for a, b in ((self, other), (other, self))
        )


SCENE = ("ai_video",)
ASSIGNEE = "{town}安监站 {person}"
# Escalation comes after 15 min unacknowledged at level 1, 5 min at level 2 (AlarmConfig).
STORIES = (
    # open: ammonia in a machine room, past level 2 now, three minutes old
    Story(("ammonia",), 2, began_min=3),
    # open: a dust warning that has passed, waiting for someone to look
    Story(("dust", "diff_pressure"), 1, began_min=9, lasted_min=4),
    # escalated: a level-2 pressure nobody acknowledged in five minutes
    Story(("pressure", "tank_level"), 2, began_min=42, lasted_min=6),
    # acknowledged
    Story(
        ("temperature", "tank_level"),
        1,
        began_min=38,
        lasted_min=10,
        steps=((6, "acknowledge", {"note": "已电话通知企业安全员现场核查"}),),
    ),
    # dispatched, acknowledged only after it had escalated
    Story(
        ("hydrogen", "ammonia"),
        2,
        began_min=95,
        lasted_min=12,
        steps=(
            (7, "acknowledge", {}),
            (9, "dispatch", {"assignee": ASSIGNEE, "due_h": 4, "note": "请立即到场检查"}),
        ),
    ),
    # dispatched: someone smoking in a workshop
    Story(
        SCENE,
        2,
        began_min=50,
        scene="smoking",
        steps=(
            (2, "acknowledge", {}),
            (4, "dispatch", {"assignee": "企业安全员 {person}", "due_h": 2}),
        ),
    ),
    # disposed: the feedback is in, the close is still to come
    Story(
        ("tank_level", "water_level"),
        1,
        began_min=180,
        lasted_min=15,
        steps=(
            (4, "acknowledge", {}),
            (6, "dispatch", {"assignee": ASSIGNEE, "due_h": 3}),
            (70, "dispose", {"feedback": "液位计校准后读数正常，已排液至安全液位"}),
        ),
    ),
    # closed after the whole loop
    Story(
        ("dust",),
        2,
        began_min=300,
        lasted_min=8,
        steps=(
            (3, "acknowledge", {}),
            (5, "dispatch", {"assignee": ASSIGNEE, "due_h": 2}),
            (60, "dispose", {"feedback": "已清理积尘并检修除尘器，浓度恢复正常"}),
            (75, "close", {"reason": "处置完毕，现场复核正常"}),
        ),
    ),
    # closed: a false alarm of the video analysis
    Story(
        SCENE,
        2,
        began_min=150,
        scene="fire_smoke",
        steps=(
            (3, "acknowledge", {}),
            (10, "close", {"reason": "误报：焊接动火作业火花，已核实动火审批手续"}),
        ),
    ),
    # closed the day before: low cooling water
    Story(
        ("water_flow", "water_level", "temperature"),
        1,
        began_min=20 * 60,
        lasted_min=20,
        steps=(
            (10, "acknowledge", {}),
            (45, "close", {"reason": "备用水泵已切换，流量恢复正常"}),
        ),
    ),
)


@dataclass
class _Cast:
    """A story and the sensor it happens on."""

    story: Story
    sensor: Sensor
    began: datetime
    ended: datetime | None  # when the values came back (None: not yet; scenes: an instant)

    @property
    def level(self) -> int:
        """The alarm's level (a scene's is 2: rules.scene_level with the pilot's limits)."""
        return 2 if self.sensor.kind == "ai_video" else self.story.level


def _choose(
    rng: random.Random, sensors: list[Sensor], story: Story, casts: list[_Cast]
) -> Sensor | None:
    """A sensor for a story: one nobody else has, of a kind the story names, else any of its
    sort; else one whose other stories are over well apart from this one; else the same of
    the other sort (a small city has few sensors). At an enterprise not yet taken if it can."""
    busy: dict[int, list[Story]] = {}
    for c in casts:
        busy.setdefault(c.sensor.id, []).append(c.story)
    wants_scene = story.kinds == SCENE

    def sort(scene: bool) -> list[Sensor]:
        return [s for s in sensors if (s.kind == "ai_video") == scene and s.level_2 is not None]

    def liked(pool: list[Sensor]) -> list[Sensor]:
        if wants_scene:
            return [s for s in pool if s.scene == story.scene]
        return next(([s for s in pool if s.kind == k] for k in story.kinds
                     if any(s.kind == k for s in pool)), [])  # fmt: skip

    same, other = sort(wants_scene), sort(not wants_scene)
    unused = [s for s in same if s.id not in busy]
    fits = [s for s in same if s.id in busy and all(story.apart(o) for o in busy[s.id])]
    other_unused = [s for s in other if s.id not in busy]
    other_fits = [s for s in other if s.id in busy and all(story.apart(o) for o in busy[s.id])]
    taken = {c.sensor.enterprise_id for c in casts}
    for pool in (liked(unused), unused, liked(fits), fits, other_unused, other_fits):
        if pool:
            return rng.choice([s for s in pool if s.enterprise_id not in taken] or pool)
    return None


def _past(sensor: Sensor, level: int, rng: random.Random) -> float:
    """How far an excursion to a level goes past its limit (the simulator's push)."""
    l1, l2 = sensor.level_1, sensor.level_2
    limit = (l2 if level == 2 else l1) or l2 or 0.0
    span = abs((l2 or limit) - (l1 or limit)) or abs(limit) * 0.2 or 1.0
    push = span * (rng.uniform(0.25, 0.5) if level == 2 else rng.uniform(0.3, 0.6))
    return push if sensor.direction == "high" else -push


def _excursion(
    cast: _Cast, normal: list[RawReading], now: datetime, rng: random.Random
) -> list[RawReading]:
    """The sensor's readings with the excursion in: every STEP_S from two minutes before it
    to three after (or to now), the day's normal values outside."""
    sensor = cast.sensor
    if sensor.kind == "ai_video":  # an event is an instant: one reading saying it was seen
        return [*(r for r in normal if r.ts != cast.began), RawReading(sensor.tag, cast.began, 1.0)]
    start = cast.began - timedelta(minutes=2)
    stop = now if cast.ended is None else min(now, cast.ended + timedelta(minutes=3))
    kept = [r for r in normal if not start <= r.ts <= stop]
    before = [r.value for r in normal if r.ts < start] or [r.value for r in normal]
    base = before[-1]
    limit = sensor.level_2 if cast.level == 2 else sensor.level_1
    assert limit is not None
    push = _past(sensor, cast.level, rng)
    span = abs(push)
    out = kept
    ts = start
    while ts <= stop:
        if ts < cast.began or (cast.ended is not None and ts >= cast.ended):
            value = base + rng.gauss(0, span * 0.02)
        else:  # past the limit from the first reading, rising to the push within a minute
            ramp = min(1.0, (ts - cast.began).total_seconds() / 60)
            value = limit + push * (0.4 + 0.6 * ramp) + rng.gauss(0, span * 0.03)
        if base >= 0:  # a gas, a level, a flow: never below nothing
            value = max(0.0, value)
        out.append(RawReading(sensor.tag, ts, round(value, 3)))
        ts += timedelta(seconds=STEP_S)
    return out


def _body(body: dict[str, Any], at: datetime, town: str, person: str) -> dict[str, Any]:
    """An action's body for its time and place (a dispatch's due is hours after it)."""
    out = {k: v.format(town=town, person=person) if isinstance(v, str) else v
           for k, v in body.items() if k != "due_h"}  # fmt: skip
    if "due_h" in body:
        out["due"] = (at + timedelta(hours=body["due_h"])).astimezone(CHINA)  # as typed in
    return out


def make_alarms(
    session: Session,
    rng: random.Random,
    now: datetime,
    town_of: dict[int, str],
    config: AlarmConfig | None = None,
) -> str:
    """Play the stories up to `now` on the demo's sensors; a summary of what it made."""
    config = config or AlarmConfig()
    sensors = list(
        session.scalars(select(Sensor).where(Sensor.is_drill.is_(False)).order_by(Sensor.tag))
    )
    casts: list[_Cast] = []
    for story in STORIES:
        sensor = _choose(rng, sensors, story, casts)
        if sensor is None:
            continue  # a city too small for every story
        began = now - timedelta(minutes=story.began_min)
        lasted = story.lasted_min
        if lasted is None and story.kinds == SCENE:
            lasted = 5.0  # a scene's story told by a gauge: a short excursion
        ended = None if lasted is None else began + timedelta(minutes=lasted)
        casts.append(_Cast(story, sensor, began, ended))
    # A day of normal values for these sensors, at the live simulator's levels.
    sim = load_simulator(session, SIMULATOR_SEED)
    tags = {c.sensor.tag for c in casts}
    sim.signals = [s for s in sim.signals if s.tag in tags]
    sim.scenes = [s for s in sim.scenes if s.tag in tags]
    history = sim.history(now, HISTORY_HOURS)
    readings: list[RawReading] = []
    for tag in sorted(tags):
        mine = [r for r in history if r.tag == tag]
        for cast in (c for c in casts if c.sensor.tag == tag):
            mine = _excursion(cast, sorted(mine, key=lambda r: r.ts), now, rng)
        readings += mine
    readings.sort(key=lambda r: (r.ts, r.tag))
    # What happens when, in time order: people's actions and the escalation checks (the
    # scheduler's, a little after each alarm's limit could run out, and one at now).
    ops: list[tuple[datetime, int, _Cast | None, str, dict[str, Any]]] = []
    for i, cast in enumerate(casts):
        check = cast.began + timedelta(seconds=config.escalate_after_s[cast.level] + 30)
        if check < now:
            ops.append((check, i, None, "escalate", {}))
        town = town_of.get(cast.sensor.enterprise_id or 0, "")
        for minutes, action, body in cast.story.steps:
            at = cast.began + timedelta(minutes=minutes)
            ops.append((at, i, cast, action, _body(body, at, town, names.person_name(rng))))
    ops.sort(key=lambda op: (op[0], op[1]))
    ops.append((now, len(casts), None, "escalate", {}))
    directory = SensorDirectory()
    fed = 0
    for at, _i, cast, action, body in ops:
        upto = fed
        while upto < len(readings) and readings[upto].ts <= at:
            upto += 1
        if upto > fed:
            ingest_parsed(session, readings[fed:upto], [], directory, SOURCE, at, config)
            fed = upto
        if cast is None:
            escalate(session, at, config.escalate_after_s)
            continue
        rule = rules.SCENE if cast.sensor.kind == "ai_video" else rules.THRESHOLD
        alarm_id = session.scalar(
            select(Alarm.id).where(
                Alarm.sensor_id == cast.sensor.id, Alarm.rule == rule, Alarm.state != "closed"
            )
        )
        if alarm_id is None:
            raise RuntimeError(f"the demo's alarm on {cast.sensor.tag} did not open")
        act(session, alarm_id, action, body, DEMO_OPERATOR, at)
    states = Counter(session.scalars(select(Alarm.state)))
    escalated = len(
        session.scalars(select(Alarm.id).where(Alarm.escalated, Alarm.state == "open")).all()
    )
    shown = ", ".join(f"{state} {states[state]}" for state in STATES if states[state])
    return f"{sum(states.values())} ({shown}; {escalated} open escalated), {fed} readings"
