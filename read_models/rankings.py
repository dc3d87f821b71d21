"""The monthly ranking bulletin (通报排名) of the towns: figures as of a month's end, the score
(data_loaders.rules.rankings documents it) and the rank change from the month before."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from data_loaders.periods import BadPeriod, Period, parse_period, previous_period
from data_loaders.rules.metrics import rate
from data_loaders.rules.rankings import (
    PARTS,
    RankingConfig,
    alarms_count,
    competition_ranks,
    part_scores,
    total_score,
)
from data_loaders.store.schema import Alarm, CampaignTask, Enterprise, HiddenDanger, Sensor
from data_loaders.times import CHINA, as_utc, month_start
from read_models.grids import resolve_scope, roll_up_children
from read_models.period_stats import first_answer
from read_models.stats import danger_rectified_by, task_done_by

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
WINDOW_DAYS = 365  # "the 12 months up to the day": the same year the KPI document counts
KEYS = (
    "found",
    "rectified",
    "open",
    "overdue",
    "tasks_due",
    "tasks_done",
    "alarms",
    "alarm_minutes_sum",
    "enterprises",
    "self_reporting",
)
ALARM_KEYS = ("alarms", "alarm_minutes_sum")  # moved by alarms, not by the data version


EARLIEST_YEAR = 2000


class BadMonth(BadPeriod):
    """A month that is not YYYY-MM, or lies in the future (a BadPeriod, as every period)."""


def parse_month(text: str | None, today: date) -> date:
    """The first day of a YYYY-MM month (None or empty: this month); BadMonth otherwise."""
    if not text:
        return month_start(today)
    m = MONTH.match(text.strip()[:20])
    if not m:
        raise BadMonth(f"month must be YYYY-MM, not {text[:20]!r}")
    year, month = int(m.group(1)), int(m.group(2))
    if year > today.year:
        raise BadMonth(f"{text[:20]} has not begun yet")
    # the ledger's own years: 0000-01 (no year 0) was a 500
    if year < EARLIEST_YEAR:
        raise BadMonth(f"month must be YYYY-MM from {EARLIEST_YEAR} on, not {text[:20]!r}")
    first = date(year, month, 1)
    if first > today:
        raise BadMonth(f"{text} has not begun yet")
    return first


def month_end(first: date, today: date) -> date:
    """The day a month's figures are taken: its last day, or today for the current month."""
    last = month_start(first, -1) - timedelta(days=1)
    return min(last, today)


def _per_grid(rows: Any, keys: tuple[str, ...]) -> dict[Any, dict[str, int]]:
    return {gid: {k: int(v or 0) for k, v in zip(keys, rest, strict=True)} for gid, *rest in rows}


def _merge(into: dict[Any, dict[str, Any]], more: dict[Any, dict[str, Any]]) -> None:
    for gid, figures in more.items():
        row = into.setdefault(gid, dict.fromkeys(KEYS, 0))
        row.update({k: row[k] + v for k, v in figures.items()})


