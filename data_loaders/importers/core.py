"""The import driver: read, map headers, parse every cell, check across rows and against the
store, then write all rows in one transaction or nothing at all."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data_loaders.coords import DATUMS, from_china_datum, to_wgs84_xy
from data_loaders.files import FileProblem, RowError, Table, read_table
from data_loaders.importers.fields import Col, FieldError, normalize_header
from data_loaders.store.engine import bump_data_version, session_scope
from data_loaders.times import china_today

Progress = Callable[[str], None]


class ImportRejected(Exception):
    """The file has problems: nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do)."""

    kind: str
    rows: int
    inserted: int = 0
    updated: int = 0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class Row:
    """One parsed row: its number in the file, its values by canonical column, its geometry."""

    number: int
    values: dict[str, Any]
    geometry: BaseGeometry | None = None

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)


class Context:
    """What the checks of one import share: the session, options, the error list."""

    def __init__(
        self,
        session: Session,
        *,
        crs: str | None,
        datum: str,
        today: date,
        headers: dict[str, str],
        substances_file: str | None = None,
    ) -> None:
        self.session = session
        self.substances_file = substances_file
        self.crs = crs
        self.datum = datum
        self.today = today
        self.headers = headers  # canonical name -> the header text in the file
        self.errors: list[RowError] = []
        self.notes: list[str] = []
        self._grids: gpd.GeoDataFrame | None = None

    def error(self, row: int, column: str, zh: str, en: str) -> None:
        """Record a problem; `column` is canonical and is shown as the file's header."""
        self.errors.append(RowError(row, self.headers.get(column, column), zh, en))

    def grid_frame(self) -> gpd.GeoDataFrame:
        """The store's grids with geometry (loaded once)."""
        if self._grids is None:
            from data_loaders.store.frames import load_grid_frame

            self._grids = load_grid_frame(self.session)
        return self._grids


# A kind: its columns, whether it takes geometry, and a prepare step that checks the parsed
# rows against each other and the store and returns the writer (None when there are errors).
Writer = Callable[[Session], tuple[int, int]]
Prepare = Callable[[list[Row], Context], Writer | None]


@dataclass(frozen=True)
class Kind:
    """An importable kind of data."""

    name: str
    columns: Sequence[Col]
    prepare: Prepare
    geometry: str | None = None  # "polygon", "point" or None
    help: str = ""


def map_headers(table: Table, columns: Sequence[Col]) -> tuple[dict[str, str], list[RowError]]:
    """canonical name -> file header for each known column; errors for missing required ones."""
    lookup = {normalize_header(h): c.name for c in columns for h in c.headers()}
    found: dict[str, str] = {}
    errors = []
    for header in table.frame.columns:
        name = lookup.get(normalize_header(str(header)))
        if name and name not in found:
            found[name] = str(header)
    for col in columns:
        if col.required and col.name not in found:
            errors.append(
                RowError(
                    table.header_row,
                    col.zh,
                    f"缺少必需的列（{col.zh} 或 {col.name}）",
                    f"missing required column {col.name} ({col.zh})",
                )
            )
    return found, errors


def parse_rows(table: Table, columns: Sequence[Col], ctx: Context) -> list[Row]:
    """Parse every cell; a missing required value or a bad cell is a RowError."""
    rows: list[Row] = []
    records = table.frame.to_dict("records")
    geoms = list(table.geometry) if table.geometry is not None else [None] * len(records)
    for i, (record, geom) in enumerate(zip(records, geoms, strict=True)):
        number = table.row_number(i)  # as the spreadsheet shows it: the header is row 1
        values: dict[str, Any] = {}
        for col in columns:
            header = ctx.headers.get(col.name)
            raw = record.get(header) if header else None
            if raw is None:
                if col.required and not (col.name in ("lon", "lat") and geom is not None):
                    ctx.error(number, col.name, "必填项为空", "required value is empty")
                continue
            try:
                values[col.name] = col.parse(raw)
            except FieldError as exc:
                ctx.error(number, col.name, exc.zh, exc.en)
        rows.append(Row(number, values, geom))
    return rows


def check_duplicates(rows: list[Row], key: Callable[[Row], Any], column: str, ctx: Context) -> None:
    """Each natural key may appear once in a file."""
    first: dict[Any, int] = {}
    for row in rows:
        k = key(row)
        if k is None or (isinstance(k, tuple) and None in k):
            continue
        if k in first:
            ctx.error(row.number, column, f"与第 {first[k]} 行重复", f"duplicates row {first[k]}")
        else:
            first[k] = row.number


