"""Default two-level alarm thresholds by sensor kind (every sensor may override them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """Level 1 (预警 warning) and level 2 (报警 alarm) limits and their direction."""

    level_1: float | None
    level_2: float | None
    direction: str = "high"
    unit: str = ""


# Sources: GB/T 50493-2019 (gas detection), GB 28009-2011 (ammonia refrigeration machine rooms);
# dust as 25 % / 50 % of a typical aluminium dust's minimum explosible concentration (40 g/m³).
# Tanks, pressure, temperature and flows have no national default: these are placeholders
# chosen to be safe and meant to be replaced per sensor from each vessel's design.
DEFAULTS: dict[str, Thresholds] = {
    "ammonia": Thresholds(150, 300, "high", "ppm"),
    "combustible_gas": Thresholds(25, 50, "high", "%LEL"),
    "toxic_gas": Thresholds(100, 200, "high", "%OEL"),
    "hydrogen": Thresholds(1, 2, "high", "%VOL"),
    "dust": Thresholds(10, 20, "high", "g/m³"),
    "tank_level": Thresholds(80, 90, "high", "%"),
    "pressure": Thresholds(1.6, 1.8, "high", "MPa"),
    "temperature": Thresholds(60, 80, "high", "°C"),
    "diff_pressure": Thresholds(1500, 2000, "high", "Pa"),
    "water_flow": Thresholds(8, 5, "low", "m³/h"),
    "water_level": Thresholds(30, 20, "low", "%"),
    "ai_video": Thresholds(None, None, "high", ""),
    # weather: never an alarm (wind speed in m/s; direction in degrees, where it blows from)
    "wind_speed": Thresholds(None, None, "high", "m/s"),
    "wind_direction": Thresholds(None, None, "high", "°"),
}


def check_order(level_1: float | None, level_2: float | None, direction: str) -> str | None:
    """Why a threshold pair is inconsistent (level 2 must be beyond level 1), or None."""
    if level_1 is None or level_2 is None:
        return None
    if direction == "high" and level_2 < level_1:
        return "level_2 < level_1 for a high alarm"
    if direction == "low" and level_2 > level_1:
        return "level_2 > level_1 for a low alarm"
    return None
