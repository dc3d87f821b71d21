"""Reading and writing the files offices really have: CSV (UTF-8, BOM, GBK), XLSX, GeoJSON,
Shapefile (with .prj/.cpg, often GBK) and GeoPackage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

GEO_SUFFIXES = {".geojson", ".json", ".shp", ".gpkg", ".zip"}
TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm"}


class FileProblem(ValueError):
    """The file cannot be read at all (not a row problem): message in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass
class Table:
    """A file's rows as text cells (None for empty), with geometry when the file has it."""

    frame: pd.DataFrame
    geometry: gpd.GeoSeries | None
    crs: str | None


def read_table(path: str | Path) -> Table:
    """Read any supported file into text cells; geometry (if any) keeps its CRS."""
    path = Path(path)
    if not path.exists():
        raise FileProblem(f"文件不存在：{path}", f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        frame = _read_csv(path) if suffix in (".csv", ".txt") else _read_xlsx(path)
        return Table(_as_text(frame), None, None)
    if suffix in GEO_SUFFIXES:
        gdf = _read_geo(path)
        crs = gdf.crs.to_string() if gdf.crs is not None else None
        attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        return Table(_as_text(attrs), gdf.geometry, crs)
    raise FileProblem(
        f"不支持的文件类型 {suffix}（支持 CSV、XLSX、GeoJSON、Shapefile、GeoPackage）",
        f"unsupported file type {suffix} (use CSV, XLSX, GeoJSON, Shapefile or GeoPackage)",
    )


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    # UTF-8 (with or without BOM) first; Excel exports from offices are often GBK
    # (decoded as GB18030, its superset).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        from io import StringIO

        return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    raise FileProblem(
        "无法识别文件编码（应为 UTF-8 或 GBK）", "unknown text encoding (use UTF-8 or GBK)"
    )


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        return pd.read_excel(path, dtype=str, keep_default_na=False, engine="calamine")
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise FileProblem(
            f"无法读取 Excel 文件：{exc}", f"cannot read the Excel file: {exc}"
        ) from exc


def _read_geo(path: Path) -> gpd.GeoDataFrame:
    encoding = None
    if path.suffix.lower() == ".shp" and not path.with_suffix(".cpg").exists():
        # No .cpg: GDAL assumes ISO-8859-1, which garbles Chinese. Try UTF-8, then GBK.
        encoding = "utf-8"
        try:
            pyogrio.read_dataframe(path, encoding=encoding, read_geometry=False)
        except UnicodeDecodeError:
            encoding = "gb18030"
    try:
        return pyogrio.read_dataframe(path, encoding=encoding)
    except UnicodeDecodeError:
        return pyogrio.read_dataframe(path, encoding="gb18030")
    except Exception as exc:
        raise FileProblem(
            f"无法读取地理文件：{exc}", f"cannot read the geographic file: {exc}"
        ) from exc


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text, or None when empty."""

    def cell(value: object) -> str | None:
        if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
            return None  # None, NaN, NaT and pd.NA are all an empty cell
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat() if value == value.normalize() else value.isoformat()
        text = str(value).strip()
        return text or None

    # Build object columns by hand: pandas 3's string dtype would turn None back into NaN.
    names = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    data = {name: [cell(v) for v in frame.iloc[:, i].tolist()] for i, name in enumerate(names)}
    return pd.DataFrame(data, columns=names, dtype=object)


def write_table(frame: pd.DataFrame, path: str | Path, geometry: list | None = None) -> None:
    """Write rows as CSV (UTF-8 with BOM, so Excel opens it), XLSX or GeoJSON by extension."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False, engine="openpyxl")
    elif suffix in (".geojson", ".json", ".gpkg"):
        if geometry is None:
            raise FileProblem("该类数据没有几何，不能导出为地理文件", "this kind has no geometry")
        gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
        if suffix == ".gpkg":
            gdf.to_file(path, driver="GPKG", engine="pyogrio")
        else:
            gdf.to_file(path, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=7)
    else:
        raise FileProblem(
            f"不支持导出为 {suffix}（可用 .csv、.xlsx、.geojson、.gpkg）",
            f"cannot export to {suffix} (use .csv, .xlsx, .geojson or .gpkg)",
        )
