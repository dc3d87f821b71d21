"""The wall screen's components (指挥大屏): no controls, type read from across the room. The
page for a screen (`all`, `map`, `alarms`, `panels`: one part per monitor), the tour's panels
(a scope's figures, rectification, campaigns, committee tasks, the ranking, an incident), the
newest alarms and the card of the alarm that holds the screen. assets/wall.js drives it."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from views import ids
from views.alarm_panel import drill_tag, level_badge, what
from views.format import local_time
from views.incident import kind_line
from views.kpi import campaign_name
from views.labels import Label
from views.map import create_map

SCREENS = ("all", "map", "alarms", "panels")
NEWEST = 6  # alarms in the newest list (its box holds this many at 1920×1080 beside the panel)


def create_wall_shell() -> html.Div:
    """What the wall's /_dash-layout serves for every URL: a location, and where the page for
    the URL's screen and language is drawn (callbacks.wall render_wall)."""
    return html.Div([dcc.Location(id=ids.PAGE_LOCATION), html.Div(id=ids.PAGE_ROOT)])


def create_wall_page(
    screen: str, lang: str, title: str, conf: dict[str, Any], initial: dict[str, Any], tile: str
) -> html.Div:
    """The wall for a screen, drawn with everything it shows at once (`initial`: "spec",
    "step" (label, panel), "kpi", "alarms", "incidents", "watermark"); assets/wall.js takes
    over from there with `conf`."""
    label_text, panel = initial["step"]
    head = html.Header(
        [
            html.H1(title, className="wall-title"),
            html.Div(label_text, id=ids.WALL_STEP_LABEL, className="wall-step"),
            html.Div(html.Div(id=ids.WALL_PROGRESS, className="bar"), className="wall-progress"),
            html.Div(id=ids.WALL_CLOCK, className="wall-clock"),
        ],
        className="wall-head",
    )
    return html.Div(
        [
            dcc.Location(id=ids.WALL_LOCATION),
            dcc.Store(id=ids.WALL_CONF, data=conf),
            dcc.Store(id=ids.WALL_STARTED),
            dcc.Store(id=ids.WALL_STEP, data=conf["step"]),
            dcc.Store(id=ids.WALL_FOCUS, data=None),
            dcc.Store(id=ids.WALL_VERSION, data=conf["version"]),
            dcc.Store(id=ids.MAP_SPEC, data=initial["spec"]),
            dcc.Interval(id=ids.MINUTE_TICK, interval=60_000),
            html.Div(
                initial["watermark_text"],
                id=ids.DRILL_WATERMARK,
                className=initial["watermark"],
                **{"aria-hidden": "true"},
            ),
            head,
            html.Div(id=ids.WALL_BANNER, className="wall-banner", role="status"),
            html.Div(initial["incidents"], id=ids.WALL_INCIDENTS, className="wall-incidents"),
            html.Div(initial["kpi"], id=ids.WALL_KPI, className="wall-kpi kpi-strip"),
            html.Main(
                [
                    html.Section(create_map(initial["spec"], tile), className="wall-map"),
                    html.Div(id=ids.WALL_CARD, className="wall-card", role="alert"),
                    html.Section(panel, id=ids.WALL_PANEL, className="wall-panel"),
                    html.Section(initial["alarms"], id=ids.WALL_ALARMS, className="wall-alarms"),
                ],
                className="wall-main",
            ),
        ],
        id=ids.WALL_ROOT,
        className=f"wall screen-{screen}",
        lang="zh-CN" if lang == "zh" else "en",
    )


def step_label(step: dict[str, Any], index: int, count: int, label: Label, lang: str) -> str:
    """Where the tour is: 3/17 · 镇街概况 · 塘下镇."""
    parts = [f"{index + 1}/{count}", label(f"wall.step.{step['kind']}", lang)]
    if step["kind"] in ("town", "incident") and step["name"]:
        parts.append(step["name"])
    return " · ".join(parts)


def _head(text: str, sub: str = "") -> html.Div:
    return html.Div(
        [html.H2(text), html.Div(sub, className="sub") if sub else None], className="panel-head"
    )


def _bar(name: str, value: float, text: str, cls: str = "", mark: float | None = None) -> html.Li:
    """One ranked row: its name, a bar of `value` (0–1), the figure; `mark` a tick (0–1)."""
    inner = [html.Div(className=f"fill {cls}", style={"width": f"{max(0.0, min(1.0, value)):.1%}"})]
    if mark is not None:
        inner.append(html.Div(className="mark", style={"left": f"{max(0.0, min(1.0, mark)):.1%}"}))
    return html.Li(
        [html.Span(name, className="name"), html.Div(inner, className="track"), html.B(text)],
        className=f"bar-row {cls}",
    )


def _tile(title: str, big: str, parts: list[str], key: str) -> html.Div:
    return html.Div(
        [html.Div(title, className="t"), html.B(big), html.Div([html.Span(p) for p in parts])],
        className="tile",
        id=f"wall-tile-{key}",
    )


