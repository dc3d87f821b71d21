"""Importers on the files offices have, on SQLite and PostgreSQL; exports read back."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from data_loaders.files import (
    FileProblem,
    csv_safe,
    csv_unescape,
    formula_like,
    read_table,
    write_csv,
    write_table,
    write_xlsx,
)
from data_loaders.importers import ImportRejected, export_kind, import_file
from data_loaders.store import read_data_version, session_scope
from data_loaders.store.frames import load_grid_frame
from data_loaders.store.schema import (
    Campaign,
    CampaignTask,
    Committee,
    CommitteeTask,
    Enterprise,
    Grid,
    HiddenDanger,
    MajorHazard,
    Resource,
    SafetyClassChange,
    Sensor,
    Target,
)
from read_models.stats import load_stats
from tests.conftest import DATA, TODAY


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Ground distance between two nearby WGS84 points."""
    dx = (lon1 - lon2) * 111_320 * math.cos(math.radians(lat1))
    dy = (lat1 - lat2) * 110_574
    return math.hypot(dx, dy)


def count(engine, model) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.fixture
def grids(engine):
    """The mini county's grids, from the GBK shapefile in EPSG:4549."""
    import_file(engine, "grids", DATA / "grids_4549_gbk.shp", today=TODAY)
    return engine


def test_gbk_shapefile_in_4549_is_reprojected_and_nested(grids):
    with session_scope(grids) as s:
        frame = load_grid_frame(s)
        doc = load_stats(s, today=TODAY)
    assert doc["grids"] == {"1": 1, "2": 2, "3": 4, "4": 8}
    assert set(frame.name) >= {"测试县", "东山镇", "西岙街道", "东南上村"}  # GBK decoded
    truth = json.loads((DATA / "grids.geojson").read_text(encoding="utf-8"))
    by_code = {
        f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in truth["features"]
    }
    for row in frame.itertuples():
        # back from Gauss-Kruger to WGS84 within a few centimetres
        assert shapely.hausdorff_distance(row.geometry, by_code[row.code]) < 1e-6
    # parents by containment (the shapefile has no parent codes)
    assert doc["grid"]["code"] == "339901"
    with session_scope(grids) as s:
        village = s.scalar(select(Grid).where(Grid.code == "339901002002001"))
        assert village.path == "/339901/339901002/339901002002/339901002002001/"


def test_shapefile_without_cpg_falls_back_to_gbk(engine, tmp_path):
    for part in ("shp", "shx", "dbf", "prj"):
        shutil.copy(DATA / f"grids_4549_gbk.{part}", tmp_path / f"g.{part}")
    import_file(engine, "grids", tmp_path / "g.shp")
    with session_scope(engine) as s:
        assert s.scalar(select(Grid.name).where(Grid.code == "339901001")) == "东山镇"


def test_geojson_grids_update_not_duplicate(grids):
    report = import_file(grids, "grids", DATA / "grids.geojson")
    assert (report.inserted, report.updated) == (0, 15)
    assert count(grids, Grid) == 15


def test_enterprises_from_csv_gbk_gcj02_and_geopackage(grids):
    r1 = import_file(grids, "enterprises", DATA / "enterprises_utf8_bom.csv", today=TODAY)
    r2 = import_file(
        grids, "enterprises", DATA / "enterprises_gcj02_gbk.csv", datum="gcj02", today=TODAY
    )
    assert (r1.inserted, r2.inserted) == (6, 6)
    truth = json.loads((DATA / "enterprises_truth.json").read_text(encoding="utf-8"))
    with session_scope(grids) as s:
        rows = {e.credit_code: e for e in s.scalars(select(Enterprise))}
        village_of = dict(s.execute(select(Grid.id, Grid.level)).all())
    assert len(rows) == 12
    for code, (lon, lat) in truth.items():
        e = rows[code]
        assert metres(e.lon, e.lat, lon, lat) < 2.0, code  # GCJ-02 removed to within 2 m
        assert village_of[e.grid_id] == 4  # placed in the village that contains it
    gcj = rows[next(iter(list(truth)[6:]))]
    assert gcj.safety_class in ("green", "blue", "yellow", "red") and gcj.mutual_aid is True
    assert rows[list(truth)[1]].risk_tags == ";confined_space;dust;"
    # The GeoPackage re-grades three of them: updates, with the class history kept.
    r3 = import_file(grids, "enterprises", DATA / "enterprises.gpkg", today=TODAY)
    assert (r3.inserted, r3.updated) == (0, 3)
    with session_scope(grids) as s:
        first = s.scalar(select(Enterprise).where(Enterprise.credit_code == next(iter(truth))))
        assert first.safety_class == "red" and first.name.endswith("（分厂）")
        history = s.scalars(
            select(SafetyClassChange.to_class)
            .where(SafetyClassChange.enterprise_id == first.id)
            .order_by(SafetyClassChange.id)
        ).all()
        assert history == ["green", "red"]
    assert count(grids, Enterprise) == 12


