"""Times the product takes in and gives out: China time (UTC+8) for anything without an offset,
aware UTC inside, ISO 8601 with its offset outside; the bureau's day and calendar months."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))  # a time without an offset is local (UTC+8, no DST)


def parse_iso(value: str) -> datetime:
    """An ISO 8601 text as an aware time; China time (UTC+8) when it has no offset.
    ValueError when it is not ISO 8601."""
    ts = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return ts if ts.tzinfo else ts.replace(tzinfo=CHINA)


def parse_instant(value: str, earliest: datetime, latest: datetime) -> datetime:
    """An ISO 8601 text from outside as aware UTC within [earliest, latest]; ValueError when it
    is not ISO 8601, has no UTC instant (0001-01-01T00:00+01:00) or lies outside."""
    ts = parse_iso(value[:64])
    try:
        ts = ts.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value[:64]!r} has no UTC instant") from None
    if not earliest <= ts <= latest:
        raise ValueError(f"{value[:64]!r} is outside {earliest:%Y-%m-%d} to {latest:%Y-%m-%d}")
    return ts


def china_today(now: datetime | None = None) -> date:
    """Today in China (the bureau's day), whatever the server's own time zone."""
    return (now or datetime.now(UTC)).astimezone(CHINA).date()


def as_aware(value: datetime) -> datetime:
    """A time from outside as aware: one without an offset is China time."""
    return value if value.tzinfo else value.replace(tzinfo=CHINA)


def as_utc(value: datetime | None) -> datetime | None:
    """An aware UTC time: stored times without an offset are UTC (the store's convention)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with its offset ("…+00:00") of a stored time; None for none."""
    value = as_utc(value)
    return value.isoformat() if value is not None else None


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month `back` months before the month of `day`."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def month_to_date(today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """This month's days up to today, and the same days of last month (first to last day):
    on 2 December, 1–2 December and 1–2 November; on 31 March, 1–31 March and 1–28 February."""
    first, before = month_start(today), month_start(today, 1)
    days = min(today.day, (first - before).days)
    return (first, today), (before, before + timedelta(days=days - 1))
