"""The importable kinds: their columns (English or Chinese headers), checks and writers."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import shapely
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from data_loaders import vocab
from data_loaders.files import FileProblem
from data_loaders.importers.core import Context, Kind, Row, Writer, check_duplicates, locate_points
from data_loaders.importers.fields import (
    Col,
    a_date,
    boolean,
    choice,
    credit_code,
    described,
    grid_level,
    integer,
    link,
    number,
    tags,
    text,
)
from data_loaders.rules.gb18218 import grade, load_substances
from data_loaders.rules.thresholds import DEFAULTS, check_order
from data_loaders.store.schema import (
    Campaign,
    CampaignTask,
    Committee,
    CommitteeTask,
    Enterprise,
    Grid,
    HazardSubstance,
    HiddenDanger,
    MajorHazard,
    SafetyClassChange,
    Sensor,
)
from data_loaders.store.upsert import upsert

# --- shared columns -----------------------------------------------------------------------
CREDIT = Col("credit_code", "统一社会信用代码", credit_code, aliases=("信用代码", "uscc"))
LON = Col(
    "lon",
    "经度",
    described(number(), "longitude, WGS84 (or x in the --crs CRS)"),
    aliases=("longitude", "x", "lng"),
)
LAT = Col(
    "lat",
    "纬度",
    described(number(), "latitude, WGS84 (or y in the --crs CRS)"),
    aliases=("latitude", "y"),
)
GRID = Col("grid_code", "网格编码", text(32), aliases=("grid", "所属网格"))
TOWN = Col("town", "镇街", text(100), aliases=("town_code", "所属镇街", "乡镇"))


def _existing(session: Session, column: Any, keys: list[Any], value: Any = None) -> dict[Any, Any]:
    """Map natural key -> row id (or `value` column) for the keys that exist already."""
    out: dict[Any, Any] = {}
    value = value if value is not None else column.class_.id
    for i in range(0, len(keys), 5000):
        stmt = select(column, value).where(column.in_(keys[i : i + 5000]))
        out.update(session.execute(stmt).all())
    return out


def _enterprise_ids(rows: list[Row], ctx: Context, required: bool) -> dict[str, int]:
    """Credit code -> enterprise id; reports codes the store does not know."""
    codes = sorted({r["credit_code"] for r in rows if r["credit_code"]})
    known = _existing(ctx.session, Enterprise.credit_code, codes)
    for row in rows:
        code = row["credit_code"]
        if code and code not in known:
            ctx.error(
                row.number,
                "credit_code",
                f"库中没有该企业（{code}），请先导入企业",
                f"no enterprise {code} in the store: import enterprises first",
            )
        elif required and not code and "credit_code" in ctx.headers:
            pass  # the empty cell is already reported
    return known


def _grid_by_code_or_name(
    ctx: Context, rows: list[Row], column: str, levels: tuple[int, ...]
) -> dict[str, int]:
    """Resolve a grid given by code or by name (e.g. a town 塘下镇) to its id."""
    values = sorted({r[column] for r in rows if r[column]})
    if not values:
        return {}
    found: dict[str, int] = {}
    grids = ctx.session.execute(
        select(Grid.id, Grid.code, Grid.name).where(Grid.level.in_(levels))
    ).all()
    by_code = {g.code: g.id for g in grids}
    by_name: dict[str, list[int]] = defaultdict(list)
    for g in grids:
        by_name[g.name].append(g.id)
    for v in values:
        if v in by_code:
            found[v] = by_code[v]
        elif len(by_name.get(v, [])) == 1:
            found[v] = by_name[v][0]
    for row in rows:
        v = row[column]
        if v and v not in found:
            ctx.error(row.number, column, f"找不到网格“{v}”", f"no grid '{v}'")
    return found


# --- grids --------------------------------------------------------------------------------
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


# --- enterprises --------------------------------------------------------------------------
ENTERPRISE_COLUMNS = [
    Col(
        "credit_code", "统一社会信用代码", credit_code, required=True, aliases=("信用代码", "uscc")
    ),
    Col("name", "企业名称", text(200), required=True, aliases=("名称", "单位名称")),
    Col("industry", "行业", text(50), aliases=("所属行业", "行业类别")),
    Col("address", "地址", text(300), aliases=("详细地址", "经营地址")),
    Col("employees", "从业人数", integer(0, 1_000_000), aliases=("员工人数", "职工人数")),
    Col(
        "safety_class",
        "四色等级",
        choice(vocab.SAFETY_CLASSES),
        required=True,
        aliases=("四色分类", "安全等级", "class"),
    ),
    Col("risk_tags", "风险标签", tags, aliases=("tags", "风险类型")),
    LON,
    LAT,
    Col("mutual_aid", "互助联盟", boolean, aliases=("互助联盟成员",)),
    Col("trusteeship", "托管", boolean, aliases=("安全托管", "托管服务")),
    Col("last_self_report", "最近自查自报", a_date, aliases=("自查自报日期",)),
]


def prepare_enterprises(rows: list[Row], ctx: Context) -> Writer | None:
    """Check codes, classes, tags and positions; place each in the grid that contains it."""
    check_duplicates(rows, lambda r: r["credit_code"], "credit_code", ctx)
    locate_points(rows, ctx)
    if ctx.errors:
        return None

    def write(session: Session) -> tuple[int, int]:
        codes = [r["credit_code"] for r in rows]
        before = _existing(session, Enterprise.credit_code, codes, Enterprise.safety_class)
        values = []
        for r in rows:
            v = {
                k: r[k]
                for k in (
                    "credit_code",
                    "name",
                    "industry",
                    "address",
                    "employees",
                    "safety_class",
                    "lon",
                    "lat",
                    "grid_id",
                )
            }
            v["risk_tags"] = vocab.join_tags(r["risk_tags"] or [])
            for flag in ("mutual_aid", "trusteeship", "last_self_report"):
                if flag in ctx.headers:
                    v[flag] = (
                        r[flag]
                        if r[flag] is not None
                        else (None if flag == "last_self_report" else False)
                    )
            values.append(v)
        upsert(session, Enterprise, values, ["credit_code"])
        ids = _existing(session, Enterprise.credit_code, codes)
        changes = [
            {
                "enterprise_id": ids[r["credit_code"]],
                "from_class": before.get(r["credit_code"]),
                "to_class": r["safety_class"],
                "changed_on": ctx.today,
                "reason": "导入 / import",
            }
            for r in rows
            if before.get(r["credit_code"]) != r["safety_class"]
        ]
        if changes:
            session.execute(SafetyClassChange.__table__.insert(), changes)
        inserted = sum(1 for c in codes if c not in before)
        return inserted, len(rows) - inserted

    return write


# --- hidden dangers -----------------------------------------------------------------------
DANGER_COLUMNS = [
    Col("code", "隐患编号", text(40), required=True, aliases=("编号",)),
    CREDIT,
    Col("source", "隐患来源", choice(vocab.DANGER_SOURCES), required=True, aliases=("来源",)),
    Col("category", "隐患类别", text(50), aliases=("类别",)),
    Col("severity", "隐患等级", choice(vocab.SEVERITIES), aliases=("等级", "隐患级别")),
    Col("description", "隐患描述", text(2000), aliases=("描述", "隐患内容")),
    Col("found_on", "发现日期", a_date, required=True, aliases=("排查日期", "发现时间")),
    Col("deadline", "整改期限", a_date, aliases=("整改时限",)),
    Col("rectified_on", "整改完成日期", a_date, aliases=("整改日期",)),
    Col("accepted_on", "验收日期", a_date, aliases=("销号日期",)),
    Col("status", "状态", choice(vocab.DANGER_STATUSES), aliases=("整改状态",)),
    Col("campaign", "专项整治", text(100), aliases=("所属专项", "campaign_code")),
    Col("listing_level", "挂牌级别", choice(vocab.LISTING_LEVELS), aliases=("挂牌督办级别",)),
    Col("listing_body", "挂牌单位", text(100), aliases=("督办单位",)),
    GRID,
    LON,
    LAT,
]


def prepare_hidden_dangers(rows: list[Row], ctx: Context) -> Writer | None:
    """Check dates, statuses, listings; place by enterprise, position or grid code."""
    check_duplicates(rows, lambda r: r["code"], "code", ctx)
    ents = _enterprise_ids(rows, ctx, required=False)
    ent_grid = (
        dict(
            ctx.session.execute(
                select(Enterprise.id, Enterprise.grid_id).where(
                    Enterprise.id.in_(list(ents.values()))
                )
            ).all()
        )
        if ents
        else {}
    )
    grids = _grid_by_code_or_name(ctx, rows, "grid_code", (1, 2, 3, 4))
    campaigns = _campaign_ids(ctx, rows)
    located = [
        r
        for r in rows
        if not r["credit_code"]
        and not r["grid_code"]
        and (r["lon"] is not None or r.geometry is not None)
    ]
    locate_points(located, ctx)
    for r in rows:
        if not (r["credit_code"] or r["grid_code"] or r["grid_id"]) and r not in located:
            ctx.error(
                r.number,
                "credit_code",
                "需要统一社会信用代码、网格编码或经纬度之一",
                "needs a credit code, a grid code or a position",
            )
        _check_danger_dates(r, ctx)
        if r["listing_level"] and r["severity"] != "major":
            ctx.error(
                r.number,
                "listing_level",
                "只有重大隐患才能挂牌督办",
                "only a major hidden danger can be listed",
            )
    if ctx.errors:
        return None

    def write(session: Session) -> tuple[int, int]:
        codes = [r["code"] for r in rows]
        before = _existing(session, HiddenDanger.code, codes)
        values = []
        for r in rows:
            ent = ents.get(r["credit_code"]) if r["credit_code"] else None
            grid = r["grid_id"] or grids.get(r["grid_code"]) or ent_grid.get(ent)
            values.append(
                {
                    "code": r["code"],
                    "enterprise_id": ent,
                    "grid_id": grid,
                    "source": r["source"],
                    "category": r["category"],
                    "severity": r["severity"] or "general",
                    "description": r["description"],
                    "found_on": r["found_on"],
                    "deadline": r["deadline"],
                    "rectified_on": r["rectified_on"],
                    "accepted_on": r["accepted_on"],
                    "status": r["status"] or _derived_status(r),
                    "campaign_id": campaigns.get(r["campaign"]),
                    "listing_level": r["listing_level"],
                    "listing_body": r["listing_body"],
                    "lon": r["lon"],
                    "lat": r["lat"],
                }
            )
        upsert(session, HiddenDanger, values, ["code"])
        inserted = sum(1 for c in codes if c not in before)
        return inserted, len(rows) - inserted

    return write


def _derived_status(r: Row) -> str:
    if r["accepted_on"]:
        return "accepted"
    return "rectified" if r["rectified_on"] else "rectifying"


def _check_danger_dates(r: Row, ctx: Context) -> None:
    found = r["found_on"]
    if found and found > ctx.today:
        ctx.error(r.number, "found_on", "发现日期晚于今天", "found date is in the future")
    for col in ("deadline", "rectified_on", "accepted_on"):
        if found and r[col] and r[col] < found:
            ctx.error(r.number, col, "早于发现日期", "earlier than the found date")
    for col in ("rectified_on", "accepted_on"):
        if r[col] and r[col] > ctx.today:
            ctx.error(r.number, col, "晚于今天", "is in the future")
    status = r["status"]
    if status in ("rectified", "accepted") and not r["rectified_on"]:
        ctx.error(
            r.number,
            "rectified_on",
            "已整改的隐患需要整改完成日期",
            "a rectified hidden danger needs its rectified date",
        )
    if status in ("registered", "rectifying") and r["rectified_on"]:
        ctx.error(
            r.number,
            "status",
            "有整改完成日期，状态却是未整改",
            "has a rectified date but an open status",
        )


def _campaign_ids(ctx: Context, rows: list[Row]) -> dict[str, int]:
    wanted = {r["campaign"] for r in rows if r["campaign"]}
    if not wanted:
        return {}
    found: dict[str, int] = {}
    for c in ctx.session.scalars(select(Campaign)):
        for key in (c.code, c.name):
            if key in wanted:
                found[key] = c.id
    for r in rows:
        if r["campaign"] and r["campaign"] not in found:
            ctx.error(
                r.number,
                "campaign",
                f"找不到专项整治“{r['campaign']}”",
                f"no campaign '{r['campaign']}'",
            )
    return found


# --- major hazards ------------------------------------------------------------------------
HAZARD_COLUMNS = [
    Col("credit_code", "统一社会信用代码", credit_code, required=True, aliases=("信用代码",)),
    Col("name", "名称", text(200), required=True, aliases=("危险源名称", "重大危险源名称")),
    Col("substance", "物质", text(100), required=True, aliases=("危险化学品", "物质名称")),
    Col(
        "quantity_t",
        "最大量(t)",
        number(0, 1e9),
        required=True,
        aliases=("最大储量(t)", "q", "数量(t)"),
    ),
    Col(
        "exposed_people",
        "500米内人数",
        integer(0, 10_000_000),
        required=True,
        aliases=("暴露人数", "周边500米人数"),
    ),
    Col(
        "control_status", "自动化控制", choice(vocab.CONTROL_STATUSES), aliases=("自动化控制状态",)
    ),
]


def prepare_major_hazards(rows: list[Row], ctx: Context) -> Writer | None:
    """Group substance rows into installations and grade each by GB 18218 (R is computed)."""
    try:
        table = load_substances(ctx.substances_file)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, csv.Error) as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise FileProblem(
            f"物质表 ONEMAP_SUBSTANCES_FILE（{ctx.substances_file}）无法读取，应为 CSV，列为 "
            f"name,q_threshold_t,beta,aliases：{detail}",
            f"the substance table ONEMAP_SUBSTANCES_FILE ({ctx.substances_file}) cannot be read; "
            f"it is a CSV of name,q_threshold_t,beta,aliases: {detail}",
        ) from exc
    ents = _enterprise_ids(rows, ctx, required=True)
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        if r["credit_code"] and r["name"]:
            groups[(r["credit_code"], r["name"])].append(r)
        sub = r["substance"]
        if sub and sub.lower() not in table:
            ctx.error(
                r.number,
                "substance",
                f"物质“{sub}”不在 GB 18218 物质表中（可用 ONEMAP_SUBSTANCES_FILE 扩充）",
                f"substance '{sub}' is not in the GB 18218 table "
                "(extend it with ONEMAP_SUBSTANCES_FILE)",
            )
    check_duplicates(
        rows,
        lambda r: (r["credit_code"], r["name"], (r["substance"] or "").lower()),
        "substance",
        ctx,
    )
    graded = {}
    for key, group in groups.items():
        people = {r["exposed_people"] for r in group}
        if len(people) > 1:
            ctx.error(
                group[-1].number,
                "exposed_people",
                "同一危险源的 500 米内人数不一致",
                "rows of one installation disagree on exposed people",
            )
        items = [
            (r["quantity_t"], table[r["substance"].lower()])
            for r in group
            if r["substance"] and r["substance"].lower() in table and r["quantity_t"] is not None
        ]
        if len(items) != len(group) or ctx.errors:
            continue
        g = grade([(q, s.q_threshold_t, s.beta) for q, s in items], next(iter(people)) or 0)
        if not g.is_major:
            ctx.error(
                group[0].number,
                "quantity_t",
                f"S = {g.s_value} < 1，未构成重大危险源（GB 18218-2018）",
                f"S = {g.s_value} < 1: not a major hazard (GB 18218-2018)",
            )
        graded[key] = (g, items, group)
    if ctx.errors:
        return None

    def write(session: Session) -> tuple[int, int]:
        inserted = updated = 0
        for (code, name), (g, items, group) in graded.items():
            ent = ents[code]
            hazard = session.scalar(
                select(MajorHazard).where(
                    MajorHazard.enterprise_id == ent, MajorHazard.name == name
                )
            )
            if hazard is None:
                hazard = MajorHazard(enterprise_id=ent, name=name)
                session.add(hazard)
                inserted += 1
            else:
                updated += 1
            hazard.exposed_people = group[0]["exposed_people"]
            hazard.alpha, hazard.s_value, hazard.r_value, hazard.level = (
                g.alpha,
                g.s_value,
                g.r_value,
                g.level,
            )
            hazard.control_status = (
                group[0]["control_status"] or hazard.control_status or "accepted"
            )
            session.flush()
            session.execute(delete(HazardSubstance).where(HazardSubstance.hazard_id == hazard.id))
            session.add_all(
                HazardSubstance(
                    hazard_id=hazard.id,
                    substance=s.name,
                    quantity_t=q,
                    threshold_t=s.q_threshold_t,
                    beta=s.beta,
                )
                for q, s in items
            )
        return inserted, updated

    return write


# --- sensors ------------------------------------------------------------------------------
SENSOR_COLUMNS = [
    Col("tag", "位号", text(64), required=True, aliases=("传感器编号", "点位编号", "sensor")),
    Col(
        "kind",
        "类型",
        choice(vocab.SENSOR_KINDS),
        required=True,
        aliases=("监测类型", "传感器类型"),
    ),
    Col("unit", "单位", text(20)),
    Col("level_1", "一级阈值", number(), aliases=("预警值", "预警阈值")),
    Col("level_2", "二级阈值", number(), aliases=("报警值", "报警阈值")),
    Col("direction", "报警方向", choice(vocab.DIRECTIONS), aliases=("方向",)),
    Col("stale_after_s", "离线判定(秒)", integer(10, 7 * 86400), aliases=("离线秒数",)),
    CREDIT,
    Col("device", "设备", text(100), aliases=("设备名称",)),
    Col("location", "安装位置", text(100), aliases=("位置",)),
    Col("scene", "AI场景", choice(vocab.AI_SCENES), aliases=("场景", "行为模型")),
    Col("hazard", "重大危险源", text(200), aliases=("危险源名称",)),
]


def prepare_sensors(rows: list[Row], ctx: Context) -> Writer | None:
    """Check tags, kinds and thresholds (defaults by kind), link enterprise and hazard."""
    check_duplicates(rows, lambda r: r["tag"], "tag", ctx)
    ents = _enterprise_ids(rows, ctx, required=False)
    hazards: dict[tuple[int, str], int] = {}
    if any(r["hazard"] for r in rows):
        hazards = {
            (h.enterprise_id, h.name): h.id for h in ctx.session.scalars(select(MajorHazard))
        }
    for r in rows:
        kind = r["kind"]
        if not kind:
            continue
        d = DEFAULTS[kind]
        r.values.setdefault("direction", d.direction)
        if r["level_1"] is None and r["level_2"] is None:
            r.values["level_1"], r.values["level_2"] = d.level_1, d.level_2
        problem = check_order(r["level_1"], r["level_2"], r["direction"])
        if problem:
            ctx.error(r.number, "level_2", f"二级阈值应比一级阈值更严重（{problem}）", problem)
        if kind == "ai_video" and not r["scene"]:
            ctx.error(
                r.number,
                "scene",
                "AI 视频点位需要场景（吸烟、烟火…）",
                "an AI video sensor needs its scene",
            )
        if r["hazard"]:
            ent = ents.get(r["credit_code"] or "")
            if (ent, r["hazard"]) not in hazards:
                ctx.error(
                    r.number,
                    "hazard",
                    f"该企业没有重大危险源“{r['hazard']}”",
                    f"the enterprise has no major hazard '{r['hazard']}'",
                )
    if ctx.errors:
        return None

    def write(session: Session) -> tuple[int, int]:
        tags_ = [r["tag"] for r in rows]
        before = _existing(session, Sensor.tag, tags_)
        values = []
        for r in rows:
            ent = ents.get(r["credit_code"] or "")
            values.append(
                {
                    "tag": r["tag"],
                    "kind": r["kind"],
                    "scene": r["scene"],
                    "unit": r["unit"] or DEFAULTS[r["kind"]].unit,
                    "level_1": r["level_1"],
                    "level_2": r["level_2"],
                    "direction": r["direction"],
                    "stale_after_s": r["stale_after_s"]
                    or (3600 if r["kind"] == "ai_video" else 300),
                    "enterprise_id": ent,
                    "device": r["device"],
                    "location": r["location"],
                    "hazard_id": hazards.get((ent, r["hazard"])) if r["hazard"] else None,
                }
            )
        upsert(session, Sensor, values, ["tag"])
        inserted = sum(1 for t in tags_ if t not in before)
        return inserted, len(rows) - inserted

    return write


# --- campaign and committee tasks ---------------------------------------------------------
TASK_STATUS = choice(vocab.TASK_STATUSES)
CAMPAIGN_TASK_COLUMNS = [
    Col("campaign", "专项整治", text(100), required=True, aliases=("专项名称", "campaign_code")),
    Col("code", "任务编号", text(40), required=True, aliases=("编号",)),
    Col("title", "任务内容", text(300), required=True, aliases=("任务名称", "任务")),
    Col("owner_unit", "责任单位", text(100), aliases=("牵头单位",)),
    TOWN,
    CREDIT,
    Col("due_on", "完成时限", a_date, aliases=("截止日期", "期限")),
    Col("status", "状态", TASK_STATUS, aliases=("完成情况",)),
    Col("progress", "进度(%)", integer(0, 100), aliases=("进度",)),
    Col("done_on", "完成日期", a_date),
    Col("campaign_start", "专项开始日期", a_date),
    Col("campaign_end", "专项结束日期", a_date),
]


def _check_task(r: Row, ctx: Context) -> None:
    if r["status"] == "done" and r["progress"] is not None and r["progress"] != 100:
        ctx.error(r.number, "progress", "已完成的任务进度应为 100", "a done task has progress 100")
    if r["done_on"] and r["status"] not in (None, "done"):
        ctx.error(
            r.number, "status", "有完成日期，状态却不是已完成", "has a done date but is not done"
        )
    if r["done_on"] and r["done_on"] > ctx.today:
        ctx.error(r.number, "done_on", "晚于今天", "is in the future")


def _task_values(r: Row) -> dict[str, Any]:
    status = r["status"] or ("done" if r["done_on"] else "not_started")
    progress = r["progress"] if r["progress"] is not None else (100 if status == "done" else 0)
    return {
        "code": r["code"],
        "title": r["title"],
        "owner_unit": r["owner_unit"],
        "due_on": r["due_on"],
        "status": status,
        "progress": progress,
        "done_on": r["done_on"],
    }


def prepare_campaign_tasks(rows: list[Row], ctx: Context) -> Writer | None:
    """Tasks of campaigns (a campaign named for the first time is created)."""
    check_duplicates(rows, lambda r: r["code"], "code", ctx)
    towns = _grid_by_code_or_name(ctx, rows, "town", (2,))
    ents = _enterprise_ids(rows, ctx, required=False)
    for r in rows:
        _check_task(r, ctx)
    if ctx.errors:
        return None

    def write(session: Session) -> tuple[int, int]:
        campaigns = {c.code: c for c in session.scalars(select(Campaign))}
        campaigns.update({c.name: c for c in list(campaigns.values())})
        for r in rows:
            name = r["campaign"]
            if name not in campaigns:
                c = Campaign(
                    code=name[:32],
                    name=name,
                    starts_on=r["campaign_start"],
                    ends_on=r["campaign_end"],
                )
                session.add(c)
                session.flush()
                campaigns[name] = c
                ctx.notes.append(f"新建专项整治 / new campaign: {name}")
        codes = [r["code"] for r in rows]
        before = _existing(session, CampaignTask.code, codes)
        values = [
            _task_values(r)
            | {
                "campaign_id": campaigns[r["campaign"]].id,
                "grid_id": towns.get(r["town"]),
                "enterprise_id": ents.get(r["credit_code"] or ""),
            }
            for r in rows
        ]
        upsert(session, CampaignTask, values, ["code"])
        inserted = sum(1 for c in codes if c not in before)
        return inserted, len(rows) - inserted

    return write


COMMITTEE_TASK_COLUMNS = [
    Col("committee", "专委会", text(100), required=True, aliases=("专业委员会", "committee_code")),
    Col("code", "任务编号", text(40), required=True, aliases=("编号",)),
    Col("title", "任务内容", text(300), required=True, aliases=("任务名称", "任务")),
    Col("owner_unit", "责任单位", text(100), aliases=("牵头单位",)),
    TOWN,
    Col("due_on", "完成时限", a_date, aliases=("截止日期", "期限")),
    Col("status", "状态", TASK_STATUS, aliases=("完成情况",)),
    Col("progress", "进度(%)", integer(0, 100), aliases=("进度",)),
    Col("done_on", "完成日期", a_date),
    Col("note", "进展情况", text(2000), aliases=("备注", "进展")),
    Col("evidence_url", "佐证材料", link, aliases=("佐证链接", "evidence")),
]


def prepare_committee_tasks(rows: list[Row], ctx: Context) -> Writer | None:
    """Tasks of specialist committees, matched by code, full name or short name (道路交通)."""
    check_duplicates(rows, lambda r: r["code"], "code", ctx)
    towns = _grid_by_code_or_name(ctx, rows, "town", (2,))
    committees = list(ctx.session.scalars(select(Committee)))
    match: dict[str, int] = {}
    new: list[str] = []  # committee names not in the store: created on write
    for r in rows:
        v = r["committee"]
        if not v or v in match or v in new:
            continue
        hits = [
            c.id for c in committees if v in (c.code, c.name, c.name_en) or c.name.startswith(v)
        ]
        if len(hits) == 1:
            match[v] = hits[0]
        elif not hits:
            new.append(v)
        else:
            ctx.error(
                r.number, "committee", f"“{v}”对应多个专委会", f"'{v}' matches several committees"
            )
    for r in rows:
        _check_task(r, ctx)
    if ctx.errors:
        return None

    def write(session: Session) -> tuple[int, int]:
        for name in new:
            committee = Committee(code=name[:32], name=name)
            session.add(committee)
            session.flush()
            match[name] = committee.id
            ctx.notes.append(f"新建专委会 / new committee: {name}")
        codes = [r["code"] for r in rows]
        before = _existing(session, CommitteeTask.code, codes)
        now = datetime.now(UTC)
        values = [
            _task_values(r)
            | {
                "committee_id": match[r["committee"]],
                "grid_id": towns.get(r["town"]),
                "note": r["note"],
                "evidence_url": r["evidence_url"],
                "updated_by": "import",
                "updated_at": now,
            }
            for r in rows
        ]
        upsert(session, CommitteeTask, values, ["code"])
        inserted = sum(1 for c in codes if c not in before)
        return inserted, len(rows) - inserted

    return write


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "grids", GRID_COLUMNS, prepare_grids, "polygon", "supervision grid polygons, levels 1–4"
        ),
        Kind(
            "enterprises",
            ENTERPRISE_COLUMNS,
            prepare_enterprises,
            "point",
            "enterprises with class and position",
        ),
        Kind(
            "hidden-dangers",
            DANGER_COLUMNS,
            prepare_hidden_dangers,
            "point",
            "the hidden-danger ledger",
        ),
        Kind(
            "major-hazards",
            HAZARD_COLUMNS,
            prepare_major_hazards,
            None,
            "major hazards, one row per substance",
        ),
        Kind(
            "sensors",
            SENSOR_COLUMNS,
            prepare_sensors,
            None,
            "monitored signals and AI video scenes",
        ),
        Kind(
            "campaign-tasks",
            CAMPAIGN_TASK_COLUMNS,
            prepare_campaign_tasks,
            None,
            "special-campaign task lists",
        ),
        Kind(
            "committee-tasks",
            COMMITTEE_TASK_COLUMNS,
            prepare_committee_tasks,
            None,
            "specialist-committee tasks",
        ),
    )
}


def columns_markdown() -> str:
    """Every importable kind's accepted columns, as Markdown tables (README, `onemap columns`)."""
    out = []
    for kind in KINDS.values():
        geo = {
            "polygon": " Geometry: polygons (geographic file, or a `wkt` column in CSV/XLSX).",
            "point": " Position: point geometry, or `lon`/`lat` columns.",
        }.get(kind.geometry or "", "")
        out.append(f"#### `{kind.name}`: {kind.help}.{geo}\n")
        out.append("| column | 中文表头 | also accepted | required | accepts |")
        out.append("|---|---|---|---|---|")
        for c in kind.columns:
            also = ", ".join(c.aliases)
            need = "yes" if c.required else ""
            out.append(
                f"| `{c.name}` | {c.zh} | {also} | {need} | {getattr(c.parse, 'describe', '')} |"
            )
        out.append("")
    return "\n".join(out)
