"""The `campaign-tasks` import kind: special-campaign task lists."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.importers.core import (
    Context,
    Kind,
    Row,
    Writer,
    check_duplicates,
    check_task,
    enterprise_ids,
    existing,
    grid_by_code_or_name,
    task_values,
)
from data_loaders.importers.fields import CREDIT, TASK_STATUS, TOWN, Col, a_date, integer, text
from data_loaders.store.schema import Campaign, CampaignTask
from data_loaders.store.upsert import upsert

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


def prepare_campaign_tasks(rows: list[Row], ctx: Context) -> Writer | None:
    """Tasks of campaigns (a campaign named for the first time is created)."""
    check_duplicates(rows, lambda r: r["code"], "code", ctx)
    towns = grid_by_code_or_name(ctx, rows, "town", (2,))
    ents = enterprise_ids(rows, ctx, required=False)
    for r in rows:
        check_task(r, ctx)
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
        before = existing(session, CampaignTask.code, codes)
        values = [
            task_values(r)
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


KIND = Kind(
    "campaign-tasks",
    CAMPAIGN_TASK_COLUMNS,
    prepare_campaign_tasks,
    None,
    "special-campaign task lists",
)
