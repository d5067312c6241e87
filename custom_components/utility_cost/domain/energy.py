"""Turning readings into energy.

* :class:`PowerIntegrator` - a left Riemann sum of power samples: each sample's power
  is held until the next sample (or a periodic re-evaluation). Nothing is extrapolated
  across a gap: an unknown power stops accrual, and accrual restarts at the next
  known sample.
* :class:`EnergyCounter` - follows a cumulative energy meter through its deltas and
  detects resets the way Home Assistant's ``total_increasing`` statistics do (a drop
  below 90 % of the previous value is a new cycle starting from zero; a smaller dip is
  noise and is ignored).

Both return :class:`EnergySlice` objects: energy used uniformly over an interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from .units import average_power_w, energy_kwh

# A reading below this fraction of the previous one starts a new meter cycle
# (recorder/statistics: a decrease of more than 10 % is a reset).
RESET_FRACTION: Final = 0.9


@dataclass(frozen=True, slots=True)
class EnergySlice:
    """Energy used uniformly over [start, end] (start == end for an instant)."""

    start: datetime
    end: datetime
    energy_kwh: float

    @property
    def seconds(self) -> float:
        """Return the length of the slice in seconds."""
        return (self.end - self.start).total_seconds()

    @property
    def power_w(self) -> float:
        """Return the mean power over the slice."""
        return average_power_w(self.energy_kwh, self.seconds)


@dataclass(slots=True)
class PowerIntegrator:
    """Left Riemann integration of power samples.

    A sample may be valid for a limited time only (``until``): a polled power is a
    sample of a moment, and holding it for hours would bill a stale value. Accrual
    stops there until the next sample.
    """

    power_w: float | None = None
    since: datetime | None = None
    until: datetime | None = None

    def advance(self, at: datetime) -> EnergySlice | None:
        """Accrue the held power up to ``at``; return the slice (None if nothing)."""
        since, power, until = self.since, self.power_w, self.until
        if since is not None and at < since:
            return None  # out of order: keep the later instant
        self.since = at
        if power is None or since is None or at == since:
            return None
        end = at
        if until is not None and at >= until:
            end = max(since, until)
            self.power_w = self.until = None
        if end <= since:
            return None
        return EnergySlice(since, end, energy_kwh(power, (end - since).total_seconds()))

    def hold(
        self, at: datetime, power_w: float | None, until: datetime | None = None
    ) -> None:
        """Hold ``power_w`` from ``at`` on (None: unknown, accrual stops).

        ``until`` is when the sample stops being valid (None: until the next one).
        """
        self.power_w = power_w
        self.until = None if power_w is None else until
        if self.since is None or at > self.since:
            self.since = at


@dataclass(slots=True)
class EnergyCounter:
    """Follows a cumulative energy meter and yields what it counted since last time."""

    value_kwh: float | None = None
    at: datetime | None = None

    def advance(self, at: datetime, value_kwh: float) -> EnergySlice | None:
        """Take a reading; return the energy since the previous one (None if none).

        A first reading only sets the baseline. A drop to below 90 % of the baseline
        is a reset: the new value is what was used since the meter restarted at zero.
        A smaller drop is ignored and the baseline kept, so the energy it seems to
        remove is not counted a second time when the meter climbs back.
        """
        previous, previous_at = self.value_kwh, self.at
        if previous is None or previous_at is None:
            self.value_kwh, self.at = value_kwh, at
            return None
        if value_kwh >= previous:
            delta = value_kwh - previous
        elif value_kwh < RESET_FRACTION * previous:
            delta = value_kwh
        else:
            return None
        self.value_kwh = value_kwh
        self.at = max(at, previous_at)
        if delta == 0 and self.at == previous_at:
            return None
        # A slice with no energy still says that nothing was used meanwhile.
        return EnergySlice(previous_at, self.at, delta)

    def as_dict(self) -> dict[str, Any]:
        """Serialise the baseline."""
        return {
            "value_kwh": self.value_kwh,
            "at": self.at.isoformat() if self.at else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EnergyCounter:
        """Restore a baseline written by :meth:`as_dict`."""
        at = data.get("at")
        return cls(
            value_kwh=data.get("value_kwh"),
            at=datetime.fromisoformat(at) if at else None,
        )
