"""The `resources` import kind: emergency resources (应急资源) at a point."""

from __future__ import annotations

import re

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
from data_loaders.importers.fields import (
    LAT,
    LON,
    Col,
    FieldError,
    boolean,
    choice,
    described,
    integer,
    text,
)
from data_loaders.store.schema import Resource
from data_loaders.store.upsert import upsert

ITEM_MAX = 10_000_000  # units of one item in one store
ITEMS_MAX = 4000  # characters of a store's normalised list


def items(value: str) -> str:
    """A store's items as name:quantity pairs separated by ; (or ；，、 or line breaks);
    each quantity a whole number ≥ 0. Stored as 帐篷:200;救生衣:500."""
    out: dict[str, int] = {}
    for part in re.split(r"[;；，、|\n]+", value):
        part = part.strip()
        if not part:
            continue
        name, sep, qty = part.replace("：", ":").rpartition(":")
        name = name.strip()
        if not sep or not name:
            raise FieldError(
                f"“{part}”应为 名称:数量（如 帐篷:200）",
                f"'{part}' should be name:quantity (e.g. 帐篷:200)",
            )
        if len(name) > 50:
            raise FieldError(f"物资名称“{name[:20]}…”超过 50 个字符", "an item name is too long")
        try:
            n = integer(0, ITEM_MAX)(qty.strip())
        except FieldError as exc:
            raise FieldError(
                f"“{name}”的数量：{exc.zh}", f"quantity of '{name}': {exc.en}"
            ) from None
        if name in out:
            raise FieldError(f"物资“{name}”重复", f"item '{name}' is listed twice")
        out[name] = n
    if not out:
        raise FieldError("没有物资（如 帐篷:200）", "no items (e.g. 帐篷:200)")
    stored = ";".join(f"{k}:{v}" for k, v in out.items())
    if len(stored) > ITEMS_MAX:
        raise FieldError(f"超过 {ITEMS_MAX} 个字符", f"longer than {ITEMS_MAX} characters")
    return stored


described(
    items,
    "items as name:whole number ≥ 0, separated by ; (e.g. 帐篷:200;救生衣:500)",
)

RESOURCE_COLUMNS = [
    Col("code", "编码", text(40), required=True, aliases=("资源编码", "编号")),
    Col("name", "名称", text(200), required=True, aliases=("资源名称", "单位名称")),
    Col(
        "type",
        "类型",
        choice(vocab.RESOURCE_TYPES),
        required=True,
        aliases=("资源类型", "类别"),
    ),
    LON,
    LAT,
    Col("address", "地址", text(300), aliases=("详细地址",)),
    Col("contact", "联系人", text(50), aliases=("负责人",)),
    Col("phone", "联系电话", text(30), aliases=("电话", "手机")),
    Col("members", "人数", integer(1, 10_000), aliases=("队员人数", "队伍人数")),
    Col("speciality", "专长", text(100), aliases=("专业", "专业领域", "specialty")),
    Col("equipment", "装备", text(2000), aliases=("主要装备", "装备情况")),
    Col("items", "物资", items, aliases=("储备物资", "物资清单")),
    Col("capacity", "容纳人数", integer(1, 1_000_000), aliases=("可容纳人数",)),
    Col("is_open", "是否开放", boolean, aliases=("开放", "open")),
    Col("beds", "床位", integer(0, 20_000), aliases=("床位数",)),
    Col("ambulances", "救护车", integer(0, 1000), aliases=("救护车数",)),
]

# The columns only some types have a use for, and the types that have.
TYPE_COLUMNS: dict[str, tuple[str, ...]] = {
    "members": ("rescue_team", "fire_station"),
    "speciality": ("rescue_team", "fire_station", "expert"),
    "equipment": ("rescue_team", "fire_station"),
    "items": ("material_store",),
    "capacity": ("shelter",),
    "is_open": ("shelter",),
    "beds": ("medical",),
    "ambulances": ("medical",),
}
COMMON = ("address", "contact", "phone")


def prepare_resources(rows: list[Row], ctx: Context) -> Writer | None:
    """Check codes, types and positions; a column the row's type has no use for is an error."""
    check_duplicates(rows, lambda r: r["code"], "code", ctx)
    zh_of = {c.name: c.zh for c in RESOURCE_COLUMNS}
    for r in rows:
        kind = r["type"]
        if kind is None:
            continue
        type_zh = vocab.RESOURCE_TYPES[kind][0]
        for column, types in TYPE_COLUMNS.items():
            if r[column] is not None and kind not in types:
                ctx.error(
                    r.number,
                    column,
                    f"{type_zh}不填“{zh_of[column]}”",
                    f"a {kind} has no {column}",
                )
    locate_points(rows, ctx)
    if ctx.errors:
        return None

    def write(session: Session) -> tuple[int, int]:
        codes = [r["code"] for r in rows]
        before = existing(session, Resource.code, codes)
        values = []
        for r in rows:
            v = {k: r[k] for k in ("code", "name", "type", "lon", "lat", "grid_id")}
            for column in COMMON:
                if column in ctx.headers:
                    v[column] = r[column]
            for column, types in TYPE_COLUMNS.items():
                # A column the file has is written; one the type has no use for is cleared.
                if column in ctx.headers or r["type"] not in types:
                    v[column] = r[column]
            values.append(v)
        upsert(session, Resource, values, ["code"])
        inserted = sum(1 for c in codes if c not in before)
        return inserted, len(rows) - inserted

    return write


KIND = Kind(
    "resources",
    RESOURCE_COLUMNS,
    prepare_resources,
    "point",
    "emergency resources (应急资源): teams, stores, shelters, fire stations, medical units, "
    "experts",
)
