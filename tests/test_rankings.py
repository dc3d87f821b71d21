"""The monthly ranking bulletin: the score's rules, the towns' figures against the KPI document,
last month's ranks, the API and its settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select

from dashboard.settings import Settings
from data_loaders.queries import load_stats
from data_loaders.rankings import BadMonth, load_rankings, month_end, parse_month
from data_loaders.rules.rankings import (
    DEFAULT_WEIGHTS,
    PARTS,
    RankingConfig,
    competition_ranks,
    parse_weights,
    part_scores,
    total_score,
)
from data_loaders.store import session_scope
from data_loaders.store.schema import Alarm, Enterprise, Grid, Sensor
from tests.conftest import TODAY

FIGURES = {
    "found": 200,
    "rectified": 180,
    "open": 20,
    "overdue": 5,
    "tasks_due": 10,
    "tasks_done": 8,
    "alarm_minutes": 30.0,
    "enterprises": 50,
    "self_reporting": 40,
}


def test_part_scores_follow_the_documented_formulas():
    parts = part_scores(FIGURES, RankingConfig())
    assert parts == pytest.approx(
        {
            "rectification": 90.0,
            "overdue": 75.0,
            "campaign": 80.0,
            "alarm_handling": 100 * (120 - 30) / (120 - 15),
            "self_report": 80.0,
        }
    )
    quick = part_scores({**FIGURES, "alarm_minutes": 5.0}, RankingConfig())
    slow = part_scores({**FIGURES, "alarm_minutes": 500.0}, RankingConfig())
    assert (quick["alarm_handling"], slow["alarm_handling"]) == (100.0, 0.0)
    nothing_open = part_scores({**FIGURES, "open": 0, "overdue": 0}, RankingConfig())
    assert nothing_open["overdue"] == 100.0


def test_parts_without_data_share_their_weight_out():
    parts = part_scores({**FIGURES, "alarm_minutes": None, "tasks_due": 0}, RankingConfig())
    assert parts["alarm_handling"] is None and parts["campaign"] is None
    w = DEFAULT_WEIGHTS
    expected = (w["rectification"] * 90 + w["overdue"] * 75 + w["self_report"] * 80) / (
        w["rectification"] + w["overdue"] + w["self_report"]
    )
    assert total_score(parts, w) == round(expected, 2)
    assert total_score(dict.fromkeys(PARTS), w) == 0.0


def test_ties_share_a_rank():
    ranks = competition_ranks([("b", 80.0), ("a", 90.0), ("c", 80.0), ("d", 70.0)])
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_weights_setting_is_parsed_and_bad_entries_are_named():
    assert parse_weights("") == DEFAULT_WEIGHTS
    assert parse_weights("rectification=1, overdue=0.5") == {
        **dict.fromkeys(PARTS, 0.0),
        "rectification": 1.0,
        "overdue": 0.5,
    }
    for bad, word in (
        ("speed=3", "speed=3"),
        ("overdue=x", "number"),
        ("overdue=-1", "negative"),
        ("overdue=0", "at least one"),
    ):
        with pytest.raises(ValueError, match=word):
            parse_weights(bad)
    with pytest.raises(ValueError, match="ALARM_MINUTES"):
        Settings(ranking_alarm_minutes="120,15").ranking_config()
    assert Settings().ranking_config() == RankingConfig()


def test_months_are_checked_and_end_on_their_last_day_or_today():
    assert parse_month(None, TODAY) == date(2026, 11, 1)
    assert parse_month("2026-02", TODAY) == date(2026, 2, 1)
    for bad in ("2026-13", "26-01", "2026-1", "2027-01", "<script>"):
        with pytest.raises(BadMonth):
            parse_month(bad, TODAY)
    assert month_end(date(2026, 2, 1), TODAY) == date(2026, 2, 28)
    assert month_end(date(2026, 11, 1), TODAY) == TODAY


def test_this_months_towns_add_up_to_the_kpi_document(demo_city):
    with session_scope(demo_city) as s:
        doc = load_rankings(s, None, TODAY, now=datetime(2026, 11, 23, 4, tzinfo=UTC))
        stats = load_stats(s, None, TODAY)
    towns = doc["towns"]
    assert (doc["month"], doc["as_of"], doc["previous_month"]) == (
        "2026-11",
        "2026-11-23",
        "2026-10",
    )
    assert len(towns) == 15
    h = stats["hidden_dangers"]
    rect = [t["parts"]["rectification"] for t in towns]
    assert sum(p["found"] for p in rect) == h["found"] == 35550
    assert sum(p["rectified"] for p in rect) == h["rectified"] == 32400
    assert sum(t["parts"]["overdue"]["overdue"] for t in towns) == h["overdue"]
    assert sum(t["parts"]["self_report"]["enterprises"] for t in towns) == 20000
    # ranks: by score, best first, and each score is the documented weighted mean
    assert [t["rank"] for t in towns] == sorted(t["rank"] for t in towns)
    assert all(a["score"] >= b["score"] for a, b in pairwise(towns))
    for t in towns:
        parts = {k: v["score"] for k, v in t["parts"].items()}
        assert t["score"] == pytest.approx(
            total_score(parts, DEFAULT_WEIGHTS), abs=0.02
        )  # parts shown rounded
        assert t["previous_rank"] is not None
        assert t["change"] == t["previous_rank"] - t["rank"]


def test_last_month_is_recomputed_as_it_stood_then(demo_city):
    with session_scope(demo_city) as s:
        now = load_rankings(s, None, TODAY)
        october = load_rankings(s, "2026-10", TODAY)
    assert october["as_of"] == "2026-10-31"
    assert {t["code"]: t["rank"] for t in october["towns"]} == {
        t["code"]: t["previous_rank"] for t in now["towns"]
    }
    found_then = sum(t["parts"]["rectification"]["found"] for t in october["towns"])
    assert found_then < 35550  # November's dangers were not found yet


def test_weights_decide_the_order(demo_city):
    only_rate = RankingConfig({**dict.fromkeys(PARTS, 0.0), "rectification": 1.0})
    with session_scope(demo_city) as s:
        doc = load_rankings(s, None, TODAY, only_rate)
    rates = [t["parts"]["rectification"]["score"] for t in doc["towns"]]
    assert rates == sorted(rates, reverse=True)
    assert [t["score"] for t in doc["towns"]] == [round(r, 2) for r in rates]


def test_alarm_handling_counts_minutes_to_acknowledge_in_china_months(small_city):
    now = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    with session_scope(small_city) as s:
        enterprise = s.scalar(select(Enterprise).where(Enterprise.grid_id.is_not(None)).limit(1))
        path = s.scalar(select(Grid.path).where(Grid.id == enterprise.grid_id))
        town = path.strip("/").split("/")[1]
        sensor = Sensor(tag="T-RANK", kind="ammonia", unit="ppm", enterprise_id=enterprise.id)
        s.add(sensor)
        s.flush()
        opened = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)

        def alarm(at: datetime, ack: datetime | None) -> Alarm:
            return Alarm(
                sensor_id=sensor.id,
                rule="level",
                level=1,
                state="closed",
                opened_at=at,
                last_at=at,
                acknowledged_at=ack,
            )

        s.add(alarm(opened, opened + timedelta(minutes=20)))
        s.add(alarm(opened + timedelta(hours=1), opened + timedelta(hours=1, minutes=40)))
        # 1 Nov 07:00 China time is 31 Oct 23:00 UTC: November's in China, not October's
        s.add(alarm(datetime(2026, 10, 31, 23, 0, tzinfo=UTC), None))
    with session_scope(small_city) as s:
        doc = load_rankings(s, "2026-11", date(2026, 11, 20), now=now)
        october = load_rankings(s, "2026-10", date(2026, 11, 20), now=now)
    row = next(t for t in doc["towns"] if t["code"] == town)["parts"]["alarm_handling"]
    # unacknowledged: waiting from 31 Oct 23:00 UTC until now (20 Nov 06:00 UTC)
    waiting = (now - datetime(2026, 10, 31, 23, 0, tzinfo=UTC)).total_seconds() / 60
    assert row["alarms"] == 3
    assert row["mean_minutes"] == pytest.approx(round((20 + 40 + waiting) / 3, 1))
    assert row["score"] == 0.0
    assert next(t for t in october["towns"] if t["code"] == town)["parts"]["alarm_handling"] == {
        "score": None,
        "alarms": 0,
        "mean_minutes": None,
    }


def test_rankings_route(small_city):
    from dashboard.app import create_app

    app = create_app(Settings(warm_cache=False, anonymous_role="viewer"), engine=small_city)
    client = app.server.test_client()
    answer = client.get("/api/rankings?month=" + date.today().isoformat()[:7])
    assert answer.status_code == 200
    doc = answer.get_json()
    assert doc["weights"] == DEFAULT_WEIGHTS
    first = doc["towns"][0]
    assert set(first) >= {"code", "name", "score", "parts", "rank", "previous_rank"}
    assert set(first["parts"]) == set(PARTS)
    again = client.get(answer.request.full_path, headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304
    bad = client.get("/api/rankings?month=2026-13")
    assert bad.status_code == 400 and bad.get_json()["code"] == "bad_month"
