"""An incident's documents read back: the after-action report (PDF, its text read by PDFium)
and the evacuation and notification lists (XLSX, read by openpyxl). Their figures are the
incident document's (GET /api/incidents/<id>), a drill says so on every page and sheet and a
real incident nowhere, and a name from the data is printed as itself, never as markup or a
formula."""

from __future__ import annotations

import io
import re
import zipfile
from base64 import b64encode
from urllib.parse import quote

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dashboard.app import create_app
from dashboard.auth import hash_password
from dashboard.settings import Settings
from data_loaders import vocab
from data_loaders.store import session_scope
from data_loaders.store.schema import (
    Enterprise,
    HazardSubstance,
    MajorHazard,
    Resource,
    Sensor,
    SensorState,
    Target,
)
from data_loaders.users import save_user

PASSWORDS = {"vera": "viewer-pass", "otto": "operator-pass"}
WIND = {"wind_from_deg": 45.0, "wind_m_s": 2.0, "stability": "D"}
FORMULA = "=cmd|' /C calc'!A0"
MARKUP = "<b>x</b> {nb} {{x}}"
HEADINGS = ("一、事件概况", "二、影响范围", "三、气象与扩散", "四、应急资源与处置任务")
HEADINGS += ("五、时间线", "六、响应时效")
CLASS_ZH = {"green": "绿", "blue": "蓝", "yellow": "黄", "red": "红"}


@pytest.fixture(params=["sqlite"])
def backend(request):  # a document is made from the incident's JSON, whichever store served it
    return request.param


@pytest.fixture
def api(small_city):
    """The small demo city behind sign-in, with a viewer and an operator."""
    with session_scope(small_city) as s:
        for name, role in (("vera", "viewer"), ("otto", "operator")):
            save_user(s, name, role, hash_password(PASSWORDS[name]))
    return create_app(Settings(warm_cache=False), engine=small_city).server.test_client()


