"""The ledger: lifetime energy and cost, and the same per calendar period.

Pieces of priced energy are booked into the lifetime totals and into the totals of
the day, week, month and year they fall in. A piece that straddles local midnight is
split there (energy and cost in proportion to time, as within a piece both flow
uniformly). Energy that belongs to a period already closed (a late meter delta) only
reaches the lifetime totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from .cost import CostPiece
from .periods import LocalDay, Period


@dataclass(slots=True)
class Totals:
    """Energy and cost added up."""

    energy_kwh: float = 0.0
    cost: float = 0.0

    def add(self, energy_kwh: float, cost: float) -> None:
        """Add energy and its cost."""
        self.energy_kwh += energy_kwh
        self.cost += cost


@dataclass(slots=True)
class PeriodTotals(Totals):
    """Totals since the start of a calendar period."""

    start: datetime | None = None


class Ledger:
    """Lifetime and per-period totals of one meter."""

    def __init__(self, tz: tzinfo) -> None:
        """Start an empty ledger keeping local periods in ``tz``."""
        self.tz = tz
        self.lifetime = Totals()
        self.unpriced_kwh = 0.0
        self.periods: dict[Period, PeriodTotals] = {p: PeriodTotals() for p in Period}
        self._day: LocalDay | None = None
        self._starts: dict[Period, datetime] = {}

    def _local_day(self, at: datetime) -> LocalDay:
        day = self._day
        if day is None or not day.contains(at):
            day = self._day = LocalDay.containing(at, self.tz)
            self._starts = {period: day.period_start(period) for period in Period}
        return day

    def roll(self, at: datetime) -> None:
        """Start new periods for every period that ``at`` has left."""
        self._local_day(at)
        for period, start in self._starts.items():
            totals = self.periods[period]
            if totals.start is None or totals.start < start:
                self.periods[period] = PeriodTotals(start=start)

    def add(self, piece: CostPiece) -> None:
        """Book a priced piece of energy."""
        energy, cost = piece.energy_kwh, piece.cost
        self.lifetime.add(energy, cost)
        if piece.price is None:
            self.unpriced_kwh += energy
        start, end = piece.start, piece.end
        while True:
            day = self._local_day(start)
            if end <= day.end:
                self._book(energy, cost)
                return
            # Split at midnight, in proportion to time.
            share = (day.end - start) / (end - start)
            self._book(energy * share, cost * share)
            energy -= energy * share
            cost -= cost * share
            start = day.end

    def _book(self, energy_kwh: float, cost: float) -> None:
        for period, start in self._starts.items():
            totals = self.periods[period]
            if totals.start is None or totals.start < start:
                totals = self.periods[period] = PeriodTotals(start=start)
            elif totals.start > start:
                continue  # a period already closed: lifetime totals only
            totals.add(energy_kwh, cost)

    def as_dict(self) -> dict[str, Any]:
        """Serialise the totals."""
        return {
            "energy_kwh": self.lifetime.energy_kwh,
            "cost": self.lifetime.cost,
            "unpriced_kwh": self.unpriced_kwh,
            "periods": {
                period.value: {
                    "start": totals.start.isoformat() if totals.start else None,
                    "energy_kwh": totals.energy_kwh,
                    "cost": totals.cost,
                }
                for period, totals in self.periods.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], tz: tzinfo) -> Ledger:
        """Restore totals written by :meth:`as_dict`."""
        ledger = cls(tz)
        ledger.lifetime = Totals(float(data["energy_kwh"]), float(data["cost"]))
        ledger.unpriced_kwh = float(data.get("unpriced_kwh", 0.0))
        for key, totals in data.get("periods", {}).items():
            start = totals.get("start")
            ledger.periods[Period(key)] = PeriodTotals(
                float(totals["energy_kwh"]),
                float(totals["cost"]),
                datetime.fromisoformat(start) if start else None,
            )
        return ledger
