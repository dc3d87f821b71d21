"""Hidden-danger rate and overdue, safety-class statistics, task progress."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from data_loaders.vocab import SAFETY_CLASSES

RECTIFIED_STATUSES = frozenset({"rectified", "accepted"})


def rate(part: int, whole: int) -> float:
    """A fraction rounded to 4 places; 0 when there is nothing to divide."""
    return round(part / whole, 4) if whole else 0.0


def is_rectified(status: str) -> bool:
    """Whether a hidden danger counts as rectified (整改完成, including accepted)."""
    return status in RECTIFIED_STATUSES


def is_overdue(status: str, deadline: date | None, today: date) -> bool:
    """Past its deadline and not rectified."""
    return deadline is not None and deadline < today and not is_rectified(status)


def days_overdue(deadline: date | None, today: date) -> int:
    """Whole days past the deadline (0 when not past)."""
    return max(0, (today - deadline).days) if deadline else 0


def class_counts(classes: Iterable[str]) -> dict[str, int]:
    """Counts by safety class with every class present, plus the total."""
    counts = Counter(classes)
    out = {"total": sum(counts.values())}
    out.update({c: counts.get(c, 0) for c in SAFETY_CLASSES})
    return out


def task_is_overdue(status: str, due_on: date | None, today: date) -> bool:
    """A task past its due date and not done."""
    return due_on is not None and due_on < today and status != "done"
