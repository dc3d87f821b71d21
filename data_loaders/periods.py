"""The periods a briefing or a ranking covers: a calendar month (2026-11), a quarter (2026-Q4,
一季一排名) or an ISO week (2026-W47, Monday to Sunday), in China days. A period that has not
ended is taken up to today; one that has not begun is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from data_loaders.times import month_start

EARLIEST_YEAR = 2000  # the ledger's own years: nothing older is asked for
KINDS = ("month", "quarter", "week")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_WEEK = re.compile(r"^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$", re.IGNORECASE)


class BadPeriod(ValueError):
    """A period that is not YYYY-MM, YYYY-Qn or YYYY-Wnn, or lies in the future."""


@dataclass(frozen=True)
class Period:
    """A month, quarter or ISO week: its first and last day (`end` is today while it runs,
    its last day included: on 30 November, November is not complete yet)."""

    kind: str
    code: str
    first: date
    last: date
    end: date
    complete: bool = True  # the whole period has passed (its last day is not today or later)

    @property
    def days(self) -> int:
        """Days from the first to the end (the part that has passed)."""
        return (self.end - self.first).days + 1

    def as_dict(self) -> dict[str, object]:
        """The period as the documents show it (ISO dates)."""
        return {
            "code": self.code,
            "kind": self.kind,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "as_of": self.end.isoformat(),
            "complete": self.complete,
        }


def _make(kind: str, code: str, first: date, last: date, today: date) -> Period:
    if first > today:
        raise BadPeriod(f"{code} has not begun yet")
    return Period(kind, code, first, last, min(last, today), complete=today > last)


def month_period(first: date, today: date) -> Period:
    """The month starting `first`."""
    last = month_start(first, -1) - timedelta(days=1)
    return _make("month", first.isoformat()[:7], first, last, today)


def quarter_period(year: int, quarter: int, today: date) -> Period:
    """Quarter 1–4 of a year."""
    first = date(year, 3 * quarter - 2, 1)
    last = month_start(first, -3) - timedelta(days=1)
    return _make("quarter", f"{year}-Q{quarter}", first, last, today)


def week_period(year: int, week: int, today: date) -> Period:
    """ISO week 1–53 of an ISO year (BadPeriod for a week 53 the year does not have)."""
    try:
        first = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise BadPeriod(f"{year} has no week {week}") from None
    return _make("week", f"{year}-W{week:02d}", first, first + timedelta(days=6), today)


def current_period(kind: str, today: date) -> Period:
    """The month, quarter or week that today is in."""
    if kind == "quarter":
        return quarter_period(today.year, (today.month - 1) // 3 + 1, today)
    if kind == "week":
        year, week, _ = today.isocalendar()
        return week_period(year, week, today)
    return month_period(month_start(today), today)


def parse_period(text: str | None, today: date, default: str = "month") -> Period:
    """A period from outside (YYYY-MM, YYYY-Qn, YYYY-Wnn; None or empty: the current one of
    kind `default`). BadPeriod when it is none of these, before 2000 or not begun."""
    if not text or not text.strip():
        return current_period(default, today)
    value = text.strip()[:20]
    for pattern in (_MONTH, _QUARTER, _WEEK):
        m = pattern.match(value)
        if m:
            break
    else:
        raise BadPeriod(f"period must be YYYY-MM, YYYY-Qn or YYYY-Wnn, not {value!r}")
    year = int(m.group(1))
    if year < EARLIEST_YEAR:
        raise BadPeriod(f"a period from {EARLIEST_YEAR} on, not {value!r}")
    if year > today.year + 1:  # (a week of early January may belong to the next ISO year)
        raise BadPeriod(f"{value} has not begun yet")
    if pattern is _MONTH:
        return month_period(date(year, int(m.group(2)), 1), today)
    if pattern is _QUARTER:
        return quarter_period(year, int(m.group(2)), today)
    return week_period(year, int(m.group(2)), today)


def previous_period(period: Period, today: date) -> Period:
    """The period of the same kind just before."""
    before = period.first - timedelta(days=1)
    if period.kind == "quarter":
        return quarter_period(before.year, (before.month - 1) // 3 + 1, today)
    if period.kind == "week":
        year, week, _ = before.isocalendar()
        return week_period(year, week, today)
    return month_period(month_start(before), today)


def recent_periods(period: Period, today: date, n: int) -> list[Period]:
    """The n periods of the same kind ending with `period`, oldest first."""
    out = [period]
    while len(out) < n and out[0].first.year > EARLIEST_YEAR:
        out.insert(0, previous_period(out[0], today))
    return out


def period_label(period: Period, lang: str = "zh") -> str:
    """2026年11月, 2026年第四季度, 2026年第47周 (Nov 2026, Q4 2026, week 47 of 2026)."""
    year = period.code[:4]
    if period.kind == "quarter":
        q = int(period.code[-1])
        return f"{year}年第{'一二三四'[q - 1]}季度" if lang == "zh" else f"Q{q} {year}"
    if period.kind == "week":
        w = int(period.code[-2:])
        return f"{year}年第{w}周" if lang == "zh" else f"week {w} of {year}"
    m = period.first.month
    return f"{year}年{m}月" if lang == "zh" else f"{period.first:%b} {year}"
