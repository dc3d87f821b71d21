"""The briefing's static map of a scope, drawn on the server: its grids, the enterprises by
safety class, major hazards, listed dangers open at the period's end and the period's alarms,
with a legend, a scale bar and a north arrow, as PNG bytes.

geopandas draws the grids and matplotlib the rest, on a matplotlib Figure of its own (no
pyplot: no global state, safe beside the web workers' threads), in the CGCS2000 3-degree
Gauss-Krüger zone of the scope (metres, as the bureau's own maps are), so the scale bar is
true. Drill data is never drawn."""

from __future__ import annotations

import io
from typing import Any

import geopandas as gpd
import numpy as np
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib_scalebar.scalebar import ScaleBar
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from data_loaders.periods import Period
from data_loaders.store.frames import load_grid_frame
from data_loaders.store.schema import Alarm, Enterprise, HiddenDanger, MajorHazard, Sensor
from read_models.documents.words import pick
from read_models.grids import Scope
from read_models.period_stats import period_instants
from read_models.stats import danger_rectified_by, danger_scope

CLASS_COLOURS = {"green": "#2e9d4f", "blue": "#2f6fd6", "yellow": "#e0b000", "red": "#d62728"}
CLASS_NAMES = {"green": ("绿色", "green"), "blue": ("蓝色", "blue"), "yellow": ("黄色", "yellow")}
CLASS_NAMES["red"] = ("红色", "red")
FONT = "Noto Sans CJK SC"
MAP_ASPECT = 0.78  # height / width of the picture (the PDF and Word place it so)
HALO = [patheffects.withStroke(linewidth=2, foreground="white")]


def gauss_kruger_epsg(lon: float) -> str:
    """The CGCS2000 3-degree Gauss-Krüger CRS (central meridian, no zone prefix) for a
    longitude: EPSG:4534 (75°E) to EPSG:4554 (135°E); 120.6°E is EPSG:4549."""
    meridian = min(135, max(75, round(lon / 3) * 3))
    return f"EPSG:{4534 + (meridian - 75) // 3}"


def load_map_layers(session: Session, scope: Scope, period: Period, now: Any) -> dict[str, Any]:
    """What the map draws (WGS84): the scope's outline and child grids, enterprises with their
    class, major hazards', listed dangers' and the period's alarms' places."""
    grids = load_grid_frame(session)
    if scope.grid is not None and not scope.whole:
        grids = grids[grids["path"].str.startswith(scope.grid.path)]
    top = scope.grid.level if scope.grid is not None else int(grids["level"].min())
    outline = grids[grids["level"] == top]
    children = grids[grids["level"] == top + 1]
    finer = grids[grids["level"] == top + 2]
    in_scope = scope.where(Enterprise.grid_id)
    enterprises = session.execute(
        select(Enterprise.lon, Enterprise.lat, Enterprise.safety_class).where(in_scope)
    ).all()
    hazards = session.execute(
        select(Enterprise.lon, Enterprise.lat, MajorHazard.level)
        .join(Enterprise, Enterprise.id == MajorHazard.enterprise_id)
        .where(in_scope)
    ).all()
    open_end = and_(
        danger_scope(scope), HiddenDanger.found_on <= period.end, ~danger_rectified_by(period.end)
    )
    listed = session.execute(
        select(HiddenDanger.lon, HiddenDanger.lat, Enterprise.lon, Enterprise.lat)
        .join(Enterprise, Enterprise.id == HiddenDanger.enterprise_id, isouter=True)
        .where(open_end, HiddenDanger.listing_level.is_not(None))
    ).all()
    start, stop = period_instants(period, now)
    alarms = session.execute(
        select(Enterprise.lon, Enterprise.lat, Alarm.level)
        .join(Sensor, Sensor.id == Alarm.sensor_id)
        .join(Enterprise, Enterprise.id == Sensor.enterprise_id)
        .where(
            Alarm.is_drill.is_(False),
            Alarm.opened_at >= start,
            Alarm.opened_at < stop,
            in_scope,
        )
    ).all()
    return {
        "outline": outline,
        "children": children,
        "finer": finer if len(finer) <= 4000 else finer.iloc[0:0],
        "enterprises": enterprises,
        "hazards": hazards,
        "listed": [(a if a is not None else c, b if b is not None else d) for a, b, c, d in listed],
        "alarms": alarms,
    }


