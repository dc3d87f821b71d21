"""An incident's after-action report (事件处置报告; a drill's 演练总结报告) as PDF bytes, made
from the incident document (read_models.incidents.load_incident) and nothing else: A4
portrait, numbered sections 一、二、三…, page numbers "第 n 页 / 共 m 页", when it was made
(China time, offset written), and for a drill "演练 / DRILL" across every page.

fpdf2 writes it: pure Python (no system libraries), embeds a subset of the Noto CJK font the
machine has (fonts-noto-cjk), and writes every text from data as text (no markup is read:
tables and cells are plain, the total-pages alias is off, so "<b>x</b>" or "{nb}" prints as
itself)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from read_models.documents.pdf import GREY, PdfDocument, Writer, cell_text, numeral
from read_models.documents.words import (
    STEPS,
    action_name,
    after,
    china_time,
    code_name,
    made_at,
    number,
    pick,
    state_name,
    step_name,
    wind_point,
    zone_name,
)


def report_title(doc: dict[str, Any], lang: str = "zh") -> str:
    """演练总结报告 for a drill, 事件处置报告 for a real incident."""
    if doc["drill"]:
        return pick(lang, "演练总结报告", "Drill Summary Report")
    return pick(lang, "事件处置报告", "Incident Response Report")


def zone_total_line(zone: dict[str, Any], lang: str = "zh") -> str:
    """A zone's totals in one sentence (the figures of the JSON's zone.holds)."""
    h = zone["holds"]
    e, mh, tg = h["enterprises"], h["major_hazards"], h["targets"]
    if lang == "en":
        return (
            f"In all: enterprises {number(e['total'])} (red {e['red']}, yellow {e['yellow']}, "
            f"blue {e['blue']}, green {e['green']}), major hazards {number(mh['total'])}, "
            f"sensitive targets {number(tg['total'])}, people about {number(tg['people'])}."
        )
    return (
        f"合计：企业 {number(e['total'])} 家（红 {e['red']}、黄 {e['yellow']}、蓝 {e['blue']}、"
        f"绿 {e['green']}），重大危险源 {number(mh['total'])} 处，"
        f"敏感目标 {number(tg['total'])} 处，涉及人员约 {number(tg['people'])} 人。"
    )


def write_report(doc: dict[str, Any], now: datetime, lang: str = "zh") -> bytes:
    """The incident document as the after-action report, PDF bytes (lang zh or en)."""
    lang = "en" if lang == "en" else "zh"
    title = report_title(doc, lang)
    head = f"{title} · {pick(lang, '事件编号', 'Incident')} {doc['id']}"
    pdf = PdfDocument(lang, title, head, drill=doc["drill"])
    w = Writer(pdf, lang)
    made = made_at(now, lang)
    pdf.add_page()
    _title(pdf, w, doc, title, made)
    _overview(w, doc)
    _zones(w, doc)
    _weather(w, doc)
    _resources(w, doc)
    _timeline(w, doc)
    _response(w, doc)
    pdf.page_numbers(made)
    return bytes(pdf.output())


def _title(pdf: PdfDocument, w: Writer, doc: dict[str, Any], title: str, made: str) -> None:
    pdf.set_font("cjk", "B", 20)
    pdf.ln(4)
    pdf.cell(0, 12, title, align="C")
    pdf.ln(13)
    pdf.set_font("cjk", size=12)
    name = doc["title"] or code_name("kind", doc["kind"], w.lang)
    pdf.multi_cell(0, 7, name, align="C")
    pdf.set_font("cjk", size=9)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(
        0,
        5,
        w.t(
            f"事件编号 {doc['id']}　生成时间 {made}　文中时间均为北京时间（UTC+8）",
            f"Incident {doc['id']} · made {made} · times are China time (UTC+8)",
        ),
        align="C",
    )
    pdf.set_text_color(0, 0, 0)
    if doc["drill"]:
        pdf.ln(2)
        pdf.set_font("cjk", "B", 10.5)
        pdf.set_text_color(170, 30, 30)
        pdf.multi_cell(
            0,
            6,
            w.t(
                "【演练 / DRILL】本报告为应急演练记录，所列数据均为演练数据，不计入真实统计。",
                "[演练 / DRILL] This is the record of an exercise: its data are drill data and "
                "count in no real figure.",
            ),
            align="C",
        )
        pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def _overview(w: Writer, doc: dict[str, Any]) -> None:
    w.section("事件概况", "Overview")
    ent = doc["enterprise"]
    cls = ent["safety_class"] if ent else None
    where = (
        f"{doc['lon']:.6f}, {doc['lat']:.6f}（WGS84）"
        if w.lang == "zh"
        else (f"{doc['lon']:.6f}, {doc['lat']:.6f} (WGS84)")
    )
    rows = [
        (w.t("事件类型", "Kind"), code_name("kind", doc["kind"], w.lang)),
        (w.t("事件名称", "Title"), cell_text(doc["title"]) or "—"),
        (
            w.t("性质", "Nature"),
            w.t("应急演练", "drill (exercise)") if doc["drill"] else w.t("真实事件", "real"),
        ),
        (w.t("状态", "State"), state_name(doc["state"], w.lang)),
        (w.t("地点（经度, 纬度）", "Where (lon, lat)"), where),
        (
            w.t("涉事企业", "Enterprise"),
            w.t(
                f"{ent['name']}（{ent['credit_code']}，{code_name('class', cls, 'zh')}）",
                f"{ent['name']} ({ent['credit_code']}, {code_name('class', cls, 'en')})",
            )
            if ent
            else "—",
        ),
        (
            w.t("启动", "Opened"),
            f"{china_time(doc['opened_at'])}　{cell_text(doc['opened_by'])}",
        ),
        (
            w.t("结束", "Closed"),
            f"{china_time(doc['closed_at'])}　{cell_text(doc['closed_by'])}"
            if doc["closed_at"]
            else w.t("尚未结束", "not yet closed"),
        ),
        (w.t("关联报警", "Alarms"), w.t(f"{len(doc['alarms'])} 条", f"{len(doc['alarms'])}")),
        (w.t("处置小结", "Summary"), cell_text(doc["summary"]) or "—"),
    ]
    w.pairs(rows)


def _zones(w: Writer, doc: dict[str, Any]) -> None:
    w.section("影响范围", "Affected zones")
    zones = doc["zones"]
    if not zones:
        w.para(w.t("本事件未划定影响范围。", "No zone was drawn for this incident."))
        return
    head = [
        w.t("区域", "Zone"),
        w.t("企业", "Enterprises"),
        w.t("红", "Red"),
        w.t("黄", "Yellow"),
        w.t("蓝", "Blue"),
        w.t("绿", "Green"),
        w.t("重大危险源", "Major hazards"),
        w.t("敏感目标", "Targets"),
        w.t("人员", "People"),
    ]
    rows = []
    for z in zones:
        e, h = z["holds"]["enterprises"], z["holds"]
        rows.append(
            [
                zone_name(z, w.lang),
                number(e["total"]),
                number(e["red"]),
                number(e["yellow"]),
                number(e["blue"]),
                number(e["green"]),
                number(h["major_hazards"]["total"]),
                number(h["targets"]["total"]),
                number(h["targets"]["people"]),
            ]
        )
    w.table(head, rows, (2.6, 1.45, 0.8, 1.05, 0.85, 0.95, 1.3, 1.1, 1.1), "LRRRRRRRR")
    w.para(
        w.t(
            "各圈层为以事发点为圆心的半径范围（含内圈）；AEGL 区为扩散估算的地面足迹。",
            "Rings are measured from the incident's point and include the inner rings; AEGL "
            "zones are the plume's screened ground footprints.",
        ),
        size=8.5,
        colour=GREY,
    )
    for i, z in enumerate(zones, 1):
        h = z["holds"]
        w.subhead(
            f"（{numeral(i)}）{zone_name(z, w.lang)}"
            if w.lang == "zh"
            else (f"({i}) {zone_name(z, w.lang)}")
        )
        w.para(zone_total_line(z, w.lang))
        hazards = h["major_hazards"]["items"]
        if hazards:
            w.table(
                [w.t("重大危险源", "Major hazard"), w.t("等级", "Level")],
                [[x["name"], w.t(f"{x['level']} 级", f"level {x['level']}")] for x in hazards],
                (4, 1),
            )
        targets = h["targets"]["items"]
        if targets:
            w.table(
                [
                    w.t("编码", "Code"),
                    w.t("敏感目标", "Target"),
                    w.t("类型", "Type"),
                    w.t("人数", "People"),
                    w.t("联系人", "Contact"),
                    w.t("电话", "Phone"),
                ],
                [
                    [
                        x["code"],
                        x["name"],
                        code_name("target", x["type"], w.lang),
                        number(x["people"]),
                        x.get("contact"),
                        x.get("phone"),
                    ]
                    for x in targets
                ],
                (1.5, 3, 1.1, 0.9, 1, 1.5),
                "LLLRLL",
            )


def _weather(w: Writer, doc: dict[str, Any]) -> None:
    w.section("气象与扩散", "Weather and dispersion")
    release, wind, plume = doc["release"], doc["wind"], doc["plume"]
    if release is None:
        w.para(
            w.t(
                "本事件未录入泄漏源，未作扩散估算。",
                "No release was given for this incident: no plume was screened.",
            )
        )
        return
    rows = [
        (w.t("泄漏物质", "Substance"), cell_text(release.get("substance"))),
        (w.t("泄漏速率", "Release rate"), f"{number(release.get('rate_kg_s'))} kg/s"),
    ]
    if plume:
        rows.append((w.t("大气稳定度", "Stability class"), cell_text(plume.get("stability"))))
    if wind:
        rows.append(
            (
                w.t("风向、风速", "Wind"),
                w.t(
                    f"{wind_point(wind['from_deg'], 'zh')}（来向 {number(wind['from_deg'])}°），"
                    f"{number(wind['m_s'])} m/s",
                    f"{wind_point(wind['from_deg'], 'en')} (from {number(wind['from_deg'])}°), "
                    f"{number(wind['m_s'])} m/s",
                ),
            )
        )
        rows.append((w.t("风的来源", "Wind from"), _wind_source(w, wind)))
    w.pairs(rows)
    if plume:
        levels = [
            [
                zone_name({"kind": "plume", "id": level}, w.lang),
                number(plume.get(f"{level}_m")),
                w.t("是", "yes") if plume.get("beyond", {}).get(level) else w.t("否", "no"),
            ]
            for level in ("aegl_1", "aegl_2", "aegl_3")
        ]
        w.table(
            [
                w.t("AEGL 等级（60 分钟）", "AEGL level (60 min)"),
                w.t("下风向距离（米）", "Downwind distance (m)"),
                w.t("50 公里处仍超限", "Still above at 50 km"),
            ],
            levels,
            (2.6, 1.4, 1.2),
            "LRC",
        )
        w.para(w.t("模型局限：", "The model's limits: ") + cell_text(plume.get("limits")), size=9)
    problem = doc.get("plume_problem")
    if problem:
        w.para(
            w.t("未能估算扩散：", "The plume could not be screened: ")
            + cell_text(problem.get("message")),
        )


def _wind_source(w: Writer, wind: dict[str, Any]) -> str:
    if wind.get("source") == "request":
        return w.t("指挥人员录入（事件启动时）", "given by the operator when opening")
    station = wind.get("station") or {}
    name = cell_text(station.get("name")) or "—"
    age = wind.get("age_s")
    at = china_time(wind.get("at")) if wind.get("at") else "—"
    text = w.t(
        f"气象站 {name}（距事发点 {number(wind.get('distance_m'))} 米），读数时间 {at}，"
        f"生成报告时已 {number(round(age) if age is not None else None)} 秒",
        f"weather station {name} ({number(wind.get('distance_m'))} m away), read at {at}, "
        f"{number(round(age) if age is not None else None)} s old when this was made",
    )
    if wind.get("calm"):
        text += w.t("；静风，按 0.5 m/s 估算", "; calm air, screened as 0.5 m/s")
    return text


def _resources(w: Writer, doc: dict[str, Any]) -> None:
    w.section("应急资源与处置任务", "Resources and tasks")
    w.subhead(w.t("（一）处置任务", "(1) Tasks"))
    tasks = doc["tasks"]
    if tasks:
        w.table(
            [
                w.t("序号", "No."),
                w.t("任务（资源）", "Task (resource)"),
                w.t("状态", "State"),
                w.t("派出", "Sent"),
                w.t("到达", "Arrived"),
                w.t("完成", "Done"),
                w.t("派出人", "By"),
            ],
            [
                [
                    i,
                    _taskcell_text(t),
                    state_name(t["state"], w.lang),
                    china_time(t["sent_at"]),
                    china_time(t["arrived_at"]),
                    china_time(t["done_at"]),
                    t["by"],
                ]
                for i, t in enumerate(tasks, 1)
            ],
            (0.75, 3.2, 0.8, 2.1, 2.1, 2.1, 0.95),
            "CLLLLLL",
            size=7.5,
        )
    else:
        w.para(w.t("未派出资源。", "No resource was sent."))
    w.subhead(w.t("（二）最近的应急资源", "(2) The nearest resources"))
    rows = []
    for kind, items in doc["resources"].items():
        for r in items:
            rows.append(
                [
                    code_name("resource", kind, w.lang),
                    r["name"],
                    number(r["distance_m"]),
                    r.get("contact"),
                    r.get("phone"),
                    _resource_detail(w, r),
                ]
            )
    if rows:
        w.table(
            [
                w.t("类型", "Type"),
                w.t("名称", "Name"),
                w.t("距离（米）", "Distance (m)"),
                w.t("联系人", "Contact"),
                w.t("电话", "Phone"),
                w.t("说明", "Detail"),
            ],
            rows,
            (1.2, 2.6, 1.0, 0.9, 1.4, 2.6),
            "LLRLLL",
            size=8.5,
        )
    else:
        w.para(w.t("资源库中没有应急资源。", "The store holds no emergency resource."))
    w.para(w.t("注：", "Note: ") + cell_text(doc.get("distance_note")), size=9, colour=GREY)


def _taskcell_text(task: dict[str, Any]) -> str:
    """A task's title, and its resource when the title does not already name it."""
    title, resource = cell_text(task["title"]), cell_text(task["resource"])
    return title if not resource or resource in title else f"{title}\n（{resource}）"


