"""Calendar periods in local time: today, this week (from Monday), month, year."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum


class Period(StrEnum):
    """A calendar period that resets at local midnight."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


def period_start_date(period: Period, day: date) -> date:
    """Return the first day of the period containing ``day``."""
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """Return the instant the local day starts, in UTC.

    UTC, not local: Python subtracts two datetimes sharing a tzinfo by their wall
    clocks, which is an hour off across a DST change.
    """
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def day_hours(day: date, tz: tzinfo) -> int:
    """Return how many hours ``day`` has in ``tz`` (23 or 25 on DST days)."""
    following = local_midnight(day + timedelta(days=1), tz)
    return round((following - local_midnight(day, tz)).total_seconds() / 3600)


def day_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Return ``days`` as runs of consecutive days, each as (first, last)."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def describe_days(days: Iterable[date]) -> str:
    """Return ``days`` as text: ``2026-03-01 to 2026-03-29, 2026-04-02`` ("" if none)."""
    return ", ".join(
        first.isoformat() if first == last else f"{first} to {last}"
        for first, last in day_ranges(days)
    )


@dataclass(frozen=True, slots=True)
class LocalDay:
    """One local day: its date and the instants (UTC) it starts and ends."""

    day: date
    start: datetime
    end: datetime
    tz: tzinfo

    @classmethod
    def of(cls, day: date, tz: tzinfo) -> LocalDay:
        """Return the local day ``day``."""
        return cls(
            day,
            local_midnight(day, tz),
            local_midnight(day + timedelta(days=1), tz),
            tz,
        )

    @classmethod
    def containing(cls, at: datetime, tz: tzinfo) -> LocalDay:
        """Return the local day containing ``at``."""
        return cls.of(at.astimezone(tz).date(), tz)

    def contains(self, at: datetime) -> bool:
        """Return True if ``at`` falls within this day."""
        return self.start <= at < self.end

    def period_start(self, period: Period) -> datetime:
        """Return the instant the period containing this day started."""
        return local_midnight(period_start_date(period, self.day), self.tz)
