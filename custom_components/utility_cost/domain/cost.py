"""Pricing energy: a slice of energy is split exactly where the price changes.

Within a slice, energy is assumed to flow uniformly, so each price segment receives
the share of the slice's energy that matches its share of the slice's duration. The
last piece gets the remainder, so the pieces always add up to the slice exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .energy import EnergySlice
from .prices import PriceSchedule, PriceSegment


@dataclass(frozen=True, slots=True)
class CostPiece:
    """Energy used within one price segment, and what it cost.

    ``price`` is None when no price was known for that time: the energy is counted,
    its cost is not (``cost`` is 0).
    """

    start: datetime
    end: datetime
    energy_kwh: float
    price: float | None

    @property
    def cost(self) -> float:
        """Return the cost of the piece (0 if its price is unknown)."""
        return 0.0 if self.price is None else self.energy_kwh * self.price


class Pricer:
    """Prices slices against a schedule, remembering the last segment it used.

    Consecutive readings nearly always fall in the segment of the previous one, so
    the cached segment makes the common case a comparison and a multiplication.
    """

    __slots__ = ("_segment", "schedule")

    def __init__(self, schedule: PriceSchedule | None) -> None:
        """Price with ``schedule``; None prices nothing (all pieces unknown)."""
        self.schedule = schedule
        self._segment: PriceSegment | None = None

    def set_schedule(self, schedule: PriceSchedule | None) -> None:
        """Switch to another schedule (a tariff was edited or replaced)."""
        if schedule is not self.schedule:
            self.schedule = schedule
            self._segment = None

    def _segment_at(self, at: datetime) -> PriceSegment:
        segment = self._segment
        if segment is None or not segment.contains(at):
            if self.schedule is None:
                segment = PriceSegment(None, None, None)
            else:
                segment = self.schedule.segment_at(at)
            self._segment = segment
        return segment

    def price(self, energy: EnergySlice) -> list[CostPiece]:
        """Split ``energy`` at price boundaries and price each piece."""
        start, end, total = energy.start, energy.end, energy.energy_kwh
        segment = self._segment_at(start)
        if end <= start or segment.end is None or end <= segment.end:
            return [CostPiece(start, end, total, segment.price)]
        seconds = (end - start).total_seconds()
        pieces: list[CostPiece] = []
        assigned = 0.0
        cursor = start
        while True:
            stop = segment.end
            if stop is None or stop >= end:
                pieces.append(CostPiece(cursor, end, total - assigned, segment.price))
                return pieces
            share = total * (stop - cursor).total_seconds() / seconds
            pieces.append(CostPiece(cursor, stop, share, segment.price))
            assigned += share
            cursor = stop
            segment = self._segment_at(cursor)
