"""The `committee-tasks` import kind: specialist-committee tasks."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.importers.core import (
    Context,
    Kind,
    Row,
    Writer,
    check_duplicates,
    check_task,
    existing,
    grid_by_code_or_name,
    task_values,
)
from data_loaders.importers.fields import TASK_STATUS, TOWN, Col, a_date, integer, link, text
from data_loaders.store.schema import Committee, CommitteeTask
from data_loaders.store.upsert import upsert

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
    towns = grid_by_code_or_name(ctx, rows, "town", (2,))
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
        check_task(r, ctx)
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
        before = existing(session, CommitteeTask.code, codes)
        now = datetime.now(UTC)
        values = [
            task_values(r)
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


KIND = Kind(
    "committee-tasks",
    COMMITTEE_TASK_COLUMNS,
    prepare_committee_tasks,
    None,
    "specialist-committee tasks",
)
