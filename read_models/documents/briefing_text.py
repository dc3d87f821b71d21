"""The words and tables of a briefing (领导汇报), made once from the briefing document
(read_models.briefing) as plain blocks that the PDF and the Word writers both lay out, so the
two say the same to the digit. Sections in the order a 汇报 is read, numbered 一、二、三…"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from data_loaders import vocab
from data_loaders.periods import Period, parse_period, period_label
from read_models.documents.words import china_time, number, pick

NAMED = 10  # rows a list names before "另有 n 项"


@dataclass
class Block:
    """One piece of a briefing: a section head, a paragraph, a table or the map."""

    kind: str  # section | para | note | table | image
    text: str = ""
    head: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: tuple[float, ...] = ()
    align: str = ""
    marked: set[int] = field(default_factory=set)  # rows to emphasise (the scope's own town)


def percent(value: float | None) -> str:
    """A rate (a fraction to 4 places) as the percentage the KPI document means: 91.14%."""
    return "—" if value is None else f"{value * 100:.2f}%"


def points(now: float | None, before: float | None, lang: str) -> str:
    """The change of a rate in percentage points: 上升 0.35 个百分点 / up 0.35 pp."""
    if now is None or before is None:
        return "—"
    d = round((now - before) * 100, 2)
    if d == 0:
        return pick(lang, "持平", "unchanged")
    word = pick(lang, "上升" if d > 0 else "下降", "up" if d > 0 else "down")
    return pick(lang, f"{word} {abs(d):.2f} 个百分点", f"{word} {abs(d):.2f} pp")


def change(now: int | None, before: int | None) -> str:
    """The change of a count: +12 / −3 / 0."""
    if now is None or before is None:
        return "—"
    d = now - before
    return f"+{number(d)}" if d > 0 else (f"−{number(-d)}" if d < 0 else "0")


def doc_period(block: dict[str, Any]) -> Period:
    """The Period a document's `period` block describes."""
    return Period(
        block["kind"],
        block["code"],
        date.fromisoformat(block["from"]),
        date.fromisoformat(block["to"]),
        date.fromisoformat(block["as_of"]),
        complete=bool(block["complete"]),
    )


def scope_name(doc: dict[str, Any], lang: str) -> str:
    """The scope's name (the county's own name for the county)."""
    scope = doc["scope"] or {}
    return scope.get("name") or pick(lang, "全域", "the county")


def title(doc: dict[str, Any], lang: str) -> str:
    """瑞安市安全生产工作汇报（2026年11月）."""
    label = period_label(doc_period(doc["period"]), lang)
    return pick(
        lang,
        f"{scope_name(doc, lang)}安全生产工作汇报（{label}）",
        f"Work safety briefing: {scope_name(doc, lang)}, {label}",
    )


def subtitle(doc: dict[str, Any], lang: str) -> str:
    """The period's dates, as of when, and the data version."""
    p = doc["period"]
    upto = p["as_of"] if not p["complete"] else p["to"]
    return pick(
        lang,
        f"统计期：{p['from']} 至 {upto}　数据版本：v{doc['data_version']}",
        f"Period {p['from']} to {upto} · data version v{doc['data_version']}",
    )


