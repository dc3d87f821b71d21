"""The KPI document of a period (`GET /api/stats?grid=CODE&period=2026-11|2026-Q4|2026-W47`, the
briefings): the figures as they stood at the period's end, and what happened in it.

As of the end: hidden dangers (found, rectified, overdue then), campaign and committee tasks
(done by then), enforcement and committee activities (taken by then), the alarms still open
then. The ledger keeps no history of enterprises' classes, major hazards, listings or sensors:
those are today's. For the period that is running, the document is /api/stats's to the digit.
In the period (`period`): hidden dangers found and rectified, and the alarms raised, with
their handling times. Drill data is never counted."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from data_loaders.periods import Period, previous_period
from data_loaders.rules.metrics import RECTIFIED_STATUSES
from data_loaders.store.schema import Alarm, Enterprise, HiddenDanger, Sensor
from data_loaders.times import CHINA, as_utc, iso
from read_models.grids import Scope, resolve_scope
from read_models.stats import danger_scope, load_alarm_counts, load_ledger_stats, with_alarms

WORST = 5  # the worst-handled alarms a briefing names


def period_instants(period: Period, now: datetime) -> tuple[datetime, datetime]:
    """The period's start and stop as UTC instants: its first China midnight, and the midnight
    after its end or now, whichever is sooner."""
    start = datetime.combine(period.first, time(), CHINA).astimezone(UTC)
    stop = datetime.combine(period.end + timedelta(days=1), time(), CHINA)
    return start, min(stop, now).astimezone(UTC)


def load_period_dangers(session: Session, scope: Scope, period: Period) -> dict[str, int]:
    """Hidden dangers found in the period, major ones among them, and those rectified in it."""
    where = danger_scope(scope)
    found_in = HiddenDanger.found_on.between(period.first, period.end)
    row = session.execute(
        select(
            func.count(),
            func.sum(case((HiddenDanger.severity == "major", 1), else_=0)),
        ).where(where, found_in)
    ).one()
    rectified = session.scalar(
        select(func.count()).where(
            where,
            HiddenDanger.status.in_(RECTIFIED_STATUSES),
            HiddenDanger.rectified_on.between(period.first, period.end),
        )
    )
    return {
        "found": int(row[0] or 0),
        "major_found": int(row[1] or 0),
        "rectified": int(rectified or 0),
    }


def first_answer(acknowledged: datetime | None, closed: datetime | None) -> datetime | None:
    """When an alarm was first answered: acknowledged, or closed, whichever came first."""
    times = [t for t in (acknowledged, closed) if t is not None]
    return min(times) if times else None


def _minutes(start: datetime, stop: datetime) -> float:
    return max(0.0, (stop - start).total_seconds() / 60)


def load_period_alarms(
    session: Session, scope: Scope, period: Period, now: datetime, worst: int = WORST
) -> dict[str, Any]:
    """The real alarms raised in the period: by level and sensor kind; acknowledged and closed
    by its end; minutes to acknowledge (one still waiting at the end counts until then, as the
    ranking counts it) and to close; the `worst` longest waits, named."""
    start, stop = period_instants(period, now)
    rows = session.execute(
        select(
            Alarm.id,
            Alarm.level,
            Alarm.rule,
            Alarm.opened_at,
            Alarm.acknowledged_at,
            Alarm.closed_at,
            Sensor.tag,
            Sensor.kind,
            Enterprise.name,
        )
        .join(Sensor, Sensor.id == Alarm.sensor_id)
        .join(Enterprise, Enterprise.id == Sensor.enterprise_id, isouter=True)
        .where(
            Alarm.is_drill.is_(False),
            Alarm.opened_at >= start,
            Alarm.opened_at < stop,
            scope.where_enterprise(Sensor.enterprise_id),
        )
        .order_by(Alarm.opened_at, Alarm.id)
    ).all()
    by_kind: dict[str, int] = {}
    levels = {1: 0, 2: 0}
    waits: list[float] = []
    closes: list[float] = []
    items = []
    acknowledged = closed = 0
    for aid, level, rule, opened, acked, shut, tag, kind, name in rows:
        opened, acked, shut = as_utc(opened), as_utc(acked), as_utc(shut)
        assert opened is not None
        levels[level] = levels.get(level, 0) + 1
        kind_key = "offline" if rule == "offline" else kind
        by_kind[kind_key] = by_kind.get(kind_key, 0) + 1
        # answered: acknowledged, or (before dispatch and close recorded it) closed unanswered
        answered = first_answer(acked, shut)
        acked_in = answered is not None and answered <= stop
        acknowledged += acked_in
        wait = _minutes(opened, answered if acked_in and answered is not None else stop)
        waits.append(wait)
        if shut is not None and shut <= stop:
            closed += 1
            closes.append(_minutes(opened, shut))
        items.append(
            {
                "id": aid,
                "level": level,
                "rule": rule,
                "sensor": tag,
                "kind": kind,
                "enterprise": name,
                "opened_at": iso(opened),
                "acknowledged_at": iso(answered) if acked_in else None,
                "minutes": round(wait, 1),
            }
        )
    items.sort(key=lambda a: (-a["minutes"], a["id"]))
    return {
        "raised": len(rows),
        "level_1": levels.get(1, 0),
        "level_2": levels.get(2, 0),
        "by_kind": dict(sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))),
        "acknowledged": acknowledged,
        "closed": closed,
        "waiting": len(rows) - acknowledged,
        "ack_minutes_mean": round(statistics.fmean(waits), 1) if waits else None,
        "ack_minutes_median": round(statistics.median(waits), 1) if waits else None,
        "close_minutes_mean": round(statistics.fmean(closes), 1) if closes else None,
        "worst": items[:worst],
    }


def load_period_stats(
    session: Session, grid_code: str | None, period: Period, now: datetime
) -> dict[str, Any]:
    """The KPI document as it stood at the period's end, with `period`: its dates, the
    previous period's code, and the hidden dangers and alarms of the period. Raises
    UnknownGrid."""
    scope = resolve_scope(session, grid_code)
    today = now.astimezone(CHINA).date()
    _start, stop = period_instants(period, now)
    # the running period's open alarms are the live figure itself (the same query as /api/stats)
    open_at = None if not period.complete or stop >= now.astimezone(UTC) else stop
    doc = with_alarms(
        load_ledger_stats(session, scope, period.end), load_alarm_counts(session, scope, open_at)
    )
    doc["period"] = {
        **period.as_dict(),
        "previous": previous_period(period, today).code,
        "hidden_dangers": load_period_dangers(session, scope, period),
        "alarms": load_period_alarms(session, scope, period, now),
    }
    return doc