def test_a_bad_file_names_each_row_and_column_and_writes_nothing(grids):
    version_before = _version(grids)
    with pytest.raises(ImportRejected) as exc:
        import_file(grids, "enterprises", DATA / "enterprises_bad.csv", today=TODAY)
    problems = {(e.row, e.column) for e in exc.value.errors}
    assert (2, "credit_code") in problems  # wrong check character
    assert (3, "safety_class") in problems  # 紫 is no class
    assert (4, "lon") in problems  # outside the city's grids
    assert (5, "credit_code") in problems  # duplicates row 4
    assert (6, "name") in problems and (6, "lon") in problems  # empty name, 'abc'
    assert (7, "risk_tags") in problems  # unknown tag 飞行
    text = "\n".join(str(e) for e in exc.value.errors)
    assert "第 2 行" in text and "row 2" in text and "校验码" in text and "check character" in text
    assert count(grids, Enterprise) == 0 and _version(grids) == version_before


def test_missing_required_column_is_reported_on_the_header_row(grids, tmp_path):
    f = tmp_path / "e.csv"
    f.write_text("企业名称,经度,纬度\n某公司,120.61,27.71\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as exc:
        import_file(grids, "enterprises", f)
    assert {e.row for e in exc.value.errors} == {1}
    assert any("统一社会信用代码" in str(e) for e in exc.value.errors)


def test_dry_run_writes_nothing(grids):
    report = import_file(grids, "enterprises", DATA / "enterprises_utf8_bom.csv", dry_run=True)
    assert report.dry_run and report.rows == 6
    assert count(grids, Enterprise) == 0


def test_the_rest_of_the_kinds(grids):
    import_file(grids, "enterprises", DATA / "enterprises_utf8_bom.csv", today=TODAY)
    r = import_file(grids, "hidden-dangers", DATA / "hidden_dangers.xlsx", today=TODAY)
    assert r.inserted == 3
    mh = import_file(grids, "major-hazards", DATA / "major_hazards.csv", today=TODAY)
    assert mh.inserted == 2
    import_file(grids, "sensors", DATA / "sensors.xlsx", today=TODAY)
    import_file(grids, "campaign-tasks", DATA / "campaign_tasks.csv", today=TODAY)
    first = import_file(grids, "committee-tasks", DATA / "committee_tasks.csv", today=TODAY)
    assert any("道路交通" in note for note in first.notes)  # created: the store had none
    with session_scope(grids) as s:
        s.add(Committee(code="fire", name="消防安全专业委员会", name_en="Fire"))
    again = import_file(grids, "committee-tasks", DATA / "committee_tasks.csv", today=TODAY)
    assert (again.inserted, again.updated, again.notes) == (0, 1, [])  # matched, not re-created
    assert count(grids, Committee) == 2
    with session_scope(grids) as s:
        doc = load_stats(s, today=TODAY)
        chlorine = s.scalar(select(MajorHazard).where(MajorHazard.name == "液氯仓库"))
        ammonia = s.scalar(select(MajorHazard).where(MajorHazard.name == "液氨制冷系统"))
        n_substances = len(ammonia.substances)
        public = s.scalar(select(HiddenDanger).where(HiddenDanger.code == "T-003"))
        sensors = {x.tag: x for x in s.scalars(select(Sensor))}
        task = s.scalar(select(CampaignTask).where(CampaignTask.code == "BR-002"))
        town = s.scalar(select(Grid.code).where(Grid.id == task.grid_id))
        campaign = s.scalar(select(Campaign.name))
        ctask = s.scalar(select(CommitteeTask))
    # GB 18218 computed, not read: the standard's chlorine check gives R = 400, level 1.
    assert (chlorine.r_value, chlorine.level, chlorine.alpha) == (400, 1, 2.0)
    # ammonia 30/10·2 + LPG 25/50·1.5 = 6.75; α(40 people) = 1.2 → R = 8.1, level 4
    assert (ammonia.r_value, ammonia.level, n_substances) == (8.1, 4, 2)
    assert doc["hidden_dangers"] == {
        "found": 3,
        "rectified": 1,
        "rate": 0.3333,
        "overdue": 2,
        "major": 1,
    }
    assert doc["listed_dangers"]["county"] == 1
    assert public.enterprise_id is None and public.grid_id is not None  # placed by its position
    assert (sensors["T-NH3-01"].level_1, sensors["T-NH3-01"].level_2, sensors["T-NH3-01"].unit) == (
        150,
        300,
        "ppm",
    )
    assert sensors["T-NH3-01"].hazard_id == ammonia.id
    assert sensors["T-FLOW-01"].direction == "low" and sensors["T-CAM-01"].scene == "smoking"
    assert town == "339901002" and task.progress == 40 and campaign == "百日大会战"
    assert ctask.note == "已完成 3 处" and ctask.updated_by == "import"


def test_major_hazard_below_threshold_is_rejected(grids, tmp_path):
    import_file(grids, "enterprises", DATA / "enterprises_utf8_bom.csv")
    code = json.loads((DATA / "enterprises_truth.json").read_text(encoding="utf-8"))
    f = tmp_path / "mh.csv"
    f.write_text(
        f"统一社会信用代码,名称,物质,最大量(t),500米内人数\n{next(iter(code))},小仓库,液氨,2,10\n{next(iter(code))},小仓库,二噁英,1,10\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as exc:
        import_file(grids, "major-hazards", f)
    assert {(e.row, e.column) for e in exc.value.errors} == {(3, "物质")}
    f.write_text(
        f"统一社会信用代码,名称,物质,最大量(t),500米内人数\n{next(iter(code))},小仓库,液氨,2,10\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as exc:
        import_file(grids, "major-hazards", f)
    assert "S = 0.2 < 1" in str(exc.value.errors[0])


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "geojson"])
def test_export_writes_what_import_reads(small_city, tmp_path, suffix, backend):
    if backend == "postgresql" and suffix != "csv":
        pytest.skip("formats are independent of the database; PostgreSQL runs the CSV round trip")
    for kind in ("grids", "enterprises", "resources", "targets"):
        path = tmp_path / f"{kind}.{suffix}"
        n = export_kind(small_city, kind, path, headers="zh" if suffix == "xlsx" else "en")
        report = import_file(small_city, kind, path, today=TODAY)
        assert n > 0 and (report.inserted, report.updated) == (0, n), kind


def test_cli_import_reports_problems_with_exit_code(grids, monkeypatch):
    from dashboard.cli import main

    monkeypatch.setenv("ONEMAP_DATABASE_URL", grids.url.render_as_string(hide_password=False))
    bad = CliRunner().invoke(main, ["import", "enterprises", str(DATA / "enterprises_bad.csv")])
    assert bad.exit_code == 2
    assert (
        "第 2 行" in bad.output
        and "nothing written" in bad.output
        and "Traceback" not in bad.output
    )
    ok = CliRunner().invoke(
        main,
        ["import", "enterprises", str(DATA / "enterprises_gcj02_gbk.csv"), "--coords", "gcj02"],
    )
    assert ok.exit_code == 0, ok.output
    assert "6 new" in ok.output


def _version(engine) -> int:
    with session_scope(engine) as s:
        return read_data_version(s)


# --- issue 13: a file that cannot be read says why, never a traceback ------------------------


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hello")
    return buf.getvalue()


def _xlsx_bytes(*rows: list) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


HEAD = "统一社会信用代码,企业名称,四色等级,经度,纬度\n"
OK_ROW = "91330381MA00000014,测试01号机械有限公司,green,120.605,27.705\n"
UNREADABLE = {
    # name: (file name, content, where the problem is: (row, column) or None for the whole file)
    "empty": ("e.csv", b"", None),
    "bom only": ("e.csv", b"\xef\xbb\xbf", None),
    "blank lines only": ("e.csv", b"\r\n \r\n,,\r\n", None),
    "binary": ("e.csv", bytes(range(256)) * 4, None),
    "zip named csv": ("e.csv", _zip_bytes(), None),
    "old xls named csv": ("e.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, None),
    "utf-16": ("e.csv", HEAD.encode("utf-16"), None),
    "extra fields": ("e.csv", (HEAD + OK_ROW.strip() + ",多余,的值\n").encode(), (2, "G")),
    "unclosed quote": (
        "e.csv",
        (HEAD + '91330381MA00000014,"测试,green\n' + OK_ROW).encode(),
        (2, "企业名称"),
    ),
    "misplaced quote": (
        "e.csv",
        (HEAD + OK_ROW + '91330381MA00000027,"测"试,blue\n').encode(),
        (3, "企业名称"),
    ),
    "empty xlsx": ("e.xlsx", b"", None),
    "xlsx without rows": ("e.xlsx", _xlsx_bytes(), None),
    "csv named xlsx": ("e.xlsx", (HEAD + OK_ROW).encode(), None),
    "truncated xlsx": ("e.xlsx", _xlsx_bytes(["a"], ["b"])[:300], None),
    "truncated geojson": (
        "e.geojson",
        b'{"type": "FeatureCollection", "features": [{"type": "Fe',
        None,
    ),
    "empty geojson": ("e.geojson", b"", None),
    "geojson without features": (
        "e.geojson",
        b'{"type": "FeatureCollection", "features": []}',
        None,
    ),
    "text named gpkg": ("e.gpkg", b"not a geopackage", None),
    "csv named shp": ("e.shp", (HEAD + OK_ROW).encode(), None),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_an_unreadable_file_is_a_file_problem_in_both_languages(case, tmp_path):
    name, content, where = UNREADABLE[case]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    problem = exc.value
    assert re.search("[\u4e00-\u9fff]", problem.zh) and re.search("[a-z]", problem.en)
    if where is None:
        assert not problem.errors
    else:
        assert [(e.row, e.column) for e in problem.errors] == [where]
        assert re.search("[\u4e00-\u9fff]", problem.errors[0].zh)


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_cli_import_of_an_unreadable_file_exits_2_with_a_message(case, engine, tmp_path):
    from dashboard.cli import main

    name, content, where = UNREADABLE[case]
    path = tmp_path / name
    path.write_bytes(content)
    url = engine.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(
        main, ["import", "enterprises", str(path)], env={"ONEMAP_DATABASE_URL": url}
    )
    assert out.exit_code == 2, out.output
    assert isinstance(out.exception, SystemExit) and "Traceback" not in out.output
    assert re.search("[\u4e00-\u9fff]", out.output) and " / " in out.output
    if where is not None:  # listed like every other bad row: row and column, both languages
        row, column = where
        assert (
            f"第 {row} 行“{column}”列" in out.output and f"row {row}, column {column}" in out.output
        )
        assert "nothing written" in out.output


def test_cli_import_refuses_an_unknown_crs_without_a_traceback(grids):
    from dashboard.cli import main

    url = grids.url.render_as_string(hide_password=False)
    for crs in ("EPSG:999999", "nonsense"):
        out = CliRunner().invoke(
            main,
            ["import", "grids", str(DATA / "grids.geojson"), "--crs", crs],
            env={"ONEMAP_DATABASE_URL": url},
        )
        assert out.exit_code == 2 and isinstance(out.exception, SystemExit), out.output
        assert "未知坐标系" in out.output and "unknown CRS" in out.output


def test_rows_are_numbered_as_the_spreadsheet_shows_them(grids, tmp_path):
    """Blank lines are skipped but counted; a cell with a line break is one row; an XLSX
    header need not be on row 1."""
    f = tmp_path / "e.csv"
    bad = "91330381MA00000027,测试02号,紫,120.617903,27.705\n"
    f.write_text(
        "\n"
        + HEAD
        + OK_ROW.replace("测试01号机械有限公司", '"测试01号\n机械有限公司"')
        + "\n,,,,\n"
        + bad,
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as exc:
        import_file(grids, "enterprises", f, today=TODAY)
    assert [(e.row, e.column) for e in exc.value.errors] == [(6, "四色等级")]
    x = tmp_path / "e.xlsx"
    rows = [r.split(",") for r in (HEAD + OK_ROW + bad).splitlines()]
    x.write_bytes(_xlsx_bytes(["企业名单（2026 年）"], [], *rows))
    with pytest.raises(ImportRejected) as exc:
        import_file(grids, "enterprises", x, today=TODAY)
    # the one-cell title row is taken as the header: the message points at row 1
    assert {e.row for e in exc.value.errors} == {1}
    x.write_bytes(_xlsx_bytes([], [], *rows))
    with pytest.raises(ImportRejected) as exc:
        import_file(grids, "enterprises", x, today=TODAY)
    assert [(e.row, e.column) for e in exc.value.errors] == [(5, "四色等级")]
    x.write_bytes(_xlsx_bytes(rows[0]))
    with pytest.raises(ImportRejected) as exc:
        import_file(grids, "enterprises", x, today=TODAY)
    assert [(e.row, e.en) for e in exc.value.errors] == [(2, "the file has no data rows")]


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(alphabet=",\"\r\n '=abc测\ufeff", max_size=120).map(lambda t: t.encode()),
        st.text(max_size=120).map(lambda t: t.encode("gb18030", errors="ignore")),
    )
)
def test_any_bytes_give_rows_or_a_file_problem(content):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        path.write_bytes(content)
        try:
            table = read_table(path)
        except FileProblem as exc:
            assert exc.zh and exc.en
            assert not exc.zh.startswith("无法读取文件"), exc  # named, not the catch-all
            for e in exc.errors:
                assert e.row >= 1 and e.zh and e.en
            return
    numbers = table.rows or []
    assert len(numbers) == len(table.frame) and numbers == sorted(set(numbers))
    assert all(n > table.header_row for n in numbers)
    for column in table.frame.columns:
        for cell in table.frame[column]:
            assert cell is None or (isinstance(cell, str) and cell == cell.strip() and cell)


# --- issue 13: exported text is never a formula, and reads back as it was -------------------

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "+1",
    "-1+2",
    "@SUM(A1)",
    "＝1+1",
    "'=1+1",
    "'quoted",
    "''",
    'a,b "c"',
]


def test_formula_like_text_is_escaped_and_unescaped_exactly():
    for text in [*HOSTILE, "\t=1+1", "\r=1+1", "\n1", " =1", "plain", "'", "-"]:
        assert csv_unescape(csv_safe(text)) == text
    for text in (
        '=HYPERLINK("http://x","y")',
        "=1+1",
        "+1",
        "-1+2",
        "@SUM(A1)",
        "\tx",
        "\rx",
        " =1",
    ):
        assert formula_like(text) and csv_safe(text) == "'" + text
    for value in ("plain", "测试公司", "1-2", "a=b", 5, -1.5, None):
        assert csv_safe(value) == value
    assert csv_unescape("'abc") == "'abc"  # an apostrophe of the office's own stays


def _xlsx_cells(path: Path) -> list[list]:
    from openpyxl import load_workbook

    sheet = load_workbook(path).active
    return [list(row) for row in sheet.iter_rows()]


def test_write_table_writes_no_formula(tmp_path):
    names = [*HOSTILE, "\t=1+1", "\r=cmd", "\n=1"]
    frame = pd.DataFrame({"name": names, "n": list(range(len(names)))})
    write_table(frame, tmp_path / "t.csv")
    write_table(frame, tmp_path / "t.xlsx")
    with (tmp_path / "t.csv").open(encoding="utf-8-sig", newline="") as f:
        written = [row[0] for row in csv.reader(f)][1:]
    for raw, name in zip(written, names, strict=True):
        assert raw == ("'" + name if formula_like(name) or name.startswith("'") else name)
        assert not formula_like(raw)
    cells = _xlsx_cells(tmp_path / "t.xlsx")[1:]
    for (name_cell, n_cell), name in zip(cells, names, strict=True):
        # every character comes back, a carriage return included (openpyxl writes with lxml,
        # which python-docx brings: it escapes \r as &#13;, where XML made it a \n)
        assert (name_cell.value, name_cell.data_type) == (name, "s")
        assert name_cell.quotePrefix == formula_like(name)
        assert n_cell.data_type == "n"
    with zipfile.ZipFile(tmp_path / "t.xlsx") as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_hostile_names_export_as_text_and_round_trip(grids, tmp_path, suffix):
    truth = json.loads((DATA / "enterprises_truth.json").read_text(encoding="utf-8"))
    names = [*HOSTILE, "正常的名字"]
    f = tmp_path / "in.csv"
    with f.open("w", encoding="utf-8-sig", newline="") as out:
        w = csv.writer(out)
        w.writerow(["credit_code", "name", "safety_class", "lon", "lat", "address"])
        for (code, (lon, lat)), name in zip(truth.items(), names, strict=False):
            w.writerow([code, name, "green", lon, lat, "@地址" if name == "+1" else ""])
    import_file(grids, "enterprises", f, today=TODAY)
    stored = _names(grids)
    # an office's own CSV: a leading ' before a formula (or another ') marks text, as in Excel
    assert sorted(stored.values()) == sorted(csv_unescape(n) for n in names)
    assert "=1+1" in stored.values() and "'quoted" in stored.values()
    for headers in ("en", "zh"):
        path = tmp_path / f"out_{headers}.{suffix}"
        export_kind(grids, "enterprises", path, headers=headers)
        if suffix == "xlsx":
            cells = [c for row in _xlsx_cells(path) for c in row]
            assert all(c.data_type != "f" for c in cells)
            assert {c.value for c in cells if c.quotePrefix} >= {"=1+1", "@SUM(A1)", "@地址"}
        else:
            text = path.read_text(encoding="utf-8-sig")
            assert "'=1+1" in text and ",'@地址," in text
            assert not any(formula_like(c) for row in csv.reader(io.StringIO(text)) for c in row)
        report = import_file(grids, "enterprises", path, today=TODAY)
        assert report.updated == len(stored)
        assert _names(grids) == stored  # the names read back exactly: no quote added or lost
    again = tmp_path / f"again.{suffix}"
    export_kind(grids, "enterprises", again, headers="zh")
    if suffix == "csv":
        assert again.read_bytes() == (tmp_path / "out_zh.csv").read_bytes()


def _names(engine) -> dict[str, str]:
    with session_scope(engine) as s:
        return dict(s.execute(select(Enterprise.credit_code, Enterprise.name)).all())


CELL_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
) | st.sampled_from(["=1+1", "'=x", "''", "'", "-1", "@a", " +x", "\t=1", "a\r\nb", '"', "'\"'"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELL_TEXT, min_size=3, max_size=3), min_size=1, max_size=6))
def test_what_write_csv_writes_read_table_reads_back(rows):
    expected = [[c.strip() or None for c in row] for row in rows]
    expected = [row for row in expected if any(row)]  # a row of empty cells is skipped
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        write_csv(["a", "b", "c"], [[c.strip() for c in row] for row in rows], path)
        table = read_table(path)
    assert table.frame.values.tolist() == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(CELL_TEXT, min_size=2, max_size=2), min_size=1, max_size=4))