def headline(doc: dict[str, Any], lang: str) -> list[Block]:
    """一、总体情况: the lead paragraph and the figures against the previous period."""
    s, b = doc["stats"], doc["previous"]
    e, hd, bhd = s["enterprises"], s["hidden_dangers"], b["hidden_dangers"]
    ph, bph = s["period"]["hidden_dangers"], b["period"]["hidden_dangers"]
    pa, bpa = s["period"]["alarms"], b["period"]["alarms"]
    label = period_label(doc_period(doc["period"]), lang)
    prev = period_label(doc_period(doc["previous_period"]), lang)
    lead = pick(
        lang,
        f"截至 {s['period']['as_of']}，{scope_name(doc, lang)}共有生产经营单位 "
        f"{number(e['total'])} 家，其中红色 {number(e['red'])} 家、黄色 {number(e['yellow'])} 家、"
        f"蓝色 {number(e['blue'])} 家、"
        f"绿色 {number(e['green'])} 家；重大危险源 {number(s['major_hazards']['total'])} 处。"
        f"{label}新排查隐患 {number(ph['found'])} 项、整改 {number(ph['rectified'])} 项；"
        f"累计排查 {number(hd['found'])} 项、已整改 {number(hd['rectified'])} 项，"
        f"整改率 {percent(hd['rate'])}，较{prev}{points(hd['rate'], bhd['rate'], lang)}；"
        f"逾期未整改 {number(hd['overdue'])} 项。"
        f"{label}监测报警 {number(pa['raised'])} 起（一级 {number(pa['level_1'])}、"
        f"二级 {number(pa['level_2'])}）。",
        f"As of {s['period']['as_of']}, {scope_name(doc, lang)} has {number(e['total'])} "
        f"enterprises (red {number(e['red'])}, yellow {number(e['yellow'])}, blue "
        f"{number(e['blue'])}, green {number(e['green'])}) and "
        f"{number(s['major_hazards']['total'])} major hazards. In {label}, "
        f"{number(ph['found'])} hidden dangers were found and {number(ph['rectified'])} "
        f"rectified; in all {number(hd['found'])} found, {number(hd['rectified'])} rectified, "
        f"a rate of {percent(hd['rate'])} ({points(hd['rate'], bhd['rate'], lang)} on {prev}); "
        f"{number(hd['overdue'])} overdue. Alarms: {number(pa['raised'])} (level 1 "
        f"{number(pa['level_1'])}, level 2 {number(pa['level_2'])}).",
    )
    c, bc = s["committees"], b["committees"]
    camp_tasks = sum(x["tasks"] for x in s["campaigns"])
    camp_done, bcamp_done = (sum(x["done"] for x in d["campaigns"]) for d in (s, b))

    def row(zh: str, en: str, now: Any, before: Any, delta: str | None = None) -> list[str]:
        shown = [percent(v) if isinstance(v, float) else number(v) for v in (now, before)]
        if delta is None:
            delta = change(now, before) if isinstance(now, int) else "—"
        return [pick(lang, zh, en), *shown, delta]

    rows = [
        row("生产经营单位（家）", "Enterprises", e["total"], None),
        row("其中红色（家）", "of which red", e["red"], None),
        row("重大危险源（处）", "Major hazards", s["major_hazards"]["total"], None),
        row("本期新排查隐患（项）", "Hidden dangers found in period", ph["found"], bph["found"]),
        row("本期整改隐患（项）", "Rectified in period", ph["rectified"], bph["rectified"]),
        row("累计排查隐患（项）", "Hidden dangers found (total)", hd["found"], bhd["found"]),
        row("累计已整改（项）", "Rectified (total)", hd["rectified"], bhd["rectified"]),
        row(
            "隐患整改率",
            "Rectification rate",
            hd["rate"],
            bhd["rate"],
            points(hd["rate"], bhd["rate"], lang),
        ),
        row("逾期未整改（项）", "Overdue", hd["overdue"], bhd["overdue"]),
        row("重大隐患（项）", "Major hidden dangers", hd["major"], bhd["major"]),
        row("专项行动任务完成（项）", "Campaign tasks done", camp_done, bcamp_done),
        row("安委会任务完成（项）", "Committee tasks done", c["done"], bc["done"]),
        row("安委会任务逾期（项）", "Committee tasks overdue", c["overdue"], bc["overdue"]),
        row("本期监测报警（起）", "Alarms in period", pa["raised"], bpa["raised"]),
        row(
            "期末未闭环报警（起）",
            "Alarms open at period end",
            s["alarms"]["open"],
            b["alarms"]["open"],
        ),
    ]
    return [
        Block("para", lead),
        Block(
            "table",
            head=[pick(lang, "指标", "Figure"), label, prev, pick(lang, "变化", "Change")],
            rows=rows,
            widths=(2.4, 1.2, 1.2, 1.3),
            align="LRRR",
        ),
        Block(
            "note",
            pick(
                lang,
                f"注：专项行动任务共 {number(camp_tasks)} 项；累计数与整改率为期末时点数；"
                "企业、重大危险源为当前台账数（台账不留历史，上期一栏以“—”表示）。",
                f"Note: {number(camp_tasks)} campaign tasks in all; totals and the rate stand "
                "at the period's end; enterprises and major hazards are today's ledger (it "
                "keeps no history: their previous column is “—”).",
            ),
        ),
    ]


