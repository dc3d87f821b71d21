"""The `grids` import kind: supervision grid polygons, levels 1–4, and their paths."""

from __future__ import annotations

from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.importers.core import Context, Kind, Row, Writer, check_duplicates
from data_loaders.importers.fields import Col, grid_level, text
from data_loaders.store.schema import Grid
from data_loaders.store.upsert import upsert

GRID_COLUMNS = [
    Col("code", "编码", text(32), required=True, aliases=("网格编码", "grid_code")),
    Col("name", "名称", text(100), required=True, aliases=("网格名称", "grid_name")),
    Col("level", "级别", grid_level, required=True, aliases=("网格级别", "层级")),
    Col("parent_code", "上级编码", text(32), aliases=("parent", "上级网格编码")),
    Col("responsible_person", "负责人", text(50), aliases=("网格员", "责任人")),
    Col("phone", "联系电话", text(30), aliases=("电话", "手机")),
]


def prepare_grids(rows: list[Row], ctx: Context) -> Writer | None:
    """Check codes, levels and parents (by code, else by containment in the level above)."""
    check_duplicates(rows, lambda r: r["code"], "code", ctx)
    store = {g.code: g for g in ctx.session.scalars(select(Grid))}
    by_code: dict[str, tuple[int, Any]] = {c: (g.level, None) for c, g in store.items()}
    for r in rows:
        if r["code"] and r["level"]:
            by_code[r["code"]] = (r["level"], r.geometry)
    parents: dict[str, str | None] = {}
    for r in rows:
        code, level = r["code"], r["level"]
        if not code or not level or r.geometry is None:
            continue
        parent = r["parent_code"]
        if level == 1:
            parents[code] = None
            if parent:
                ctx.error(
                    r.number, "parent_code", "一级网格不应有上级", "a level-1 grid has no parent"
                )
            continue
        if parent:
            if parent not in by_code:
                ctx.error(
                    r.number,
                    "parent_code",
                    f"找不到上级网格“{parent}”",
                    f"no parent grid '{parent}'",
                )
            elif by_code[parent][0] != level - 1:
                ctx.error(
                    r.number,
                    "parent_code",
                    f"上级网格“{parent}”不是 {level - 1} 级",
                    f"parent '{parent}' is not level {level - 1}",
                )
            parents[code] = parent
        else:
            parents[code] = _parent_by_containment(r, ctx, store, rows)
    if ctx.errors:
        return None

    def write(session: Session) -> tuple[int, int]:
        existing = set(store)
        values = []
        for r in rows:
            minx, miny, maxx, maxy = r.geometry.bounds
            values.append(
                {
                    "code": r["code"],
                    "name": r["name"],
                    "level": r["level"],
                    "path": "",
                    "geometry": shapely.to_wkb(r.geometry),
                    "min_lon": minx,
                    "min_lat": miny,
                    "max_lon": maxx,
                    "max_lat": maxy,
                    "responsible_person": r["responsible_person"],
                    "phone": r["phone"],
                }
            )
        upsert(session, Grid, values, ["code"])
        ids = dict(session.execute(select(Grid.code, Grid.id)).all())
        for code, parent in parents.items():
            session.execute(
                Grid.__table__.update()
                .where(Grid.code == code)
                .values(parent_id=ids[parent] if parent else None)
            )
        repath_grids(session)
        inserted = sum(1 for r in rows if r["code"] not in existing)
        return inserted, len(rows) - inserted

    return write


def _parent_by_containment(
    row: Row, ctx: Context, store: dict[str, Grid], rows: list[Row]
) -> str | None:
    """The grid one level up (in this file or the store) containing this grid's inner point."""
    level = row["level"]
    point = row.geometry.representative_point()
    candidates = [
        (r["code"], r.geometry) for r in rows if r["level"] == level - 1 and r.geometry is not None
    ]
    if not candidates:
        candidates = [
            (c, shapely.from_wkb(g.geometry))
            for c, g in store.items()
            if g.level == level - 1 and g.geometry
        ]
    for code, geom in candidates:
        if geom.contains(point):
            return code
    ctx.error(
        row.number,
        "parent_code",
        f"没有上级编码，且没有 {level - 1} 级网格包含它",
        f"no parent code and no level-{level - 1} grid contains it",
    )
    return None


def repath_grids(session: Session) -> None:
    """Recompute every grid's materialized path from the parent links."""
    rows = session.execute(select(Grid.id, Grid.code, Grid.parent_id, Grid.path)).all()
    by_id = {r.id: r for r in rows}
    memo: dict[int, str] = {}

    def path_of(gid: int, depth: int = 0) -> str:
        if gid in memo:
            return memo[gid]
        r = by_id[gid]
        if depth > 10:
            raise ValueError(f"grid {r.code} is its own ancestor")
        base = path_of(r.parent_id, depth + 1) if r.parent_id else "/"
        memo[gid] = f"{base}{r.code}/"
        return memo[gid]

    changes = [{"gid": r.id, "p": path_of(r.id)} for r in rows if path_of(r.id) != r.path]
    if changes:
        table = Grid.__table__
        from sqlalchemy import bindparam

        session.execute(
            table.update().where(table.c.id == bindparam("gid")).values(path=bindparam("p")),
            changes,
        )


KIND = Kind(
    "grids", GRID_COLUMNS, prepare_grids, "polygon", "supervision grid polygons, levels 1–4"
)
