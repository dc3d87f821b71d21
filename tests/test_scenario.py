"""Drill scenario files: CSV (UTF-8 or GBK, English or Chinese headers) and JSON, all or
nothing, bounded, and any bytes give steps or a clear problem, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from data_loaders.files import FileProblem
from data_loaders.rules.alarms import Limits, level_of
from data_loaders.store import session_scope
from data_loaders.store.schema import Sensor
from data_loaders.telemetry.scenario import (
    MAX_STEPS,
    Step,
    parse_scenario,
)

DEMO = Path(__file__).parents[1] / "data_loaders" / "demo" / "scenarios" / "ammonia_leak.csv"


def problem(data: bytes | str, name: str = "s.csv") -> FileProblem:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(FileProblem) as info:
        parse_scenario(raw, name)
    return info.value


def where(p: FileProblem) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in p.errors]


def test_a_good_csv_gives_steps_sorted_by_offset(tmp_path):
    path = tmp_path / "leak.csv"
    path.write_text("offset_s,sensor,value\n20,A,3\n0,A,1\n10,B,-2.5e1\n0,B,7\n", "utf-8")
    assert parse_scenario(path) == [
        Step(0.0, "A", 1.0),
        Step(0.0, "B", 7.0),
        Step(10.0, "B", -25.0),
        Step(20.0, "A", 3.0),
    ]


def test_gbk_with_chinese_headers_and_extra_columns():
    text = (
        "偏移秒,传感器,数值,说明\n0,P01-D001-AMMO01,8,开始泄漏\n30.5, P01-D001-AMMO01 ,160,一级\n"
    )
    steps = parse_scenario(text.encode("gbk"), "演练.csv")
    assert steps == [Step(0.0, "P01-D001-AMMO01", 8.0), Step(30.5, "P01-D001-AMMO01", 160.0)]
    # a BOM and blank lines are fine too
    assert parse_scenario(("\ufeff" + text + "\n\n").encode(), "x.csv") == steps


def test_json_scenarios():
    data = [{"offset_s": 5, "sensor": "A", "value": 2}, {"offset_s": 0, "sensor": "A", "value": 1}]
    assert parse_scenario(json.dumps(data).encode(), "s.json") == [
        Step(0.0, "A", 1.0),
        Step(5.0, "A", 2.0),
    ]
    assert len(parse_scenario(json.dumps(data).encode(), "no-suffix")) == 2  # sniffed
    p = problem('[{"offset_s": 1, "sensor": 7, "value": true}, 3]', "s.json")
    assert where(p) == [(2, "")]  # the item that is not an object, before the cells
    p = problem('[{"offset_s": 1, "sensor": 7, "value": true}]', "s.json")
    assert where(p) == [(1, "sensor"), (1, "value")]
    assert "列表" in problem('{"offset_s": 1}', "s.json").zh
    assert "第 1 行" in problem("[1,", "s.json").zh
    assert problem('[{"offset_s": NaN, "sensor": "A", "value": 1}]', "s.json")
    assert problem("[" * 100_000, "s.json")


def test_each_kind_of_bad_row_is_named_by_row_and_column():
    p = problem(
        "offset_s,sensor,value\n"
        "0,A,1\n"  # row 2: fine
        ",A,1\n"  # row 3: no offset
        "-1,A,1\n"  # row 4: before the start
        "86401,A,1\n"  # row 5: past a day
        "abc,A,1\n"  # row 6: not a number
        "1,,1\n"  # row 7: no sensor
        f"1,{'X' * 65},1\n"  # row 8: tag too long
        "1,A,\n"  # row 9: no value
        "1,A,inf\n"  # row 10: not finite
        "1,A,nan\n"  # row 11
        "1,A,2e9\n"  # row 12: beyond ±1e9
        "1,A,1_0\n"  # row 13: Python would read it, people do not write it
        "0,A,5\n"  # row 14: the same sensor twice at one offset
    )
    assert where(p) == [
        (3, "offset_s"),
        (4, "offset_s"),
        (5, "offset_s"),
        (6, "offset_s"),
        (7, "sensor"),
        (8, "sensor"),
        (9, "value"),
        (10, "value"),
        (11, "value"),
        (12, "value"),
        (13, "value"),
        (14, "sensor"),
    ]
    assert "未导入任何步骤" in p.zh and "no step was taken" in p.en
    text = str(p)
    assert "第 6 行“offset_s”列" in text and "row 6, column offset_s" in text
    assert "第 2 行" in str(p.errors[-1])  # the duplicate names the first row


def test_bad_files_as_a_whole():
    assert "缺少列" in problem("time,tag,v\n0,A,1\n").zh
    assert "两次" in problem("offset_s,偏移秒,sensor,value\n0,0,A,1\n").zh
    assert "没有步骤" in problem("offset_s,sensor,value\n").zh
    assert "空" in problem(b"").zh
    assert problem(b"PK\x03\x04zip").zh.startswith("这不是 CSV")
    header = "offset_s,sensor,value\n"
    rows = [f"{i % 86400},T{i},1\n" for i in range(MAX_STEPS + 1)]
    assert "步骤过多" in problem(header + "".join(rows)).zh
    assert len(parse_scenario((header + "".join(rows[:-1])).encode(), "x.csv")) == MAX_STEPS
    many = "offset_s,sensor,value\n" + "x,A,1\n" * 80
    p = problem(many)
    assert len(p.errors) == 50 and "80" in p.zh
    with pytest.raises(FileProblem, match="不存在"):
        parse_scenario(Path("/nonexistent/s.csv"))


def test_the_demo_scenario_takes_a_real_ammonia_sensor_past_both_levels(demo_city):
    steps = parse_scenario(DEMO)
    [tag] = {s.sensor for s in steps}
    with session_scope(demo_city) as s:
        sensor = s.scalars(select(Sensor).where(Sensor.tag == tag)).one()
        limits = Limits(sensor.level_1, sensor.level_2, sensor.direction)
        assert sensor.kind == "ammonia" and not sensor.is_drill
        assert (sensor.level_1, sensor.level_2, sensor.unit) == (150, 300, "ppm")
        assert sensor.device == "氨压缩机房"
    levels = [level_of(x.value, limits, 0, 0.0) for x in steps]
    first_1, first_2 = levels.index(1), levels.index(2)
    assert 0 < first_1 < first_2 and levels[-1] == 0 and max(levels) == 2
    assert 120 <= steps[first_2].offset_s <= 240  # about three minutes to level 2
    assert steps[-1].offset_s <= 600


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=400),
        st.text(
            alphabet="offset_snrvalu偏移秒传感器数值,\n\"' .-+e0123456789AB[]{}:", max_size=200
        ).map(lambda t: ("offset_s,sensor,value\n" + t).encode("utf-8")),
        st.text(max_size=200).map(lambda t: t.encode("gb18030")),
    ),
    st.sampled_from(["s.csv", "s.json", "s", "s.txt"]),
)
def test_any_bytes_give_steps_or_a_clear_problem(raw, name):
    try:
        steps = parse_scenario(raw, name)
    except FileProblem as p:
        assert p.zh and p.en
        return
    assert 0 < len(steps) <= MAX_STEPS
    assert [s.offset_s for s in steps] == sorted(s.offset_s for s in steps)
    for s in steps:
        assert 0 <= s.offset_s <= 86_400 and abs(s.value) <= 1e9 and 0 < len(s.sensor) <= 64
