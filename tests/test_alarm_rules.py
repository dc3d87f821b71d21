"""The alarm rules and the lifecycle as plain functions: levels, flapping, offline, actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from data_loaders.rules import alarms as r
from data_loaders.rules.lifecycle import ActionError, plan_action

T0 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
AMMONIA = r.Limits(150, 300, "high")
WATER = r.Limits(8, 5, "low")
QUICK = r.RuleSettings(deadband_ratio=0.1, min_duration_s=0)
SLOW = r.RuleSettings(deadband_ratio=0.1, min_duration_s=30)


def feed(values: list[float], limits: r.Limits, settings: r.RuleSettings, every_s: int = 10):
    """Levels after each reading of a series taken every few seconds."""
    state, steps = r.SignalState(), []
    for i, v in enumerate(values):
        state, s = r.step(state, T0 + timedelta(seconds=i * every_s), v, limits, settings)
        steps.append(s)
    return state, [s.after for s in steps], steps


def test_levels_for_high_and_low_limits():
    assert feed([10, 150, 299, 300, 20], AMMONIA, QUICK)[1] == [0, 1, 1, 2, 0]
    assert feed([10, 8, 6, 5, 4, 9], WATER, QUICK)[1] == [0, 1, 1, 2, 2, 0]


def test_a_value_wobbling_around_the_limit_does_not_flap():
    # Deadband 10 % of the 150 ppm gap = 15 ppm: once in level 1, 140 ppm is still level 1.
    _, levels, steps = feed([149, 151, 148, 152, 140, 136, 134], AMMONIA, QUICK)
    assert levels == [0, 1, 1, 1, 1, 1, 0]
    assert sum(s.raised for s in steps) == 1 and sum(s.recovered for s in steps) == 1


def test_the_minimum_duration_holds_back_short_spikes():
    # 10 s apart, 30 s minimum: a 20 s spike never counts, a 30 s one does.
    _, levels, _ = feed([100, 160, 170, 100, 160, 165, 170, 175], AMMONIA, SLOW)
    assert levels == [0, 0, 0, 0, 0, 0, 0, 1]
    # recovery needs to hold too
    _, levels, _ = feed([160, 160, 160, 160, 100, 170, 100, 100, 100, 100], AMMONIA, SLOW)
    assert levels == [0, 0, 0, 1, 1, 1, 1, 1, 1, 0]


def test_a_jump_straight_to_level_two_and_the_level_it_confirms():
    _, levels, steps = feed([100, 320, 330, 340, 350], AMMONIA, SLOW)
    assert levels == [0, 0, 0, 0, 2]
    assert steps[-1].raised and steps[-1].before == 0


def test_old_and_repeated_readings_do_not_move_the_rule_backwards():
    state, _, _ = feed([100, 320], AMMONIA, QUICK)
    same, step = r.step(state, T0, 10, AMMONIA, QUICK)
    assert step is None and same == state and state.level == 2


def test_run_keeps_only_the_steps_an_alarm_needs():
    readings = [(T0 + timedelta(seconds=10 * i), v) for i, v in enumerate([10, 20, 160, 170, 10])]
    state, steps = r.run(r.SignalState(), list(reversed(readings)), AMMONIA, QUICK)
    assert [(s.before, s.after, s.value) for s in steps] == [(0, 1, 160), (1, 1, 170), (1, 0, 10)]
    assert state.level == 0 and state.last_value == 10


def test_peak_follows_the_direction():
    assert r.worse(None, 3, "high") == 3
    assert r.worse(5, 3, "high") == 5
    assert r.worse(5, 3, "low") == 3


def test_scene_events_and_offline_and_escalation():
    assert r.scene_level(1, r.Limits(None, 1.0)) == 2
    assert r.scene_level(0, r.Limits(None, 1.0)) == 0
    assert r.scene_level(1, r.Limits(None, None)) == 2
    assert not r.is_stale(None, 300, T0)  # never reported: not commissioned, not offline
    assert not r.is_stale(T0, 300, T0 + timedelta(seconds=300))
    assert r.is_stale(T0, 300, T0 + timedelta(seconds=301))
    limits = {1: 900, 2: 300}
    assert r.escalation_due(2, T0, limits, T0 + timedelta(minutes=5))
    assert not r.escalation_due(1, T0, limits, T0 + timedelta(minutes=5))


def test_lifecycle_paths_and_what_each_step_needs():
    now = T0
    assert plan_action("open", "acknowledge", {}, now).state == "acknowledged"
    with pytest.raises(ActionError) as e:
        plan_action("open", "dispatch", {"assignee": "安监站"}, now)
    assert e.value.code == "due_required"
    with pytest.raises(ActionError) as e:
        plan_action(
            "open", "dispatch", {"assignee": "安监站", "due": "2026-11-22T08:00+08:00"}, now
        )
    assert e.value.code == "due_past"
    plan = plan_action(
        "acknowledged", "dispatch", {"assignee": "安监站", "due": "2026-11-23T18:00+08:00"}, now
    )
    assert plan.state == "dispatched" and plan.changes["assignee"] == "安监站"
    # the instant is kept: 18:00 China time is 10:00 UTC; no offset means China time
    assert plan.changes["due_at"] == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    local = {"assignee": "安监站", "due": "2026-11-23T18:00"}
    assert plan_action("open", "dispatch", local, now).changes["due_at"] == plan.changes["due_at"]
    for due, code in (
        ("2027-12-23T18:00+08:00", "due_too_far"),
        ("0001-01-01T00:00+08:00", "bad_due"),
        ("tomorrow", "bad_due"),
    ):
        with pytest.raises(ActionError) as e:
            plan_action("open", "dispatch", {"assignee": "安监站", "due": due}, now)
        assert e.value.code == code, due
    with pytest.raises(ActionError) as e:
        plan_action("dispatched", "dispose", {}, now)
    assert e.value.code == "feedback_required"
    assert plan_action("dispatched", "dispose", {"feedback": "已处置"}, now).state == "disposed"
    with pytest.raises(ActionError) as e:
        plan_action("disposed", "close", {"reason": "  "}, now)
    assert e.value.code == "reason_required"
    assert plan_action("open", "close", {"reason": "误报"}, now).state == "closed"
    with pytest.raises(ActionError) as e:
        plan_action("closed", "acknowledge", {}, now)
    assert e.value.code == "wrong_state"
    with pytest.raises(ActionError) as e:
        plan_action("open", "delete", {}, now)
    assert e.value.code == "unknown_action"


def test_level_2_of_a_gas_detector_counts_on_its_first_reading():
    """GB/T 50493 wants the alarm within seconds: no hold for a rise to level 2 when the kind
    says so; warnings and the way back still hold."""
    gas = r.RuleSettings(deadband_ratio=0.1, min_duration_s=30, immediate_level=2)
    limits = r.Limits(150, 300)
    state, first = r.step(r.SignalState(), T0, 400, limits, gas)
    assert (first.before, first.after) == (0, 2) and state.level == 2
    # a held kind: the same reading waits
    held, first = r.step(r.SignalState(), T0, 400, limits, SLOW)
    assert first.after == 0 and held.pending == 2
    # level 1 still holds; from level 1 a rise to 2 is at once
    warn, s = r.step(r.SignalState(), T0, 200, limits, gas)
    assert s.after == 0
    warn, s = r.step(warn, T0 + timedelta(seconds=5), 310, limits, gas)
    assert s.after == 2
    # the way back holds: 10 s under is not yet normal, 30 s is
    back, s = r.step(state, T0 + timedelta(seconds=10), 100, limits, gas)
    assert s.after == 2
    back, s = r.step(back, T0 + timedelta(seconds=40), 100, limits, gas)
    assert s.after == 0


def test_the_bureaus_day_is_chinas_whatever_the_servers_zone():
    """On a UTC server, 00:00-08:00 China time was still yesterday for overdue lists, month to
    date and export names."""
    from datetime import date

    from data_loaders.times import china_today, parse_instant

    assert china_today(datetime(2026, 12, 2, 16, 30, tzinfo=UTC)) == date(2026, 12, 3)
    assert china_today(datetime(2026, 12, 2, 15, 59, tzinfo=UTC)) == date(2026, 12, 2)
    lo, hi = datetime(2000, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)
    assert parse_instant("2026-12-02T08:00", lo, hi) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    for bad in ("0001-01-01T00:00+01:00", "1999-12-31T23:00Z", "soon"):
        with pytest.raises(ValueError):
            parse_instant(bad, lo, hi)


def test_the_history_shows_a_dispatchs_due_time_in_china_time():
    """The dispatch note keeps the instant with its offset (data); the page showed it raw,
    2027-01-15T01:05+00:00, beside a facts table saying 01-15 09:05."""
    from dashboard.i18n import t
    from views.alarm_panel import event_note

    alarm = {"rule": "threshold"}
    event = {
        "action": "dispatch",
        "actor": "duty",
        "note": "塘下镇安监站 · 2027-01-15T01:05+00:00 · 带好防毒面具",
    }
    assert event_note(alarm, event, t, "zh") == "塘下镇安监站 · 处置时限 01-15 09:05 · 带好防毒面具"
    odd = {**event, "note": "塘下镇安监站 · soon"}
    assert event_note(alarm, odd, t, "en") == "塘下镇安监站 · soon"


def test_an_ingest_process_stopped_twice_stops_once():
    """Ctrl-C: SIGINT from the terminal, then SIGTERM from onemap run: the second stop raised
    SchedulerNotRunningError (a traceback on the demo's own Ctrl-C)."""
    from data_loaders.scheduler import Ingest, IngestConfig
    from data_loaders.store import init_db, make_engine

    engine = make_engine("sqlite://")
    init_db(engine)
    process = Ingest(engine, IngestConfig())
    process.shutdown()
    process.shutdown()


def test_a_sensor_without_thresholds_is_always_normal():
    """A weather sensor (no level 1, no level 2): any value is level 0, no step worth an alarm;
    silence still makes it stale like any sensor."""
    none = r.Limits(None, None, "high")
    state, levels, steps = feed([0.5, 8.0, 1e9, -1e9, 359.9], none, QUICK)
    assert levels == [0] * 5 and not any(s.raised for s in steps)
    assert r.run(r.SignalState(), [(T0, 1e9)], none, QUICK)[1] == []
    assert none.deadband(0.1) == 0.0
    assert r.is_stale(state.last_ts, 300, state.last_ts + timedelta(seconds=301))
