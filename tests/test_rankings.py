"""The monthly ranking bulletin: the score's rules, the towns' figures against the KPI document,
last month's ranks, the API and its settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select

from dashboard.settings import Settings
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
from data_loaders.times import china_today
from read_models.rankings import BadMonth, load_rankings, month_end, parse_month
from read_models.stats import load_stats
from tests.conftest import TODAY

FIGURES = {
    "found": 200,
    "rectified": 180,
    "open": 20,
    "overdue": 5,
    "tasks_due": 10,
    "tasks_done": 8,
    "alarms": 5,
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


def test_two_alarms_do_not_score_alarm_handling_their_weight_goes_to_the_others():
    w = DEFAULT_WEIGHTS
    two = part_scores({**FIGURES, "alarms": 2, "alarm_minutes": 500.0}, RankingConfig())
    assert two["alarm_handling"] is None
    others = (
        w["rectification"] * 90 + w["overdue"] * 75 + w["campaign"] * 80 + w["self_report"] * 80
    ) / (100 - w["alarm_handling"])
    assert total_score(two, w) == round(others, 2)
    # at the minimum it counts; the minimum is a setting
    three = part_scores({**FIGURES, "alarms": 3, "alarm_minutes": 500.0}, RankingConfig())
    assert three["alarm_handling"] == 0.0 and total_score(three, w) < total_score(two, w)
    one_is_enough = RankingConfig(min_alarms=1)
    assert part_scores({**FIGURES, "alarms": 1}, one_is_enough)["alarm_handling"] is not None
    assert Settings().ranking_config().min_alarms == 3
    assert Settings.from_env({"ONEMAP_RANKING_MIN_ALARMS": "5"}).ranking_config().min_alarms == 5
    with pytest.raises(ValueError, match="MIN_ALARMS"):
        Settings(ranking_min_alarms=-1).ranking_config()


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
    with pytest.raises(BadMonth, match="not begun"):
        parse_month("2027-01", TODAY)
    for bad in (
        "2026-13",
        "26-01",
        "2026-1",
        "2027-01",
        "<script>",
        "0000-01",
        "1999-12",
        "9999-01",
    ):
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
    assert row["score"] == 0.0 and row["counted"] is True
    assert next(t for t in october["towns"] if t["code"] == town)["parts"]["alarm_handling"] == {
        "score": None,
        "alarms": 0,
        "mean_minutes": None,
        "counted": False,
    }


def add_alarms(engine, minutes: list[float]) -> str:  # type: ignore[no-untyped-def]
    """Alarms in November 2026 at an enterprise of a town that had none that month,
    acknowledged after `minutes`; the town's code."""
    with session_scope(engine) as s:
        before = load_rankings(s, "2026-11", TODAY, now=datetime(2026, 11, 20, 6, tzinfo=UTC))
        quiet = {t["code"] for t in before["towns"] if t["parts"]["alarm_handling"]["alarms"] == 0}
        enterprises = s.execute(
            select(Enterprise.id, Grid.path)
            .join(Grid, Grid.id == Enterprise.grid_id)
            .order_by(Enterprise.id)
        ).all()
        enterprise, town = next(
            (i, path.strip("/").split("/")[1])
            for i, path in enterprises
            if path.strip("/").split("/")[1] in quiet
        )
        sensor = Sensor(tag=f"T-FEW-{town}", kind="gas", unit="%LEL", enterprise_id=enterprise)
        s.add(sensor)
        s.flush()
        for k, m in enumerate(minutes):
            at = datetime(2026, 11, 10, 2, 0, tzinfo=UTC) + timedelta(hours=k)
            s.add(
                Alarm(
                    sensor_id=sensor.id,
                    rule="level",
                    level=2,
                    state="closed",
                    opened_at=at,
                    last_at=at,
                    acknowledged_at=at + timedelta(minutes=m),
                )
            )
    return town


def test_a_town_with_two_alarms_is_ranked_on_the_other_parts(small_city):
    slow = add_alarms(
        small_city, [600.0, 600.0]
    )  # two very slow answers: 0 points, were they counted
    now = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    with session_scope(small_city) as s:
        doc = load_rankings(s, "2026-11", TODAY, now=now)
        two_count = load_rankings(s, "2026-11", TODAY, RankingConfig(min_alarms=2), now=now)
    assert doc["min_alarms"] == 3
    town = next(t for t in doc["towns"] if t["code"] == slow)
    part = town["parts"]["alarm_handling"]
    assert (part["alarms"], part["mean_minutes"], part["score"], part["counted"]) == (
        2,
        600.0,
        None,
        False,
    )
    parts = {k: v["score"] for k, v in town["parts"].items()}
    assert town["score"] == pytest.approx(total_score(parts, DEFAULT_WEIGHTS), abs=0.02)
    counted = next(t for t in two_count["towns"] if t["code"] == slow)
    assert counted["parts"]["alarm_handling"] == {**part, "score": 0.0, "counted": True}
    assert counted["score"] < town["score"]  # two alarms would have moved the town down


def test_the_api_says_which_towns_alarm_part_is_not_counted(small_city):
    from dashboard.app import create_app

    slow = add_alarms(small_city, [5.0, 5.0])
    app = create_app(Settings(warm_cache=False, anonymous_role="viewer"), engine=small_city)
    doc = app.server.test_client().get("/api/rankings?month=2026-11").get_json()
    assert doc["min_alarms"] == 3
    part = next(t for t in doc["towns"] if t["code"] == slow)["parts"]["alarm_handling"]
    assert (part["alarms"], part["score"], part["counted"]) == (2, None, False)


def test_rankings_route(small_city):
    from dashboard.app import create_app

    app = create_app(Settings(warm_cache=False, anonymous_role="viewer"), engine=small_city)
    client = app.server.test_client()
    answer = client.get("/api/rankings?month=" + china_today().isoformat()[:7])
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


@pytest.mark.parametrize("few", [0, 10_000])
def test_the_cached_ledger_part_and_the_alarms_add_up_to_the_bulletin_read_whole(
    small_city, monkeypatch, few
):
    from read_models import grids
    from read_models.rankings import load_town_ledger

    # both ways of reading the grids' paths (all of them, or only those of the figures)
    monkeypatch.setattr(grids, "FEW_GRIDS", few)
    add_alarms(small_city, [5.0, 25.0, 45.0])
    now = datetime(2026, 11, 20, 6, tzinfo=UTC)
    kept: dict[date, list] = {}

    def ledger(end: date) -> list:
        with session_scope(small_city) as s:
            return kept.setdefault(end, load_town_ledger(s, end))

    with session_scope(small_city) as s:
        whole = load_rankings(s, "2026-11", TODAY, now=now)
        parted = load_rankings(s, "2026-11", TODAY, now=now, ledger=ledger)
        again = load_rankings(s, "2026-11", TODAY, now=now, ledger=ledger)
    assert parted == whole == again
    assert sum(t["parts"]["alarm_handling"]["alarms"] for t in whole["towns"]) >= 3
    # the kept ledger part is never changed by a bulletin built on it
    assert all(t["alarms"] == 0 and t["alarm_minutes_sum"] == 0 for v in kept.values() for t in v)