def dangers(doc: dict[str, Any], lang: str) -> list[Block]:
    """三、隐患排查整改: the trend, the child grids ranked, the overdue major ones named."""
    d = doc["dangers"]
    trend_rows = [
        [
            period_label(trend_period(t["period"], doc), lang),
            number(t["found"]),
            number(t["rectified"]),
            percent(t["rate"]),
        ]
        for t in d["trend"]
    ]
    out = [
        Block(
            "table",
            head=[
                pick(lang, "统计期", "Period"),
                pick(lang, "新排查", "Found"),
                pick(lang, "整改", "Rectified"),
                pick(lang, "期末整改率", "Rate at end"),
            ],
            rows=trend_rows,
            widths=(1.6, 1, 1, 1.2),
            align="LRRR",
        )
    ]
    if d["by_child"]:
        town = doc.get("town")
        out.append(Block("para", pick(lang, "下级网格整改率排名：", "Sub-grids by rate:")))
        out.append(
            Block(
                "table",
                head=[
                    pick(lang, "排名", "Rank"),
                    pick(lang, "网格", "Grid"),
                    pick(lang, "排查", "Found"),
                    pick(lang, "整改", "Rectified"),
                    pick(lang, "整改率", "Rate"),
                    pick(lang, "逾期", "Overdue"),
                ],
                rows=[
                    [
                        str(c["rank"]),
                        c["name"],
                        number(c["found"]),
                        number(c["rectified"]),
                        percent(c["rate"]),
                        number(c["overdue"]),
                    ]
                    for c in d["by_child"]
                ],
                widths=(0.6, 2.2, 1, 1, 1, 0.8),
                align="CLRRRR",
                marked={i for i, c in enumerate(d["by_child"]) if c["code"] == town},
            )
        )
    late = d["overdue_major"]
    if late:
        out.append(
            Block(
                "para",
                pick(
                    lang,
                    f"逾期未整改重大隐患 {len(late)} 项：",
                    f"{len(late)} major hidden dangers overdue:",
                ),
            )
        )
        out.append(
            Block(
                "table",
                head=[
                    pick(lang, "企业", "Enterprise"),
                    pick(lang, "网格", "Grid"),
                    pick(lang, "隐患", "Hidden danger"),
                    pick(lang, "整改期限", "Deadline"),
                    pick(lang, "逾期天数", "Days late"),
                ],
                rows=[
                    [
                        x["enterprise"] or "—",
                        x["grid"] or "—",
                        x["description"] or x["code"],
                        x["deadline"] or "—",
                        number(x["days_overdue"]),
                    ]
                    for x in late[:NAMED]
                ],
                widths=(2, 1.2, 2.4, 1.1, 0.8),
                align="LLLCR",
            )
        )
        out += _more(len(late), lang)
    else:
        out.append(
            Block("para", pick(lang, "无逾期未整改重大隐患。", "No major hidden danger overdue."))
        )
    return out


def trend_period(code: str, doc: dict[str, Any]) -> Period:
    """A period of the document's trend (its own or one before: all have begun)."""
    # a trend period is one of those before the briefing's own: all have begun
    return parse_period(code, doc_period(doc["period"]).end)


def _more(total: int, lang: str) -> list[Block]:
    if total <= NAMED:
        return []
    rest = total - NAMED
    return [Block("note", pick(lang, f"另有 {rest} 项未列出。", f"and {rest} more not listed."))]