def basic(name: str) -> dict[str, str]:
    token = b64encode(f"{name}:{PASSWORDS[name]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def hostile_site(engine) -> str:
    """The credit code of an ammonia site, renamed to a formula, with two sensitive targets
    beside it named as markup and as a formula (with their contacts)."""
    with session_scope(engine) as s:
        ent = s.execute(
            select(Enterprise)
            .join(MajorHazard, MajorHazard.enterprise_id == Enterprise.id)
            .join(HazardSubstance, HazardSubstance.hazard_id == MajorHazard.id)
            .where(HazardSubstance.substance == "液氨")
        ).scalar()
        ent.name = FORMULA
        s.add_all(
            [
                Target(
                    code="T-MARKUP",
                    name=MARKUP,
                    type="school",
                    people=1234,
                    lon=ent.lon + 0.001,
                    lat=ent.lat,
                    contact="张老师",
                    phone="0577-65800001",
                ),
                Target(
                    code="T-FORMULA",
                    name="+SUM(A1:A9)",
                    type="care_home",
                    people=56,
                    lon=ent.lon - 0.0015,
                    lat=ent.lat - 0.0015,
                    contact=FORMULA,
                    phone="13800000000",
                ),
            ]
        )
        return ent.credit_code


def open_drill(api, engine) -> dict:
    """A closed drill of a toxic release with a plume, two tasks and a note."""
    code = hostile_site(engine)
    body = {
        "kind": "toxic_release",
        "enterprise": code,
        "drill": True,
        "title": "液氨泄漏应急演练 " + MARKUP,
        "release": {"rate_kg_s": 2, **WIND},
    }
    doc = api.post("/api/incidents", json=body, headers=basic("otto")).json
    base = f"/api/incidents/{doc['id']}"
    with session_scope(engine) as s:
        teams = s.scalars(select(Resource.code).where(Resource.type == "rescue_team").limit(2))
        teams = list(teams)
    for team in teams:
        api.post(base + "/tasks", json={"resource": team}, headers=basic("otto"))
    task = api.get(base, headers=basic("otto")).json["tasks"][0]["id"]
    api.post(f"{base}/tasks/{task}", json={"state": "arrived"}, headers=basic("otto"))
    api.post(base + "/notes", json={"note": "下风向疏散 " + FORMULA}, headers=basic("otto"))
    api.post(base + "/close", json={"summary": "演练结束 " + MARKUP}, headers=basic("otto"))
    return api.get(base, headers=basic("vera")).json


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text with all whitespace taken out (a table cell wraps anywhere)."""
    pdf = pdfium.PdfDocument(data)
    try:
        return ["".join(page.get_textpage().get_text_range().split()) for page in pdf]
    finally:
        pdf.close()


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_a_drill_report_holds_the_documents_figures_and_says_drill_on_every_page(api, small_city):
    doc = open_drill(api, small_city)
    assert any(z["kind"] == "plume" for z in doc["zones"]) and len(doc["tasks"]) == 2
    url = f"/api/incidents/{doc['id']}/report.pdf"
    answer = api.get(url, headers=basic("vera"))  # a viewer may download it
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    disposition = answer.headers["Content-Disposition"]
    assert f'filename="incident-{doc["id"]}-report.pdf"' in disposition
    assert "filename*=UTF-8''" + quote("演练总结报告", safe="") in disposition
    pages = pdf_pages(answer.data)
    whole = "".join(pages)
    assert len(pages) >= 2
    for n, text in enumerate(pages, 1):
        assert f"第{n}页/共{len(pages)}页" in text
        assert "演练/DRILL" in text  # the watermark, on every page
    assert "演练总结报告" in pages[0] and "事件处置报告" not in whole
    positions = [whole.index(h) for h in HEADINGS]
    assert positions == sorted(positions)  # 一 … 六, in order
    assert "UTC+08:00" in pages[0]  # when it was made, with the offset
    # every zone's totals, as the JSON has them
    for zone in doc["zones"]:
        e = zone["holds"]["enterprises"]
        mh, tg = zone["holds"]["major_hazards"], zone["holds"]["targets"]
        line = (
            f"合计：企业{e['total']:,}家（红{e['red']}、黄{e['yellow']}、蓝{e['blue']}、"
            f"绿{e['green']}），重大危险源{mh['total']:,}处，敏感目标{tg['total']:,}处，"
            f"涉及人员约{tg['people']:,}人。"
        )
        assert line in whole, zone["id"]
    inner = doc["zones"][0]["holds"]["targets"]
    assert inner["people"] >= 1234 + 56 and "1,234" in whole
    # the names print as themselves: no markup read, no page-count alias replaced
    assert squeeze(MARKUP) in whole and squeeze(FORMULA) in whole
    assert "+SUM(A1:A9)" in whole
    # the release, the wind and the model's limits; AEGL distances as the JSON's
    plume = doc["plume"]
    for level in ("aegl_1_m", "aegl_2_m", "aegl_3_m"):
        assert f"{round(plume[level]):,}" in whole
    assert "东北风" in whole and "指挥人员录入" in whole
    assert squeeze(plume["limits"]) in whole
    # the tasks and the nearest resources with the straight-line note
    for task in doc["tasks"]:
        assert squeeze(task["resource"]) in whole
    nearest = [r for items in doc["resources"].values() for r in items]
    assert nearest and all(squeeze(r["name"]) in whole for r in nearest)
    assert squeeze(doc["distance_note"]) in whole
    # every timeline line, and each step of the response after the start
    actions = [line["action"] for line in doc["timeline"]]
    assert actions == ["opened", "task_sent", "task_sent", "task_arrived", "note", "closed"]
    for line in doc["timeline"]:
        assert squeeze(line["note"] or "") in whole
    for step in doc["response"]["steps"].values():
        if step["after_s"] is not None:
            assert f"{step['after_s']}秒" in whole


def test_a_real_incidents_report_says_drill_nowhere(api, small_city):
    body = {"kind": "fire", "lon": 120.65, "lat": 27.80, "title": "仓库火灾"}
    doc = api.post("/api/incidents", json=body, headers=basic("otto")).json
    answer = api.get(f"/api/incidents/{doc['id']}/report.pdf", headers=basic("vera"))
    assert answer.status_code == 200
    pages = pdf_pages(answer.data)
    whole = "".join(pages)
    assert "事件处置报告" in pages[0] and "演练" not in whole and "DRILL" not in whole
    assert all(f"共{len(pages)}页" in p for p in pages)
    assert all(h in whole for h in HEADINGS)
    assert "尚未结束" in whole and "未录入泄漏源" in whole  # open, and no plume
    english = api.get(f"/api/incidents/{doc['id']}/report.pdf?lang=en", headers=basic("vera"))
    text = "".join(pdf_pages(english.data))
    assert "IncidentResponseReport" in text and "1.Overview" in text and "DRILL" not in text


def sheet_rows(sheet) -> list[tuple]:
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


def block(rows: list[tuple], head: str) -> list[tuple]:
    """The rows under the head row whose first cell is `head`, up to the next blank row."""
    start = next(i for i, r in enumerate(rows) if r[0] == head) + 1
    out = []
    for r in rows[start:]:
        if all(v is None for v in r):
            break
        out.append(r)
    return out


def test_the_lists_hold_the_documents_rows_and_no_cell_is_a_formula(api, small_city):
    doc = open_drill(api, small_city)
    answer = api.get(f"/api/incidents/{doc['id']}/lists.xlsx", headers=basic("vera"))
    assert answer.status_code == 200
    assert f'filename="incident-{doc["id"]}-lists.xlsx"' in answer.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(answer.data))
    zones = doc["zones"]
    names = [f"{z['radius_m']}米范围" for z in zones if z["kind"] == "ring"]
    names += [z["id"].upper().replace("_", "-") for z in zones if z["kind"] == "plume"]
    assert book.sheetnames == [*names, "网格联系人", "应急资源"]
    for sheet in book:
        assert sheet["A1"].value.startswith("【演练 / DRILL】")  # every sheet's title row
        assert sheet.freeze_panes == "A5"  # the title, note, caption and head stay
    for zone, name in zip(zones, names, strict=True):
        rows = sheet_rows(book[name])
        holds = zone["holds"]
        targets = block(rows, "编码")
        assert [r[:6] for r in targets] == [
            (
                t["code"],
                t["name"],
                vocab.zh_name(vocab.TARGET_TYPES, t["type"]),
                t["people"],
                t["contact"],
                t["phone"],
            )
            for t in holds["targets"]["items"]
        ]
        enterprises = block(rows, "统一社会信用代码")
        items = holds["enterprises"]["items"]
        assert len(items) == holds["enterprises"]["total"]
        assert [r[:3] for r in enterprises] == [
            (e["credit_code"], e["name"], CLASS_ZH[e["safety_class"]]) for e in items
        ]
    first = sheet_rows(book[names[0]])
    assert any(r[1] == FORMULA for r in first) and any(r[1] == "+SUM(A1:A9)" for r in first)
    assert any(r[4] == FORMULA for r in first)  # a contact too
    contacts = block(sheet_rows(book["网格联系人"]), "网格")
    assert [r[:5] for r in contacts] == [
        (c["grid"], c["name"], c["person"], c["phone"], c["distance_m"]) for c in doc["contacts"]
    ]
    resources = sheet_rows(book["应急资源"])
    assert resources[3][2] == "距离(米)（直线）" and "直线" in resources[1][0]
    listed = block(resources, "类型")
    nearest = [r for items in doc["resources"].values() for r in items]
    assert [(r[1], r[2], r[5]) for r in listed] == [
        (r["name"], r["distance_m"], r["code"]) for r in nearest
    ]
    # not one cell of the file is a formula, and the hostile ones are text cells
    with zipfile.ZipFile(io.BytesIO(answer.data)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(re.search(rb"<f[ >]", z.read(n)) for n in sheets)
    cells = [c for row in book[names[0]].iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" for c in cells)


def test_a_real_incidents_lists_say_drill_nowhere(api, small_city):
    body = {"kind": "explosion", "lon": 120.65, "lat": 27.80, "radii_m": [800]}
    doc = api.post("/api/incidents", json=body, headers=basic("otto")).json
    answer = api.get(f"/api/incidents/{doc['id']}/lists.xlsx", headers=basic("vera"))
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames == ["800米范围", "网格联系人", "应急资源"]
    text = " ".join(str(v) for s in book for row in sheet_rows(s) for v in row if v)
    assert "演练" not in text and "DRILL" not in text
    assert "事件编号" in book["800米范围"]["A1"].value


def test_only_a_signed_in_viewer_downloads_and_an_unknown_incident_is_404(api, small_city):
    doc = api.post(
        "/api/incidents", json={"kind": "fire", "lon": 120.6, "lat": 27.8}, headers=basic("otto")
    ).json
    for name in ("report.pdf", "lists.xlsx"):
        url = f"/api/incidents/{doc['id']}/{name}"
        assert api.get(url).status_code == 401  # anonymous: refused
        assert api.get(url, headers=basic("vera")).status_code == 200
        missing = api.get(f"/api/incidents/999999/{name}", headers=basic("vera"))
        assert missing.status_code == 404 and missing.json["error"]


def test_a_station_wind_is_named_with_its_distance_and_age(api, small_city):
    from datetime import UTC, datetime, timedelta

    # a weather station at an enterprise, read lately, and the release right there (so it is
    # the nearest station whatever others the demo city has)
    with session_scope(small_city) as s:
        site = s.scalar(select(Enterprise).order_by(Enterprise.id).limit(1))
        lon, lat = site.lon, site.lat
        at = datetime.now(UTC) - timedelta(seconds=90)
        for kind, value in (("wind_speed", 3.2), ("wind_direction", 200.0)):
            sensor = Sensor(tag=f"WX-{kind}", kind=kind, enterprise_id=site.id)
            s.add(sensor)
            s.flush()
            s.add(SensorState(sensor_id=sensor.id, last_ts=at, last_value=value))
    body = {
        "kind": "toxic_release",
        "lon": lon,
        "lat": lat,
        "drill": True,
        "release": {"substance": "液氨", "rate_kg_s": 1},  # no wind given: the nearest station's
    }
    made = api.post("/api/incidents", json=body, headers=basic("otto"))
    assert made.status_code == 201, made.json
    wind = made.json["wind"]
    assert wind["source"] == "station" and wind["m_s"] == 3.2 and wind["distance_m"] == 0
    answer = api.get(f"/api/incidents/{made.json['id']}/report.pdf", headers=basic("vera"))
    whole = "".join(pdf_pages(answer.data))
    assert "气象站" + squeeze(wind["station"]["name"]) in whole
    assert f"距事发点{wind['distance_m']:,}米" in whole
    assert re.search(r"生成报告时已[\d,]+秒", whole)
    assert "南风（来向200°），3.2m/s" in whole