def test_what_write_xlsx_writes_read_table_reads_back(rows):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    stored = [[ILLEGAL_CHARACTERS_RE.sub("", c).strip() for c in row] for row in rows]
    expected = [[c or None for c in row] for row in stored if any(row)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.xlsx"
        write_xlsx(["a", "b"], stored, path)
        table = read_table(path)
    assert table.frame.values.tolist() == expected


# --- issue 13: one link rule for the committee-task import and the task editor --------------

LINKS_REFUSED = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example.com/x",
    "/docs/1.pdf",
    "https://",
    "https:javascript:alert(1)",
    "http://[::1",
    "oa.example.gov.cn/doc/1",
    "https://oa.example.gov.cn/" + "a" * 500,
]
LINKS_ACCEPTED = ["https://oa.example.gov.cn/doc/1?id=7#p2", "HTTP://OA.EXAMPLE.GOV.CN/a b.pdf"]


def _task_file(tmp_path: Path, link: str) -> Path:
    f = tmp_path / "tasks.csv"
    with f.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["专委会", "任务编号", "任务内容", "佐证材料"])
        w.writerow(["道路交通", "RT-001", "事故黑点整治", link])
    return f


def test_committee_import_and_editor_refuse_the_same_links(grids, tmp_path):
    from data_loaders.actions.tasks import TaskError, update_task_as

    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    import_file(grids, "committee-tasks", _task_file(tmp_path, LINKS_ACCEPTED[0]), today=TODAY)
    for link in LINKS_REFUSED:
        with pytest.raises(ImportRejected) as exc:
            import_file(grids, "committee-tasks", _task_file(tmp_path, link), today=TODAY)
        assert [(e.row, e.column) for e in exc.value.errors] == [(2, "佐证材料")], link
        assert "链接" in exc.value.errors[0].zh and "link" in exc.value.errors[0].en
        with pytest.raises(TaskError) as bad:
            update_task_as(grids, "otto", "operator", "RT-001", {"evidence_url": link}, now)
        assert bad.value.code == "bad_url", link
    for link in LINKS_ACCEPTED:
        import_file(grids, "committee-tasks", _task_file(tmp_path, link), today=TODAY)
        update_task_as(grids, "otto", "operator", "RT-001", {"evidence_url": link}, now)
    with session_scope(grids) as s:
        assert s.scalar(select(CommitteeTask.evidence_url)) == LINKS_ACCEPTED[-1]