def locate_points(rows: list[Row], ctx: Context, required: bool = True) -> None:
    """Set lon/lat (WGS84) from the geometry or the lon/lat cells, and the containing grid.

    Reprojects from the file's or --crs CRS, removes the GCJ-02/BD-09 offset when asked, and
    checks each point lies inside the city's grids (deepest grid wins).
    """
    bad_cols = {ctx.headers.get("lon", "lon"), ctx.headers.get("lat", "lat")}
    todo: list[Row] = []
    xs: list[float] = []
    ys: list[float] = []
    for row in rows:
        if row.geometry is not None and not row.geometry.is_empty:
            if row.geometry.geom_type != "Point":
                ctx.error(row.number, "geometry", "几何应为点", "geometry must be a point")
                continue
            x, y = row.geometry.x, row.geometry.y
        elif row["lon"] is not None and row["lat"] is not None:
            x, y = row["lon"], row["lat"]
        else:
            reported = any(e.row == row.number and e.column in bad_cols for e in ctx.errors)
            if required and not reported:
                ctx.error(row.number, "lon", "缺少位置（经度、纬度）", "no position (lon, lat)")
            continue
        todo.append(row)
        xs.append(x)
        ys.append(y)
    if not todo:
        return
    with _reprojecting(ctx.crs or "EPSG:4326"):
        lon, lat = to_wgs84_xy(np.array(xs), np.array(ys), ctx.crs or "EPSG:4326")
    located: list[Row] = []
    for row, x, y in zip(todo, lon, lat, strict=True):
        if not (-180 <= x <= 180 and -90 <= y <= 90) or np.isnan(x) or np.isnan(y):
            ctx.error(
                row.number,
                "lon",
                f"坐标超出范围（{x:.6g}, {y:.6g}）",
                f"coordinates out of range ({x:.6g}, {y:.6g})",
            )
            continue
        if ctx.datum != "wgs84":
            x, y = from_china_datum(float(x), float(y), ctx.datum)
        row.values["lon"], row.values["lat"] = round(float(x), 7), round(float(y), 7)
        located.append(row)
    grids = ctx.grid_frame()
    if grids.empty:
        ctx.error(
            1, "", "库中还没有网格，请先导入网格", "the store has no grids yet: import grids first"
        )
        return
    points = gpd.GeoDataFrame(
        {"i": range(len(located))},
        geometry=gpd.points_from_xy([r["lon"] for r in located], [r["lat"] for r in located]),
        crs="EPSG:4326",
    )
    hits = gpd.sjoin(points, grids[["id", "level", "geometry"]], predicate="within", how="inner")
    deepest = hits.sort_values("level").groupby("i").tail(1).set_index("i")["id"].to_dict()
    for i, row in enumerate(located):
        if i in deepest:
            row.values["grid_id"] = int(deepest[i])
        else:
            ctx.error(
                row.number,
                "lon",
                f"位置（{row['lon']:.6f}, {row['lat']:.6f}）不在本市网格内",
                f"position ({row['lon']:.6f}, {row['lat']:.6f}) is outside the city's grids",
            )


def reproject_polygons(rows: list[Row], ctx: Context, source_crs: str | None) -> None:
    """Reproject polygon geometries to WGS84, repairing invalid rings (noted in the report)."""
    crs = ctx.crs or source_crs or "EPSG:4326"
    geoms = [r.geometry for r in rows]
    with _reprojecting(crs):
        series = gpd.GeoSeries(geoms, crs=crs).to_crs("EPSG:4326")
    repaired = 0
    for row, geom in zip(rows, series, strict=True):
        if geom is None or geom.is_empty:
            ctx.error(row.number, "geometry", "缺少几何", "geometry is missing")
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            ctx.error(
                row.number,
                "geometry",
                f"几何应为面，实际为 {geom.geom_type}",
                f"geometry must be a polygon, not {geom.geom_type}",
            )
            continue
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
            geom = shapely.union_all([g for g in getattr(geom, "geoms", [geom]) if g.area > 0])
            repaired += 1
        row.geometry = geom
    lon0, lat0, lon1, lat1 = series.total_bounds if len(series) else (0, 0, 0, 0)
    if len(series) and not (-180 <= lon0 <= lon1 <= 180 and -90 <= lat0 <= lat1 <= 90):
        ctx.error(
            1,
            "geometry",
            f"坐标系不对（范围 {lon0:.0f}…{lon1:.0f}），请用 --crs 指明",
            f"wrong CRS (x range {lon0:.0f}…{lon1:.0f}): give --crs",
        )
    if repaired:
        ctx.notes.append(f"修复了 {repaired} 个自相交的面 / repaired {repaired} invalid polygon(s)")


