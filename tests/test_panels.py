"""The panels' read models agree with /api/stats and with themselves, at every level."""

from __future__ import annotations

from data_loaders.panels import load_campaign_progress, load_danger_closure, month_start
from data_loaders.queries import load_stats
from data_loaders.store import session_scope
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
        assert county["this_month"] == county["trend"][-1]
        deadlines = [d["deadline"] for d in county["overdue"]]
        assert deadlines == sorted(deadlines)
        assert len(deadlines) == min(200, totals["overdue"])
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
            assert len(detail["overdue_tasks"]) == min(200, c["overdue"])
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
    from data_loaders.committee import load_committee_panel

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

    from data_loaders.committee import TaskError, update_task_as
    from data_loaders.store.schema import CommitteeTask, CommitteeTaskEvent

    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    with session_scope(small_city) as s:
        code = s.scalar(select(CommitteeTask.code).where(CommitteeTask.status != "done").limit(1))
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
            select(CommitteeTaskEvent.actor, CommitteeTaskEvent.status, CommitteeTaskEvent.progress)
            .where(CommitteeTaskEvent.task_id == task.id)
            .order_by(CommitteeTaskEvent.id)
        ).all()
    assert (task.status, task.progress, task.note, task.updated_by) == (
        "done",
        100,
        "已完成现场核查",
        "ada",
    )
    assert [tuple(e) for e in events] == [("otto", "in_progress", 60), ("ada", "done", 100)]