def load_ledger_figures(session: Session, end: date) -> dict[Any, dict[str, Any]]:
    """Each grid's own ledger figures for a bulletin taken on `end` (by grid id): hidden
    dangers of the window, campaign tasks due and done, enterprises and self-reporters.
    Only the data version moves them (alarms are counted apart: _alarm_minutes)."""
    since = end - timedelta(days=WINDOW_DAYS - 1)
    in_window = and_(
        HiddenDanger.is_drill.is_(False),
        HiddenDanger.found_on >= since,
        HiddenDanger.found_on <= end,
    )
    done_by_end = danger_rectified_by(end)  # as the KPI document and the briefing count it
    per_grid: dict[Any, dict[str, Any]] = {}
    danger_keys = ("found", "rectified", "open", "overdue")
    _merge(
        per_grid,
        _per_grid(
            session.execute(
                select(
                    HiddenDanger.grid_id,
                    func.count(),
                    func.sum(case((done_by_end, 1), else_=0)),
                    func.sum(case((done_by_end, 0), else_=1)),
                    func.sum(case((and_(~done_by_end, HiddenDanger.deadline < end), 1), else_=0)),
                )
                .where(in_window)
                .group_by(HiddenDanger.grid_id)
            ).all(),
            danger_keys,
        ),
    )
    task_done = task_done_by(CampaignTask.status, CampaignTask.done_on, end)
    _merge(
        per_grid,
        _per_grid(
            session.execute(
                select(
                    CampaignTask.grid_id,
                    func.sum(case((CampaignTask.due_on <= end, 1), else_=0)),
                    func.sum(case((and_(task_done, CampaignTask.due_on <= end), 1), else_=0)),
                ).group_by(CampaignTask.grid_id)
            ).all(),
            ("tasks_due", "tasks_done"),
        ),
    )
    reporters = (
        select(HiddenDanger.enterprise_id)
        .where(in_window, HiddenDanger.source == "self_report")
        .distinct()
    )
    _merge(
        per_grid,
        _per_grid(
            session.execute(
                select(
                    Enterprise.grid_id,
                    func.count(),
                    func.sum(case((Enterprise.id.in_(reporters), 1), else_=0)),
                ).group_by(Enterprise.grid_id)
            ).all(),
            ("enterprises", "self_reporting"),
        ),
    )
    return per_grid


def load_town_ledger(session: Session, end: date) -> list[dict[str, Any]]:
    """Each town's ledger figures for a bulletin taken on `end`, summed over the grids inside
    it (the alarm keys 0): the part of load_town_figures only the data version moves, which
    a cache keeps whole so an alarm change re-reads the alarms alone."""
    scope = resolve_scope(session, None)
    return roll_up_children(session, scope.grid, load_ledger_figures(session, end), KEYS)