def test_a_link_stored_before_the_rule_is_neither_shown_nor_kept(grids, tmp_path):
    from data_loaders.actions.tasks import update_task_as
    from read_models.committee import load_task

    import_file(grids, "committee-tasks", _task_file(tmp_path, ""), today=TODAY)
    with session_scope(grids) as s:
        s.scalar(select(CommitteeTask)).evidence_url = "javascript:alert(1)"
    with session_scope(grids) as s:
        assert load_task(s, "RT-001", TODAY)["evidence_url"] is None
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    update_task_as(grids, "otto", "operator", "RT-001", {"status": "in_progress"}, now)
    with session_scope(grids) as s:
        assert s.scalar(select(CommitteeTask.evidence_url)) is None


def test_a_bad_substance_table_is_a_file_problem(grids, tmp_path):
    import_file(grids, "enterprises", DATA / "enterprises_utf8_bom.csv", today=TODAY)
    table = tmp_path / "substances.csv"
    for content in ("name,q_threshold_t,beta\n液氨,ten,2\n", "名称,临界量\n液氨,10\n"):
        table.write_text(content, encoding="utf-8")
        with pytest.raises(FileProblem) as exc:
            import_file(grids, "major-hazards", DATA / "major_hazards.csv", substances_file=table)
        assert "ONEMAP_SUBSTANCES_FILE" in exc.value.zh and "q_threshold_t" in exc.value.en
    with pytest.raises(FileProblem):
        import_file(
            grids, "major-hazards", DATA / "major_hazards.csv", substances_file=tmp_path / "x"
        )
    assert count(grids, MajorHazard) == 0


