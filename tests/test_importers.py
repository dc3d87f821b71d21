"""Importers on the files offices have, on SQLite and PostgreSQL; exports read back."""

from __future__ import annotations

import csv
import json
import math
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner
from sqlalchemy import func, select

from data_loaders.importers import ImportRejected, export_kind, import_file
from data_loaders.queries import load_grid_frame, load_stats
from data_loaders.store import read_data_version, session_scope
from data_loaders.store.schema import (
    Campaign,
    CampaignTask,
    Committee,
    CommitteeTask,
    Enterprise,
    Grid,
    HiddenDanger,
    MajorHazard,
    SafetyClassChange,
    Sensor,
)
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
    for kind in ("grids", "enterprises"):
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
    from data_loaders.committee import TaskError, update_task_as

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
    from data_loaders.committee import load_task, update_task_as

    import_file(grids, "committee-tasks", _task_file(tmp_path, ""), today=TODAY)
    with session_scope(grids) as s:
        s.scalar(select(CommitteeTask)).evidence_url = "javascript:alert(1)"
    with session_scope(grids) as s:
        assert load_task(s, "RT-001", TODAY)["evidence_url"] is None
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    update_task_as(grids, "otto", "operator", "RT-001", {"status": "in_progress"}, now)
    with session_scope(grids) as s:
        assert s.scalar(select(CommitteeTask.evidence_url)) is None
