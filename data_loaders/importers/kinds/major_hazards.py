"""The `major-hazards` import kind: major hazards, one row per substance."""

from __future__ import annotations

import csv
from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from data_loaders import vocab
from data_loaders.files import FileProblem
from data_loaders.importers.core import Context, Kind, Row, Writer, check_duplicates, enterprise_ids
from data_loaders.importers.fields import Col, choice, credit_code, integer, number, text
from data_loaders.rules.gb18218 import grade, load_substances
from data_loaders.store.schema import HazardSubstance, MajorHazard

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
    ents = enterprise_ids(rows, ctx, required=True)
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


KIND = Kind(
    "major-hazards",
    HAZARD_COLUMNS,
    prepare_major_hazards,
    None,
    "major hazards, one row per substance",
)