# --- issue 15: emergency resources and sensitive targets -------------------------------------


def test_resources_and_targets_import_with_types_items_and_grids(grids):
    r = import_file(grids, "resources", DATA / "resources_gbk.csv", today=TODAY)
    t = import_file(grids, "targets", DATA / "targets.xlsx", today=TODAY)
    assert (r.inserted, r.updated, t.inserted, t.updated) == (7, 0, 6, 0)
    with session_scope(grids) as s:
        res = {x.code: x for x in s.scalars(select(Resource))}
        tgt = {x.code: x for x in s.scalars(select(Target))}
        level = dict(s.execute(select(Grid.id, Grid.level)).all())
    assert {x.type for x in res.values()} == {
        "fire_station",
        "rescue_team",
        "material_store",
        "shelter",
        "medical",
        "expert",
    }
    assert res["R-003"].items == "帐篷:200;救生衣:500;发电机:6"  # normalised
    assert (res["R-004"].capacity, res["R-004"].is_open, res["R-007"].is_open) == (
        3000,
        True,
        False,
    )
    assert (res["R-005"].beds, res["R-005"].ambulances, res["R-005"].members) == (600, 8, None)
    assert (res["R-002"].members, res["R-002"].speciality) == (25, "危化")
    assert (res["R-006"].speciality, res["R-006"].phone) == ("消防", "13800000001")
    assert res["R-001"].name == "测试县消防救援大队东山中队"  # GBK decoded
    assert (tgt["T-004"].type, tgt["T-004"].people) == ("care_home", 120)  # 敬老院 is an alias
    assert tgt["T-006"].people == 0 and tgt["T-001"].phone == "13900000000"
    for x in [*res.values(), *tgt.values()]:
        assert level[x.grid_id] == 4  # placed in the village that contains it
    again = import_file(grids, "resources", DATA / "resources_gbk.csv", today=TODAY)
    assert (again.inserted, again.updated) == (0, 7) and count(grids, Resource) == 7


