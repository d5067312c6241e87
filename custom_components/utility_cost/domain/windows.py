"""Cheap times: a day's price figures, its cheapest hours and the cheapest window.

Everything here works on known prices: :class:`~.prices.PriceInterval` segments,
sorted and not overlapping, as :func:`known_segments` returns them. Prices are constant within
a segment, so every figure is exact: averages are weighted by time, and windows are
compared by what a constant load would pay in them.

* :func:`price_stats` - the lowest, highest and time-weighted average price;
* :func:`cheapest_periods` - the cheapest total duration, wherever it falls (the
  cheapest N hours of a day, for an appliance that can run in pieces);
* :func:`cheapest_window` - the cheapest contiguous window of a given length that
  starts no earlier than a given instant (for an appliance that must run
  uninterrupted).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .prices import PriceInterval, PriceSchedule, segments_between

# Two windows whose costs differ by less than this (relative) cost the same, and
# the earlier one wins: sums of the same prices in another order may differ in the
# last bits.
_TIE: float = 1e-12


@dataclass(frozen=True, slots=True)
class TimeRange:
    """The half-open stretch of time [start, end)."""

    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        """Return True if ``at`` lies in the range."""
        return self.start <= at < self.end

    @property
    def duration(self) -> timedelta:
        """Return the length of the range."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class PriceWindow(TimeRange):
    """A contiguous stretch of time and the average price over it."""

    average_price: float


@dataclass(frozen=True, slots=True)
class PriceStats:
    """The lowest, highest and average price over some segments.

    ``minimum_at``/``maximum_at`` are the start of the first segment with that price.
    """

    minimum: float
    minimum_at: datetime
    maximum: float
    maximum_at: datetime
    average: float

    @classmethod
    def of(cls, segments: Sequence[PriceInterval]) -> PriceStats:
        """Return the figures of ``segments``; ValueError if there are none."""
        if not segments:
            raise ValueError("no prices")
        lowest = min(segments, key=lambda segment: segment.price)
        highest = max(segments, key=lambda segment: segment.price)
        seconds = sum((s.end - s.start).total_seconds() for s in segments)
        weighted = sum(s.price * (s.end - s.start).total_seconds() for s in segments)
        return cls(
            minimum=lowest.price,
            minimum_at=lowest.start,
            maximum=highest.price,
            maximum_at=highest.start,
            average=weighted / seconds,
        )


def known_segments(
    schedule: PriceSchedule, start: datetime, end: datetime
) -> list[PriceInterval]:
    """Return the segments of [start, end) whose price is known, clipped to it."""
    # segments_between clips every segment to [start, end): both ends are set.
    return [
        PriceInterval(segment.start, segment.end, segment.price, segment.label)
        for segment in segments_between(schedule, start, end)
        if segment.price is not None and segment.start and segment.end
    ]


def price_stats(segments: Sequence[PriceInterval]) -> PriceStats | None:
    """Return the figures of ``segments`` (None if there are none)."""
    return PriceStats.of(segments) if segments else None


def merge_ranges(ranges: Iterable[TimeRange]) -> tuple[TimeRange, ...]:
    """Return the ranges sorted, with touching or overlapping ones joined."""
    merged: list[TimeRange] = []
    for current in sorted(ranges, key=lambda r: r.start):
        if merged and current.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = TimeRange(last.start, max(last.end, current.end))
        else:
            merged.append(current)
    return tuple(merged)


def cheapest_periods(
    segments: Sequence[PriceInterval], duration: timedelta
) -> tuple[TimeRange, ...]:
    """Return the cheapest ``duration`` of time within ``segments``.

    Segments are taken cheapest first (the earlier of equal prices first); the last
    one taken may be needed only in part, and then its beginning is taken. If the
    segments are shorter than ``duration`` altogether, all of them are returned.
    """
    chosen: list[TimeRange] = []
    left = duration
    for segment in sorted(segments, key=lambda s: (s.price, s.start)):
        if left <= timedelta(0):
            break
        length = segment.end - segment.start
        take = min(length, left)
        chosen.append(TimeRange(segment.start, segment.start + take))
        left -= take
    return merge_ranges(chosen)


def _runs(segments: Sequence[PriceInterval]) -> Iterator[list[PriceInterval]]:
    """Yield the runs of segments with no gap between them."""
    run: list[PriceInterval] = []
    for segment in segments:
        if run and segment.start != run[-1].end:
            yield run
            run = []
        run.append(segment)
    if run:
        yield run


class _Integral:
    """The running integral of price over time along a run of segments.

    Times are seconds from the run's start: float arithmetic, exact for the whole
    seconds that prices are published on.
    """

    def __init__(self, run: Sequence[PriceInterval]) -> None:
        self.origin = run[0].start
        self.offsets = [(s.start - self.origin).total_seconds() for s in run]
        self.length = (run[-1].end - self.origin).total_seconds()
        self.prices = [segment.price for segment in run]
        self.before: list[float] = []  # integral up to each segment's start
        total = 0.0
        for segment, offset, following in zip(
            run, self.offsets, [*self.offsets[1:], self.length], strict=True
        ):
            self.before.append(total)
            total += segment.price * (following - offset)

    def at(self, offset: float) -> float:
        """Return the integral from the run's start up to ``offset`` seconds."""
        index = bisect_right(self.offsets, offset) - 1
        return self.before[index] + self.prices[index] * (offset - self.offsets[index])


def cheapest_window(
    segments: Sequence[PriceInterval], earliest: datetime, duration: timedelta
) -> PriceWindow | None:
    """Return the cheapest window of ``duration`` that starts at ``earliest`` or later.

    The window lies wholly within known prices. Of equally cheap windows the
    earliest is returned; None if no window fits.

    The cost of a window is piecewise linear in its start, so its minimum is where
    the window starts at ``earliest`` or where one of its ends meets a boundary
    between segments: those are the only candidates.
    """
    if duration <= timedelta(0):
        raise ValueError("a window must last some time")
    seconds = duration.total_seconds()
    best: tuple[float, datetime] | None = None
    for run in _runs(segments):
        integral = _Integral(run)
        first = max(0.0, (earliest - integral.origin).total_seconds())
        last = integral.length - seconds
        if first > last:
            continue
        boundaries = [*integral.offsets, integral.length]
        candidates = {first, last}
        candidates.update(b for b in boundaries if first <= b <= last)
        candidates.update(
            b - seconds for b in boundaries if first <= b - seconds <= last
        )
        # Candidates (and runs) come in time order: a later one must be cheaper.
        for offset in sorted(candidates):
            cost = integral.at(offset + seconds) - integral.at(offset)
            if best is None or _cheaper(cost, best[0]):
                best = (cost, integral.origin + timedelta(seconds=offset))
    if best is None:
        return None
    cost, start = best
    return PriceWindow(start, start + duration, cost / seconds)


def _cheaper(cost: float, than: float) -> bool:
    """Return True if ``cost`` is less than ``than`` by more than rounding."""
    return cost < than - _TIE * max(1.0, abs(than))