def _resource_detail(w: Writer, r: dict[str, Any]) -> str:
    parts = []
    if r.get("members"):
        parts.append(w.t(f"{r['members']} 人", f"{r['members']} members"))
    if r.get("speciality"):
        parts.append(w.t("专长 ", "speciality ") + cell_text(r["speciality"]))
    if r.get("capacity"):
        parts.append(w.t(f"可容纳 {number(r['capacity'])} 人", f"holds {number(r['capacity'])}"))
    if r.get("beds"):
        parts.append(w.t(f"床位 {number(r['beds'])}", f"{number(r['beds'])} beds"))
    if r.get("ambulances"):
        parts.append(w.t(f"救护车 {r['ambulances']} 辆", f"{r['ambulances']} ambulances"))
    if r.get("items"):
        parts.append(w.t("储备 ", "stock ") + cell_text(r["items"]))
    return "；".join(parts) if w.lang == "zh" else "; ".join(parts)


def _timeline(w: Writer, doc: dict[str, Any]) -> None:
    w.section("时间线", "Timeline")
    lines = doc["timeline"]
    if not lines:
        w.para(w.t("无记录。", "Nothing was recorded."))
        return
    w.table(
        [
            w.t("时间", "Time"),
            w.t("人员", "Who"),
            w.t("事项", "What"),
            w.t("说明", "Note"),
            w.t("来源", "From"),
        ],
        [
            [
                china_time(e["at"]),
                e["actor"],
                action_name(e["action"], w.lang),
                e["note"],
                w.t("事件", "incident")
                if e["source"] == "incident"
                else w.t(f"报警 {e.get('alarm_id')}", f"alarm {e.get('alarm_id')}"),
            ]
            for e in lines
        ],
        (1.55, 0.9, 1.25, 4.0, 0.9),
        size=8.5,
    )


def _response(w: Writer, doc: dict[str, Any]) -> None:
    w.section("响应时效", "Response times")
    response = doc["response"]
    w.para(
        w.t(
            f"起算时间：{china_time(response['start'])}（首次报警，无报警时为事件启动）。",
            f"From {china_time(response['start'])} (the first alarm, else the opening).",
        )
    )
    steps = response["steps"]
    w.table(
        [w.t("环节", "Step"), w.t("时间", "Time"), w.t("距起算", "After the start")],
        [
            [
                step_name(k, w.lang),
                china_time(steps[k]["at"]) or "—",
                after(steps[k]["after_s"], w.lang),
            ]
            for k in STEPS
            if k in steps
        ],
        (1.6, 1.8, 2.2),
        "LLR",
    )