def campaigns(doc: dict[str, Any], lang: str) -> list[Block]:
    """四、专项行动推进: progress against time elapsed, those behind named."""
    rows = []
    behind = []
    for c in doc["campaigns"]:
        name = c["name"] if lang == "zh" else (c["name_en"] or c["name"])
        if c["behind"]:
            behind.append(name)
        rows.append(
            [
                name,
                number(c["tasks"]),
                number(c["done"]),
                percent(c["progress"]),
                percent(c["elapsed"]),
                pick(lang, "滞后", "behind") if c["behind"] else pick(lang, "正常", "on time"),
            ]
        )
    out = [
        Block(
            "table",
            head=[
                pick(lang, "专项行动", "Campaign"),
                pick(lang, "任务", "Tasks"),
                pick(lang, "完成", "Done"),
                pick(lang, "完成率", "Progress"),
                pick(lang, "时间进度", "Time elapsed"),
                pick(lang, "状态", "State"),
            ],
            rows=rows,
            widths=(2.4, 0.8, 0.8, 1, 1, 0.8),
            align="LRRRRC",
        )
    ]
    sep = pick(lang, "、", ", ")
    out.append(
        Block(
            "para",
            pick(
                lang,
                f"进度滞后于时间进度的：{sep.join(behind)}。",
                f"Behind time: {sep.join(behind)}.",
            )
            if behind
            else pick(lang, "各专项行动进度均不滞后于时间进度。", "No campaign is behind time."),
        )
    )
    return out


def committees(doc: dict[str, Any], lang: str) -> list[Block]:
    """五、安委会任务落实: completion by committee, the overdue by owner unit and by name."""
    c = doc["committees"]
    out = [
        Block(
            "table",
            head=[
                pick(lang, "专委会", "Committee"),
                pick(lang, "任务", "Tasks"),
                pick(lang, "完成", "Done"),
                pick(lang, "完成率", "Rate"),
                pick(lang, "逾期", "Overdue"),
            ],
            rows=[
                [
                    x["name"] if lang == "zh" else (x["name_en"] or x["name"]),
                    number(x["tasks"]),
                    number(x["done"]),
                    percent(x["rate"]),
                    number(x["overdue"]),
                ]
                for x in c["committees"]
            ],
            widths=(2.6, 0.8, 0.8, 1, 0.8),
            align="LRRRR",
        )
    ]
    if c["overdue"]:
        sep = pick(lang, "；", "; ")
        owners = sep.join(f"{o['owner_unit'] or '—'} {o['overdue']}" for o in c["by_owner"][:NAMED])
        out.append(
            Block(
                "para",
                pick(
                    lang,
                    f"逾期任务 {len(c['overdue'])} 项，按责任单位：{owners}。",
                    f"{len(c['overdue'])} tasks overdue; by owner unit: {owners}.",
                ),
            )
        )
        out.append(
            Block(
                "table",
                head=[
                    pick(lang, "专委会", "Committee"),
                    pick(lang, "任务", "Task"),
                    pick(lang, "责任单位", "Owner unit"),
                    pick(lang, "完成时限", "Due"),
                    pick(lang, "逾期天数", "Days late"),
                ],
                rows=[
                    [
                        t["committee"],
                        t["title"],
                        t["owner_unit"] or "—",
                        t["due_on"] or "—",
                        number(t["days_late"]),
                    ]
                    for t in c["overdue"][:NAMED]
                ],
                widths=(1.3, 2.8, 1.4, 1.1, 0.8),
                align="LLLCR",
            )
        )
        out += _more(len(c["overdue"]), lang)
    else:
        out.append(Block("para", pick(lang, "无逾期任务。", "No task overdue.")))
    return out


