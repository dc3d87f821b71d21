"""People's actions on incidents (突发事件) and drills (应急演练): open one, close it with a
summary. Every change checks the operator role here (whatever route or page asks) and is
recorded as an incident event with who and when. A drill gets its Drill row; closing it
closes its alarms and keeps its record for review."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data_loaders import vocab
from data_loaders.actions.alarms import NotAllowed
from data_loaders.rules import plume as plume_rules
from data_loaders.rules.lifecycle import OPEN_STATES
from data_loaders.rules.zones import ZoneError, parse_radii
from data_loaders.store.engine import bump_alarm_version, session_scope
from data_loaders.store.schema import (
    Alarm,
    AlarmEvent,
    Drill,
    Enterprise,
    HazardSubstance,
    Incident,
    IncidentEvent,
    IncidentTask,
    MajorHazard,
    Resource,
    Sensor,
)
from data_loaders.telemetry.alarms import AlarmConfig
from data_loaders.telemetry.formats import RawReading, parse_body
from data_loaders.telemetry.scenario import Step
from data_loaders.telemetry.store import SensorDirectory, ingest_parsed
from data_loaders.telemetry.wind import nearest_wind
from data_loaders.users import has_role

# Where an incident may be: mainland China and its seas (a point outside is a typo).
LON_RANGE = (73.0, 136.0)
LAT_RANGE = (3.0, 54.0)
RELEASE_KINDS = ("toxic_release", "hazchem_spill")  # the kinds a plume is screened for
MAX_TITLE = 200
MAX_SUMMARY = 4000


class IncidentError(ValueError):
    """A request that opens or changes no incident: a code, both languages and the field."""

    def __init__(self, code: str, message_zh: str, message_en: str, field: str = "") -> None:
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en, self.field = (
            code,
            message_zh,
            message_en,
            field,
        )


class NoSuchIncident(LookupError):
    """No incident has that id."""


@dataclass(frozen=True)
class Opening:
    """A checked request to open an incident (the store's look-ups still to come)."""

    kind: str
    drill: bool
    radii: tuple[int, ...]
    title: str | None
    enterprise: str | None
    lon: float | None
    lat: float | None
    release: dict[str, Any] | None
    alarm_id: int | None


def _number(body: Mapping[str, Any], key: str, low: float, high: float) -> float:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise IncidentError(
            "bad_value",
            f"{key} 应为 {low:g} 到 {high:g} 之间的数字，而不是 {value!r}",
            f"{key} must be a number from {low:g} to {high:g}, not {value!r}",
            key,
        )
    return float(value)


def _text(body: Mapping[str, Any], key: str, limit: int) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise IncidentError(
            "bad_value",
            f"{key} 应为不超过 {limit} 字的文字",
            f"{key} must be text of at most {limit} characters",
            key,
        )
    return value.strip() or None


def _mapping(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise IncidentError("bad_body", "请求体应为 JSON 对象", "the body must be a JSON object")
    return body


def _needed(body: Any, key: str, limit: int, message_zh: str, message_en: str) -> str:
    """A text field the action cannot do without (bounded)."""
    value = _text(_mapping(body), key, limit)
    if not value:
        raise IncidentError("missing", message_zh, message_en, key)
    return value


def parse_opening(body: Any) -> Opening:
    """The request's fields, checked and bounded (IncidentError names the first bad one)."""
    body = _mapping(body)
    kind = vocab.parse_choice(body.get("kind") or "", vocab.INCIDENT_KINDS)
    if kind is None:
        names = ", ".join(vocab.INCIDENT_KINDS)
        raise IncidentError(
            "bad_kind", f"事件类型应为 {names} 之一", f"kind is one of {names}", "kind"
        )
    drill = body.get("drill", False)
    if not isinstance(drill, bool):
        raise IncidentError(
            "bad_value", "drill 应为 true 或 false", "drill is true or false", "drill"
        )
    try:
        radii = parse_radii(body.get("radii_m"))
    except ZoneError as exc:
        raise IncidentError("bad_value", f"影响半径无效：{exc}", str(exc), "radii_m") from None
    enterprise = _text(body, "enterprise", 18)
    lon = lat = None
    if body.get("lon") is not None or body.get("lat") is not None or not enterprise:
        lon = _number(body, "lon", *LON_RANGE)
        lat = _number(body, "lat", *LAT_RANGE)
    release = body.get("release")
    if release is not None:
        if not isinstance(release, Mapping):
            raise IncidentError(
                "bad_value", "release 应为 JSON 对象", "release must be an object", "release"
            )
        if kind not in RELEASE_KINDS:
            raise IncidentError(
                "bad_value",
                "只有有毒泄漏、危化品泄漏可估算扩散",
                f"a release is screened only for {', '.join(RELEASE_KINDS)}",
                "release",
            )
        allowed = {"substance", "rate_kg_s", "wind_from_deg", "wind_m_s", "stability"}
        extra = sorted(set(release) - allowed)
        if extra:
            raise IncidentError(
                "bad_value",
                f"release 中有未知字段：{', '.join(extra)}",
                f"release has unknown fields: {', '.join(extra)}",
                "release",
            )
        if ("wind_from_deg" in release) != ("wind_m_s" in release):
            raise IncidentError(
                "bad_value",
                "风向和风速须同时给出（或都不给，用最近气象站的实测）",
                "give wind_from_deg and wind_m_s together (or neither: the nearest station's)",
                "release",
            )
        release = dict(release)
    alarm_id = body.get("alarm")
    if alarm_id is not None and (
        isinstance(alarm_id, bool) or not isinstance(alarm_id, int) or not 0 < alarm_id < 2**31
    ):
        raise IncidentError("bad_value", "alarm 应为报警编号", "alarm is an alarm id", "alarm")
    return Opening(
        kind,
        drill,
        radii,
        _text(body, "title", MAX_TITLE),
        enterprise,
        lon,
        lat,
        release,
        alarm_id,
    )


def hazard_substance(session: Session, enterprise_id: int) -> str | None:
    """The enterprise's largest major-hazard substance that the plume model knows."""
    rows = session.execute(
        select(HazardSubstance.substance, HazardSubstance.quantity_t)
        .join(MajorHazard, MajorHazard.id == HazardSubstance.hazard_id)
        .where(MajorHazard.enterprise_id == enterprise_id)
        .order_by(HazardSubstance.quantity_t.desc())
    ).all()
    for substance, _quantity in rows:
        toxic = plume_rules.find_toxic(substance)
        if toxic is not None:
            return toxic.name
    return None


def complete_release(
    session: Session, release: dict[str, Any], lon: float, lat: float, enterprise_id: int | None
) -> dict[str, Any]:
    """The release with the substance of the enterprise's major hazard when none was given
    and stability D when none was given; checked by screening it once (the nearest station's
    wind stands in when the request gave none: the stored release keeps none, so the plume
    follows the wind as readings arrive)."""
    out = dict(release)
    if not out.get("substance") and enterprise_id is not None:
        found = hazard_substance(session, enterprise_id)
        if found:
            out["substance"] = found
    if not out.get("substance"):
        raise IncidentError(
            "missing",
            "请给出泄漏物质（substance），或在有重大危险源的企业处发起",
            "give the substance, or open the incident at an enterprise with a major hazard",
            "substance",
        )
    out.setdefault("stability", "D")
    trial = dict(out)
    if "wind_m_s" not in out:
        wind = nearest_wind(session, lon, lat, datetime.now(UTC))
        if wind is None:
            raise IncidentError(
                "no_wind",
                "未给出风向风速，且附近没有气象站的近期读数："
                "请在 release 中给出 wind_from_deg 和 wind_m_s",
                "no wind given and no weather station has a recent reading: "
                "give wind_from_deg and wind_m_s in release",
                "release",
            )
        trial.update(wind_from_deg=wind["from_deg"], wind_m_s=max(wind["m_s"], 0.5))
    try:
        plume_rules.plume(trial, lon, lat)
    except plume_rules.PlumeError as exc:
        raise IncidentError(exc.code, exc.message_zh, exc.message_en, exc.field) from None
    return out


def _open_incident_row(session: Session, incident_id: int) -> Incident:
    """The incident, locked for the change; NoSuchIncident, or wrong_state when closed."""
    incident = session.scalar(select(Incident).where(Incident.id == incident_id).with_for_update())
    if incident is None:
        raise NoSuchIncident(incident_id)
    if incident.state != "open":
        raise IncidentError("wrong_state", "该事件已关闭", "the incident is closed")
    return incident


def _operator(actor: str | None, role: str | None, what: str) -> str:
    if not actor or not has_role(role, "operator"):
        raise NotAllowed(f"{what} needs the operator role")
    return actor


def open_incident(
    engine: Any,
    actor: str | None,
    role: str | None,
    body: Any,
    now: datetime | None = None,
) -> int:
    """Open an incident (or a drill) for a signed-in operator; its id. NotAllowed for anyone
    else, IncidentError for a bad request, LookupError for an unknown enterprise or alarm."""
    actor = _operator(actor, role, "opening an incident")
    opening = parse_opening(body)
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        enterprise_id = None
        lon, lat = opening.lon, opening.lat
        if opening.enterprise:
            ent = session.scalar(
                select(Enterprise).where(Enterprise.credit_code == opening.enterprise)
            )
            if ent is None:
                raise LookupError(f"no enterprise {opening.enterprise}")
            enterprise_id = ent.id
            if lon is None or lat is None:
                lon, lat = ent.lon, ent.lat
        if opening.alarm_id is not None and session.get(Alarm, opening.alarm_id) is None:
            raise LookupError(f"no alarm {opening.alarm_id}")
        assert lon is not None and lat is not None  # parse_opening asked for them
        release = (
            complete_release(session, opening.release, lon, lat, enterprise_id)
            if opening.release is not None
            else None
        )
        drill_id = None
        kind_zh = vocab.zh_name(vocab.INCIDENT_KINDS, opening.kind)
        if opening.drill:
            drill = Drill(
                name=opening.title or f"{kind_zh}演练",
                scenario=opening.kind,
                started_at=now,
                created_by=actor,
            )
            session.add(drill)
            session.flush()
            drill_id = drill.id
        incident = Incident(
            kind=opening.kind,
            is_drill=opening.drill,
            drill_id=drill_id,
            state="open",
            title=opening.title,
            enterprise_id=enterprise_id,
            alarm_id=opening.alarm_id,
            lon=round(float(lon), 6),
            lat=round(float(lat), 6),
            radii_m=json.dumps(list(opening.radii)),
            release=json.dumps(release, ensure_ascii=False) if release else None,
            opened_at=now,
            opened_by=actor,
        )
        session.add(incident)
        session.flush()
        note = ("演练 / drill · " if opening.drill else "") + kind_zh
        session.add(
            IncidentEvent(incident_id=incident.id, at=now, actor=actor, action="opened", note=note)
        )
        bump_alarm_version(session)  # every screen's poll sees it
        return incident.id


def close_incident(
    engine: Any,
    actor: str | None,
    role: str | None,
    incident_id: int,
    body: Any,
    now: datetime | None = None,
) -> int:
    """Close an open incident with a summary (operators); a drill's alarms close with it."""
    actor = _operator(actor, role, "closing an incident")
    summary = _needed(body, "summary", MAX_SUMMARY, "请填写处置小结", "a summary is needed")
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        incident = _open_incident_row(session, incident_id)
        incident.state = "closed"
        incident.closed_at = now
        incident.closed_by = actor
        incident.summary = summary
        session.add(
            IncidentEvent(
                incident_id=incident.id, at=now, actor=actor, action="closed", note=summary
            )
        )
        if incident.is_drill and incident.drill_id is not None:
            drill = session.get(Drill, incident.drill_id)
            if drill is not None:
                drill.ended_at = now
            reason = "演练结束 / drill closed"
            twins = select(Sensor.id).where(
                Sensor.is_drill.is_(True),
                Sensor.tag.startswith(TWIN_PREFIX.format(drill=incident.drill_id)),
            )
            for alarm in session.scalars(
                select(Alarm).where(
                    (Alarm.drill_id == incident.drill_id) | Alarm.sensor_id.in_(twins),
                    Alarm.state.in_(OPEN_STATES),
                )
            ):
                alarm.state, alarm.closed_at, alarm.close_reason = "closed", now, reason
                session.add(
                    AlarmEvent(alarm_id=alarm.id, at=now, actor=actor, action="close", note=reason)
                )
        bump_alarm_version(session)
        return incident.id


MAX_NOTE = 2000
TASK_STEPS = {"sent": "arrived", "arrived": "done"}  # a task's next state


def add_note(
    engine: Any,
    actor: str | None,
    role: str | None,
    incident_id: int,
    body: Any,
    now: datetime | None = None,
) -> int:
    """A note on an open incident's timeline (operators); the event's id."""
    who = _operator(actor, role, "a note")
    note = _needed(body, "note", MAX_NOTE, "请填写内容", "the note is empty")
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        incident = _open_incident_row(session, incident_id)
        event = IncidentEvent(incident_id=incident.id, at=now, actor=who, action="note", note=note)
        session.add(event)
        bump_alarm_version(session)
        session.flush()
        return event.id


def send_task(
    engine: Any,
    actor: str | None,
    role: str | None,
    incident_id: int,
    body: Any,
    now: datetime | None = None,
) -> int:
    """Dispatch a resource (its code) to an open incident as a task (sent); the task's id."""
    who = _operator(actor, role, "dispatching a resource")
    body = _mapping(body)
    code = _text(body, "resource", 40)
    title = _text(body, "title", 300)
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        incident = _open_incident_row(session, incident_id)
        resource = session.scalar(select(Resource).where(Resource.code == code)) if code else None
        if code and resource is None:
            raise IncidentError(
                "unknown_resource",
                f"没有编码为 {code} 的应急资源",
                f"no resource {code}",
                "resource",
            )
        if not title:
            if resource is None:
                raise IncidentError(
                    "missing", "请选择应急资源或填写任务", "name a resource or a task", "resource"
                )
            title = f"调派 {resource.name}"
        task = IncidentTask(
            incident_id=incident.id,
            resource_id=resource.id if resource else None,
            title=title,
            state="sent",
            sent_at=now,
            created_by=who,
        )
        session.add(task)
        session.flush()
        session.add(
            IncidentEvent(
                incident_id=incident.id,
                at=now,
                actor=who,
                action="task_sent",
                note=title,
                task_id=task.id,
            )
        )
        bump_alarm_version(session)
        return task.id


def advance_task(
    engine: Any,
    actor: str | None,
    role: str | None,
    incident_id: int,
    task_id: int,
    body: Any,
    now: datetime | None = None,
) -> str:
    """Move a task on (sent → arrived → done, one step at a time); its new state."""
    who = _operator(actor, role, "updating a task")
    if not isinstance(body, Mapping) or body.get("state") not in TASK_STEPS.values():
        raise IncidentError(
            "bad_value", "state 应为 arrived 或 done", "state is arrived or done", "state"
        )
    wanted = body["state"]
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        incident = _open_incident_row(session, incident_id)
        task = session.scalar(
            select(IncidentTask)
            .where(IncidentTask.id == task_id, IncidentTask.incident_id == incident.id)
            .with_for_update()
        )
        if task is None:
            raise NoSuchIncident(f"no task {task_id} in incident {incident_id}")
        if TASK_STEPS.get(task.state) != wanted:
            raise IncidentError(
                "wrong_state",
                f"任务当前为 {task.state}，不能改为 {wanted}",
                f"the task is {task.state}: it cannot become {wanted}",
                "state",
            )
        task.state = wanted
        setattr(task, f"{wanted}_at", now)
        session.add(
            IncidentEvent(
                incident_id=incident.id,
                at=now,
                actor=who,
                action=f"task_{wanted}",
                note=task.title,
                task_id=task.id,
            )
        )
        bump_alarm_version(session)
        return wanted


MAX_INJECT_READINGS = 10_000
TWIN_PREFIX = "DRILL{drill}-"  # a drill's own copy of a real sensor: "DRILL7-P01-D001-AMMO01"


def twin_tag(drill_id: int, tag: str) -> str:
    """The tag of a drill's copy of a real sensor (within the store's 64 characters)."""
    return (TWIN_PREFIX.format(drill=drill_id) + tag)[:64]


def _twins(session: Session, drill_id: int, tags: set[str]) -> dict[str, str]:
    """Real sensor tag → the drill's copy (made on first use: same kind, unit, thresholds,
    enterprise and hazard, marked as drill data). IncidentError for a tag no real sensor has."""
    real = {
        s.tag: s
        for s in session.scalars(
            select(Sensor).where(Sensor.tag.in_(tags), Sensor.is_drill.is_(False))
        )
    }
    missing = sorted(tags - real.keys())
    if missing:
        shown = ", ".join(t[:64] for t in missing[:5])
        raise IncidentError(
            "unknown_sensor",
            f"没有这些传感器：{shown}",
            f"no sensor has these tags: {shown}",
            "sensor",
        )
    wanted = {tag: twin_tag(drill_id, tag) for tag in real}
    have = set(session.scalars(select(Sensor.tag).where(Sensor.tag.in_(wanted.values()))))
    for tag, sensor in real.items():
        if wanted[tag] not in have:
            session.add(
                Sensor(
                    tag=wanted[tag],
                    kind=sensor.kind,
                    scene=sensor.scene,
                    unit=sensor.unit,
                    device=sensor.device,
                    location=sensor.location,
                    level_1=sensor.level_1,
                    level_2=sensor.level_2,
                    direction=sensor.direction,
                    stale_after_s=sensor.stale_after_s,
                    enterprise_id=sensor.enterprise_id,
                    hazard_id=sensor.hazard_id,
                    is_drill=True,
                )
            )
    session.flush()
    return wanted


def inject(
    engine: Any,
    actor: str | None,
    role: str | None,
    incident_id: int,
    body: bytes | str,
    now: datetime | None = None,
    config: AlarmConfig | None = None,
) -> dict[str, int]:
    """Readings for an open drill (a telemetry body naming real sensors' tags): stored on the
    drill's copies of those sensors and run through the real alarm rules, every reading and
    alarm marked as drill data. Refused for a real incident; all or nothing."""
    actor = _operator(actor, role, "injecting drill readings")
    now = now or datetime.now(UTC)
    readings, problems = parse_body(body, now)
    if problems:
        first = problems[0].reason
        raise IncidentError("bad_body", f"读数无法读取：{first}", f"a reading is unusable: {first}")
    if not readings or len(readings) > MAX_INJECT_READINGS:
        raise IncidentError(
            "bad_body",
            f"应有 1 到 {MAX_INJECT_READINGS} 条读数",
            f"send 1 to {MAX_INJECT_READINGS} readings",
        )
    with session_scope(engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is not None and not incident.is_drill:
            raise IncidentError(
                "not_drill", "只有演练可以注入读数", "readings can be injected only into a drill"
            )
        incident = _open_incident_row(session, incident_id)
        twins = _twins(session, incident.drill_id, {r.tag for r in readings})
        copied = [RawReading(twins[r.tag], r.ts, r.value) for r in readings]
        result = ingest_parsed(session, copied, [], SensorDirectory(), "drill", now, config)
        twin_ids = select(Sensor.id).where(Sensor.tag.in_(twins.values()))
        session.execute(
            update(Alarm)
            .where(Alarm.sensor_id.in_(twin_ids), Alarm.drill_id.is_(None))
            .values(drill_id=incident.drill_id, is_drill=True)
        )
        note = f"{result.accepted} 条读数 / readings"
        session.add(
            IncidentEvent(
                incident_id=incident.id, at=now, actor=actor, action="injected", note=note
            )
        )
        bump_alarm_version(session)
        return {"accepted": result.accepted, "duplicates": result.duplicates}


def play_scenario(
    engine: Any,
    actor: str | None,
    role: str | None,
    incident_id: int,
    steps: list[Step],
    speed: float = 1.0,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    say: Callable[[str], None] = lambda _line: None,
) -> int:
    """Play a scenario into an open drill as it would happen: the steps at each offset (÷
    speed) injected as readings of that moment, through inject (every check of its own);
    the readings injected."""
    if not 0.1 <= speed <= 100:
        raise IncidentError(
            "bad_value", "speed 应在 0.1 到 100 之间", "speed is 0.1 to 100", "speed"
        )
    sleep = sleep or time.sleep
    started = time.monotonic()
    total = 0
    offsets = sorted({s.offset_s for s in steps})
    for offset in offsets:
        wait = offset / speed - (time.monotonic() - started)
        if wait > 0:
            sleep(wait)
        now = clock()
        body = json.dumps(
            [
                {"sensor": s.sensor, "ts": now.isoformat(), "value": s.value}
                for s in steps
                if s.offset_s == offset
            ]
        )
        counts = inject(engine, actor, role, incident_id, body, now=now)
        total += counts["accepted"]
        say(f"+{offset:.0f} s: {counts['accepted']} readings")
    return total


__all__ = [
    "IncidentError",
    "NoSuchIncident",
    "NotAllowed",
    "add_note",
    "advance_task",
    "close_incident",
    "inject",
    "open_incident",
    "parse_opening",
    "play_scenario",
    "send_task",
]
