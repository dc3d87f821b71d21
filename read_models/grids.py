"""Grids: the scope every figure is counted in (UnknownGrid for a code that is no grid), the
chain from the county down to a grid, figures rolled up through the levels, and the
choropleth's metrics of every grid.

A grid's figures roll up everything inside it: rows are scoped by the materialized grid path
(`grids.path LIKE '/…/CODE/%'`). The county (a level-1 grid, or no grid given) takes every row,
including rows with no grid. Drill data never counts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from data_loaders.rules.metrics import RECTIFIED_STATUSES, rate
from data_loaders.store.schema import Alarm, Enterprise, Grid, HiddenDanger, Sensor
from read_models.alarms import OPEN_ALARM_STATES

FEW_GRIDS = 500  # below this many, roll_up_children reads only their paths


class UnknownGrid(LookupError):
    """No grid has the code asked for."""


class Scope:
    """Which rows a query counts: the whole county, or those inside one grid."""

    def __init__(self, grid: Grid | None, whole: bool) -> None:
        self.grid = grid
        self.whole = whole

    def grid_ids(self) -> Select[tuple[int]]:
        """The ids of the scope's grid and every grid inside it."""
        assert self.grid is not None
        return select(Grid.id).where(Grid.path.like(f"{self.grid.path}%"))

    def where(self, grid_col: Any) -> ColumnElement[bool]:
        """A condition keeping rows whose grid column lies in the scope."""
        if self.whole:
            return and_(True)
        return grid_col.in_(self.grid_ids())

    def where_enterprise(self, enterprise_col: Any) -> ColumnElement[bool]:
        """A condition keeping rows whose enterprise lies in the scope."""
        if self.whole:
            return and_(True)
        return enterprise_col.in_(select(Enterprise.id).where(self.where(Enterprise.grid_id)))


def resolve_scope(session: Session, code: str | None = None) -> Scope:
    """The scope for a grid code (None: the county). Raises UnknownGrid."""
    if code:
        grid = session.scalar(select(Grid).where(Grid.code == code))
        if grid is None:
            raise UnknownGrid(code)
        roots = session.scalar(
            select(func.count()).select_from(Grid).where(Grid.parent_id.is_(None))
        )
        return Scope(grid, whole=grid.parent_id is None and roots == 1)
    root = session.scalar(
        select(Grid).where(Grid.parent_id.is_(None)).order_by(Grid.level, Grid.id)
    )
    return Scope(root, whole=True)


def load_grid_chain(session: Session, code: str | None) -> list[dict[str, Any]]:
    """The grid and its ancestors, root first: code, name, level, bounds. Raises UnknownGrid."""
    if not code:
        root = session.scalar(
            select(Grid).where(Grid.parent_id.is_(None)).order_by(Grid.level, Grid.id)
        )
        return [_grid_item(root)] if root else []
    grid = session.scalar(select(Grid).where(Grid.code == code))
    if grid is None:
        raise UnknownGrid(code)
    codes = [c for c in grid.path.split("/") if c]
    found = {g.code: g for g in session.scalars(select(Grid).where(Grid.code.in_(codes)))}
    return [_grid_item(found[c]) for c in codes if c in found]


def _grid_item(g: Grid) -> dict[str, Any]:
    return {
        "code": g.code,
        "name": g.name,
        "level": g.level,
        "bounds": [[g.min_lat, g.min_lon], [g.max_lat, g.max_lon]],
    }


def roll_up_children(
    session: Session, parent: Grid | None, per_grid: dict[Any, dict[str, Any]], keys: tuple
) -> list[dict[str, Any]]:
    """Figures of each child grid of `parent`: the sums of `keys` over every grid inside it
    (per_grid holds each grid id's own figures). No parent (an empty store): no children."""
    if parent is None:
        return []
    children = session.execute(
        select(Grid.code, Grid.name).where(Grid.parent_id == parent.id).order_by(Grid.code)
    ).all()
    out = {c.code: {"code": c.code, "name": c.name, **dict.fromkeys(keys, 0)} for c in children}
    paths_of = select(Grid.id, Grid.path)
    if len(per_grid) <= FEW_GRIDS:  # a few grids (the alarms'): read only their paths
        paths_of = paths_of.where(Grid.id.in_(list(per_grid)))
    paths = dict(session.execute(paths_of).all())
    for grid_id, figures in per_grid.items():
        codes = [x for x in (paths.get(grid_id) or "").split("/") if x]
        hit = next((x for x in codes if x in out), None)
        if hit:
            for k in keys:
                out[hit][k] += figures[k]
    return list(out.values())


def _grid_roll_up(session: Session) -> tuple[list[str], Callable[[int | None], list[str]]]:
    """Every grid's code, and a grid id's codes from the root down (itself included), for
    rolling a figure counted per grid up through the levels."""
    grids = session.execute(select(Grid.id, Grid.code, Grid.path)).all()
    ancestors = {g.id: [c for c in g.path.split("/") if c] for g in grids}
    return [g.code for g in grids], lambda grid_id: ancestors.get(grid_id, [])


def load_grid_metrics(session: Session, today: date) -> dict[str, dict[str, float]]:
    """Choropleth metrics of the ledger for every grid, rolled up through the levels, keyed
    by grid code: open_dangers, rate (rectification), red_yellow (enterprises). Open alarms
    move far more often and are counted apart (load_grid_alarm_counts)."""
    codes, up = _grid_roll_up(session)
    totals: dict[str, dict[str, float]] = {
        code: {"found": 0, "rectified": 0, "open_dangers": 0, "red_yellow": 0} for code in codes
    }

    def add(grid_id: int | None, key: str, n: int) -> None:
        for code in up(grid_id):
            if code in totals:
                totals[code][key] += n

    rectified = HiddenDanger.status.in_(RECTIFIED_STATUSES)
    danger_rows = session.execute(
        select(HiddenDanger.grid_id, func.count(), func.sum(case((rectified, 1), else_=0)))
        .where(HiddenDanger.is_drill.is_(False))
        .group_by(HiddenDanger.grid_id)
    ).all()
    for grid_id, found, done in danger_rows:
        add(grid_id, "found", int(found))
        add(grid_id, "rectified", int(done or 0))
        add(grid_id, "open_dangers", int(found) - int(done or 0))
    risky = session.execute(
        select(Enterprise.grid_id, func.count())
        .where(Enterprise.safety_class.in_(("red", "yellow")))
        .group_by(Enterprise.grid_id)
    ).all()
    for grid_id, n in risky:
        add(grid_id, "red_yellow", int(n))
    for t in totals.values():
        t["rate"] = rate(int(t["rectified"]), int(t["found"]))
    return totals


def load_grid_alarm_counts(session: Session) -> dict[str, int]:
    """Open alarms (drills left out) of every grid, rolled up through the levels."""
    codes, up = _grid_roll_up(session)
    counts = dict.fromkeys(codes, 0)
    alarms = session.execute(
        select(Enterprise.grid_id, func.count())
        .select_from(Alarm)
        .join(Sensor, Sensor.id == Alarm.sensor_id)
        .join(Enterprise, Enterprise.id == Sensor.enterprise_id)
        .where(Alarm.is_drill.is_(False), Alarm.state.in_(OPEN_ALARM_STATES))
        .group_by(Enterprise.grid_id)
    ).all()
    for grid_id, n in alarms:
        for code in up(grid_id):
            if code in counts:
                counts[code] += int(n)
    return counts