def test_a_bad_resources_file_names_row_and_column_and_writes_nothing(grids):
    version_before = _version(grids)
    with pytest.raises(ImportRejected) as exc:
        import_file(grids, "resources", DATA / "resources_bad.csv", today=TODAY)
    problems = {(e.row, e.column) for e in exc.value.errors}
    assert problems == {
        (2, "床位"),  # beds on a rescue team
        (3, "类型"),  # 飞艇 is no type
        (4, "物资"),  # 帐篷200: no quantity
        (5, "编码"),  # duplicates row 4
        (6, "人数"),  # 99,999 members
        (7, "经度"),  # outside the city's grids
        (8, "物资"),  # a negative quantity
    }
    text = "\n".join(str(e) for e in exc.value.errors)
    assert "第 2 行" in text and "row 2" in text
    assert "救援队伍不填“床位”" in text and "a rescue_team has no beds" in text
    assert "与第 4 行重复" in text and "duplicates row 4" in text
    assert count(grids, Resource) == 0 and _version(grids) == version_before


def test_a_bad_targets_file_is_refused_whole(grids, tmp_path):
    import_file(grids, "targets", DATA / "targets.xlsx", today=TODAY)
    f = tmp_path / "t.csv"
    f.write_text(
        "code,name,type,people,lon,lat\n"
        "T-101,好学校,学校,800,120.61,27.71\n"
        "T-102,人数空,school,,120.61,27.71\n"
        "T-103,太多人,market,1000001,120.61,27.71\n"
        "T-104,不知道,airport,10,120.61,27.71\n"
        "T-105,负数,station,-1,120.61,27.71\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as exc:
        import_file(grids, "targets", f, today=TODAY)
    assert {(e.row, e.column) for e in exc.value.errors} == {
        (3, "people"),
        (4, "people"),
        (5, "type"),
        (6, "people"),
    }
    assert "必填项为空" in str(exc.value.errors[0]) and "required value is empty" in str(
        exc.value.errors[0]
    )
    assert count(grids, Target) == 6  # the first file only
    f.write_text("名称,类型,经度,纬度\n某小学,学校,120.61,27.71\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as exc:
        import_file(grids, "targets", f, today=TODAY)
    missing = {e.column for e in exc.value.errors}
    assert missing == {"编码", "人数"} and {e.row for e in exc.value.errors} == {1}


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("帐篷:200;救生衣:500", "帐篷:200;救生衣:500"),
        (" 帐篷 ： 200 ；救生衣:1,500 ", "帐篷:200;救生衣:1500"),
        ("发电机:0", "发电机:0"),
        ("帐篷:200;", "帐篷:200"),
    ],
)
def test_store_items_are_normalised(cell, stored):
    from data_loaders.importers.kinds.resources import items

    assert items(cell) == stored