def scope_panel(doc: dict[str, Any], label: Label, lang: str) -> list:
    """A scope's figures (the county or a town), the KPI document's, six large tiles."""
    e, h, mh, a = doc["enterprises"], doc["hidden_dangers"], doc["major_hazards"], doc["alarms"]
    m = doc["monitoring"]
    name = (doc.get("grid") or {}).get("name", "")
    levels = ("level_1", "level_2", "level_3", "level_4")
    tiles = [
        _tile(
            label("kpi.enterprises", lang),
            f"{e['total']:,}",
            [f"{label(f'class.{c}', lang)} {e[c]:,}" for c in ("green", "blue", "yellow", "red")],
            "enterprises",
        ),
        _tile(
            label("metric.open_dangers", lang),
            f"{h['found'] - h['rectified']:,}",
            [
                f"{label('kpi.rate', lang)} {h['rate']:.2%}",
                f"{label('kpi.overdue', lang)} {h['overdue']:,}",
            ],
            "open-dangers",
        ),
        _tile(
            label("kpi.major_hazards", lang),
            f"{mh['total']:,}",
            [f"{label('kpi.level_n', lang).format(n=k[-1])} {mh[k]}" for k in levels],
            "major-hazards",
        ),
        _tile(
            label("kpi.listed", lang),
            f"{sum(doc['listed_dangers'].values()):,}",
            [f"{label(f'listing.{k}', lang)} {v}" for k, v in doc["listed_dangers"].items()],
            "listed",
        ),
        _tile(
            label("kpi.monitoring", lang),
            f"{m['enterprises']:,}",
            [f"{label('kpi.devices', lang)} {m['devices']:,}"],
            "monitoring",
        ),
        _tile(
            label("kpi.alarms", lang),
            f"{a['open']:,}",
            [
                f"{label('alarm.level_2', lang)} {a['level_2']}",
                f"{label('alarm.level_1', lang)} {a['level_1']}",
            ],
            "alarms",
        ),
    ]
    return [_head(name), html.Div(tiles, className="tiles")]


def dangers_panel(doc: dict[str, Any], scope: str, label: Label, lang: str) -> list:
    """Hidden-danger rectification: the rate, this month, the child grids ranked by rate."""
    t, month = doc["totals"], doc["this_month"]
    sub = label("wall.month", lang).format(
        found=f"{month['found']:,}", rectified=f"{month['rectified']:,}"
    )
    rows = sorted(doc["by_child"], key=lambda c: (c["rate"], c["code"]))[:8]  # the lowest
    return [
        _head(f"{scope} · {label('wall.step.dangers', lang)}", sub),
        html.Div(
            [
                html.Div(
                    [html.Div(label("wall.rate", lang)), html.B(f"{t['rate']:.2%}")],
                    className="big",
                ),
                html.Div(
                    [html.Div(label("kpi.overdue", lang)), html.B(f"{t['overdue']:,}")],
                    className="big warn",
                ),
                html.Div(
                    [html.Div(label("kpi.major", lang)), html.B(f"{t['major']:,}")],
                    className="big",
                ),
            ],
            className="bigs",
        ),
        html.Ul(
            [
                _bar(
                    c["name"],
                    c["rate"],
                    f"{c['rate']:.1%} · {label('wall.overdue_n', lang).format(n=c['overdue'])}",
                    "low" if c["rate"] < t["rate"] else "",
                )
                for c in rows
            ],
            className="bars",
        ),
    ]


def campaigns_panel(docs: list[dict[str, Any]], scope: str, label: Label, lang: str) -> list:
    """Each campaign's progress against the time gone (those behind said so)."""
    rows = []
    for c in docs:
        text = label("wall.progress", lang).format(p=f"{c['progress']:.0%}")
        elapsed = label("wall.elapsed", lang).format(p=f"{c['elapsed']:.0%}")
        text += f" / {elapsed}"
        if c["behind"]:
            text += f" · {label('wall.behind', lang)}"
        rows.append(
            _bar(
                campaign_name(c, lang),
                c["progress"],
                text,
                "low" if c["behind"] else "",
                c["elapsed"],
            )
        )
    return [
        _head(f"{scope} · {label('wall.step.campaigns', lang)}"),
        html.Ul(rows, className="bars tall"),
    ]


def committee_panel(doc: dict[str, Any], scope: str, label: Label, lang: str) -> list:
    """Each specialist committee's completion and its overdue tasks."""
    rows = [
        _bar(
            # 道路交通安全专业委员会 → 道路交通安全: the row has room for the field's name
            c["name"].removesuffix("专业委员会")
            if lang == "zh"
            else (c.get("name_en") or c["name"]),
            c["rate"],
            f"{c['done']}/{c['tasks']} · {label('wall.overdue_n', lang).format(n=c['overdue'])}",
            "low" if c["overdue"] else "",
        )
        for c in doc["committees"]
    ]
    return [
        _head(f"{scope} · {label('wall.step.committee', lang)}"),
        html.Ul(rows, className="bars"),
    ]