def run_import(
    engine: Engine,
    kind: Kind,
    path: str | Path,
    *,
    crs: str | None = None,
    datum: str = "wgs84",
    dry_run: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
    substances_file: str | None = None,
) -> ImportReport:
    """Import one file of one kind: all rows or none. Raises ImportRejected or FileProblem."""
    say = progress or (lambda _m: None)
    if datum not in DATUMS:
        raise FileProblem(
            f"未知坐标基准 {datum}", f"unknown datum {datum}; use {', '.join(DATUMS)}"
        )
    if crs is not None:
        _check_crs(crs)
    try:
        table = read_table(path)
    except FileProblem as exc:
        if exc.errors:  # problems in named rows: listed like every other bad row
            raise ImportRejected(exc.errors) from None
        raise
    say(f"read {len(table.frame)} rows from {Path(path).name}")
    if kind.geometry == "polygon" and table.geometry is None:
        table = _wkt_geometry(table)
    headers, header_errors = map_headers(table, kind.columns)
    if header_errors:
        raise ImportRejected(header_errors)
    if not len(table.frame):
        raise ImportRejected(
            [RowError(table.header_row + 1, "", "文件没有数据行", "the file has no data rows")]
        )
    with session_scope(engine) as session:
        ctx = Context(
            session,
            crs=crs,
            datum=datum,
            today=today or china_today(),
            headers=headers,
            substances_file=substances_file,
        )
        rows = parse_rows(table, kind.columns, ctx)
        if kind.geometry == "polygon":
            reproject_polygons(rows, ctx, table.crs)
        elif kind.geometry == "point" and table.crs and not crs:
            ctx.crs = table.crs
        say(f"checking {len(rows)} rows")
        writer = kind.prepare(rows, ctx)
        if ctx.errors or writer is None:
            session.rollback()
            raise ImportRejected(sorted(ctx.errors, key=lambda e: (e.row, e.column)))
        report = ImportReport(kind.name, len(rows), dry_run=dry_run, notes=ctx.notes)
        if dry_run:
            session.rollback()
            say("dry run: nothing written")
            return report
        say(f"writing {len(rows)} rows")
        report.inserted, report.updated = writer(session)
        bump_data_version(session)
    return report


def _wkt_geometry(table: Table) -> Table:
    """A CSV/XLSX of polygons carries them as WKT in a `wkt` or `geometry` column."""
    for name in table.frame.columns:
        if normalize_header(str(name)) in ("wkt", "geometry", "几何", "geom"):
            cells = table.frame[name]
            geoms = []
            for i, cell in enumerate(cells):
                try:
                    geoms.append(shapely.from_wkt(cell) if cell else None)
                except shapely.errors.GEOSException:
                    raise ImportRejected(
                        [
                            RowError(
                                table.row_number(i),
                                str(name),
                                "不是有效的 WKT 几何",
                                "not valid WKT geometry",
                            )
                        ]
                    ) from None
            frame = table.frame.drop(columns=[name])
            return Table(frame, gpd.GeoSeries(geoms), None, table.rows, table.header_row)
    raise ImportRejected(
        [
            RowError(
                table.header_row,
                "wkt",
                "缺少几何（地理文件或 WKT 列）",
                "no geometry: use a geographic file or a WKT column",
            )
        ]
    )


@contextmanager
def _reprojecting(crs: str) -> Iterator[None]:
    """A CRS that cannot be brought to WGS84 (a file's odd .prj) is a FileProblem."""
    from pyproj.exceptions import CRSError, ProjError

    try:
        yield
    except (CRSError, ProjError) as exc:
        raise FileProblem(
            f"无法从坐标系 {crs} 转换到 WGS84（{exc}）", f"cannot reproject from {crs} ({exc})"
        ) from exc


def _check_crs(crs: str) -> None:
    """A --crs that names no coordinate system is refused before the file is read."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(crs)
    except CRSError:
        raise FileProblem(
            f"未知坐标系 {crs}（例如 EPSG:4549）", f"unknown CRS {crs} (e.g. EPSG:4549)"
        ) from None
