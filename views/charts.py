"""Plotly figures of the drill-down panels, styled for the dark wall theme and the light page.

Figures are plain dicts in Plotly's schema (what Dash sends anyway): building them as
graph_objects validated every property and cost ~100 ms a tab.

Few colours: one for "found"/"done", one for "rectified"/"time", orange and red only for what is
behind or overdue; the four safety-class colours never appear here (they mean safety class)."""

from __future__ import annotations

from typing import Any

from views.labels import Label

THEMES: dict[str, dict[str, str]] = {
    "dark": {
        "text": "#e8eef7",
        "muted": "#8fa3bf",
        "grid": "rgba(143, 163, 191, 0.18)",
        "main": "#3aa0ff",
        "second": "#2ec4b6",
        "warn": "#ff8c1a",
        "bad": "#ff5a4e",
        "neutral": "#5b6f8c",
        "mark": "#ffd84d",
    },
    "light": {
        "text": "#1b2a3d",
        "muted": "#5a6b82",
        "grid": "rgba(27, 42, 61, 0.10)",
        "main": "#1f6fd1",
        "second": "#12968c",
        "warn": "#d96a00",
        "bad": "#c62828",
        "neutral": "#9aa8bb",
        "mark": "#7a4dd6",
    },
}
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
CONFIG = {"displayModeBar": False, "responsive": True}


def colors(theme: str) -> dict[str, str]:
    """The palette of a theme (dark when unknown)."""
    return THEMES.get(theme, THEMES["dark"])


def figure_of(traces: list[dict[str, Any]], theme: str, height: int, **more: Any) -> dict:
    """A figure dict with the panel's layout for a theme; `more` overrides layout keys."""
    c = colors(theme)
    axis = {"gridcolor": c["grid"], "zeroline": False, "automargin": True}
    layout = {
        "height": height,
        "margin": {"l": 8, "r": 12, "t": 8, "b": 8},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"color": c["text"], "size": 13},
        "showlegend": False,
        "bargap": 0.25,
        "hoverlabel": {"font": {"size": 13}},
        "xaxis": {**axis, "color": c["muted"], **more.pop("xaxis", {})},
        "yaxis": {**axis, "color": c["text"], **more.pop("yaxis", {})},
    }
    return {"data": traces, "layout": layout | more}


def _rows_height(n: int, per: int = 24, extra: int = 40) -> int:
    return max(140, n * per + extra)


def _bar(**props: Any) -> dict:
    return {"type": "bar", **props}


def create_rate_bars(
    rows: list[dict[str, Any]], average: float, theme: str, label: Label, lang: str
) -> dict:
    """Rectification rate by child grid, best on top; below the average in orange; the
    average as a dashed line. The axis starts near the lowest rate so differences show."""
    c = colors(theme)
    rows = sorted((r for r in rows if r["found"]), key=lambda r: (r["rate"], r["name"]))
    low = min([r["rate"] for r in rows] + [average], default=0.0)
    start = max(0.0, round(low - 0.03, 2))
    bars = _bar(
        x=[r["rate"] for r in rows],
        y=[r["name"] for r in rows],
        orientation="h",
        marker={"color": [c["warn"] if r["rate"] < average else c["main"] for r in rows]},
        text=[f"{r['rate']:.2%}" for r in rows],
        textposition="outside",
        cliponaxis=False,
        customdata=[[r["found"], r["rectified"], r["overdue"]] for r in rows],
        hovertemplate=(
            f"%{{y}}<br>{label('kpi.rate', lang)} %{{x:.2%}}<br>"
            f"{label('kpi.found', lang)} %{{customdata[0]:,}} · "
            f"{label('kpi.rectified', lang)} %{{customdata[1]:,}} · "
            f"{label('kpi.overdue', lang)} %{{customdata[2]:,}}<extra></extra>"
        ),
    )
    line = {
        "type": "line",
        "x0": average,
        "x1": average,
        "y0": 0,
        "y1": 1,
        "yref": "paper",
        "line": {"dash": "dash", "color": c["mark"], "width": 2},
    }
    note = {
        "x": average,
        "y": 1,
        "yref": "paper",
        "yanchor": "bottom",
        "text": label("dangers.average", lang).format(v=f"{average:.2%}"),
        "showarrow": False,
        "font": {"color": c["mark"], "size": 12},
    }
    return figure_of(
        [bars],
        theme,
        _rows_height(len(rows), extra=56),
        margin={"l": 8, "r": 56, "t": 24, "b": 8},
        shapes=[line],
        annotations=[note],
        xaxis={"range": [start, 1.0], "tickformat": ".0%"},
    )


def month_label(month: str, lang: str) -> str:
    """'2026-03' as 3月 or Mar."""
    n = int(month[5:7])
    return f"{n}月" if lang == "zh" else MONTHS_EN[n - 1]


def create_trend(trend: list[dict[str, Any]], theme: str, label: Label, lang: str) -> dict:
    """Found and rectified per month, the last 12 months."""
    c = colors(theme)
    x = [month_label(m["month"], lang) for m in trend]
    traces = [
        _bar(
            x=x, y=[m[key] for m in trend], name=label(f"kpi.{key}", lang), marker={"color": color}
        )
        for key, color in (("found", c["main"]), ("rectified", c["second"]))
    ]
    return figure_of(
        traces,
        theme,
        220,
        showlegend=True,
        barmode="group",
        bargap=0.2,
        legend={"orientation": "h", "y": 1.12, "x": 0, "font": {"color": c["muted"]}},
        margin={"l": 8, "r": 8, "t": 28, "b": 8},
        yaxis={"tickformat": ",d"},
    )