def load_town_figures(
    session: Session,
    first: date,
    end: date,
    now: datetime,
    ledger: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Each town's raw figures for the month starting `first`, as of `end` (`ledger`: the
    towns' ledger part for `end` (load_town_ledger), when a cache has it; it is not changed)."""
    own = load_town_ledger(session, end) if ledger is None else ledger
    scope = resolve_scope(session, None)
    # the alarms are rolled up apart (few grids have any) and added: a roll-up is a sum
    alarms = {
        t["code"]: t
        for t in roll_up_children(
            session, scope.grid, _alarm_minutes(session, first, end, now), ALARM_KEYS
        )
    }
    towns = []
    for t in own:
        extra = alarms.get(t["code"], {})
        towns.append(t | {k: t[k] + extra.get(k, 0) for k in ALARM_KEYS})
    for t in towns:
        n = t["alarms"]
        t["alarm_minutes"] = round(t["alarm_minutes_sum"] / n, 1) if n else None
    return towns


def _alarm_minutes(
    session: Session, first: date, end: date, now: datetime
) -> dict[Any, dict[str, Any]]:
    """Per grid: alarms opened in the month (China time) and their minutes to acknowledge."""
    # month bounds are China days; compared in UTC, as SQLite stores the UTC wall time
    start = datetime.combine(first, time(), CHINA).astimezone(UTC)
    stop = min(datetime.combine(end + timedelta(days=1), time(), CHINA), now).astimezone(UTC)
    rows = session.execute(
        select(Enterprise.grid_id, Alarm.opened_at, Alarm.acknowledged_at, Alarm.closed_at)
        .join(Sensor, Sensor.id == Alarm.sensor_id)
        .join(Enterprise, Enterprise.id == Sensor.enterprise_id)
        .where(Alarm.is_drill.is_(False), Alarm.opened_at >= start, Alarm.opened_at < stop)
    ).all()
    out: dict[Any, dict[str, Any]] = {}
    for grid_id, opened, acked, closed in rows:
        # answered: acknowledged, or closed unanswered (read_models.period_stats.first_answer)
        opened, acked = as_utc(opened), first_answer(as_utc(acked), as_utc(closed))
        # an alarm acknowledged after the month's end was still waiting at the end
        until = acked if acked is not None and acked <= stop else stop
        row = out.setdefault(grid_id, {"alarms": 0, "alarm_minutes_sum": 0.0})
        row["alarms"] += 1
        row["alarm_minutes_sum"] += max(0.0, (until - opened).total_seconds() / 60)
    return out


def score_towns(towns: list[dict[str, Any]], config: RankingConfig) -> list[dict[str, Any]]:
    """The towns with their parts (figures and 0–100 scores), total score and rank."""
    out = []
    for t in towns:
        scores = part_scores(t, config)
        parts = {
            "rectification": {
                "score": scores["rectification"],
                "found": t["found"],
                "rectified": t["rectified"],
                "rate": rate(t["rectified"], t["found"]),
            },
            "overdue": {"score": scores["overdue"], "open": t["open"], "overdue": t["overdue"]},
            "campaign": {
                "score": scores["campaign"],
                "due": t["tasks_due"],
                "done": t["tasks_done"],
                "rate": rate(t["tasks_done"], t["tasks_due"]),
            },
            "alarm_handling": {
                "score": scores["alarm_handling"],
                "alarms": t["alarms"],
                "mean_minutes": t["alarm_minutes"],
                # fewer than min_alarms: not scored, its weight shared out among the others
                "counted": alarms_count(t["alarms"], config),
            },
            "self_report": {
                "score": scores["self_report"],
                "enterprises": t["enterprises"],
                "reporting": t["self_reporting"],
                "rate": rate(t["self_reporting"], t["enterprises"]),
            },
        }
        for p in parts.values():
            p["score"] = None if p["score"] is None else round(p["score"], 2)
        out.append(
            {
                "code": t["code"],
                "name": t["name"],
                "score": total_score(scores, config.weights),
                "parts": parts,
            }
        )
    ranks = competition_ranks([(t["code"], t["score"]) for t in out])
    for t in out:
        t["rank"] = ranks[t["code"]]
    return sorted(out, key=lambda t: (t["rank"], t["code"]))


def load_rankings(
    session: Session,
    month: str | None,
    today: date,
    config: RankingConfig | None = None,
    now: datetime | None = None,
    ledger: Callable[[date], list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The bulletin of a period (`month`: YYYY-MM, or a quarter YYYY-Qn for 一季一排名, or an
    ISO week YYYY-Wnn; None: this month): towns by rank with the score, its parts and the
    previous period's rank. `ledger(end)` gives the towns' ledger part for a day when a
    cache keeps it (load_town_ledger). Raises BadPeriod."""
    period = parse_period(month, today)
    return rank_period(session, period, today, config, now, ledger)


def rank_period(
    session: Session,
    period: Period,
    today: date,
    config: RankingConfig | None = None,
    now: datetime | None = None,
    ledger: Callable[[date], list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The bulletin of a parsed period (load_rankings)."""
    config = config or RankingConfig()
    now = now or datetime.now(CHINA)
    before = previous_period(period, today)

    def figures(p: Period) -> list[dict[str, Any]]:
        own = ledger(p.end) if ledger is not None else None
        return load_town_figures(session, p.first, p.end, now, own)

    towns = score_towns(figures(period), config)
    previous = {t["code"]: t["rank"] for t in score_towns(figures(before), config)}
    for t in towns:
        t["previous_rank"] = previous.get(t["code"])
        t["change"] = None if t["previous_rank"] is None else t["previous_rank"] - t["rank"]
    doc: dict[str, Any] = {
        "period": period.code,
        "kind": period.kind,
        "from": period.first.isoformat(),
        "as_of": period.end.isoformat(),
        "previous_period": before.code,
    }
    if period.kind == "month":  # the monthly bulletin's own names (issue 6), kept
        doc |= {"month": period.code, "previous_month": before.code}
    return doc | {
        "weights": {k: config.weights.get(k, 0.0) for k in PARTS},
        "alarm_minutes": {"target": config.alarm_target_min, "limit": config.alarm_limit_min},
        "min_alarms": config.min_alarms,
        "towns": towns,
    }
