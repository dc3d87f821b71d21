"""The `sensors` import kind: monitored signals and AI video scenes."""

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
)
from data_loaders.importers.fields import CREDIT, Col, account, choice, integer, number, text
from data_loaders.rules.thresholds import DEFAULTS, check_order
from data_loaders.store.schema import MajorHazard, Sensor
from data_loaders.store.upsert import upsert

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
    # the MQTT account (user name) the device or gateway reporting this signal publishes
    # with: its readings are taken only from onemap/telemetry/<account>/…
    Col("gateway", "接入账号", account, aliases=("网关账号", "MQTT账号")),
    Col("location", "安装位置", text(100), aliases=("位置",)),
    Col("scene", "AI场景", choice(vocab.AI_SCENES), aliases=("场景", "行为模型")),
    Col("hazard", "重大危险源", text(200), aliases=("危险源名称",)),
]


def prepare_sensors(rows: list[Row], ctx: Context) -> Writer | None:
    """Check tags, kinds and thresholds (defaults by kind), link enterprise and hazard."""
    check_duplicates(rows, lambda r: r["tag"], "tag", ctx)
    ents = enterprise_ids(rows, ctx, required=False)
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
        before = existing(session, Sensor.tag, tags_)
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
                    "gateway": r["gateway"],
                    "location": r["location"],
                    "hazard_id": hazards.get((ent, r["hazard"])) if r["hazard"] else None,
                }
            )
        upsert(session, Sensor, values, ["tag"])
        inserted = sum(1 for t in tags_ if t not in before)
        return inserted, len(rows) - inserted

    return write


KIND = Kind(
    "sensors", SENSOR_COLUMNS, prepare_sensors, None, "monitored signals and AI video scenes"
)
