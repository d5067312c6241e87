"""Prices over time.

A tariff is a :class:`PriceSchedule`: asked for an instant, it answers the
:class:`PriceSegment` containing it, the longest stretch of time around that instant
with one constant price. Everything else (the current and next price, splitting a
consumption at price boundaries, cheapest windows) is built on that one question.

Two schedules exist:

* :class:`FixedTariff` - a base price with optional time-of-use bands defined in local
  wall-clock time and days of the week (DST handled exactly);
* :class:`IntervalSchedule` - a list of published intervals (hourly PVPC, half-hourly
  Agile, or any price feed); time outside the intervals has an unknown price.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final, Protocol

MINUTES_PER_DAY: Final = 24 * 60
MINUTES_PER_WEEK: Final = 7 * MINUTES_PER_DAY
_ONE_SECOND: Final = timedelta(seconds=1)
# How far the fixed-tariff search looks for a change: one week (the schedule repeats
# weekly) plus margin for DST shifts.
_SEARCH_DAYS: Final = 8
# Where the search looks first (a day either side), and how many windows are kept.
_NEAR_DAYS: Final = 1
_WINDOWS_KEPT: Final = 6


@dataclass(frozen=True, slots=True)
class PriceSegment:
    """A stretch of time with one price.

    ``start``/``end`` of None mean unbounded; ``price`` of None means unknown
    (no published price covers this time).
    """

    start: datetime | None
    end: datetime | None
    price: float | None
    label: str | None = None

    def contains(self, at: datetime) -> bool:
        """Return True if the instant lies in [start, end)."""
        return (self.start is None or self.start <= at) and (
            self.end is None or at < self.end
        )


class PriceSchedule(Protocol):
    """Anything that can price an instant."""

    def segment_at(self, at: datetime) -> PriceSegment:
        """Return the constant-price segment containing ``at``."""


def segments_between(
    schedule: PriceSchedule, start: datetime, end: datetime
) -> Iterator[PriceSegment]:
    """Yield the segments covering [start, end), clipped to it."""
    cursor = start
    while cursor < end:
        segment = schedule.segment_at(cursor)
        stop = end if segment.end is None or segment.end > end else segment.end
        yield PriceSegment(cursor, stop, segment.price, segment.label)
        cursor = stop


# --- fixed tariff with time-of-use bands ------------------------------------------


@dataclass(frozen=True, slots=True)
class Band:
    """A time-of-use band.

    It starts at ``start`` local time on each of ``days`` (0 = Monday) and lasts until
    the next ``end``; an end before the start runs past midnight into the next day,
    and an end equal to the start means a whole day.
    """

    name: str
    price: float
    start: time
    end: time
    days: frozenset[int]

    def minutes_of_week(self) -> Iterator[int]:
        """Yield every minute of the week (0 = Monday 00:00) the band covers."""
        first = self.start.hour * 60 + self.start.minute
        last = self.end.hour * 60 + self.end.minute
        length = (last - first) % MINUTES_PER_DAY or MINUTES_PER_DAY
        for day in sorted(self.days):
            origin = day * MINUTES_PER_DAY + first
            for offset in range(length):
                yield (origin + offset) % MINUTES_PER_WEEK


def overlapping_bands(bands: Sequence[Band]) -> tuple[Band, Band] | None:
    """Return the first pair of bands that share a minute of the week, if any."""
    owner: dict[int, Band] = {}
    for band in bands:
        for minute in band.minutes_of_week():
            if (other := owner.setdefault(minute, band)) is not band:
                return other, band
    return None


@dataclass(frozen=True)
class FixedTariff:
    """A base price per kWh, optionally replaced by bands at certain local times."""

    price: float
    tz: tzinfo
    bands: tuple[Band, ...] = ()
    # Per weekday: the minutes of the day at which a value starts (the first is 0)
    # and the index into _values of each (0 is the base price).
    _starts: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)
    _indices: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)
    _values: tuple[tuple[float, str | None], ...] = field(
        init=False, repr=False, compare=False
    )
    # minutes of the day, per weekday, where the value changes
    _breakpoints: tuple[tuple[int, ...], ...] = field(
        init=False, repr=False, compare=False
    )
    # The instants where the price changes, in the last few search windows (a
    # window around a day is asked for again and again while its segments are
    # walked).
    _windows: dict[tuple[date, int], list[datetime]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        """Compile the bands into each weekday's changes of value."""
        if (pair := overlapping_bands(self.bands)) is not None:
            raise ValueError(f"bands {pair[0].name!r} and {pair[1].name!r} overlap")
        week = [0] * MINUTES_PER_WEEK
        values: list[tuple[float, str | None]] = [(self.price, None)]
        for index, band in enumerate(self.bands, start=1):
            values.append((band.price, band.name))
            for minute in band.minutes_of_week():
                week[minute] = index
        breakpoints: list[list[int]] = [[] for _ in range(7)]
        starts: list[list[int]] = [[] for _ in range(7)]
        indices: list[list[int]] = [[] for _ in range(7)]
        for minute in range(MINUTES_PER_WEEK):
            day, of_day = divmod(minute, MINUTES_PER_DAY)
            if values[week[minute]] != values[week[minute - 1]]:
                breakpoints[day].append(of_day)
            if of_day == 0 or week[minute] != week[minute - 1]:
                starts[day].append(of_day)
                indices[day].append(week[minute])
        object.__setattr__(self, "_starts", tuple(map(tuple, starts)))
        object.__setattr__(self, "_indices", tuple(map(tuple, indices)))
        object.__setattr__(self, "_values", tuple(values))
        object.__setattr__(self, "_breakpoints", tuple(map(tuple, breakpoints)))

    @property
    def is_constant(self) -> bool:
        """Return True if the price never changes."""
        return not any(self._breakpoints)

    def _value_at(self, at: datetime) -> tuple[float, str | None]:
        return self._local_value(at.astimezone(self.tz))

    def _local_value(self, local: datetime) -> tuple[float, str | None]:
        day = local.weekday()
        position = bisect_right(self._starts[day], local.hour * 60 + local.minute)
        return self._values[self._indices[day][position - 1]]

    def segment_at(self, at: datetime) -> PriceSegment:
        """Return the constant-price segment containing ``at``."""
        local = at.astimezone(self.tz)
        price, label = self._local_value(local)
        if self.is_constant:
            return PriceSegment(None, None, price, label)
        day = local.date()
        # Most segments end and start within a day of ``at``: look there first, and
        # over the whole week (and more) only when the price holds longer. A
        # weekly schedule that changes at all changes within any 8 days.
        start = end = None
        for radius in (_NEAR_DAYS, _SEARCH_DAYS):
            changes = self._window(day, radius)
            position = bisect_right(changes, at)
            start = changes[position - 1] if position > 0 else None
            end = changes[position] if position < len(changes) else None
            if start is not None and end is not None:
                break
        return PriceSegment(start, end, price, label)

    def _window(self, day: date, radius: int) -> list[datetime]:
        """Return the changes of ``radius`` days around ``day`` (a few are kept)."""
        windows = self._windows
        if (changes := windows.get((day, radius))) is None:
            changes = [
                candidate
                for candidate in self._candidates(
                    day - timedelta(days=radius), day + timedelta(days=radius)
                )
                if self._value_at(candidate) != self._value_at(candidate - _ONE_SECOND)
            ]
            if len(windows) >= _WINDOWS_KEPT:
                del windows[next(iter(windows))]
            windows[day, radius] = changes
        return changes

    def _candidates(self, first: date, last: date) -> list[datetime]:
        """Instants in [first, last] local days at which the price may change.

        Between two consecutive candidates the local clock runs without a jump and
        crosses no band boundary, so the price is constant there. A boundary in a
        repeated hour happens twice (both folds); one in a skipped hour happens at
        the DST transition itself, which is a candidate too.
        """
        instants: set[datetime] = set(_utc_offset_changes(self.tz, first, last))
        day = first
        while day <= last:
            for minute in self._breakpoints[day.weekday()]:
                wall = datetime.combine(day, time(minute // 60, minute % 60))
                for fold in (0, 1):
                    instants.add(
                        wall.replace(tzinfo=self.tz, fold=fold).astimezone(UTC)
                    )
            day += timedelta(days=1)
        return sorted(instants)


def _utc_offset_changes(tz: tzinfo, first: date, last: date) -> Iterator[datetime]:
    """Yield the UTC instants in [first, last] (local days) where the offset changes."""
    day = first
    previous = _local_midnight(tz, day)
    while day <= last:
        day += timedelta(days=1)
        following = _local_midnight(tz, day)
        if previous.utcoffset() != following.utcoffset():
            # Binary search, in whole minutes, for the first instant on the new offset.
            low, high = previous.astimezone(UTC), following.astimezone(UTC)
            target = following.utcoffset()
            while high - low > timedelta(minutes=1):
                # Both ends are whole minutes at least two apart, so the floored
                # middle lies strictly between them.
                middle = (low + (high - low) / 2).replace(second=0, microsecond=0)
                if middle.astimezone(tz).utcoffset() == target:
                    high = middle
                else:
                    low = middle
            yield high
        previous = following


def _local_midnight(tz: tzinfo, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


# --- published intervals ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceInterval:
    """A published price valid on [start, end)."""

    start: datetime
    end: datetime
    price: float
    label: str | None = None


class IntervalSchedule:
    """A schedule made of published, non-overlapping price intervals."""

    def __init__(self, intervals: Iterable[PriceInterval]) -> None:
        """Sort the intervals; raise ValueError if any overlap or are empty."""
        self.intervals: tuple[PriceInterval, ...] = tuple(
            sorted(intervals, key=lambda interval: interval.start)
        )
        for previous, following in zip(
            self.intervals, self.intervals[1:], strict=False
        ):
            if following.start < previous.end:
                raise ValueError(
                    f"intervals starting {previous.start} and {following.start} overlap"
                )
        if any(interval.end <= interval.start for interval in self.intervals):
            raise ValueError("an interval ends before it starts")
        self._starts = [interval.start for interval in self.intervals]

    def segment_at(self, at: datetime) -> PriceSegment:
        """Return the interval containing ``at``, or the unknown-price gap around it."""
        position = bisect_right(self._starts, at) - 1
        if position >= 0:
            interval = self.intervals[position]
            if at < interval.end:
                return PriceSegment(
                    interval.start, interval.end, interval.price, interval.label
                )
        gap_start = self.intervals[position].end if position >= 0 else None
        gap_end = (
            self.intervals[position + 1].start
            if position + 1 < len(self.intervals)
            else None
        )
        return PriceSegment(gap_start, gap_end, None)
