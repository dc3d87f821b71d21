"""Toxic-release screening: a Gaussian plume against the 60-minute AEGLs.

The model (DOMAIN.md, "Incidents, drills and reviews"): a continuous point release at ground
level, centreline ground concentration C(x) = Q / (π σy σz u), with the Briggs open-country
σy, σz for Pasquill classes A–F; off the axis C(x, y) = C(x) exp(-y² / 2σy²). It is a
screening model: flat open country, no dense-gas slumping, no buildings, no deposition.

The AEGL values (aegl.csv) are the 60-minute US EPA / NRC final AEGLs for the GB 18218
substances the county registers (substances.csv) that have them; see aegl.md for what was
checked against which published table. Hydrogen chloride (1.8 / 22 / 100 ppm, M 36.46) and
formaldehyde (0.90 / 14 / 56 ppm, M 30.03) have AEGLs too but are not in substances.csv:
add a row to both files to screen them.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import shapely
from pyproj import Transformer
from shapely.geometry import Polygon, mapping
from shapely.geometry.polygon import orient
from shapely.validation import make_valid

DEFAULT_TABLE = Path(__file__).with_name("aegl.csv")
# ppm -> mg/m³ uses the molar volume of an ideal gas at 25 °C and 1 atm (L/mol).
MOLAR_VOLUME_L = 24.45
LEVELS = ("aegl_1", "aegl_2", "aegl_3")
MODEL = "gaussian-briggs-open-country"
LIMITS = (
    "Screening model only: continuous ground-level point release, flat open country, "
    "no dense-gas slumping, no buildings or terrain, 60-minute AEGLs; confirm with "
    "field monitoring. 仅为初筛估算：地面连续点源、开阔平坦地形，未考虑重气沉降、建筑物和地形，"
    "采用 60 分钟 AEGL 值；须以现场监测为准。"
)
# Validation bounds. Below 0.5 m/s the plume's dilution by the wind (the 1/u term) blows
# up and calm-air pooling dominates, so a Gaussian plume says nothing useful.
RATE_MAX_KG_S = 10_000.0
WIND_MIN_M_S = 0.5
WIND_MAX_M_S = 30.0

# Briggs (1973) open-country coefficients, x in metres: σ = a·x·(1 + b·x)^p.
_SIGMA_Y: dict[str, tuple[float, float, float]] = {
    "A": (0.22, 0.0001, -0.5),
    "B": (0.16, 0.0001, -0.5),
    "C": (0.11, 0.0001, -0.5),
    "D": (0.08, 0.0001, -0.5),
    "E": (0.06, 0.0001, -0.5),
    "F": (0.04, 0.0001, -0.5),
}
_SIGMA_Z: dict[str, tuple[float, float, float]] = {
    "A": (0.20, 0.0, 1.0),
    "B": (0.12, 0.0, 1.0),
    "C": (0.08, 0.0002, -0.5),
    "D": (0.06, 0.0015, -0.5),
    "E": (0.03, 0.0003, -1.0),
    "F": (0.016, 0.0003, -1.0),
}


@dataclass(frozen=True)
class Toxic:
    """A substance's molar mass and 60-minute AEGL-1/2/3 in ppm (None where not recommended)."""

    name: str
    molar_mass: float
    aegl_ppm: tuple[float | None, float | None, float | None]
    source: str
    aliases: tuple[str, ...] = ()


