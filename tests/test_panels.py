"""The panels' read models agree with /api/stats and with themselves, at every level."""

from __future__ import annotations

import csv
import io
from base64 import b64encode
from datetime import date, timedelta

import pytest
from sqlalchemy import and_, func, select, update

from data_loaders.rules.metrics import RECTIFIED_STATUSES
from data_loaders.store import session_scope
from data_loaders.store.schema import Campaign, CampaignTask, Enterprise, HiddenDanger
from data_loaders.times import china_today, month_start, month_to_date
from read_models.campaigns import load_campaign_progress
from read_models.dangers import load_danger_closure
from read_models.exports import load_export
from read_models.lists import SHOWN
from read_models.stats import load_stats
from tests.conftest import TODAY

KEYS = ("found", "rectified", "overdue")


def sums(rows: list[dict]) -> dict[str, int]:
    return {k: sum(r[k] for r in rows) for k in KEYS}


def test_month_start():
    assert month_start(TODAY).isoformat() == "2026-11-01"
    assert month_start(TODAY, 11).isoformat() == "2025-12-01"
    assert month_start(TODAY, 23).isoformat() == "2024-12-01"


def test_danger_closure_sums_to_the_county_and_to_every_town(demo_city):
    with session_scope(demo_city) as s:
        county = load_danger_closure(s, None, TODAY)
        stats = load_stats(s, None, TODAY)["hidden_dangers"]
        assert county["totals"] == stats
        totals = {k: county["totals"][k] for k in KEYS}
        assert len(county["by_child"]) == 15
        assert sums(county["by_child"]) == totals
        assert sums(county["by_source"]) == totals
        assert sums(county["by_industry"]) == totals
        assert len(county["trend"]) == 12 and county["trend"][-1]["month"] == "2026-11"
        # 23 November: this month so far is the whole of the trend's November
        this = county["this_month"]
        assert (this["from"], this["to"]) == ("2026-11-01", "2026-11-23")
        assert {k: this[k] for k in ("found", "rectified")} == {
            k: county["trend"][-1][k] for k in ("found", "rectified")
        }
        deadlines = [d["deadline"] for d in county["overdue"]]
        assert deadlines == sorted(deadlines)
        # the list is cut; it carries its whole length, which is the KPI's overdue figure
        assert county["overdue_total"] == totals["overdue"] > SHOWN
        assert len(deadlines) == SHOWN < county["overdue_total"]
        assert all(d["days_overdue"] > 0 for d in county["overdue"])
        for town in county["by_child"]:
            inside = load_danger_closure(s, town["code"], TODAY)
            own = {k: inside["totals"][k] for k in KEYS}
            assert own == {k: town[k] for k in KEYS}, town["name"]
            assert inside["totals"]["rate"] == town["rate"]
            assert sums(inside["by_child"]) == own, town["name"]


def test_campaign_progress_matches_the_kpi_document_and_sums_by_town(demo_city):
    with session_scope(demo_city) as s:
        listed = load_campaign_progress(s, None, TODAY)
        stats = load_stats(s, None, TODAY)["campaigns"]
        assert [(c["name"], c["tasks"], c["done"]) for c in listed] == [
            (c["name"], c["tasks"], c["done"]) for c in stats
        ]
        hundred = next(c for c in listed if c["name"] == "百日大会战")
        assert (hundred["done"], hundred["tasks"]) == (332, 428)
        for c in listed:
            assert c["behind"] == (c["elapsed"] is not None and c["progress"] < c["elapsed"])
            [detail] = load_campaign_progress(s, None, TODAY, campaign=c["code"])
            by_town = {k: sum(r[k] for r in detail["by_child"]) for k in ("tasks", "done")}
            by_unit = {k: sum(r[k] for r in detail["by_unit"]) for k in ("tasks", "done")}
            assert by_unit == {"tasks": c["tasks"], "done": c["done"]}
            # tasks without a grid are county-wide: in the total, in no town
            assert by_town["tasks"] <= c["tasks"] and by_town["done"] <= c["done"]
            assert len(detail["overdue_tasks"]) == min(SHOWN, c["overdue"])
        [hundred_detail] = load_campaign_progress(s, None, TODAY, campaign=hundred["code"])
        for row in hundred_detail["by_child"]:
            [inside] = load_campaign_progress(s, row["code"], TODAY, campaign=hundred["code"])
            assert (inside["tasks"], inside["done"]) == (row["tasks"], row["done"])
        assert hundred_detail["enforcement"] == {
            "case": 534,
            "admin_detention": 15,
            "criminal_detention": 6,
            "closure": 138,
        }


def test_committee_panel_matches_the_kpi_document(demo_city):
    from read_models.committee import load_committee_panel

    with session_scope(demo_city) as s:
        panel = load_committee_panel(s, None, TODAY)
        stats = load_stats(s, None, TODAY)["committees"]
    rows = panel["committees"]
    assert len(rows) == stats["count"] == 8
    assert sum(r["tasks"] for r in rows) == stats["tasks"]
    assert sum(r["done"] for r in rows) == stats["done"]
    assert sum(r["overdue"] for r in rows) == stats["overdue"]
    for r in rows:
        assert r["not_started"] + r["in_progress"] + r["done"] + r["overdue"] == r["tasks"]
        assert len(r["overdue_tasks"]) == r["overdue"]
    t = panel["totals"]
    assert (t["meetings"], t["inspections"], t["joint_enforcement"]) == (26, 34, 23)


