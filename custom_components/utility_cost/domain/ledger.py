"""The ledger: lifetime energy and cost, and the same per calendar period.

Pieces of priced energy are booked into the lifetime totals and into the totals of
the day, week, month and year they fall in. A piece that straddles local midnight is
split there (energy and cost in proportion to time, as within a piece both flow
uniformly). Energy that belongs to a period already closed (a late meter delta) only
reaches the lifetime totals.

Some meters know their energy twice: first as an estimate (a smart plug's power,
polled now and then), later as what the device measured itself (its reported energy
for each interval). The ledger keeps the two apart:

* **settled** totals hold energy whose interval is final: measured, or an estimate
  accepted as final;
* **provisional** pieces hold the estimate after ``settled_to``, the instant up to
  which measured energy has arrived. :meth:`Ledger.settle` books measured energy and
  drops the estimate of the same interval, so nothing is ever counted twice.

What a meter shows is settled plus provisional. Since the measured energy of an
interval may be less than its estimate, the energy shown keeps a high-water mark per
total (lifetime, and each period since it started): a shown total never goes down;
the shortfall is absorbed by the energy that follows. Costs are shown as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
import math
from typing import Any

from .cost import CostPiece
from .energy import EnergySlice
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


@dataclass(frozen=True, slots=True)
class Shown:
    """A total as shown: its energy (never below what was shown), cost and start."""

    energy_kwh: float
    cost: float
    start: datetime | None = None


@dataclass(slots=True)
class _Marks:
    """The highest energy shown, for the lifetime and for each period's current start."""

    lifetime: float = 0.0
    periods: dict[Period, tuple[datetime | None, float]] = field(default_factory=dict)