def alarms(doc: dict[str, Any], lang: str) -> list[Block]:
    """六、监测预警处置: counts by level and kind, handling times, the worst handled."""
    a = doc["alarms"]
    minutes = pick(lang, "分钟", "min")

    def m(v: float | None) -> str:
        return "—" if v is None else f"{v:g} {minutes}"

    out = [
        Block(
            "para",
            pick(
                lang,
                f"本期监测报警 {number(a['raised'])} 起，其中一级 {number(a['level_1'])} 起、"
                f"二级 {number(a['level_2'])} 起；已确认 {number(a['acknowledged'])} 起，"
                f"已闭环 {number(a['closed'])} 起，期末仍待确认 {number(a['waiting'])} 起。"
                f"平均确认用时 {m(a['ack_minutes_mean'])}（中位数 {m(a['ack_minutes_median'])}），"
                f"平均闭环用时 {m(a['close_minutes_mean'])}。",
                f"{number(a['raised'])} alarms in the period: level 1 {number(a['level_1'])}, "
                f"level 2 {number(a['level_2'])}; {number(a['acknowledged'])} acknowledged, "
                f"{number(a['closed'])} closed, {number(a['waiting'])} still waiting at the end. "
                f"Mean time to acknowledge {m(a['ack_minutes_mean'])} (median "
                f"{m(a['ack_minutes_median'])}); mean time to close {m(a['close_minutes_mean'])}.",
            ),
        )
    ]
    if a["by_kind"]:
        out.append(
            Block(
                "table",
                head=[pick(lang, "监测类型", "Kind"), pick(lang, "报警（起）", "Alarms")],
                rows=[[kind_name(k, lang), number(n)] for k, n in a["by_kind"].items()],
                widths=(2, 1),
                align="LR",
            )
        )
    if a["worst"]:
        out.append(Block("para", pick(lang, "确认用时最长的报警：", "Slowest to acknowledge:")))
        out.append(
            Block(
                "table",
                head=[
                    pick(lang, "企业", "Enterprise"),
                    pick(lang, "监测点", "Sensor"),
                    pick(lang, "级别", "Level"),
                    pick(lang, "报警时间", "Raised"),
                    pick(lang, "确认用时", "To acknowledge"),
                ],
                rows=[
                    [
                        w["enterprise"] or "—",
                        f"{w['sensor']}（{kind_name(w['kind'], lang)}）"
                        if lang == "zh"
                        else f"{w['sensor']} ({kind_name(w['kind'], lang)})",
                        pick(lang, f"{w['level']}级", f"L{w['level']}"),
                        china_time(w["opened_at"], seconds=False),
                        m(w["minutes"])
                        + ("" if w["acknowledged_at"] else pick(lang, "（未确认）", " (waiting)")),
                    ]
                    for w in a["worst"]
                ],
                widths=(2.2, 2, 0.6, 1.5, 1.3),
                align="LLCLR",
            )
        )
    return out


def kind_name(kind: str, lang: str) -> str:
    """A sensor kind's name ("offline" for the offline rule)."""
    if kind == "offline":
        return pick(lang, "设备离线", "offline")
    return pick(lang, vocab.zh_name(vocab.SENSOR_KINDS, kind), kind.replace("_", " "))


def ranking(doc: dict[str, Any], lang: str) -> list[Block]:
    """七、镇街排名: the towns of the period by rank with the change, the scope's own marked."""
    r = doc["ranking"]
    town = doc.get("town")

    def moved(t: dict[str, Any]) -> str:
        if t["change"] is None:
            return pick(lang, "新", "new")
        if t["change"] == 0:
            return "—"
        return f"↑{t['change']}" if t["change"] > 0 else f"↓{-t['change']}"

    rows = [
        [
            str(t["rank"]),
            t["name"],
            "—" if t["score"] is None else f"{t['score']:.2f}",
            "—" if t["previous_rank"] is None else str(t["previous_rank"]),
            moved(t),
        ]
        for t in r["towns"]
    ]
    out = []
    mine = next((t for t in r["towns"] if t["code"] == town), None)
    if mine is not None:
        out.append(
            Block(
                "para",
                pick(
                    lang,
                    f"{mine['name']}本期排名第 {mine['rank']} 位（上期第 "
                    f"{mine['previous_rank'] or '—'} 位）。",
                    f"{mine['name']} ranks {mine['rank']} (previously "
                    f"{mine['previous_rank'] or '—'}).",
                ),
            )
        )
    out.append(
        Block(
            "table",
            head=[
                pick(lang, "排名", "Rank"),
                pick(lang, "镇街", "Town"),
                pick(lang, "得分", "Score"),
                pick(lang, "上期排名", "Previous"),
                pick(lang, "变化", "Change"),
            ],
            rows=rows,
            widths=(0.6, 2.2, 1, 1, 0.8),
            align="CLRCC",
            marked={i for i, t in enumerate(r["towns"]) if t["code"] == town},
        )
    )
    return out


