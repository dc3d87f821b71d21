"""GB 18218-2018 identification and grading of major hazard installations."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TABLE = Path(__file__).with_name("substances.csv")


@dataclass(frozen=True)
class Substance:
    """A hazardous substance's critical quantity Q (t) and correction factor β."""

    name: str
    q_threshold_t: float
    beta: float
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grading:
    """The result of identifying and grading one installation."""

    s_value: float
    is_major: bool
    alpha: float
    r_value: float
    level: int


def load_substances(extra: str | Path | None = None) -> dict[str, Substance]:
    """The substance table keyed by every name and alias (lower case); `extra` extends it."""
    table: dict[str, Substance] = {}
    for path in (DEFAULT_TABLE, extra):
        if not path:
            continue
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                aliases = tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a)
                sub = Substance(
                    row["name"].strip(), float(row["q_threshold_t"]), float(row["beta"]), aliases
                )
                for key in (sub.name, *aliases):
                    table[key.lower()] = sub
    return table


def alpha_for(exposed_people: int) -> float:
    """α, the correction for people within 500 m."""
    if exposed_people >= 100:
        return 2.0
    if exposed_people >= 50:
        return 1.5
    if exposed_people >= 30:
        return 1.2
    if exposed_people >= 1:
        return 1.0
    return 0.5


def level_for(r_value: float) -> int:
    """Level 1 (R ≥ 100) to level 4 (R < 10)."""
    if r_value >= 100:
        return 1
    if r_value >= 50:
        return 2
    if r_value >= 10:
        return 3
    return 4


def grade(items: Iterable[tuple[float, float, float]], exposed_people: int) -> Grading:
    """Identify and grade from (q, Q, β) of each substance and the people within 500 m."""
    items = list(items)
    s_value = sum(q / big_q for q, big_q, _ in items)
    alpha = alpha_for(exposed_people)
    r_value = alpha * sum(beta * q / big_q for q, big_q, beta in items)
    return Grading(
        s_value=round(s_value, 4),
        is_major=s_value >= 1,
        alpha=alpha,
        r_value=round(r_value, 2),
        level=level_for(r_value),
    )
