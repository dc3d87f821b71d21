"""The `enterprises` import kind: enterprises with class and position."""

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
from data_loaders.importers.fields import (
    LAT,
    LON,
    Col,
    a_date,
    boolean,
    choice,
    credit_code,
    integer,
    tags,
    text,
)
from data_loaders.store.schema import Enterprise, SafetyClassChange
from data_loaders.store.upsert import upsert

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
        before = existing(session, Enterprise.credit_code, codes, Enterprise.safety_class)
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
        ids = existing(session, Enterprise.credit_code, codes)
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


KIND = Kind(
    "enterprises",
    ENTERPRISE_COLUMNS,
    prepare_enterprises,
    "point",
    "enterprises with class and position",
)