def risks(doc: dict[str, Any], lang: str) -> list[Block]:
    """八、需要决策的风险事项: red enterprises with open major dangers, listed dangers past their
    deadline, major hazards with control still being installed."""
    k = doc["risks"]
    zh = lang == "zh"
    red = [
        f"{x['enterprise']}（{x['major_open']} 项）"
        if zh
        else f"{x['enterprise']} ({x['major_open']})"
        for x in k["red_with_major"]
    ]
    listed = []
    for x in k["listed_past_deadline"]:
        what = f"{x['enterprise'] or '—'}：{x['description'] or x['code']}"
        level = vocab.zh_name(vocab.LISTING_LEVELS, x["listing_level"])
        listed.append(
            f"{what}（{level}，逾期 {x['days_overdue']} 天）"
            if zh
            else f"{what} ({x['listing_level']}, {x['days_overdue']} days late)"
        )
    hazards = [
        f"{x['enterprise'] or '—'} {x['name']}"
        + (f"（{x['level']}级）" if zh else f" (level {x['level']})")
        for x in k["hazards_installing"]
    ]
    parts = (
        ("（一）红色企业存在未整改重大隐患", "(1) Red enterprises with open major dangers", red),
        ("（二）挂牌督办隐患逾期未销号", "(2) Listed dangers past their deadline", listed),
        ("（三）重大危险源自动化控制尚在安装", "(3) Major hazards, control installing", hazards),
    )
    sep = pick(lang, "；", "; ")
    out = []
    for head_zh, head_en, items in parts:
        text = sep.join(items[:NAMED]) or pick(lang, "无", "none")
        if len(items) > NAMED:
            text += pick(lang, f"等，共 {len(items)} 项", f"; {len(items)} in all")
        out.append(Block("para", f"{head_zh}：{text}。" if zh else f"{head_en}: {text}."))
    return out


SECTIONS = (
    ("总体情况", "Overview", headline),
    ("风险分布图", "Risk map", None),
    ("隐患排查整改", "Hidden-danger rectification", dangers),
    ("专项行动推进", "Special campaigns", campaigns),
    ("安委会任务落实", "Safety committee tasks", committees),
    ("监测预警处置", "Monitoring alarms", alarms),
    ("镇街排名", "Town ranking", ranking),
    ("需要决策的风险事项", "Risks needing a decision", risks),
)


def briefing_blocks(doc: dict[str, Any], lang: str = "zh") -> list[Block]:
    """Every block of the briefing, sections numbered by the writer; the map is an image
    block the writer fills with the PNG it is given."""
    out: list[Block] = []
    for zh, en, make in SECTIONS:
        out.append(Block("section", pick(lang, zh, en)))
        if make is None:
            out.append(Block("image", pick(lang, _map_caption(doc, "zh"), _map_caption(doc, "en"))))
        else:
            out += make(doc, lang)
    return out


def _map_caption(doc: dict[str, Any], lang: str) -> str:
    label = period_label(doc_period(doc["period"]), lang)
    return pick(
        lang,
        f"图：{scope_name(doc, lang)}网格、企业分级、重大危险源、挂牌督办隐患及{label}报警分布",
        f"Map: {scope_name(doc, lang)}, its grids, enterprises by class, major hazards, "
        f"listed dangers and the alarms of {label}",
    )
