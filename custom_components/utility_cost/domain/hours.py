"""Energy and cost per UTC hour: the shape of Home Assistant's long-term statistics.

:class:`HourTotal` is one hour's energy and cost. :class:`HourlyTotals` adds up
priced pieces of measured energy per hour (a piece across an hour boundary is split
in proportion to time) and says which hours are complete and not yet written, or
changed since they were written (a late report corrects an hour already imported).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from .cost import CostPiece

HOUR: Final = timedelta(hours=1)
# Hours kept after they were written, so that late corrections can be written again.
KEEP_WRITTEN: Final = timedelta(days=8)


@dataclass(frozen=True, slots=True)
class HourTotal:
    """One hour's consumption and its cost (None: no rate known for part of it)."""

    start: datetime
    kwh: float
    cost: float | None


def hour_start(at: datetime) -> datetime:
    """Return the start of the UTC hour containing ``at``."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass
class HourlyTotals:
    """Measured energy per UTC hour, and what of it is still to be written."""

    energy: dict[datetime, float] = field(default_factory=dict)
    cost: dict[datetime, float | None] = field(default_factory=dict)
    dirty: set[datetime] = field(default_factory=set)

    def add(self, pieces: Iterable[CostPiece]) -> None:
        """Add priced pieces of energy to the hours they fall in."""
        for piece in pieces:
            start, end = piece.start, piece.end
            seconds = (end - start).total_seconds()
            hour = hour_start(start)
            while True:
                stop = min(end, hour + HOUR)
                share = (stop - start).total_seconds() / seconds if seconds > 0 else 1.0
                energy = piece.energy_kwh * share
                self.energy[hour] = self.energy.get(hour, 0.0) + energy
                so_far = self.cost.get(hour, 0.0)
                self.cost[hour] = (
                    None
                    if piece.price is None or so_far is None
                    else so_far + energy * piece.price
                )
                self.dirty.add(hour)
                if stop >= end:
                    break
                start, hour = stop, hour + HOUR

    def cover(self, start: datetime, end: datetime) -> None:
        """Note the hours from ``start`` to ``end`` as measured, at least as nothing.

        An hour in which the device used nothing is still an hour of its history:
        it is written (as 0) like the others, so the statistics say how far they go.
        """
        hour = hour_start(start)
        while hour < end:
            if hour not in self.energy:
                self.energy[hour] = 0.0
                self.cost[hour] = 0.0
                self.dirty.add(hour)
            hour += HOUR

    def due(self, complete_to: datetime) -> list[HourTotal]:
        """Return the changed hours that end by ``complete_to``, oldest first."""
        return [
            HourTotal(hour, self.energy[hour], self.cost.get(hour))
            for hour in sorted(self.dirty)
            if hour + HOUR <= complete_to
        ]

    def written(self, hours: Iterable[HourTotal], now: datetime) -> None:
        """Note ``hours`` as written; forget hours older than ``KEEP_WRITTEN``."""
        for written in hours:
            self.dirty.discard(written.start)
        oldest = now - KEEP_WRITTEN
        for start in [h for h in self.energy if h < oldest and h not in self.dirty]:
            del self.energy[start]
            self.cost.pop(start, None)

    def as_dict(self) -> dict[str, Any]:
        """Serialise the hours kept."""
        return {
            hour.isoformat(): [
                self.energy[hour],
                self.cost.get(hour),
                hour in self.dirty,
            ]
            for hour in sorted(self.energy)
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HourlyTotals:
        """Restore hours written by :meth:`as_dict`."""
        totals = cls()
        for key, (energy, cost, dirty) in data.items():
            hour = datetime.fromisoformat(key)
            totals.energy[hour] = float(energy)
            totals.cost[hour] = None if cost is None else float(cost)
            if dirty:
                totals.dirty.add(hour)
        return totals
