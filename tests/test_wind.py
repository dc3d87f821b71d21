"""Weather stations: the demo city's three, the simulator's wind, and the nearest station's
reading as an incident's plume reads it. A weather sensor has no thresholds: never an alarm,
but offline like any sensor when it falls silent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from data_loaders.rules.zones import distances_m
from data_loaders.scheduler import poll_offline, poll_simulator, seed_history
from data_loaders.store import session_scope
from data_loaders.store.schema import Alarm, Enterprise, MajorHazard, Sensor
from data_loaders.telemetry.alarms import AlarmConfig
from data_loaders.telemetry.formats import RawReading
from data_loaders.telemetry.simulator import WIND_MAX_M_S, WIND_MIN_M_S, load_simulator
from data_loaders.telemetry.store import SensorDirectory, ingest_parsed
from data_loaders.telemetry.wind import nearest_wind
from data_loaders.vocab import WEATHER_KINDS
from read_models.sensors import load_sensors
from read_models.stats import load_stats
from tests.conftest import TODAY

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # midnight in China


def stations(engine) -> dict[str, list[Sensor]]:
    with session_scope(engine) as s:
        rows = s.scalars(select(Sensor).where(Sensor.kind.in_(WEATHER_KINDS))).all()
        s.expunge_all()
    out: dict[str, list[Sensor]] = {}
    for r in rows:
        out.setdefault(r.tag.split("-")[0], []).append(r)
    return out


# (one backend: the generator is the same on both, and a second scale-1 city costs 15 s)
@pytest.mark.parametrize("demo_city", ["sqlite"], indirect=True)
def test_the_demo_city_has_three_weather_stations_at_major_hazards(demo_city):
    found = stations(demo_city)
    assert sorted(found) == ["WX01", "WX02", "WX03"]
    with session_scope(demo_city) as s:
        hazard_ents = set(s.scalars(select(MajorHazard.enterprise_id)))
        where = {}
        for code, sensors in found.items():
            assert sorted(x.kind for x in sensors) == ["wind_direction", "wind_speed"]
            assert len({x.enterprise_id for x in sensors}) == 1
            for x in sensors:
                assert x.level_1 is None and x.level_2 is None and x.device == "自动气象站"
                assert x.unit == ("m/s" if x.kind == "wind_speed" else "°")
            e = s.get(Enterprise, sensors[0].enterprise_id)
            assert e.id in hazard_ents
            where[code] = (e.lon, e.lat)
        listed = {x["tag"]: x["kind"] for x in load_sensors(s)}
        monitoring = load_stats(s, today=TODAY)["monitoring"]
    # spread across the county: no two within 5 km
    pts = list(where.values())
    for i, (lon, lat) in enumerate(pts):
        others = pts[i + 1 :]
        if others:
            far = distances_m(lon, lat, [p[0] for p in others], [p[1] for p in others])
            assert far.min() > 5000
    assert listed["WX01-SPD"] == "wind_speed" and listed["WX01-DIR"] == "wind_direction"
    # the figures leave them out (test_demo_city checks the exact numbers)
    assert (monitoring["enterprises"], monitoring["signals"]) == (10, 188)


def test_simulated_wind_is_believable_over_a_day_and_the_same_for_a_seed(small_city):
    with session_scope(small_city) as s:
        sim, again = load_simulator(s, seed=4), load_simulator(s, seed=4)
    assert len(sim.stations) == 3
    assert not {x.tag for x in sim.signals} & {
        t for w in sim.stations for t in (w.speed_tag, w.direction_tag)
    }
    speeds: dict[int, list[float]] = {}
    directions: list[float] = []
    for i in range(8640):  # a day, every 10 s
        at = NOW + timedelta(seconds=10 * i)
        got = sim.tick(at)
        assert got == again.tick(at)
        for r in got:
            if r.tag == "WX01-SPD":
                speeds.setdefault((at.hour + 8) % 24, []).append(r.value)
            elif r.tag.startswith("WX") and r.tag.endswith("-DIR"):
                directions.append(r.value)
    every = [v for vs in speeds.values() for v in vs]
    assert len(every) == 8640
    assert all(WIND_MIN_M_S <= v <= WIND_MAX_M_S for v in every)
    assert all(0 <= d < 360 for d in directions)
    night = sum(sum(speeds[h]) for h in (0, 1, 2, 3, 4)) / sum(len(speeds[h]) for h in range(5))
    day = sum(sum(speeds[h]) for h in (12, 13, 14, 15)) / sum(len(speeds[h]) for h in range(12, 16))
    assert day > night * 1.5  # calmer at night
    assert max(every) - min(every) > 3  # gusts and lulls
    assert len({round(d) for d in directions}) > 60  # the direction moves about
    # a history for the stations too
    past = sim.history(NOW, hours=2)
    mine = [r.value for r in past if r.tag == "WX02-DIR"]
    assert len(mine) == 24 and all(0 <= d < 360 for d in mine)


def test_nearest_wind_reads_the_nearest_stations_latest_stored_values(small_city):
    directory, config = SensorDirectory(), AlarmConfig()
    with session_scope(small_city) as s:
        sim = load_simulator(s, seed=2)
        assert nearest_wind(s, 120.6, 27.75, NOW) is None  # nothing reported yet
    seed_history(small_city, sim, directory, config, lambda: NOW)
    for i in range(6):
        at = NOW + timedelta(seconds=10 * i)
        poll_simulator(small_city, sim, directory, config, lambda at=at: at)
    at = NOW + timedelta(seconds=60)
    latest = sim.tick(at)  # the last round, stored as the scheduler would
    with session_scope(small_city) as s:
        ingest_parsed(s, latest, [], directory, "simulator", at, config)
    value = {r.tag: r.value for r in latest}
    with session_scope(small_city) as s:
        place = {}
        for code, sensors in stations(small_city).items():
            e = s.get(Enterprise, sensors[0].enterprise_id)
            place[code] = (e.lon, e.lat, e.name)
        for code, (lon, lat, name) in place.items():
            w = nearest_wind(s, lon + 0.001, lat, at, max_age_s=300)
            assert w is not None and w["station"]["name"] == name
            assert w["station"]["speed_tag"] == f"{code}-SPD"
            assert w["station"]["direction_tag"] == f"{code}-DIR"
            assert w["age_s"] == 0 and w["distance_m"] < 200
            assert (w["m_s"], w["from_deg"]) == (value[f"{code}-SPD"], value[f"{code}-DIR"])
            assert WIND_MIN_M_S <= w["m_s"] <= WIND_MAX_M_S and 0 <= w["from_deg"] < 360
        # too old a reading is no wind
        assert nearest_wind(s, 120.6, 27.75, at + timedelta(hours=1), max_age_s=300) is None
        weather_alarms = select(func.count()).select_from(Alarm).join(Sensor)
        assert s.scalar(weather_alarms.where(Sensor.kind.in_(WEATHER_KINDS))) == 0


def test_a_weather_sensor_never_alarms_but_goes_offline_when_silent(small_city):
    directory, config = SensorDirectory(), AlarmConfig()
    wild = [RawReading("WX01-SPD", NOW + timedelta(seconds=10 * i), 1e6 * i) for i in range(5)]
    wild += [RawReading("WX01-DIR", NOW + timedelta(seconds=10 * i), -5.0) for i in range(5)]
    with session_scope(small_city) as s:
        result = ingest_parsed(s, wild, [], directory, "http", NOW, config)
    assert result.accepted == 10

    def weather_alarms() -> list[tuple[str, str]]:
        with session_scope(small_city) as s:
            return sorted(
                s.execute(
                    select(Sensor.tag, Alarm.rule)
                    .join(Alarm, Alarm.sensor_id == Sensor.id)
                    .where(Sensor.kind.in_(WEATHER_KINDS))
                ).all()
            )

    assert weather_alarms() == []  # no thresholds: any value is normal
    poll_offline(small_city, lambda: NOW + timedelta(seconds=40 + 299))
    assert weather_alarms() == []
    poll_offline(small_city, lambda: NOW + timedelta(minutes=10))
    assert weather_alarms() == [("WX01-DIR", "offline"), ("WX01-SPD", "offline")]
