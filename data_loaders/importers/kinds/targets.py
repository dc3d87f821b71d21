"""The `targets` import kind: sensitive targets (敏感目标) with the people usually there."""

from __future__ import annotations

from sqlalchemy.orm import Session

from data_loaders import vocab
from data_loaders.importers.core import (
    Context,
    Kind,
    Row,
    Writer,
    check_duplicates,
    existing,
    locate_points,
)
from data_loaders.importers.fields import LAT, LON, Col, choice, integer, text
from data_loaders.store.schema import Target
from data_loaders.store.upsert import upsert

TARGET_COLUMNS = [
    Col("code", "编码", text(40), required=True, aliases=("目标编码", "编号")),
    Col("name", "名称", text(200), required=True, aliases=("目标名称", "单位名称")),
    Col(
        "type",
        "类型",
        choice(vocab.TARGET_TYPES),
        required=True,
        aliases=("目标类型", "类别"),
    ),
    Col(
        "people",
        "人数",
        integer(0, 1_000_000),
        required=True,
        aliases=("常驻人数", "人员数量", "在场人数"),
    ),
    LON,
    LAT,
    Col("address", "地址", text(300), aliases=("详细地址",)),
    Col("contact", "联系人", text(50), aliases=("负责人",)),
    Col("phone", "联系电话", text(30), aliases=("电话", "手机")),
]


def prepare_targets(rows: list[Row], ctx: Context) -> Writer | None:
    """Check codes, types, people and positions; place each in the grid that contains it."""
    check_duplicates(rows, lambda r: r["code"], "code", ctx)
    locate_points(rows, ctx)
    if ctx.errors:
        return None

    def write(session: Session) -> tuple[int, int]:
        codes = [r["code"] for r in rows]
        before = existing(session, Target.code, codes)
        values = []
        for r in rows:
            v = {k: r[k] for k in ("code", "name", "type", "people", "lon", "lat", "grid_id")}
            for column in ("address", "contact", "phone"):
                if column in ctx.headers:
                    v[column] = r[column]
            values.append(v)
        upsert(session, Target, values, ["code"])
        inserted = sum(1 for c in codes if c not in before)
        return inserted, len(rows) - inserted

    return write


KIND = Kind(
    "targets",
    TARGET_COLUMNS,
    prepare_targets,
    "point",
    "sensitive targets (敏感目标): schools, hospitals, care homes… with the people usually there",
)