def test_an_operator_updates_a_committee_task_and_it_is_recorded(small_city):
    from datetime import UTC, datetime

    import pytest
    from sqlalchemy import select

    from data_loaders.actions.tasks import TaskError, update_task_as
    from data_loaders.store.schema import CommitteeTask, CommitteeTaskEvent

    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    with session_scope(small_city) as s:
        first = s.scalars(select(CommitteeTask).where(CommitteeTask.status != "done")).first()
        code, before = first.code, (first.status, first.progress)
    with pytest.raises(PermissionError):
        update_task_as(small_city, "vera", "viewer", code, {"status": "done"}, now)
    with pytest.raises(TaskError) as bad:
        update_task_as(
            small_city, "otto", "operator", code, {"evidence_url": "javascript:alert(1)"}, now
        )
    assert bad.value.code == "bad_url"
    update_task_as(
        small_city,
        "otto",
        "operator",
        code,
        {"status": "in_progress", "progress": 60, "note": "已完成现场核查"},
        now,
    )
    update_task_as(
        small_city,
        "ada",
        "admin",
        code,
        {"status": "done", "evidence_url": "https://oa.example.gov.cn/doc/1"},
        now,
    )
    with session_scope(small_city) as s:
        task = s.scalar(select(CommitteeTask).where(CommitteeTask.code == code))
        events = s.execute(
            select(
                CommitteeTaskEvent.actor,
                CommitteeTaskEvent.from_status,
                CommitteeTaskEvent.from_progress,
                CommitteeTaskEvent.status,
                CommitteeTaskEvent.progress,
                CommitteeTaskEvent.source,
            )
            .where(CommitteeTaskEvent.task_id == task.id, CommitteeTaskEvent.at == now)
            .order_by(CommitteeTaskEvent.id)
        ).all()  # (the demo city's own history of the task is older)
    assert (task.status, task.progress, task.note, task.updated_by) == (
        "done",
        100,
        "已完成现场核查",
        "ada",
    )
    assert [tuple(e) for e in events] == [
        ("otto", before[0], before[1], "in_progress", 60, "panel"),
        ("ada", "in_progress", 60, "done", 100, "panel"),
    ]


def test_month_to_date_takes_the_same_days_of_last_month():
    d = date
    assert month_to_date(d(2026, 12, 2)) == (
        (d(2026, 12, 1), d(2026, 12, 2)),
        (d(2026, 11, 1), d(2026, 11, 2)),
    )
    # clamped to the length of the month before
    assert month_to_date(d(2026, 3, 31))[1] == (d(2026, 2, 1), d(2026, 2, 28))
    assert month_to_date(d(2028, 3, 30))[1] == (d(2028, 2, 1), d(2028, 2, 29))
    assert month_to_date(d(2026, 1, 15))[1] == (d(2025, 12, 1), d(2025, 12, 15))
    assert month_to_date(d(2026, 10, 31))[1] == (d(2026, 9, 1), d(2026, 9, 30))


def found_between(s, start: date, end: date, rectified: bool = False) -> int:  # type: ignore[no-untyped-def]
    """Hidden dangers found (or rectified) in [start, end], counted straight from the store."""
    column = HiddenDanger.rectified_on if rectified else HiddenDanger.found_on
    where = [HiddenDanger.is_drill.is_(False), column >= start, column <= end]
    if rectified:
        where.append(HiddenDanger.status.in_(RECTIFIED_STATUSES))
    return s.scalar(select(func.count()).select_from(HiddenDanger).where(*where))


@pytest.mark.parametrize("today", [date(2026, 12, 2), TODAY, date(2026, 12, 31)])
def test_this_month_is_compared_with_the_same_days_of_last_month(small_city, today):
    with session_scope(small_city) as s:
        # a danger late in last month: outside the span compared with the first days of this
        one = s.scalar(select(HiddenDanger).where(HiddenDanger.is_drill.is_(False)).limit(1))
        late = month_start(today) - timedelta(days=1)
        s.execute(update(HiddenDanger).where(HiddenDanger.id == one.id).values(found_on=late))
    (a, b), (c, e) = month_to_date(today)
    with session_scope(small_city) as s:
        doc = load_danger_closure(s, None, today)
        this, last = doc["this_month"], doc["last_month"]
        assert (this["from"], this["to"], last["from"], last["to"]) == tuple(
            x.isoformat() for x in (a, b, c, e)
        )
        assert this["found"] == found_between(s, a, b)
        assert this["rectified"] == found_between(s, a, b, rectified=True)
        assert last["found"] == found_between(s, c, e)
        assert last["rectified"] == found_between(s, c, e, rectified=True)
        whole = next(m for m in doc["trend"] if m["month"] == last["month"])
        if today.day < 28:  # a part of last month, not all of it
            assert last["found"] < whole["found"]
        else:
            assert last["found"] == whole["found"]


