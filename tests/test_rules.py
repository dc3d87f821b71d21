"""Pure domain rules: GB 18218 grading, hidden-danger metrics, vocabularies, credit codes."""

from __future__ import annotations

import random
from datetime import date

import pytest

from data_loaders import vocab
from data_loaders.demo.names import credit_code as make_code
from data_loaders.importers.fields import FieldError, a_date, credit_code, grid_level, tags
from data_loaders.rules import gb18218
from data_loaders.rules.metrics import class_counts, days_overdue, is_overdue, rate, task_is_overdue
from data_loaders.rules.thresholds import DEFAULTS, check_order


def test_chlorine_check_from_the_standard():
    table = gb18218.load_substances()
    cl = table["氯"]
    assert (cl.q_threshold_t, cl.beta) == (5, 4)
    g = gb18218.grade([(250, cl.q_threshold_t, cl.beta)], exposed_people=150)
    assert (g.alpha, g.r_value, g.level, g.is_major) == (2.0, 400, 1, True)


@pytest.mark.parametrize(
    ("people", "alpha"),
    [(0, 0.5), (1, 1.0), (29, 1.0), (30, 1.2), (49, 1.2), (50, 1.5), (99, 1.5), (100, 2.0)],
)
def test_alpha_by_people_within_500m(people, alpha):
    assert gb18218.alpha_for(people) == alpha


@pytest.mark.parametrize(
    ("r", "level"), [(100, 1), (99.99, 2), (50, 2), (49.9, 3), (10, 3), (9.99, 4), (0, 4)]
)
def test_level_boundaries(r, level):
    assert gb18218.level_for(r) == level


def test_identification_sums_over_substances():
    t = gb18218.load_substances()
    ammonia, lpg = t["ammonia"], t["lpg"]
    below = gb18218.grade(
        [(5, ammonia.q_threshold_t, ammonia.beta), (20, lpg.q_threshold_t, lpg.beta)], 10
    )
    assert below.s_value == 0.9 and not below.is_major
    above = gb18218.grade(
        [(6, ammonia.q_threshold_t, ammonia.beta), (20, lpg.q_threshold_t, lpg.beta)], 10
    )
    assert above.is_major and above.r_value == round(1.0 * (2 * 0.6 + 1.5 * 0.4), 2)


def test_domain_thresholds_are_in_the_table():
    t = gb18218.load_substances()
    expected = {
        "液氨": 10,
        "氯": 5,
        "液化石油气": 50,
        "汽油": 200,
        "氢": 5,
        "甲醇": 500,
        "天然气": 50,
        "氧": 200,
    }
    assert {k: t[k].q_threshold_t for k in expected} == expected
    betas = {
        "液氨": 2,
        "一氧化碳": 2,
        "二氧化硫": 2,
        "氯": 4,
        "硫化氢": 5,
        "氰化氢": 10,
        "光气": 20,
    }
    assert {k: t[k].beta for k in betas} == betas


def test_user_can_extend_the_substance_table(tmp_path):
    extra = tmp_path / "more.csv"
    extra.write_text(
        "name,q_threshold_t,beta,aliases\n环氧乙烷,10,2,EO;ethylene oxide\n氯,5,4.5,\n",
        encoding="utf-8",
    )
    t = gb18218.load_substances(extra)
    assert t["eo"].q_threshold_t == 10 and t["环氧乙烷"].beta == 2
    assert t["氯"].beta == 4.5  # an override wins
    assert t["液氨"].q_threshold_t == 10  # the defaults stay


def test_rate_and_overdue():
    assert rate(32400, 35550) == 0.9114
    assert rate(0, 0) == 0.0
    today = date(2026, 11, 23)
    assert is_overdue("rectifying", date(2026, 11, 22), today)
    assert not is_overdue("rectifying", date(2026, 11, 23), today)
    assert not is_overdue("rectified", date(2026, 1, 1), today)
    assert not is_overdue("accepted", date(2026, 1, 1), today)
    assert not is_overdue("registered", None, today)
    assert (
        days_overdue(date(2026, 11, 13), today) == 10
        and days_overdue(date(2026, 12, 1), today) == 0
    )
    assert task_is_overdue("in_progress", date(2026, 1, 1), today) and not task_is_overdue(
        "done", date(2026, 1, 1), today
    )


def test_class_counts_always_has_every_class():
    assert class_counts(["red", "green", "green"]) == {
        "total": 3,
        "green": 2,
        "blue": 0,
        "yellow": 0,
        "red": 1,
    }


def test_vocabularies_accept_codes_chinese_and_aliases():
    assert vocab.parse_choice("红", vocab.SAFETY_CLASSES) == "red"
    assert vocab.parse_choice(" Yellow ", vocab.SAFETY_CLASSES) == "yellow"
    assert vocab.parse_choice("紫", vocab.SAFETY_CLASSES) is None
    assert tags("涉氨；涉粉(可燃爆粉尘);confined_space") == ["ammonia", "dust", "confined_space"]
    with pytest.raises(FieldError):
        tags("飞行")
    assert vocab.join_tags(["dust", "ammonia", "dust"]) == ";ammonia;dust;"
    assert vocab.tags_of(";ammonia;dust;") == ["ammonia", "dust"]


def test_credit_codes():
    code = make_code(random.Random(1), "330381", set())
    assert credit_code(code) == code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(FieldError) as err:
        credit_code(wrong)
    assert code[-1] in err.value.zh
    with pytest.raises(FieldError):
        credit_code("123")


def test_dates_and_levels():
    assert (
        a_date("2026/5/1")
        == a_date("2026年5月1日")
        == a_date("2026-05-01 00:00:00")
        == date(2026, 5, 1)
    )
    with pytest.raises(FieldError):
        a_date("明天")
    assert [grid_level(v) for v in ("1", "镇街", "社区", "村居", "四级网格")] == [1, 2, 3, 4, 4]
    with pytest.raises(FieldError):
        grid_level("5")


def test_default_thresholds_follow_the_standards():
    assert (DEFAULTS["ammonia"].level_1, DEFAULTS["ammonia"].level_2) == (150, 300)
    assert (DEFAULTS["combustible_gas"].level_1, DEFAULTS["combustible_gas"].level_2) == (25, 50)
    assert (DEFAULTS["hydrogen"].level_1, DEFAULTS["hydrogen"].level_2) == (1, 2)
    for kind, th in DEFAULTS.items():
        assert check_order(th.level_1, th.level_2, th.direction) is None, kind
    assert check_order(10, 5, "high") and check_order(5, 10, "low")


def test_baidu_and_gaode_offsets_are_removed_to_well_under_two_metres():
    """Forward offsets written out independently of prcoords; the inverse is prcoords'."""
    import math

    from data_loaders.coords import from_china_datum
    from tests.data.make_fixtures import gcj_forward
    from tests.test_importers import metres

    def bd_forward(lon: float, lat: float) -> tuple[float, float]:
        x, y = gcj_forward(lon, lat)
        x_pi = math.pi * 3000 / 180
        z = math.hypot(x, y) + 0.00002 * math.sin(y * x_pi)
        theta = math.atan2(y, x) + 0.000003 * math.cos(x * x_pi)
        return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006

    for lon, lat in [(120.40, 27.60), (120.65, 27.78), (120.80, 27.90)]:
        for datum, forward in (("gcj02", gcj_forward), ("bd09", bd_forward)):
            shifted = forward(lon, lat)
            assert metres(*shifted, lon, lat) > 100  # the offset is real
            back = from_china_datum(*shifted, datum)
            assert metres(*back, lon, lat) < 0.5, datum
