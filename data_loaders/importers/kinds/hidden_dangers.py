"""The `hidden-dangers` import kind: the hidden-danger ledger."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders import vocab
from data_loaders.importers.core import (
    Context,
    Kind,
    Row,
    Writer,
    check_duplicates,
    enterprise_ids,
    existing,
    grid_by_code_or_name,
    locate_points,
)
from data_loaders.importers.fields import CREDIT, GRID, LAT, LON, Col, a_date, choice, text
from data_loaders.store.schema import Campaign, Enterprise, HiddenDanger
from data_loaders.store.upsert import upsert

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
    ents = enterprise_ids(rows, ctx, required=False)
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
    grids = grid_by_code_or_name(ctx, rows, "grid_code", (1, 2, 3, 4))
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
        before = existing(session, HiddenDanger.code, codes)
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


KIND = Kind(
    "hidden-dangers", DANGER_COLUMNS, prepare_hidden_dangers, "point", "the hidden-danger ledger"
)
