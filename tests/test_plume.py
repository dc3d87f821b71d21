"""The toxic-release screening model: a hand-computed plume, AEGL data, footprints, validation."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import Point, shape

from data_loaders.rules import gb18218
from data_loaders.rules import plume as pl

LON, LAT = 120.15, 29.28  # a point in a Zhejiang county; any would do
GEOD = Geod(ellps="WGS84")


def release(**overrides):
    base = {
        "substance": "液氨",
        "rate_kg_s": 1.0,
        "wind_from_deg": 0.0,
        "wind_m_s": 2.0,
        "stability": "D",
    }
    return base | overrides


def test_hand_computed_centreline_ammonia_class_d():
    # Ammonia, 1 kg/s = 1e6 mg/s, u = 2 m/s, class D, x = 1000 m:
    #   σy = 0.08·1000·(1 + 0.0001·1000)^-½ = 80/√1.1 = 76.27700714 m
    #   σz = 0.06·1000·(1 + 0.0015·1000)^-½ = 60/√2.5 = 37.94733192 m
    #   π·σy·σz·u = π·76.27700714·37.94733192·2 = 18186.73584
    #   C = 1e6 / 18186.73584 = 54.98512810 mg/m³
    sy = 80 / math.sqrt(1.1)
    sz = 60 / math.sqrt(2.5)
    c = 1e6 / (math.pi * sy * sz * 2)
    assert pl.sigma_y(1000, "D") == pytest.approx(76.27700714, rel=1e-9)
    assert pl.sigma_z(1000, "D") == pytest.approx(37.94733192, rel=1e-9)
    assert c == pytest.approx(54.98512810, rel=1e-9)
    assert pl.centreline(1000, 1e6, 2, "D") == pytest.approx(c, rel=1e-9)
    # and back: the centreline falls to that C at 1000 m
    assert pl.distance_to(c, 1e6, 2, "D") == pytest.approx(1000, abs=0.5)


@pytest.mark.parametrize(
    ("cls", "sy", "sz"),
    [
        # x = 500 m; (1 + 0.0001·500)^-½ = 1/√1.05 for every σy
        ("A", 0.22 * 500 / math.sqrt(1.05), 0.20 * 500),
        ("B", 0.16 * 500 / math.sqrt(1.05), 0.12 * 500),
        ("C", 0.11 * 500 / math.sqrt(1.05), 0.08 * 500 / math.sqrt(1.1)),
        ("D", 0.08 * 500 / math.sqrt(1.05), 0.06 * 500 / math.sqrt(1.75)),
        ("E", 0.06 * 500 / math.sqrt(1.05), 0.03 * 500 / 1.15),
        ("F", 0.04 * 500 / math.sqrt(1.05), 0.016 * 500 / 1.15),
    ],
)
def test_briggs_coefficients_each_class(cls, sy, sz):
    assert pl.sigma_y(500, cls) == pytest.approx(sy, rel=1e-12)
    assert pl.sigma_z(500, cls.lower()) == pytest.approx(sz, rel=1e-12)


@pytest.mark.parametrize("bad", ["G", "", "AB", None])
def test_sigma_rejects_a_class_not_a_to_f(bad):
    with pytest.raises(ValueError):
        pl.sigma_y(100, bad)
    with pytest.raises(ValueError):
        pl.sigma_z(100, bad)


def test_sigma_rejects_x_not_positive():
    with pytest.raises(ValueError):
        pl.sigma_y(0, "D")


def test_ppm_to_mg_m3_ammonia_aegl_2():
    # 160 ppm × 17.03 g/mol / 24.45 L/mol = 111.4437628 mg/m³
    assert pl.ppm_to_mg_m3(160, 17.03) == pytest.approx(160 * 17.03 / 24.45, rel=1e-12)
    assert pl.ppm_to_mg_m3(160, 17.03) == pytest.approx(111.4437628, rel=1e-9)


def test_distance_none_below_at_1_m_and_capped_beyond():
    assert pl.distance_to(1e12, 1e6, 2, "D") is None
    # a huge release of a low threshold is still above it at 50 km: capped and flagged
    assert pl.distance_to(0.01, 1e10, 1, "F") == 50_000
    assert pl.beyond(0.01, 1e10, 1, "F")
    assert not pl.beyond(54.0, 1e6, 2, "D")


def test_aegl_table_names_match_the_gb18218_table():
    table = pl.load_aegl()
    substances = gb18218.load_substances()
    names = {t.name for t in table.values()}
    assert names == {"液氨", "氯", "硫化氢", "一氧化碳", "二氧化硫", "氰化氢", "光气"}
    for name in names:
        assert name in substances, name  # the exact Chinese name of substances.csv
    for toxic in table.values():
        assert toxic.source.startswith("US EPA AEGL final values")
        present = [v for v in toxic.aegl_ppm if v is not None]
        assert present == sorted(present)
    nh3 = pl.find_toxic("Ammonia")
    assert nh3 is pl.find_toxic("NH3") is pl.find_toxic(" 液氨 ")
    assert (nh3.molar_mass, nh3.aegl_ppm) == (17.03, (30, 160, 1100))
    assert pl.find_toxic("氯气").aegl_ppm == (0.5, 2.0, 20)
    assert pl.find_toxic("phosgene").aegl_ppm == (None, 0.30, 0.75)
    assert pl.find_toxic("carbon monoxide").aegl_ppm == (None, 83, 330)
    assert pl.find_toxic("benzene") is None


def test_plume_distances_ordered_and_shape():
    out = pl.plume(release(), LON, LAT)
    assert out["substance"] == "液氨"
    assert (out["q_mg_s"], out["stability"], out["model"]) == (1e6, "D", pl.MODEL)
    assert 0 < out["aegl_3_m"] < out["aegl_2_m"] < out["aegl_1_m"]
    assert out["beyond"] == {"aegl_1": False, "aegl_2": False, "aegl_3": False}
    assert "dense-gas" in out["limits"] and "重气" in out["limits"]
    # the AEGL-2 distance is the hand formula's root: C(d) = 160 ppm in mg/m³
    c2 = pl.ppm_to_mg_m3(160, 17.03)
    assert pl.centreline(out["aegl_2_m"], 1e6, 2, "D") == pytest.approx(c2, rel=2e-3)


def test_stronger_release_and_more_stable_air_reach_farther():
    base = pl.plume(release(), LON, LAT)
    stronger = pl.plume(release(rate_kg_s=10), LON, LAT)
    stable = pl.plume(release(stability="F"), LON, LAT)
    unstable = pl.plume(release(stability="a"), LON, LAT)
    for level in ("aegl_1_m", "aegl_2_m", "aegl_3_m"):
        assert stronger[level] > base[level]
        assert stable[level] > base[level] > unstable[level]


def test_phosgene_aegl_1_is_not_recommended():
    out = pl.plume(release(substance="光气"), LON, LAT)
    assert out["aegl_1_m"] is None
    assert out["footprints"]["aegl_1"] is None
    assert out["beyond"]["aegl_1"] is False
    assert out["aegl_3_m"] < out["aegl_2_m"]


def test_footprint_lies_downwind_contains_the_axis_and_has_the_length():
    out = pl.plume(release(wind_from_deg=0), LON, LAT)  # wind from the north blows south
    distance = out["aegl_2_m"]
    geo = out["footprints"]["aegl_2"]
    assert geo["type"] == "Polygon"
    ring = geo["coordinates"][0]
    assert ring[0] == ring[-1]
    assert all(len(str(v).split(".")[-1]) <= 6 for pt in ring for v in pt)
    assert all(lat <= LAT + 1e-6 for _, lat in ring)
    poly = shape(geo)
    assert poly.is_valid
    # the point on the axis at half the distance, due south of the source
    lon_h, lat_h, _ = GEOD.fwd(LON, LAT, 180, distance / 2)
    assert poly.contains(Point(lon_h, lat_h))
    # its length: the farthest vertex from the source is about the distance away
    far = max(GEOD.inv(LON, LAT, lon, lat)[2] for lon, lat in ring)
    assert far == pytest.approx(distance, rel=0.01)


@pytest.mark.parametrize("wind_from", [90.0, 225.0])
def test_footprint_rotates_with_the_wind(wind_from):
    out = pl.plume(release(wind_from_deg=wind_from), LON, LAT)
    distance = out["aegl_3_m"]
    poly = shape(out["footprints"]["aegl_3"])
    toward = (wind_from + 180) % 360
    lon_h, lat_h, _ = GEOD.fwd(LON, LAT, toward, distance / 2)
    assert poly.contains(Point(lon_h, lat_h))
    lon_b, lat_b, _ = GEOD.fwd(LON, LAT, wind_from, distance / 2)  # upwind
    assert not poly.contains(Point(lon_b, lat_b))


def test_footprint_none_when_never_reached():
    assert pl.footprint(LON, LAT, 0, 1e12, 1e6, 2, "D") is None


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"substance": "unobtainium"}, "substance", "unknown_substance"),
        ({"substance": ""}, "substance", "missing"),
        ({"stability": "G"}, "stability", "bad_stability"),
        ({"stability": None}, "stability", "bad_stability"),
        ({"wind_m_s": 0.1}, "wind_m_s", "calm"),
        ({"wind_m_s": 31}, "wind_m_s", "out_of_range"),
        ({"rate_kg_s": -1}, "rate_kg_s", "out_of_range"),
        ({"rate_kg_s": 0}, "rate_kg_s", "out_of_range"),
        ({"rate_kg_s": 10_001}, "rate_kg_s", "out_of_range"),
        ({"rate_kg_s": "x"}, "rate_kg_s", "not_a_number"),
        ({"rate_kg_s": None}, "rate_kg_s", "missing"),
        ({"rate_kg_s": float("nan")}, "rate_kg_s", "not_a_number"),
        ({"wind_from_deg": 360}, "wind_from_deg", "out_of_range"),
        ({"wind_from_deg": -1}, "wind_from_deg", "out_of_range"),
    ],
)
def test_every_bad_field_raises_naming_it(overrides, field, code):
    with pytest.raises(pl.PlumeError) as err:
        pl.plume(release(**overrides), LON, LAT)
    e = err.value
    assert isinstance(e, ValueError)
    assert (e.code, e.field) == (code, field)
    assert field in e.message_en and field in e.message_zh


def test_calm_wind_says_the_model_is_not_valid():
    with pytest.raises(pl.PlumeError) as err:
        pl.plume(release(wind_m_s=0.1), LON, LAT)
    assert "Gaussian plume is not valid" in err.value.message_en
    assert "高斯烟羽模型不适用" in err.value.message_zh


def test_bad_source_coordinates():
    with pytest.raises(pl.PlumeError) as err:
        pl.plume(release(), 200.0, LAT)
    assert err.value.field == "lon"


SUBSTANCES = sorted({t.name for t in pl.load_aegl().values()})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    substance=st.sampled_from(SUBSTANCES),
    rate=st.floats(min_value=1e-3, max_value=10_000),
    wind=st.floats(min_value=0.5, max_value=30),
    deg=st.floats(min_value=0, max_value=359.99),
    cls=st.sampled_from("ABCDEFabcdef"),
)
def test_any_valid_release_gives_finite_ordered_distances(substance, rate, wind, deg, cls):
    out = pl.plume(
        {
            "substance": substance,
            "rate_kg_s": rate,
            "wind_from_deg": deg,
            "wind_m_s": wind,
            "stability": cls,
        },
        LON,
        LAT,
    )
    toxic = pl.find_toxic(substance)
    distances = [out[f"{level}_m"] for level in pl.LEVELS]
    for ppm, d in zip(toxic.aegl_ppm, distances, strict=True):
        if ppm is None:
            assert d is None
        elif d is not None:
            assert math.isfinite(d) and 0 <= d <= 50_000
    # a level with a higher concentration never reaches farther than a lower one;
    # and if it is reached at all, so is every lower (recommended) level
    for lower, higher in ((0, 1), (1, 2), (0, 2)):
        if toxic.aegl_ppm[lower] is None or distances[higher] is None:
            continue
        assert distances[lower] is not None
        assert distances[higher] <= distances[lower]
