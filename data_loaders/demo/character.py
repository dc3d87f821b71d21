"""How each town of the demo city works: its habits of rectifying hidden dangers, letting them
run overdue, finishing campaign tasks and reporting its own dangers, and how much its
communities and villages differ. Drawn per seed from a stream of its own, so the same seed
keeps the grids and enterprises it always had.

Each habit takes a fixed spread of values (so the ranking always has a spread to show) and
hands them out in the order of a noisy "diligence" shared by the habits: a town good at one
thing is usually, not always, good at the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Best first. Rates a real county's towns show (≈84–97 %); the county's exact figure scales
# the shares left open, so the towns' rates end up a little off these targets.
RECTIFY = (0.972, 0.845)
OVERDUE = (0.02, 0.25)  # of a town's open dangers, the share that are long-overdue stragglers
LAG_DAYS = (5.0, 14.0)  # mean days from finding a danger to rectifying it
CAMPAIGN = (2.2, 0.4)  # weight of a town's campaign tasks being done (1: the county's mean)
SELF_REPORT = (1.7, 0.4)  # weight of self-report (自查自报) among a town's sources of dangers
LIKENESS = 0.6  # how closely each habit follows the town's diligence (a correlation)
COMMUNITY_SIGMA = 0.7  # log-spread of how slow a community is against its town
VILLAGE_SIGMA = 0.8  # log-spread of how slow a village is against its community


@dataclass(frozen=True)
class TownHabits:
    """One town's habits (see the module's constants for what each means)."""

    rectify: float
    overdue: float
    lag_days: float
    campaign: float
    self_report: float


def _ranked(best_first: np.ndarray, key: np.ndarray) -> np.ndarray:
    """The values handed out by key: the highest key gets the first (best) value."""
    out = np.empty(len(key))
    out[np.argsort(-key, kind="stable")] = best_first
    return out


def draw_habits(seed: int, n: int) -> list[TownHabits]:
    """The habits of n towns for a seed."""
    rng = np.random.default_rng([seed, 12])
    diligence = rng.normal(size=n)

    def key() -> np.ndarray:
        noise = rng.normal(size=n)
        return LIKENESS * diligence + math.sqrt(1 - LIKENESS**2) * noise

    rectify_key = key()
    rectify = _ranked(np.linspace(*RECTIFY, n), rectify_key) + rng.uniform(-0.003, 0.003, n)
    # rectifying fast is what a high rate is made of: the lag follows the rate's order
    lag = _ranked(np.geomspace(*LAG_DAYS, n), rectify_key + 0.5 * rng.normal(size=n))
    overdue = _ranked(np.linspace(*OVERDUE, n), key())
    campaign = _ranked(np.geomspace(*CAMPAIGN, n), key())
    self_report = _ranked(np.geomspace(*SELF_REPORT, n), key())
    return [
        TownHabits(float(r), float(o), float(la), float(c), float(s))
        for r, o, la, c, s in zip(rectify, overdue, lag, campaign, self_report, strict=True)
    ]


def draw_slowness(seed: int, n_communities: int, n_villages: int) -> tuple[np.ndarray, ...]:
    """How slow each community and each village is at rectifying (mean about 1; a town's
    habits set its own level, these spread it over its grids)."""
    rng = np.random.default_rng([seed, 13])
    community = rng.lognormal(-(COMMUNITY_SIGMA**2) / 2, COMMUNITY_SIGMA, n_communities)
    village = rng.lognormal(-(VILLAGE_SIGMA**2) / 2, VILLAGE_SIGMA, n_villages)
    # no place is hopeless or perfect beyond what a ledger shows: the tails are cut at 3×
    return np.clip(community, 1 / 3, 3.0), np.clip(village, 1 / 3, 3.0)