def _points(rows: list[Any], crs: str) -> gpd.GeoSeries:
    xy = [(r[0], r[1]) for r in rows if r[0] is not None and r[1] is not None]
    if not xy:
        return gpd.GeoSeries([], crs=crs)
    arr = np.array(xy, dtype=float)
    return gpd.GeoSeries(gpd.points_from_xy(arr[:, 0], arr[:, 1]), crs="EPSG:4326").to_crs(crs)


def draw_map(layers: dict[str, Any], lang: str = "zh", width_in: float = 6.8) -> bytes:
    """The map as PNG bytes (200 dpi, about A4's text width)."""
    outline: gpd.GeoDataFrame = layers["outline"]
    lon = float(outline.total_bounds[[0, 2]].mean()) if len(outline) else 120.0
    crs = gauss_kruger_epsg(lon)
    fig = Figure(figsize=(width_in, width_in * MAP_ASPECT), dpi=200)
    fig.set_layout_engine("none")
    ax = fig.add_axes((0.0, 0.01, 0.8, 0.98))  # the legend beside it, never over the map
    ax.set_axis_off()
    font = {"family": FONT}
    if len(layers["finer"]):
        layers["finer"].to_crs(crs).boundary.plot(ax=ax, color="#c9d2dc", linewidth=0.2)
    if len(layers["children"]):
        children = layers["children"].to_crs(crs)
        children.plot(ax=ax, facecolor="#f4f6f8", edgecolor="#7a8796", linewidth=0.6)
        if len(children) <= 40:  # the towns (or a town's communities) named
            for row in children.itertuples():
                p = row.geometry.representative_point()
                ax.annotate(
                    row.name, (p.x, p.y), ha="center", va="center", fontsize=5.5,
                    color="#2b3440", fontfamily=FONT, path_effects=HALO,
                )  # fmt: skip
    if len(outline):
        outline.to_crs(crs).boundary.plot(ax=ax, color="#1f2d3d", linewidth=1.2)
    by_class: dict[str, list[Any]] = {}
    for lon_, lat_, cls in layers["enterprises"]:
        by_class.setdefault(cls, []).append((lon_, lat_))
    handles = []
    for cls in ("green", "blue", "yellow", "red"):  # the red drawn last, on top
        pts = _points(by_class.get(cls, []), crs)
        size = 2.5 if cls in ("green", "blue") else 5
        if len(pts):
            ax.scatter(pts.x, pts.y, s=size, c=CLASS_COLOURS[cls], linewidths=0, alpha=0.8)
        zh, en = CLASS_NAMES[cls]
        n = len(by_class.get(cls, []))
        handles.append(
            _handle("o", CLASS_COLOURS[cls], pick(lang, f"{zh}企业 {n}", f"{en} class {n}"))
        )
    for key, marker, colour, size, zh, en in (
        ("hazards", "^", "#8e24aa", 34, "重大危险源", "major hazard"),
        ("listed", "s", "#ff6f00", 26, "挂牌督办隐患", "listed danger"),
        ("alarms", "*", "#b71c1c", 60, "本期报警", "alarm in period"),
    ):
        pts = _points(layers[key], crs)
        if len(pts):
            ax.scatter(
                pts.x, pts.y, s=size, marker=marker, c=colour, edgecolors="white", linewidths=0.5
            )
        label = f"{pick(lang, zh, en)} {len(layers[key])}"
        handles.append(_handle(marker, colour, label))
    legend = ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(1.0, 0.0),
        frameon=True,
        prop=font | {"size": 6.5},
        title=pick(lang, "图例", "Legend"),
        title_fontproperties=font | {"size": 7, "weight": "bold"},
    )
    legend.get_frame().set_linewidth(0.4)
    ax.add_artist(
        ScaleBar(
            1, "m", location="lower right", length_fraction=0.22, font_properties=font | {"size": 6}
        )
    )
    ax.annotate(
        "N", xy=(1.08, 0.95), xytext=(1.08, 0.86), xycoords="axes fraction",
        ha="center", va="center", fontsize=8, fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "#1f2d3d", "lw": 1},
    )  # fmt: skip
    ax.set_aspect("equal")
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=200, facecolor="white")
    return out.getvalue()


def _handle(marker: str, colour: str, text: str) -> Line2D:
    return Line2D(
        [], [], marker=marker, linestyle="", markerfacecolor=colour, markeredgecolor=colour,
        markersize=5, label=text,
    )  # fmt: skip


def briefing_map(
    session: Session, scope: Scope, period: Period, now: Any, lang: str = "zh"
) -> bytes:
    """The scope's map for a period, PNG bytes."""
    return draw_map(load_map_layers(session, scope, period, now), lang)