def create_found_bars(
    rows: list[dict[str, Any]], name_of: Any, theme: str, label: Label, lang: str
) -> dict:
    """Found per category (source or industry), largest on top, the rate beside each bar."""
    c = colors(theme)
    rows = list(reversed(rows))
    bars = _bar(
        x=[r["found"] for r in rows],
        y=[name_of(r) for r in rows],
        orientation="h",
        marker={"color": c["main"]},
        text=[f"{r['found']:,} · {r['rate']:.1%}" for r in rows],
        textposition="outside",
        cliponaxis=False,
        customdata=[r["rate"] for r in rows],
        hovertemplate=(
            f"%{{y}}<br>{label('kpi.found', lang)} %{{x:,}}<br>"
            f"{label('kpi.rate', lang)} %{{customdata:.2%}}<extra></extra>"
        ),
    )
    return figure_of(
        [bars],
        theme,
        _rows_height(len(rows)),
        margin={"l": 8, "r": 96, "t": 8, "b": 8},
        xaxis={"showticklabels": False, "showgrid": False},
    )


FIGURE_GAP = 10  # px between the plot's right edge (100%) and the figures beside it


def create_progress_bars(
    rows: list[dict[str, Any]], name_of: Any, theme: str, label: Label, lang: str
) -> dict:
    """Tasks done ÷ total per row as bars, with the share of time elapsed as a tick; a row
    behind schedule (progress below time) in orange. Each row's figures (332/428 · 78%) stand
    in a column right of the axis's end: the time tick never reaches past 100%, so it never
    crosses them (as bar labels they sat where the tick falls)."""
    c = colors(theme)
    rows = list(reversed(rows))
    names = [name_of(r) for r in rows]
    figures = [f"{r['done']:,}/{r['tasks']:,} · {r['progress']:.0%}" for r in rows]
    traces = [
        _bar(
            x=[r["progress"] for r in rows],
            y=names,
            orientation="h",
            marker={"color": [c["warn"] if r.get("behind") else c["main"] for r in rows]},
            text=figures,
            textposition="none",  # the figures are the annotations beside the plot
            hovertemplate="%{y}<br>%{text}<extra></extra>",
        )
    ]
    timed = [(r["elapsed"], n) for r, n in zip(rows, names, strict=True) if r.get("elapsed")]
    if timed:
        elapsed = label("campaign.elapsed", lang).format(v="%{x:.0%}")
        traces.append(
            {
                "type": "scatter",
                "x": [min(e, 1.0) for e, _ in timed],
                "y": [n for _, n in timed],
                "mode": "markers",
                "marker": {
                    "symbol": "line-ns",
                    "size": 22,
                    "line": {"width": 3, "color": c["mark"]},
                },
                "hovertemplate": "%{y}<br>" + elapsed + "<extra></extra>",
            }
        )
    notes = [
        {
            "x": 1,
            "xref": "paper",
            "xanchor": "left",
            "xshift": FIGURE_GAP,
            "y": n,
            "yref": "y",
            "text": text,
            "showarrow": False,
            "font": {"color": c["text"], "size": 12},
        }
        for n, text in zip(names, figures, strict=True)
    ]
    widest = max((len(t) for t in figures), default=0)
    return figure_of(
        traces,
        theme,
        _rows_height(len(rows), per=34),
        margin={"l": 8, "r": FIGURE_GAP + round(widest * 7.2) + 8, "t": 8, "b": 8},
        annotations=notes,
        xaxis={"range": [0, 1.0], "tickformat": ".0%"},
    )


def create_status_bars(
    committees: list[dict[str, Any]], name_of: Any, theme: str, label: Label, lang: str
) -> dict:
    """Each committee's tasks stacked by status: done, in progress, not started, overdue."""
    c = colors(theme)
    rows = list(reversed(committees))
    names = [name_of(r) for r in rows]
    series = (
        ("done", c["second"]),
        ("in_progress", c["main"]),
        ("not_started", c["neutral"]),
        ("overdue", c["bad"]),
    )
    traces = [
        _bar(
            x=[r[key] for r in rows],
            y=names,
            orientation="h",
            name=label(f"task.{key}", lang),
            marker={"color": color},
            hovertemplate=f"%{{y}}<br>{label(f'task.{key}', lang)} %{{x}}<extra></extra>",
        )
        for key, color in series
    ]
    most = max((r["tasks"] for r in rows), default=0)
    return figure_of(
        traces,
        theme,
        _rows_height(len(rows), per=28, extra=64),
        xaxis={"tickformat": ",d", "dtick": max(1, -(-most // 5))},  # whole tasks only
        barmode="stack",
        showlegend=True,
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "traceorder": "normal"},
        margin={"l": 8, "r": 8, "t": 30, "b": 8},
    )


def create_score_bars(
    towns: list[dict[str, Any]], selected: str | None, theme: str, label: Label, lang: str
) -> dict:
    """Ranking scores, first on top; the selected town in the highlight colour. A bar's length
    is its score, so the axis starts at 0 (from near the lowest score, a town at 63 looked a
    fraction of one at 85); the figure beside each bar tells the difference."""
    c = colors(theme)
    rows = list(reversed(towns))
    bars = _bar(
        x=[t["score"] for t in rows],
        y=[f"{t['rank']}. {t['name']}" for t in rows],
        orientation="h",
        marker={"color": [c["mark"] if t["code"] == selected else c["main"] for t in rows]},
        text=[f"{t['score']:.2f}" for t in rows],
        textposition="outside",
        cliponaxis=False,
        hovertemplate=f"%{{y}}<br>{label('col.score', lang)} %{{x:.2f}}<extra></extra>",
    )
    return figure_of(
        [bars],
        theme,
        _rows_height(len(rows)),
        margin={"l": 8, "r": 48, "t": 8, "b": 8},
        xaxis={"range": [0, 100], "dtick": 20},
    )