class Ledger:
    """Lifetime and per-period totals of one meter, settled and provisional."""

    def __init__(self, tz: tzinfo) -> None:
        """Start an empty ledger keeping local periods in ``tz``."""
        self.tz = tz
        self.lifetime = Totals()
        self.unpriced_kwh = 0.0
        self.periods: dict[Period, PeriodTotals] = {p: PeriodTotals() for p in Period}
        self.provisional: list[CostPiece] = []
        self.settled_to: datetime | None = None
        self._marks = _Marks()
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

    # --- booking ----------------------------------------------------------------

    def add(self, piece: CostPiece) -> None:
        """Book a priced piece of energy as settled."""
        energy, cost = piece.energy_kwh, piece.cost
        self.lifetime.add(energy, cost)
        if piece.price is None:
            self.unpriced_kwh += energy
        for energy, cost in self._by_day(piece):
            self._book(energy, cost)

    def add_provisional(self, piece: CostPiece) -> None:
        """Book an estimate; the part before ``settled_to`` is already measured."""
        settled_to = self.settled_to
        if settled_to is not None and piece.start < settled_to:
            if piece.end <= settled_to:
                return
            piece = _clip(piece, settled_to, piece.end)
        provisional = self.provisional
        if provisional:
            last = provisional[-1]
            if (
                last.end == piece.start
                and last.price == piece.price
                and _same_power(last, piece)
            ):
                provisional[-1] = CostPiece(
                    last.start,
                    piece.end,
                    last.energy_kwh + piece.energy_kwh,
                    last.price,
                )
                return
        provisional.append(piece)

    def settle(self, measured: Iterable[CostPiece], until: datetime) -> None:
        """Book measured energy and drop the estimate of everything before ``until``.

        ``measured`` may also correct intervals settled before (a late report): it is
        booked like any settled energy.
        """
        for piece in measured:
            self.add(piece)
        if self.settled_to is not None and until <= self.settled_to:
            return
        self.settled_to = until
        kept: list[CostPiece] = []
        for piece in self.provisional:
            if piece.end <= until:
                continue
            kept.append(
                _clip(piece, until, piece.end) if piece.start < until else piece
            )
        self.provisional = kept

    def settle_estimate(self, until: datetime) -> None:
        """Accept the estimate before ``until`` as final (no measurement will come)."""
        accepted: list[CostPiece] = []
        for piece in self.provisional:
            if piece.start >= until:
                break
            accepted.append(
                piece if piece.end <= until else _clip(piece, piece.start, until)
            )
        self.settle(accepted, until)

    def estimate_between(self, start: datetime, end: datetime) -> list[EnergySlice]:
        """Return the estimate's pieces within [start, end] (its shape in time)."""
        pieces: list[EnergySlice] = []
        for piece in self.provisional:
            lo, hi = max(start, piece.start), min(end, piece.end)
            if hi > lo:
                clipped = _clip(piece, lo, hi)
                pieces.append(EnergySlice(lo, hi, clipped.energy_kwh))
        return pieces

    def provisional_energy(self, start: datetime, end: datetime) -> float | None:
        """Return the estimate for [start, end] (None if it does not cover it all)."""
        covered = 0.0
        energy = 0.0
        for piece in self.provisional:
            lo, hi = max(start, piece.start), min(end, piece.end)
            if hi <= lo:
                continue
            covered += (hi - lo).total_seconds()
            energy += _clip(piece, lo, hi).energy_kwh
        whole = (end - start).total_seconds()
        return energy if whole > 0 and covered >= 0.9 * whole else None

    def _by_day(self, piece: CostPiece) -> Iterable[tuple[float, float]]:
        """Yield a piece's energy and cost per local day (the current one last)."""
        energy, cost = piece.energy_kwh, piece.cost
        start, end = piece.start, piece.end
        while True:
            day = self._local_day(start)
            if end <= day.end:
                yield energy, cost
                return
            # Split at midnight, in proportion to time.
            share = (day.end - start) / (end - start)
            yield energy * share, cost * share
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

    # --- what is shown ----------------------------------------------------------

    def _provisional_totals(self) -> tuple[Totals, dict[Period, Totals]]:
        lifetime = Totals()
        periods = {period: Totals() for period in Period}
        starts = {period: self.periods[period].start for period in Period}
        for piece in self.provisional:
            lifetime.add(piece.energy_kwh, piece.cost)
            cursor = piece.start
            for energy, cost in self._by_day(piece):
                day_start = LocalDay.containing(cursor, self.tz)
                for period, totals in periods.items():
                    start = starts[period]
                    if start is not None and day_start.period_start(period) == start:
                        totals.add(energy, cost)
                cursor = day_start.end
        return lifetime, periods

    def shown(self) -> tuple[Shown, dict[Period, Shown]]:
        """Return the lifetime and period totals to show, and remember them.

        Energy never goes below what was shown before for the same total; a period
        that started anew starts from what it holds.
        """
        marks = self._marks
        prov_lifetime, prov_periods = (
            self._provisional_totals() if self.provisional else (Totals(), {})
        )
        energy = max(
            marks.lifetime, self.lifetime.energy_kwh + prov_lifetime.energy_kwh
        )
        marks.lifetime = energy
        lifetime = Shown(energy, self.lifetime.cost + prov_lifetime.cost)
        periods: dict[Period, Shown] = {}
        for period, totals in self.periods.items():
            extra = prov_periods.get(period) or Totals()
            energy = totals.energy_kwh + extra.energy_kwh
            mark_start, mark = marks.periods.get(period, (None, 0.0))
            if mark_start == totals.start:
                energy = max(mark, energy)
            marks.periods[period] = (totals.start, energy)
            periods[period] = Shown(energy, totals.cost + extra.cost, totals.start)
        return lifetime, periods

    # --- persistence ------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Serialise the totals, the estimate not yet settled and the marks."""
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
            "settled_to": self.settled_to.isoformat() if self.settled_to else None,
            "provisional": [
                [p.start.isoformat(), p.end.isoformat(), p.energy_kwh, p.price]
                for p in self.provisional
            ],
            "shown": {
                "lifetime": self._marks.lifetime,
                "periods": {
                    period.value: [start.isoformat() if start else None, energy]
                    for period, (start, energy) in self._marks.periods.items()
                },
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
        settled_to = data.get("settled_to")
        ledger.settled_to = datetime.fromisoformat(settled_to) if settled_to else None
        ledger.provisional = [
            CostPiece(
                datetime.fromisoformat(start),
                datetime.fromisoformat(end),
                float(energy),
                None if price is None else float(price),
            )
            for start, end, energy, price in data.get("provisional", [])
        ]
        shown = data.get("shown") or {}
        ledger._marks.lifetime = float(shown.get("lifetime", 0.0))
        for key, (start, energy) in (shown.get("periods") or {}).items():
            ledger._marks.periods[Period(key)] = (
                datetime.fromisoformat(start) if start else None,
                float(energy),
            )
        return ledger


def _same_power(a: CostPiece, b: CostPiece) -> bool:
    """Return True if two pieces hold the same mean power (they can be one)."""
    seconds_a = (a.end - a.start).total_seconds()
    seconds_b = (b.end - b.start).total_seconds()
    if seconds_a <= 0 or seconds_b <= 0:
        return True
    return math.isclose(
        a.energy_kwh / seconds_a, b.energy_kwh / seconds_b, rel_tol=1e-6, abs_tol=1e-12
    )


def _clip(piece: CostPiece, start: datetime, end: datetime) -> CostPiece:
    """Return the part of ``piece`` between ``start`` and ``end`` (energy ∝ time)."""
    whole = (piece.end - piece.start).total_seconds()
    share = (end - start).total_seconds() / whole if whole > 0 else 1.0
    return CostPiece(start, end, piece.energy_kwh * share, piece.price)