def viewer_client(engine):  # type: ignore[no-untyped-def]
    """A test client of the app with sign-in required, and Basic headers of a viewer."""
    from dashboard.app import create_app
    from dashboard.auth import hash_password
    from dashboard.settings import Settings
    from data_loaders.users import save_user

    with session_scope(engine) as s:
        save_user(s, "wall", "viewer", hash_password("wall-pass-1"))
    app = create_app(Settings(warm_cache=False), engine=engine)
    auth = {"Authorization": "Basic " + b64encode(b"wall:wall-pass-1").decode()}
    return app.server.test_client(), auth


def test_every_overdue_danger_can_be_exported_and_no_cell_is_a_formula(small_city):
    import openpyxl

    with session_scope(small_city) as s:
        late = and_(
            HiddenDanger.is_drill.is_(False),
            ~HiddenDanger.status.in_(RECTIFIED_STATUSES),
            HiddenDanger.deadline < china_today(),
        )
        first = s.scalar(
            select(HiddenDanger)
            .where(late)
            .order_by(HiddenDanger.deadline, HiddenDanger.id)
            .limit(1)
        )
        assert first.enterprise_id is not None
        first.description = '=HYPERLINK("http://evil.example","点我")'
        s.execute(
            update(Enterprise)
            .where(Enterprise.id == first.enterprise_id)
            .values(name="@SUM(1+1)*cmd|' /C calc'!A0")
        )
        total = s.scalar(select(func.count()).select_from(HiddenDanger).where(late))
    client, auth = viewer_client(small_city)
    path = "/api/exports/overdue-dangers.csv"
    assert client.get(path).status_code == 401  # the sign-in gate
    answer = client.get(path, headers=auth)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "企业", "统一社会信用代码"]
    assert len(rows) - 1 == total
    top = rows[1]
    assert top[0] == first.code
    assert top[1].startswith("'@SUM") and top[5] == "'" + first.description
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    english = client.get(path + "?lang=en", headers=auth)
    assert english.get_data().decode("utf-8-sig").startswith("Code,Enterprise,Credit code")

    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/api/exports/overdue-dangers.xlsx", headers=auth).get_data())
    )
    sheet = book.active
    assert sheet.max_row - 1 == total
    cell = sheet.cell(row=2, column=6)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (first.description, "s", True)
    assert sheet.cell(row=2, column=9).data_type == "n"  # days overdue stay numbers

    assert client.get("/api/exports/nothing.csv", headers=auth).status_code == 404
    assert client.get("/api/exports/overdue-dangers.pdf", headers=auth).status_code == 404
    assert client.get(path + "?grid=999", headers=auth).status_code == 404


def test_a_towns_and_a_campaigns_lists_export_whole(small_city):
    client, auth = viewer_client(small_city)
    with session_scope(small_city) as s:
        county = load_danger_closure(s, None, china_today())
        town = county["by_child"][0]
        campaign = s.scalar(select(Campaign.code).order_by(Campaign.id).limit(1))
        tasks = load_campaign_progress(s, town["code"], china_today(), campaign=campaign)[0]
        enterprise = s.scalar(
            select(Enterprise.credit_code)
            .join(HiddenDanger, HiddenDanger.enterprise_id == Enterprise.id)
            .group_by(Enterprise.credit_code)
            .order_by(func.count().desc())
            .limit(1)
        )
        mine = s.scalar(
            select(func.count())
            .select_from(HiddenDanger)
            .join(Enterprise, Enterprise.id == HiddenDanger.enterprise_id)
            .where(Enterprise.credit_code == enterprise, HiddenDanger.is_drill.is_(False))
        )
        undone = s.scalar(
            select(func.count())
            .select_from(CampaignTask)
            .join(Campaign, Campaign.id == CampaignTask.campaign_id)
            .where(
                Campaign.code == campaign,
                CampaignTask.status != "done",
                CampaignTask.due_on < china_today(),
            )
        )
        assert len(load_export(s, "campaign-overdue-tasks", china_today(), campaign=campaign)) == (
            undone
        )

    def lines(url: str) -> list[list[str]]:
        answer = client.get(url, headers=auth)
        assert answer.status_code == 200, answer.get_data()
        return list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))

    town_rows = lines(f"/api/exports/overdue-dangers.csv?grid={town['code']}")
    assert len(town_rows) - 1 == town["overdue"]
    got = lines(f"/api/exports/campaign-overdue-tasks.csv?grid={town['code']}&campaign={campaign}")
    assert len(got) - 1 == tasks["overdue"]
    industries = lines("/api/exports/dangers-by-industry.csv")
    assert len(industries) - 1 == len(county["by_industry"])  # the chart shows the top 10
    assert sum(int(r[1]) for r in industries[1:]) == county["totals"]["found"]
    assert len(lines(f"/api/exports/enterprise-dangers.csv?enterprise={enterprise}")) - 1 == mine
    missing = client.get("/api/exports/campaign-overdue-tasks.csv", headers=auth)
    assert missing.status_code == 400 and missing.get_json()["code"] == "bad_export"