def ranking_panel(doc: dict[str, Any], label: Label, lang: str) -> list:
    """The towns' ranking of the month: rank, name, score and its move."""
    rows = []
    for town in doc["towns"][:10]:  # the first ten (a row the panel cuts is not shown)
        change = town.get("change") or 0
        move = "▲" if change > 0 else "▼" if change < 0 else "–"
        rows.append(
            html.Li(
                [
                    html.B(str(town["rank"]), className="rank"),
                    html.Span(town["name"], className="name"),
                    html.B(f"{town['score']:.2f}", className="score"),
                    html.Span(
                        f"{move}{abs(change) or ''}",
                        className="up" if change > 0 else "down" if change < 0 else "same",
                    ),
                ],
                className="rank-row",
            )
        )
    sub = label("wall.ranking_month", lang).format(month=doc["month"])
    return [_head(label("wall.step.ranking", lang), sub), html.Ol(rows, className="ranks")]


def incident_panel(doc: dict[str, Any] | None, label: Label, lang: str) -> list:
    """An incident under way: what, where, and what each zone holds."""
    if doc is None:
        return []
    where = doc["enterprise"]["name"] if doc.get("enterprise") else ""
    rows = []
    for z in doc["zones"]:
        h = z["holds"]
        name = (
            label("incident.ring", lang).format(r=f"{z['radius_m']:,}")
            if z["kind"] == "ring"
            else label(f"zone.{z['id']}", lang)
        )
        rows.append(
            html.Li(
                [
                    html.Span(name, className="name"),
                    html.Span(
                        label("wall.holdings", lang).format(
                            e=h["enterprises"]["total"],
                            h=h["major_hazards"]["total"],
                            t=h["targets"]["total"],
                            p=f"{h['targets']['people']:,}",
                        )
                    ),
                ],
                className="zone-row",
            )
        )
    cls = "incident-panel drill" if doc["drill"] else "incident-panel"
    return [
        html.Div(
            [_head(kind_line(doc, label, lang), where), html.Ul(rows, className="zones")],
            className=cls,
        )
    ]


def newest_alarms(feed: list[dict[str, Any]], label: Label, lang: str) -> list:
    """The newest alarms, a line each (a running drill's marked 演练)."""
    head = html.H2(label("wall.newest", lang))
    if not feed:
        return [head, html.P(label("wall.none", lang), className="muted")]
    rows = [
        html.Li(
            [
                drill_tag(a, label, lang),
                level_badge(a["level"], label, lang),
                html.Span(local_time(a["opened_at"]), className="t"),
                html.Span(a["enterprise"] or a["sensor"], className="who"),
                html.Span(what(a, label, lang), className="what"),
                html.Span(
                    label(f"alarm.state.{a['state']}", lang), className=f"state st-{a['state']}"
                ),
            ],
            className="wall-alarm"
            + (" escalated" if a["escalated"] else "")
            + (" drill" if a["is_drill"] else ""),
        )
        for a in feed
    ]
    return [head, html.Ul(rows)]


def threshold_text(a: dict[str, Any]) -> str:
    """The threshold the alarm's level crossed, with its unit (empty for AI scenes)."""
    limit = a["thresholds"].get("level_2" if a["level"] == 2 else "level_1")
    if limit is None:
        return ""
    sign = "≤" if a["thresholds"].get("direction") == "below" else "≥"
    return f"{sign} {limit:g} {a['unit'] or ''}".strip()


def value_line(a: dict[str, Any], label: Label, lang: str) -> str:
    """The value that raised the alarm (its peak) and, when it has moved, the latest."""
    unit = a["unit"] or ""
    if a["peak"] is None and a["last_value"] is None:
        return "—"
    if a["peak"] is None or a["last_value"] in (None, a["peak"]):
        value = a["peak"] if a["peak"] is not None else a["last_value"]
        return f"{value:g} {unit}".strip()
    now = label("wall.latest", lang).format(v=f"{a['last_value']:g} {unit}".strip())
    return f"{label('alarm.peak', lang)} {a['peak']:g} {unit} · {now}"


def alarm_card(a: dict[str, Any] | None, more: int, label: Label, lang: str) -> list:
    """The alarm that holds the screen: enterprise, sensor, value, threshold, time, state."""
    if a is None:
        return []
    facts = [
        (label("wall.sensor", lang), f"{a['sensor']} · {what(a, label, lang)}"),
        (label("wall.value", lang), value_line(a, label, lang)),
        (label("wall.threshold", lang), threshold_text(a) or "—"),
        (label("wall.time", lang), local_time(a["opened_at"], seconds=True)),
        (label("wall.state", lang), label(f"alarm.state.{a['state']}", lang)),
    ]
    children: list = [
        html.Div(
            [drill_tag(a, label, lang), level_badge(a["level"], label, lang)]
            + (
                [html.Span(label("alarm.escalated", lang), className="esc")]
                if a["escalated"]
                else []
            ),
            className="card-tags",
        ),
        html.H2(a["enterprise"] or a["sensor"]),
        html.Table(html.Tbody([html.Tr([html.Th(k), html.Td(v)]) for k, v in facts])),
    ]
    if more > 0:
        children.append(html.P(label("wall.more", lang).format(n=more), className="more"))
    return children
