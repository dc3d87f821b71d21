"""What the wall screen (指挥大屏) reads beside the command page's models: its tour (the steps a
playlist names, with the towns and the incidents under way), the alarms waiting to take the
screen over, and whether the ingest is still beating."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.store import get_meta
from data_loaders.store.schema import Alarm, Grid, Incident
from read_models.alarms import alarm_item, alarm_select, on_screens

# The playlist's words: a scope (the county, every town, one grid) or a panel of the county.
SCOPE_STEPS = ("county", "towns")
PANEL_STEPS = ("dangers", "campaigns", "committee", "ranking")
DEFAULT_TOUR = "county,towns,dangers,campaigns,committee,ranking"
MAX_STEPS = 60  # a playlist longer than an hour of 60-second steps is a mistake
GRID_STEP = re.compile(r"grid:(\d{1,20})")


@dataclass(frozen=True)
class Step:
    """One step of the tour: what it shows (`kind`: county, town, grid, a panel, incident),
    the grid whose view the map takes (None: the county), its name, the incident's id."""

    kind: str
    grid: str | None = None
    name: str = ""
    incident: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The step as JSON."""
        return {"kind": self.kind, "grid": self.grid, "name": self.name, "incident": self.incident}


def parse_tour(text: str | None) -> list[str]:
    """The playlist's words, in order (unknown ones dropped; none left: the default tour)."""
    words = [w.strip() for w in (text or "").split(",")][:MAX_STEPS]
    known = [
        w for w in words if w in SCOPE_STEPS or w in PANEL_STEPS or GRID_STEP.fullmatch(w or "")
    ]
    return known or DEFAULT_TOUR.split(",")


def load_tour(session: Session, text: str | None) -> list[Step]:
    """The tour's steps for a playlist: each incident under way first (a drill's too: the
    wall shows it as the laptops do), then the playlist's, `towns` made one step per town."""
    steps = [
        Step("incident", None, i.title or "", i.id)
        for i in session.scalars(
            select(Incident).where(Incident.state == "open").order_by(Incident.opened_at).limit(5)
        )
    ]
    grids = session.execute(
        select(Grid.code, Grid.name, Grid.level).where(Grid.level <= 2).order_by(Grid.code)
    ).all()
    county = next((g for g in grids if g.level == 1), None)
    towns = [g for g in grids if g.level == 2]
    for word in parse_tour(text):
        if word == "county":
            steps.append(Step("county", None, county.name if county else ""))
        elif word == "towns":
            steps += [Step("town", g.code, g.name) for g in towns]
        elif word in PANEL_STEPS:
            steps.append(Step(word, None, county.name if county else ""))
        else:
            code = GRID_STEP.fullmatch(word).group(1)  # type: ignore[union-attr]
            name = session.scalar(select(Grid.name).where(Grid.code == code))
            if name is not None:  # a grid that is gone is no step
                steps.append(Step("town", code, name))
    return steps[:MAX_STEPS] or [Step("county", None, county.name if county else "")]


def load_takeover_queue(session: Session, limit: int = 100) -> list[dict[str, Any]]:
    """The alarms that take the wall over until someone acknowledges them: open (not yet
    acknowledged) level-2 or escalated ones, a running drill's too (marked), most serious
    first (escalated, then level 2, then the oldest waiting longest)."""
    rows = session.execute(
        alarm_select()
        .where(
            on_screens(True),
            Alarm.state == "open",
            (Alarm.level == 2) | Alarm.escalated.is_(True),
        )
        .order_by(Alarm.escalated.desc(), Alarm.level.desc(), Alarm.opened_at, Alarm.id)
        .limit(limit)
    ).all()
    keep = ("id", "level", "escalated", "state", "opened_at", "is_drill", "credit_code")
    return [{k: item[k] for k in keep} for item in (alarm_item(*r) for r in rows)]


def ingest_heartbeat(session: Session, now: datetime, beat_s: int) -> dict[str, Any]:
    """The ingest's last heartbeat and whether it has stopped (older than 3 beats, or never
    seen): the wall then says 数据中断 since when."""
    raw = get_meta(session, "ingest_heartbeat") or None
    at = datetime.fromisoformat(raw) if raw else None
    age = (now - at).total_seconds() if at else None
    return {
        "at": raw,
        "age_s": age,
        "beat_s": beat_s,
        "stale": age is None or age > 3 * beat_s,
    }