class PlumeError(ValueError):
    """A release that cannot be screened, with a code and a message in Chinese and English."""

    def __init__(self, code: str, message_zh: str, message_en: str, field: str = "") -> None:
        super().__init__(f"{code}: {message_en} / {message_zh}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.field = field


def _optional_float(text: str | None) -> float | None:
    # An empty cell is an NR (not recommended) level, not zero.
    text = (text or "").strip()
    return float(text) if text else None


def load_aegl(path: str | Path | None = None) -> dict[str, Toxic]:
    """The AEGL table keyed by every name and alias (lower case); `path` replaces the default."""
    table: dict[str, Toxic] = {}
    with open(path or DEFAULT_TABLE, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            aliases = tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip())
            toxic = Toxic(
                name=row["name"].strip(),
                molar_mass=float(row["molar_mass"]),
                aegl_ppm=(
                    _optional_float(row.get("aegl_1_ppm")),
                    _optional_float(row.get("aegl_2_ppm")),
                    _optional_float(row.get("aegl_3_ppm")),
                ),
                source=(row.get("source") or "").strip(),
                aliases=aliases,
            )
            for key in (toxic.name, *aliases):
                table[key.lower()] = toxic
    return table


@cache
def _default_table() -> dict[str, Toxic]:
    # Read once per process: plume() is called per click on the map.
    return load_aegl()


def find_toxic(name: str, table: Mapping[str, Toxic] | None = None) -> Toxic | None:
    """The substance by any of its names or aliases (case- and space-insensitive), or None."""
    if not isinstance(name, str):
        return None
    return (table if table is not None else _default_table()).get(name.strip().lower())


def _stability(stability: str) -> str:
    cls = stability.strip().upper() if isinstance(stability, str) else ""
    if cls not in _SIGMA_Y:
        raise ValueError(f"Pasquill stability class must be one of A–F, not {stability!r}")
    return cls


def _sigma(coeffs: tuple[float, float, float], x: float) -> float:
    if not x > 0:
        raise ValueError(f"downwind distance must be > 0 m, not {x!r}")
    a, b, p = coeffs
    return a * x * (1.0 + b * x) ** p


def sigma_y(x: float, stability: str) -> float:
    """The crosswind spread σy (m) at x metres downwind, Briggs open country."""
    return _sigma(_SIGMA_Y[_stability(stability)], x)


def sigma_z(x: float, stability: str) -> float:
    """The vertical spread σz (m) at x metres downwind, Briggs open country."""
    return _sigma(_SIGMA_Z[_stability(stability)], x)


def centreline(x: float, q_mg_s: float, u: float, stability: str) -> float:
    """The ground-level centreline concentration (mg/m³) at x metres for a ground release."""
    if not u > 0:
        raise ValueError(f"wind speed must be > 0 m/s, not {u!r}")
    # Ground release, ground receptor: the ground reflection doubles the free-air
    # 1/(2π σy σz u), hence 1/(π σy σz u).
    return q_mg_s / (math.pi * sigma_y(x, stability) * sigma_z(x, stability) * u)


def ppm_to_mg_m3(ppm: float, molar_mass: float) -> float:
    """A gas concentration in ppm (by volume) as mg/m³ at 25 °C and 1 atm."""
    return ppm * molar_mass / MOLAR_VOLUME_L


def beyond(c_mg_m3: float, q_mg_s: float, u: float, stability: str, max_m: float = 50_000) -> bool:
    """Whether the centreline concentration is still at or above c at max_m metres."""
    return centreline(max_m, q_mg_s, u, stability) >= c_mg_m3


def distance_to(
    c_mg_m3: float, q_mg_s: float, u: float, stability: str, max_m: float = 50_000
) -> float | None:
    """The downwind distance (m) where the centreline falls to c; max_m if beyond (see beyond())."""
    if centreline(1.0, q_mg_s, u, stability) < c_mg_m3:
        return None
    if beyond(c_mg_m3, q_mg_s, u, stability, max_m):
        # Still above c at the edge of what a screening plume can claim: the caller says so.
        return float(max_m)
    # σy·σz grows with x for every class, so C(x) falls monotonically: bisection is safe.
    lo, hi = 1.0, float(max_m)
    while hi - lo > 0.1:
        mid = (lo + hi) / 2
        if centreline(mid, q_mg_s, u, stability) >= c_mg_m3:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@cache
def _to_wgs84(lon: float, lat: float) -> Transformer:
    # Azimuthal equidistant on the source: distances and bearings from it are true, so the
    # plume drawn in metres keeps its length and direction on the map.
    local = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +units=m +datum=WGS84"
    return Transformer.from_crs(local, "EPSG:4326", always_xy=True)


def _half_width(x: float, c_mg_m3: float, q_mg_s: float, u: float, stability: str) -> float:
    # Where C(x)·exp(-y²/2σy²) = c; zero where the centreline itself is below c.
    ratio = centreline(x, q_mg_s, u, stability) / c_mg_m3
    return sigma_y(x, stability) * math.sqrt(2.0 * math.log(ratio)) if ratio > 1 else 0.0


def footprint(
    lon: float,
    lat: float,
    wind_from_deg: float,
    c_mg_m3: float,
    q_mg_s: float,
    u: float,
    stability: str,
    steps: int = 48,
) -> dict | None:
    """The GeoJSON Polygon (WGS84) where the ground concentration is at least c, or None."""
    length = distance_to(c_mg_m3, q_mg_s, u, stability)
    if length is None or length <= 1.0:
        return None
    xs = [1.0 + (length - 1.0) * i / steps for i in range(steps + 1)]
    half = [_half_width(x, c_mg_m3, q_mg_s, u, stability) for x in xs]
    # One side out along the axis and the other side back: a closed ring in plume coordinates
    # (x downwind, y to the left of the downwind direction).
    ring = [(x, -y) for x, y in zip(xs, half, strict=True)]
    ring += [(x, y) for x, y in zip(reversed(xs), reversed(half), strict=True)]
    # Meteorological wind FROM θ (clockwise from north) blows TOWARD θ + 180°.
    toward = math.radians((wind_from_deg + 180.0) % 360.0)
    east_x, north_x = math.sin(toward), math.cos(toward)  # the downwind unit vector
    east_y, north_y = -north_x, east_x  # the unit vector 90° to its left
    local = [(x * east_x + y * east_y, x * north_x + y * north_y) for x, y in ring]
    shape = make_valid(Polygon(local))
    if shape.geom_type != "Polygon":
        # A ring that pinches at the far tip may come back in parts: keep the plume itself.
        parts = [g for g in getattr(shape, "geoms", []) if g.geom_type == "Polygon"]
        if not parts:
            return None
        shape = max(parts, key=lambda g: g.area)
    lonlat = shapely.transform(
        shape, _to_wgs84(float(lon), float(lat)).transform, interleaved=False
    )
    # 6 decimals ≈ 0.1 m; snapping to that grid keeps the ring valid after rounding.
    lonlat = shapely.set_precision(lonlat, 1e-6)
    if lonlat.is_empty or lonlat.geom_type != "Polygon":
        # Only a plume a few decimetres wide collapses on that grid: too small to draw.
        return None
    lonlat = orient(lonlat, 1.0)  # GeoJSON (RFC 7946) wants the outer ring anticlockwise
    geo = mapping(lonlat)
    return {
        "type": "Polygon",
        "coordinates": [
            [[round(px, 6), round(py, 6)] for px, py, *_ in ring_] for ring_ in geo["coordinates"]
        ],
    }


def _number(release: Mapping[str, Any], field: str, zh: str) -> float:
    value = release.get(field)
    if value is None or isinstance(value, bool):
        raise PlumeError("missing", f"缺少{zh}（{field}）", f"{field} is missing", field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PlumeError(
            "not_a_number",
            f"{zh}（{field}）必须是数字，收到 {value!r}",
            f"{field} must be a number, got {value!r}",
            field,
        ) from None
    if not math.isfinite(number):
        raise PlumeError(
            "not_a_number",
            f"{zh}（{field}）必须是有限数字",
            f"{field} must be a finite number",
            field,
        )
    return number


def _validate(
    release: Mapping[str, Any], table: Mapping[str, Toxic] | None
) -> tuple[Toxic, float, float, float, str]:
    if not isinstance(release, Mapping):
        raise PlumeError(
            "bad_release", "泄漏参数必须是字典", "release must be a mapping", "release"
        )
    name = release.get("substance")
    if not isinstance(name, str) or not name.strip():
        raise PlumeError(
            "missing", "缺少物质名称（substance）", "substance is missing", "substance"
        )
    toxic = find_toxic(name, table)
    if toxic is None:
        raise PlumeError(
            "unknown_substance",
            f"物质（substance）“{name}”不在 AEGL 表中，无法估算",
            f"substance {name!r} is not in the AEGL table",
            "substance",
        )
    rate = _number(release, "rate_kg_s", "泄漏速率")
    if not 0 < rate <= RATE_MAX_KG_S:
        raise PlumeError(
            "out_of_range",
            f"泄漏速率（rate_kg_s）须大于 0 且不超过 {RATE_MAX_KG_S:,.0f} kg/s，收到 {rate:g}",
            f"rate_kg_s must be > 0 and ≤ {RATE_MAX_KG_S:,.0f} kg/s, got {rate:g}",
            "rate_kg_s",
        )
    wind = _number(release, "wind_m_s", "风速")
    if wind < WIND_MIN_M_S:
        raise PlumeError(
            "calm",
            f"风速（wind_m_s）{wind:g} m/s 低于 {WIND_MIN_M_S} m/s：静风下高斯烟羽模型不适用",
            f"wind_m_s {wind:g} m/s is below {WIND_MIN_M_S} m/s: a Gaussian plume is not "
            "valid in calm air",
            "wind_m_s",
        )
    if wind > WIND_MAX_M_S:
        raise PlumeError(
            "out_of_range",
            f"风速（wind_m_s）不得超过 {WIND_MAX_M_S:g} m/s，收到 {wind:g}",
            f"wind_m_s must be ≤ {WIND_MAX_M_S:g} m/s, got {wind:g}",
            "wind_m_s",
        )
    deg = _number(release, "wind_from_deg", "风向")
    if not 0 <= deg < 360:
        raise PlumeError(
            "out_of_range",
            f"风向（wind_from_deg）须在 0 至 360 度之间（不含 360），收到 {deg:g}",
            f"wind_from_deg must be ≥ 0 and < 360 degrees, got {deg:g}",
            "wind_from_deg",
        )
    raw = release.get("stability")
    cls = raw.strip().upper() if isinstance(raw, str) else ""
    if cls not in _SIGMA_Y:
        raise PlumeError(
            "bad_stability",
            f"大气稳定度（stability）须为 A–F 之一，收到 {raw!r}",
            f"stability must be one of A–F (Pasquill), got {raw!r}",
            "stability",
        )
    return toxic, rate, wind, deg, cls


def plume(
    release: Mapping[str, Any], lon: float, lat: float, table: Mapping[str, Toxic] | None = None
) -> dict:
    """Screen one release: the distance and footprint of each AEGL level from (lon, lat)."""
    toxic, rate, wind, deg, cls = _validate(release, table)
    for field, value, bound in (("lon", lon, 180), ("lat", lat, 90)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) <= bound:
            raise PlumeError(
                "out_of_range",
                f"泄漏点坐标（{field}）无效：{value!r}",
                f"{field} must be a number within ±{bound}, got {value!r}",
                field,
            )
    q = rate * 1e6  # kg/s -> mg/s
    out: dict[str, Any] = {
        "substance": toxic.name,
        "molar_mass": toxic.molar_mass,
        "q_mg_s": q,
        "wind_from_deg": deg,
        "wind_m_s": wind,
        "stability": cls,
    }
    reached: dict[str, bool] = {}
    shapes: dict[str, dict | None] = {}
    for level, ppm in zip(LEVELS, toxic.aegl_ppm, strict=True):
        distance = None
        shapes[level] = None
        reached[level] = False
        if ppm is not None:
            c = ppm_to_mg_m3(ppm, toxic.molar_mass)
            distance = distance_to(c, q, wind, cls)
            if distance is not None:
                reached[level] = beyond(c, q, wind, cls)
                shapes[level] = footprint(lon, lat, deg, c, q, wind, cls)
        out[f"{level}_m"] = None if distance is None else float(round(distance))
    out["beyond"] = reached
    out["footprints"] = shapes
    out["model"] = MODEL
    out["limits"] = LIMITS
    return out