@pytest.mark.parametrize(
    "cell", ["帐篷", ":5", "帐篷:2.5", "帐篷:-1", "帐篷:1;帐篷:2", "帐篷:x", ";"]
)
def test_bad_store_items_are_refused_in_both_languages(cell):
    from data_loaders.importers.fields import FieldError
    from data_loaders.importers.kinds.resources import items

    with pytest.raises(FieldError) as exc:
        items(cell)
    assert re.search("[\u4e00-\u9fff]", exc.value.zh) and re.search("[a-z]", exc.value.en)


@pytest.mark.parametrize("kind", ["resources", "targets"])
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_hostile_resource_and_target_names_export_as_text(grids, tmp_path, kind, suffix):
    names = ["=cmd|' /C calc'!A0", "<script>alert(1)</script>", *HOSTILE]
    f = tmp_path / "in.csv"
    with f.open("w", encoding="utf-8-sig", newline="") as out:
        w = csv.writer(out)
        extra = ["people"] if kind == "targets" else ["items"]
        w.writerow(["code", "name", "type", "lon", "lat", *extra])
        for i, name in enumerate(names):
            w.writerow(
                [
                    f"H-{i:03d}",
                    name,
                    "school" if kind == "targets" else "material_store",
                    120.605 + i * 0.005,
                    27.71,
                    "100" if kind == "targets" else "=帐篷:1",
                ]
            )
    import_file(grids, kind, f, today=TODAY)
    model = Target if kind == "targets" else Resource
    with session_scope(grids) as s:
        stored = dict(s.execute(select(model.code, model.name)).all())
    assert (
        stored["H-000"] == "=cmd|' /C calc'!A0" and stored["H-001"] == "<script>alert(1)</script>"
    )
    assert sorted(stored.values()) == sorted(csv_unescape(n) for n in names)
    for headers in ("en", "zh"):
        path = tmp_path / f"out_{headers}.{suffix}"
        export_kind(grids, kind, path, headers=headers)
        if suffix == "xlsx":
            cells = [c for row in _xlsx_cells(path) for c in row]
            assert all(c.data_type != "f" for c in cells)
            assert {c.value for c in cells if c.quotePrefix} >= {"=cmd|' /C calc'!A0", "=1+1"}
        else:
            text = path.read_text(encoding="utf-8-sig")
            assert "'=cmd|' /C calc'!A0" in text and "<script>alert(1)</script>" in text
            assert not any(formula_like(c) for row in csv.reader(io.StringIO(text)) for c in row)
        report = import_file(grids, kind, path, today=TODAY)
        assert report.updated == len(stored)
        with session_scope(grids) as s:
            assert dict(s.execute(select(model.code, model.name)).all()) == stored


def test_the_readme_has_the_columns_onemap_columns_prints():
    from data_loaders.importers.kinds import columns_markdown

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert columns_markdown().strip() in readme, "run `onemap columns` and paste it in the README"
