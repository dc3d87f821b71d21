"""The monthly ranking bulletin (通报排名): how a town's month turns into a score.

Five parts, each scored 0–100 from figures *as of the month's last day* (today for the current
month), so last month's bulletin can be recomputed and the rank change shown:

- ``rectification``: hidden dangers found in the 12 months up to that day, share rectified by
  then; score = rate × 100.
- ``overdue``: of the dangers still open that day, the share not past their deadline;
  score = (1 − overdue ÷ open) × 100 (100 when nothing is open).
- ``campaign``: special-campaign tasks due by that day, share done by then (done early counts);
  score = min(1, done ÷ due) × 100.
- ``alarm_handling``: alarms opened in the month, mean minutes until acknowledged (an alarm
  still unacknowledged counts until that day); 100 at or under ``alarm_target_min``, falling
  linearly to 0 at ``alarm_limit_min``. It counts only for a town with at least
  ``min_alarms`` alarms in the month: the mean of one or two alarms says little, and would
  move the rank more than a month of ledger work.
- ``self_report``: enterprises that reported a hidden danger of their own (自查自报) in the 12
  months, as a share of the town's enterprises; score = share × 100.

The score is the weighted mean of the parts a town has data for (a town with fewer than
``min_alarms`` alarms in the month is scored on the other four, the alarm part's weight shared
out among them in proportion), rounded to 2 places.
Ranks are competition ranks (1, 2, 2, 4) by score; ties share a rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PARTS = ("rectification", "overdue", "campaign", "alarm_handling", "self_report")

DEFAULT_WEIGHTS = {
    "rectification": 30.0,
    "overdue": 25.0,
    "campaign": 20.0,
    "alarm_handling": 10.0,
    "self_report": 15.0,
}


@dataclass(frozen=True)
class RankingConfig:
    """Weights of the five parts, the alarm-handling time band (minutes) and the fewest alarms
    in a month for the alarm part to count."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    alarm_target_min: float = 15.0
    alarm_limit_min: float = 120.0
    min_alarms: int = 3


def parse_weights(text: str) -> dict[str, float]:
    """Weights from ``rectification=30,overdue=25,...``; parts left out weigh 0.

    Raises ValueError naming the bad entry (a setting read at start-up)."""
    if not text.strip():
        return dict(DEFAULT_WEIGHTS)
    out = dict.fromkeys(PARTS, 0.0)
    for entry in text.split(","):
        name, sep, value = entry.partition("=")
        name = name.strip()
        if not sep or name not in PARTS:
            raise ValueError(f"ranking weight {entry.strip()!r}: use one of {', '.join(PARTS)}=N")
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(f"ranking weight {entry.strip()!r}: N must be a number") from None
        if weight < 0:
            raise ValueError(f"ranking weight {entry.strip()!r}: N must not be negative")
        out[name] = weight
    if not any(out.values()):
        raise ValueError("ranking weights: at least one part must weigh more than 0")
    return out


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def alarms_count(alarms: int, config: RankingConfig) -> bool:
    """Whether a town's alarms in the month are enough for the alarm part to count."""
    return alarms > 0 and alarms >= config.min_alarms


def part_scores(figures: dict[str, Any], config: RankingConfig) -> dict[str, float | None]:
    """Each part's 0–100 score from a town's figures (None: no data for the part, or fewer
    alarms than ``config.min_alarms`` for the alarm part)."""
    found, rectified = figures["found"], figures["rectified"]
    open_, overdue = figures["open"], figures["overdue"]
    due, done = figures["tasks_due"], figures["tasks_done"]
    minutes, enterprises = figures["alarm_minutes"], figures["enterprises"]
    band = max(config.alarm_limit_min - config.alarm_target_min, 1e-9)
    return {
        "rectification": 100 * _share(rectified, found) if found else None,
        "overdue": 100 * (1 - _share(overdue, open_)),
        "campaign": 100 * min(1.0, _share(done, due)) if due else None,
        "alarm_handling": (
            None
            if minutes is None or not alarms_count(figures["alarms"], config)
            else 100 * min(1.0, max(0.0, (config.alarm_limit_min - minutes) / band))
        ),
        "self_report": 100 * _share(figures["self_reporting"], enterprises)
        if enterprises
        else None,
    }


def total_score(parts: dict[str, float | None], weights: dict[str, float]) -> float:
    """The weighted mean of the parts with data, rounded to 2 places (0 with none)."""
    used = [(weights.get(k, 0.0), v) for k, v in parts.items() if v is not None]
    weight = sum(w for w, _ in used)
    return round(sum(w * v for w, v in used) / weight, 2) if weight else 0.0


def competition_ranks(scores: list[tuple[str, float]]) -> dict[str, int]:
    """Rank by score, highest first; equal scores share a rank (1, 2, 2, 4)."""
    ordered = sorted(scores, key=lambda kv: (-kv[1], kv[0]))
    ranks: dict[str, int] = {}
    for i, (key, score) in enumerate(ordered):
        ranks[key] = ranks[ordered[i - 1][0]] if i and score == ordered[i - 1][1] else i + 1
    return ranks
