"""The briefing as slides for a projector (/brief/, 1920×1080, large type, one message per
slide), drawn from the same briefing document as the PDF and the Word file (read_models.
briefing), with live Plotly figures. assets/brief.js shows one slide at a time, moves with
← → PageUp PageDown Home End, and keeps the slide's number in the URL (?slide=N)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import dcc, html

from data_loaders.periods import period_label
from read_models.documents.briefing_text import (
    change,
    doc_period,
    kind_name,
    percent,
    points,
    scope_name,
    subtitle,
    title,
    trend_period,
)
from read_models.documents.words import china_time, number, pick
from views import ids
from views.charts import CONFIG, colors, figure_of

THEME = "light"  # a projector in a lit meeting room: dark text on white
SHOWN_ROWS = 8  # a slide's table rows (the document has the rest)


def _big(value: str, caption: str, sub: str = "", tone: str = "") -> html.Div:
    return html.Div(
        [
            html.Div(value, className="slide-big"),
            html.Div(caption, className="slide-caption"),
            html.Div(sub, className="slide-sub") if sub else None,
        ],
        className=f"slide-figure {tone}".strip(),
    )


def _slide(heading: str, message: str, body: list, n: int) -> html.Section:
    return html.Section(
        [
            html.H2(heading, className="slide-head"),
            html.P(message, className="slide-message") if message else None,
            html.Div(body, className="slide-body"),
        ],
        className="slide",
        id=f"slide-{n}",
        **{"data-slide": str(n)},
    )


def _graph(figure: dict, height: int) -> dcc.Graph:
    return dcc.Graph(figure=figure, config=CONFIG, style={"height": f"{height}px"})


def _table(head: list[str], rows: list[list[str]], marked: set[int] | None = None) -> html.Table:
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in head])),
            html.Tbody(
                [
                    html.Tr(
                        [html.Td(v) for v in r], className="mark" if marked and i in marked else ""
                    )
                    for i, r in enumerate(rows)
                ]
            ),
        ],
        className="slide-table",
    )


def _more(total: int, lang: str) -> str:
    if total <= SHOWN_ROWS:
        return ""
    return pick(
        lang,
        f"另有 {total - SHOWN_ROWS} 项，见书面材料",
        f"{total - SHOWN_ROWS} more in the document",
    )


def _title_slide(doc: dict[str, Any], lang: str, n: int) -> html.Section:
    return html.Section(
        [
            html.H1(title(doc, lang), className="slide-title"),
            html.P(subtitle(doc, lang), className="slide-subtitle"),
            html.P(
                pick(lang, "生成时间：", "Made ") + china_time(doc["made_at"], seconds=False),
                className="slide-subtitle",
            ),
        ],
        className="slide slide-cover",
        id=f"slide-{n}",
        **{"data-slide": str(n)},
    )


def _overview(doc: dict[str, Any], lang: str, n: int) -> html.Section:
    s, b = doc["stats"], doc["previous"]
    hd, bhd = s["hidden_dangers"], b["hidden_dangers"]
    ph, bph = s["period"]["hidden_dangers"], b["period"]["hidden_dangers"]
    pa, bpa = s["period"]["alarms"], b["period"]["alarms"]
    prev = period_label(doc_period(doc["previous_period"]), lang)
    vs = pick(lang, f"较{prev}", f"vs {prev}")
    figures = [
        _big(
            number(s["enterprises"]["total"]),
            pick(lang, "生产经营单位", "Enterprises"),
            pick(
                lang,
                f"红色 {number(s['enterprises']['red'])} 家",
                f"red {number(s['enterprises']['red'])}",
            ),
        ),
        _big(
            number(ph["found"]),
            pick(lang, "本期新排查隐患", "Found in period"),
            f"{vs} {change(ph['found'], bph['found'])}",
        ),
        _big(
            number(ph["rectified"]),
            pick(lang, "本期整改隐患", "Rectified in period"),
            f"{vs} {change(ph['rectified'], bph['rectified'])}",
        ),
        _big(
            percent(hd["rate"]),
            pick(lang, "累计整改率", "Rectification rate"),
            f"{vs} {points(hd['rate'], bhd['rate'], lang)}",
        ),
        _big(
            number(hd["overdue"]),
            pick(lang, "逾期未整改", "Overdue"),
            f"{vs} {change(hd['overdue'], bhd['overdue'])}",
            "warn" if hd["overdue"] else "",
        ),
        _big(
            number(pa["raised"]),
            pick(lang, "本期监测报警", "Alarms in period"),
            f"{vs} {change(pa['raised'], bpa['raised'])}",
        ),
    ]
    message = pick(
        lang,
        f"隐患整改率 {percent(hd['rate'])}，{vs}{points(hd['rate'], bhd['rate'], lang)}；"
        f"逾期未整改 {number(hd['overdue'])} 项。",
        f"Rectification rate {percent(hd['rate'])}, {points(hd['rate'], bhd['rate'], lang)} "
        f"{vs}; {number(hd['overdue'])} overdue.",
    )
    return _slide(
        pick(lang, "总体情况", "Overview"),
        message,
        [html.Div(figures, className="slide-figures")],
        n,
    )


def _map(doc: dict[str, Any], lang: str, n: int, map_url: str) -> html.Section:
    body = [html.Img(src=map_url, className="slide-map", alt=pick(lang, "风险分布图", "Risk map"))]
    message = pick(
        lang,
        f"{scope_name(doc, lang)}企业分级、重大危险源、挂牌督办隐患与本期报警分布。",
        f"{scope_name(doc, lang)}: enterprises by class, major hazards, listed dangers, alarms.",
    )
    return _slide(pick(lang, "风险分布图", "Risk map"), message, body, n)


def _trend(doc: dict[str, Any], lang: str, n: int) -> html.Section:
    c = colors(THEME)
    trend = doc["dangers"]["trend"]
    x = [period_label(trend_period(t["period"], doc), lang) for t in trend]
    figure = figure_of(
        [
            {
                "type": "bar",
                "name": pick(lang, "新排查", "Found"),
                "x": x,
                "y": [t["found"] for t in trend],
                "marker": {"color": c["main"]},
            },
            {
                "type": "bar",
                "name": pick(lang, "整改", "Rectified"),
                "x": x,
                "y": [t["rectified"] for t in trend],
                "marker": {"color": c["second"]},
            },
            {
                "type": "scatter",
                "mode": "lines+markers+text",
                "name": pick(lang, "期末整改率", "Rate"),
                "x": x,
                "y": [t["rate"] for t in trend],
                "yaxis": "y2",
                "text": [percent(t["rate"]) for t in trend],
                "textposition": "top center",
                "line": {"color": c["mark"], "width": 4},
                "textfont": {"size": 22},
            },
        ],
        THEME,
        620,
        font={"color": c["text"], "size": 24},
        showlegend=True,
        legend={"orientation": "h", "y": 1.12, "font": {"size": 22}},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "range": [0, 1.05],
            "showgrid": False,
        },
        margin={"l": 20, "r": 20, "t": 60, "b": 20},
    )
    last = trend[-1] if trend else {"found": 0, "rectified": 0, "rate": None}
    message = pick(
        lang,
        f"本期新排查 {number(last['found'])} 项、整改 {number(last['rectified'])} 项，"
        f"期末整改率 {percent(last['rate'])}。",
        f"Found {number(last['found'])}, rectified {number(last['rectified'])}; "
        f"rate at the end {percent(last['rate'])}.",
    )
    return _slide(
        pick(lang, "隐患排查整改趋势", "Rectification trend"), message, [_graph(figure, 620)], n
    )


def _children(doc: dict[str, Any], lang: str, n: int) -> html.Section | None:
    rows = [r for r in doc["dangers"]["by_child"] if r["rate"] is not None]
    if not rows:
        return None
    c = colors(THEME)
    town = doc.get("town")
    ordered = sorted(rows, key=lambda r: (r["rate"], r["name"]))
    average = doc["stats"]["hidden_dangers"]["rate"] or 0
    figure = figure_of(
        [
            {
                "type": "bar",
                "orientation": "h",
                "x": [r["rate"] for r in ordered],
                "y": [r["name"] for r in ordered],
                "text": [percent(r["rate"]) for r in ordered],
                "textposition": "outside",
                "cliponaxis": False,
                "marker": {
                    "color": [
                        c["mark"]
                        if r["code"] == town
                        else (c["warn"] if r["rate"] < average else c["main"])
                        for r in ordered
                    ]
                },
                "textfont": {"size": 22},
            }
        ],
        THEME,
        680,
        font={"color": c["text"], "size": 22},
        xaxis={"range": [max(0.0, min(r["rate"] for r in rows) - 0.05), 1.0], "tickformat": ".0%"},
        margin={"l": 20, "r": 90, "t": 10, "b": 20},
    )
    best, worst = rows[0], rows[-1]
    message = pick(
        lang,
        f"整改率最高的是{best['name']}（{percent(best['rate'])}），最低的是{worst['name']}"
        f"（{percent(worst['rate'])}）。",
        f"Highest: {best['name']} ({percent(best['rate'])}); lowest: {worst['name']} "
        f"({percent(worst['rate'])}).",
    )
    return _slide(
        pick(lang, "下级网格整改率排名", "Sub-grids by rate"), message, [_graph(figure, 680)], n
    )


def _overdue_major(doc: dict[str, Any], lang: str, n: int) -> html.Section:
    late = doc["dangers"]["overdue_major"]
    if not late:
        return _slide(
            pick(lang, "逾期重大隐患", "Overdue major dangers"),
            pick(lang, "无逾期未整改重大隐患。", "No major hidden danger is overdue."),
            [],
            n,
        )
    rows = [
        [
            x["enterprise"] or "—",
            x["grid"] or "—",
            x["description"] or x["code"],
            x["deadline"] or "—",
            number(x["days_overdue"]),
        ]
        for x in late[:SHOWN_ROWS]
    ]
    head = [
        pick(lang, h, e)
        for h, e in (
            ("企业", "Enterprise"),
            ("网格", "Grid"),
            ("隐患", "Hidden danger"),
            ("整改期限", "Deadline"),
            ("逾期天数", "Days late"),
        )
    ]
    message = pick(
        lang,
        f"逾期未整改重大隐患 {len(late)} 项，需督促销号。",
        f"{len(late)} major hidden dangers overdue.",
    )
    return _slide(
        pick(lang, "逾期重大隐患", "Overdue major dangers"),
        message,
        [_table(head, rows), html.P(_more(len(late), lang), className="slide-note")],
        n,
    )


def _campaigns(doc: dict[str, Any], lang: str, n: int) -> html.Section:
    c = colors(THEME)
    items = doc["campaigns"]
    names = [x["name"] if lang == "zh" else (x["name_en"] or x["name"]) for x in items]
    figure = figure_of(
        [
            {
                "type": "bar",
                "orientation": "h",
                "name": pick(lang, "完成率", "Progress"),
                "y": names,
                "x": [x["progress"] or 0 for x in items],
                "text": [percent(x["progress"]) for x in items],
                "textposition": "outside",
                "cliponaxis": False,
                "textfont": {"size": 22},
                "marker": {"color": [c["warn"] if x["behind"] else c["main"] for x in items]},
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": pick(lang, "时间进度", "Time elapsed"),
                "y": names,
                "x": [x["elapsed"] for x in items],
                "marker": {
                    "symbol": "line-ns",
                    "size": 40,
                    "line": {"width": 5, "color": c["text"]},
                },
            },
        ],
        THEME,
        560,
        font={"color": c["text"], "size": 22},
        showlegend=True,
        legend={"orientation": "h", "y": 1.12, "font": {"size": 22}},
        xaxis={"range": [0, 1.1], "tickformat": ".0%"},
        margin={"l": 20, "r": 90, "t": 60, "b": 20},
    )
    behind = [nm for nm, x in zip(names, items, strict=True) if x["behind"]]
    sep = pick(lang, "、", ", ")
    message = (
        pick(lang, f"进度滞后于时间进度：{sep.join(behind)}。", f"Behind time: {sep.join(behind)}.")
        if behind
        else pick(lang, "各专项行动进度均不滞后于时间进度。", "No campaign is behind time.")
    )
    return _slide(
        pick(lang, "专项行动推进", "Special campaigns"), message, [_graph(figure, 560)], n
    )


def _committees(doc: dict[str, Any], lang: str, n: int) -> html.Section:
    cm = doc["committees"]
    rows = [
        [
            x["name"] if lang == "zh" else (x["name_en"] or x["name"]),
            number(x["tasks"]),
            number(x["done"]),
            percent(x["rate"]),
            number(x["overdue"]),
        ]
        for x in cm["committees"]
    ]
    head = [
        pick(lang, h, e)
        for h, e in (
            ("专委会", "Committee"),
            ("任务", "Tasks"),
            ("完成", "Done"),
            ("完成率", "Rate"),
            ("逾期", "Overdue"),
        )
    ]
    worst = sorted(cm["by_owner"], key=lambda o: -o["overdue"])[:3]
    sep = pick(lang, "、", ", ")
    owners = sep.join(f"{o['owner_unit'] or '—'}（{o['overdue']}）" for o in worst)
    message = (
        pick(
            lang,
            f"逾期任务 {len(cm['overdue'])} 项，较多的责任单位：{owners}。",
            f"{len(cm['overdue'])} tasks overdue; most at {owners}.",
        )
        if cm["overdue"]
        else pick(lang, "安委会任务无逾期。", "No committee task is overdue.")
    )
    return _slide(
        pick(lang, "安委会任务落实", "Safety committee tasks"), message, [_table(head, rows)], n
    )


def _alarms(doc: dict[str, Any], lang: str, n: int) -> html.Section:
    a = doc["alarms"]
    unit = pick(lang, "分钟", "min")

    def m(v: float | None) -> str:
        return "—" if v is None else f"{v:g}"

    figures = [
        _big(number(a["raised"]), pick(lang, "本期报警（起）", "Alarms")),
        _big(
            number(a["level_2"]),
            pick(lang, "其中二级", "Level 2"),
            tone="warn" if a["level_2"] else "",
        ),
        _big(
            m(a["ack_minutes_mean"]),
            pick(lang, f"平均确认用时（{unit}）", f"Mean to acknowledge ({unit})"),
        ),
        _big(
            number(a["waiting"]),
            pick(lang, "期末待确认", "Waiting at the end"),
            tone="warn" if a["waiting"] else "",
        ),
    ]
    kinds = [
        html.Li(f"{kind_name(k, lang)} {number(v)}") for k, v in list(a["by_kind"].items())[:6]
    ]
    message = pick(
        lang,
        f"本期监测报警 {number(a['raised'])} 起，已闭环 {number(a['closed'])} 起。",
        f"{number(a['raised'])} alarms, {number(a['closed'])} closed.",
    )
    return _slide(
        pick(lang, "监测预警处置", "Monitoring alarms"),
        message,
        [
            html.Div(figures, className="slide-figures four"),
            html.Ul(kinds, className="slide-kinds"),
        ],
        n,
    )


def _ranking(doc: dict[str, Any], lang: str, n: int) -> html.Section:
    r, town = doc["ranking"], doc.get("town")

    def moved(t: dict[str, Any]) -> str:
        if t["change"] is None:
            return pick(lang, "新", "new")
        return (
            "—"
            if t["change"] == 0
            else (f"↑{t['change']}" if t["change"] > 0 else f"↓{-t['change']}")
        )

    towns = r["towns"]
    rows = [
        [str(t["rank"]), t["name"], "—" if t["score"] is None else f"{t['score']:.2f}", moved(t)]
        for t in towns
    ]
    head = [
        pick(lang, h, e)
        for h, e in (("排名", "Rank"), ("镇街", "Town"), ("得分", "Score"), ("变化", "Change"))
    ]
    half = (len(rows) + 1) // 2
    marked = {i for i, t in enumerate(towns) if t["code"] == town}
    first = towns[0]["name"] if towns else "—"
    message = pick(lang, f"本期第一名：{first}。", f"First: {first}.")
    mine = next((t for t in towns if t["code"] == town), None)
    if mine is not None:
        message += pick(
            lang,
            f"{mine['name']}排名第 {mine['rank']} 位。",
            f" {mine['name']} ranks {mine['rank']}.",
        )
    tables = [
        _table(head, rows[:half], marked),
        _table(head, rows[half:], {i - half for i in marked if i >= half}),
    ]
    return _slide(
        pick(lang, "镇街排名", "Town ranking"),
        message,
        [html.Div(tables, className="slide-two")],
        n,
    )


def _risks(doc: dict[str, Any], lang: str, n: int) -> html.Section:
    k = doc["risks"]
    groups = (
        (
            pick(lang, "红色企业存在未整改重大隐患", "Red enterprises with open major dangers"),
            [f"{x['enterprise']}（{x['major_open']}）" for x in k["red_with_major"]],
        ),
        (
            pick(lang, "挂牌督办隐患逾期未销号", "Listed dangers past their deadline"),
            [
                f"{x['enterprise'] or '—'}：{x['description'] or x['code']}"
                for x in k["listed_past_deadline"]
            ],
        ),
        (
            pick(lang, "重大危险源自动化控制尚在安装", "Major hazards, control installing"),
            [f"{x['enterprise'] or '—'} {x['name']}" for x in k["hazards_installing"]],
        ),
    )
    total = sum(len(items) for _h, items in groups)
    body = [
        html.Div(
            [
                html.H3(f"{head}（{len(items)}）" if lang == "zh" else f"{head} ({len(items)})"),
                html.Ul([html.Li(i) for i in items[:4]] or [html.Li(pick(lang, "无", "none"))]),
            ],
            className="slide-risk",
        )
        for head, items in groups
    ]
    message = pick(lang, f"提请研究的风险事项 {total} 项。", f"{total} risks for a decision.")
    return _slide(pick(lang, "需要决策的风险事项", "Risks needing a decision"), message, body, n)


SLIDES: tuple[Callable[..., html.Section | None], ...] = (
    _overview,
    _map,
    _trend,
    _children,
    _overdue_major,
    _campaigns,
    _committees,
    _alarms,
    _ranking,
    _risks,
)


def create_slides(doc: dict[str, Any], lang: str, map_url: str) -> list[html.Section]:
    """Every slide of the briefing, numbered from 1 (the cover)."""
    out = [_title_slide(doc, lang, 1)]
    for make in SLIDES:
        n = len(out) + 1
        slide = make(doc, lang, n, map_url) if make is _map else make(doc, lang, n)
        if slide is not None:
            out.append(slide)
    return out


def create_brief_shell() -> html.Div:
    """What /brief/'s layout serves for every URL: where the deck for the URL is drawn."""
    return html.Div([dcc.Location(id=ids.PAGE_LOCATION), html.Div(id=ids.PAGE_ROOT)])


def create_brief_page(slides: list, conf: dict[str, Any], problem: str = "") -> html.Div:
    """The deck (assets/brief.js shows one slide at a time), its poll, and the slide counter."""
    return html.Div(
        [
            dcc.Store(id=ids.BRIEF_CONF, data=conf),
            dcc.Interval(id=ids.BRIEF_TICK, interval=conf["poll_ms"]),
            html.Div(problem, className="brief-problem", role="alert") if problem else None,
            html.Div(slides, id=ids.BRIEF_DECK, className="deck"),
            html.Div(id=ids.BRIEF_COUNTER, className="deck-counter", **{"aria-live": "polite"}),
        ],
        className="brief",
        id="brief-root",
    )
