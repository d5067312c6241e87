"""A tariff seen from one instant: what its price entities and automations show.

:func:`tariff_outlook` answers, for a schedule and an instant: the price now and
the next one, today's and tomorrow's known prices with their figures, whether the
price is cheap now (against a threshold), today's cheapest hours, the cheapest
window of the remaining known prices, and when any of that next changes with time
alone (the caller recomputes then, or when the prices or settings change).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Final

from .periods import LocalDay
from .prices import PriceInterval, PriceSchedule, PriceSegment
from .windows import (
    PriceStats,
    PriceWindow,
    TimeRange,
    cheapest_periods,
    cheapest_window,
    known_segments,
    price_stats,
)

MIN_CHEAPEST_HOURS: Final = 1
MAX_CHEAPEST_HOURS: Final = 12
DEFAULT_CHEAPEST_HOURS: Final = 3
# How far to look for the next different price (segments of the same price).
_MAX_SAME_PRICE_SEGMENTS: Final = 1_000


@dataclass(frozen=True, slots=True)
class AutomationSettings:
    """What the user set for automations: a cheap threshold and a number of hours.

    ``cheap_threshold`` None is automatic: cheap means at most today's average.
    ``prefer_high`` is for a tariff that pays (export): the best times are those
    of the highest prices, so "cheap" reads "at least the threshold", and the
    cheapest hours and window are the highest-priced ones.
    """

    cheap_threshold: float | None = None
    cheapest_hours: int = DEFAULT_CHEAPEST_HOURS
    prefer_high: bool = False

    @property
    def duration(self) -> timedelta:
        """Return the cheapest hours as a duration."""
        return timedelta(hours=self.cheapest_hours)


@dataclass(frozen=True, slots=True)
class DayPrices:
    """The known prices of one local day and their figures."""

    day: LocalDay
    intervals: tuple[PriceInterval, ...]
    stats: PriceStats


@dataclass(frozen=True, slots=True)
class TariffOutlook:
    """A tariff at the instant ``at``."""

    at: datetime
    current: PriceSegment
    following: PriceSegment | None
    # When the price next differs from now's (None: no different price known).
    next_change: datetime | None
    today: DayPrices | None
    tomorrow: DayPrices | None
    cheapest_hours: tuple[TimeRange, ...]
    cheapest_window: PriceWindow | None
    cheap_now: bool | None
    # The threshold in force: the one set, or today's average (None: unknown).
    cheap_threshold: float | None
    next_update: datetime
    # What it was computed from: a later outlook of the same schedule and settings
    # reuses its days (schedules are immutable; new prices make a new schedule).
    schedule: PriceSchedule = field(compare=False, repr=False)
    settings: AutomationSettings = field(compare=False, repr=False)

    @property
    def in_cheapest_hours(self) -> bool:
        """Return True if ``at`` is within today's cheapest hours."""
        return any(hours.contains(self.at) for hours in self.cheapest_hours)

    @property
    def in_cheapest_window(self) -> bool:
        """Return True if ``at`` is within the cheapest window."""
        window = self.cheapest_window
        return window is not None and window.contains(self.at)


def day_prices(schedule: PriceSchedule, day: LocalDay) -> DayPrices | None:
    """Return the known prices of ``day`` (None if none is known)."""
    intervals = known_segments(schedule, day.start, day.end)
    stats = price_stats(intervals)
    if stats is None:
        return None
    return DayPrices(day, tuple(intervals), stats)


def _known_day(
    schedule: PriceSchedule, day: LocalDay, previous: TariffOutlook | None
) -> DayPrices | None:
    """Return the prices of ``day``, from ``previous`` if it holds them."""
    if previous is not None and previous.schedule is schedule:
        for known in (previous.today, previous.tomorrow):
            if known is not None and known.day == day:
                return known
    return day_prices(schedule, day)


def next_price_change(
    schedule: PriceSchedule, current: PriceSegment
) -> datetime | None:
    """Return when the price next differs from ``current``'s, if that is known.

    Segments of the same price are looked through; the end of the known prices
    is not a change (None), nor is anything after a price that is not known.
    """
    if current.price is None:
        return None
    segment = current
    for _ in range(_MAX_SAME_PRICE_SEGMENTS):
        if segment.end is None:
            return None
        following = schedule.segment_at(segment.end)
        if following.price is None:
            return None
        if following.price != current.price:
            return following.start
        segment = following
    return None


def _negated(intervals: Iterable[PriceInterval]) -> list[PriceInterval]:
    """Return ``intervals`` with their prices negated (highest first becomes lowest)."""
    return [PriceInterval(i.start, i.end, -i.price, i.label) for i in intervals]


def tariff_outlook(
    schedule: PriceSchedule,
    at: datetime,
    tz: tzinfo,
    settings: AutomationSettings,
    *,
    keep_window: PriceWindow | None = None,
    previous: TariffOutlook | None = None,
) -> TariffOutlook:
    """Return the outlook of ``schedule`` at ``at`` (local days in ``tz``).

    ``keep_window`` is the cheapest window found before: while it runs it is kept,
    so that an appliance started in it is not stopped because a later window has
    become the cheapest of what remains. ``previous`` is the last outlook: what
    time alone does not change (the days' prices, today's cheapest hours) is taken
    from it when it was computed from the same schedule and settings.
    """
    current = schedule.segment_at(at)
    following = None if current.end is None else schedule.segment_at(current.end)
    today_day = LocalDay.containing(at, tz)
    tomorrow_day = LocalDay.containing(today_day.end, tz)
    today = _known_day(schedule, today_day, previous)
    tomorrow = _known_day(schedule, tomorrow_day, previous)

    if today is None:
        hours: tuple[TimeRange, ...] = ()
    elif (
        previous is not None
        and previous.today is today
        and previous.settings.cheapest_hours == settings.cheapest_hours
    ):
        hours = previous.cheapest_hours
    elif settings.prefer_high:
        hours = cheapest_periods(_negated(today.intervals), settings.duration)
    else:
        hours = cheapest_periods(today.intervals, settings.duration)
    if keep_window is not None and keep_window.contains(at):
        window: PriceWindow | None = keep_window
    else:
        remaining = [
            *(today.intervals if today else ()),
            *(tomorrow.intervals if tomorrow else ()),
        ]
        if settings.prefer_high:
            best = cheapest_window(_negated(remaining), at, settings.duration)
            window = (
                None
                if best is None
                else PriceWindow(best.start, best.end, -best.average_price)
            )
        else:
            window = cheapest_window(remaining, at, settings.duration)

    threshold = settings.cheap_threshold
    if threshold is None and today is not None:
        threshold = round(today.stats.average, 6)  # automatic: today's average
    cheap_now = (
        None
        if threshold is None or current.price is None
        else current.price >= threshold
        if settings.prefer_high
        else current.price <= threshold
    )
    changes = [current.end, today_day.end]
    changes.extend(moment for r in hours for moment in (r.start, r.end))
    if window is not None:
        changes.extend((window.start, window.end))
    # The day's end is always ahead, so there is always a next update.
    next_update = min(c for c in changes if c is not None and c > at)
    return TariffOutlook(
        at=at,
        current=current,
        following=following,
        next_change=next_price_change(schedule, current),
        today=today,
        tomorrow=tomorrow,
        cheapest_hours=hours,
        cheapest_window=window,
        cheap_now=cheap_now,
        cheap_threshold=threshold,
        next_update=next_update,
        schedule=schedule,
        settings=settings,
    )
