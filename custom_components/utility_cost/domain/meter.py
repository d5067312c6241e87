"""A meter: readings of one source in, energy, cost, periods and sessions out.

This is the one place where the domain pieces meet; the Home Assistant shell, the
benchmarks and the tests all drive a :class:`Meter` the same way:

* ``reading(at, value)`` for every new state of the source (watts for a power source,
  kilowatt-hours for an energy meter; None when the source has no usable value);
* ``tick(at)`` periodically (power held steady is accrued; periods roll at midnight);
* ``figures()`` for what to show: totals, periods and the last session.

A power is held at most ``max_hold`` without a reading or a tick: a longer silence
means the clock jumped (a host that booted before its clock was set) or the host was
suspended, and that time is skipped rather than extrapolated. A reading may also say
how long it stays valid (``valid_for``): a polled power is not held beyond that.

A meter whose device also measures its own energy (a smart plug reporting what it
counted for each interval) is ``measured``: its power only makes a provisional
estimate, which :meth:`Meter.settle` replaces with the measured energy of the same
interval (see :mod:`.ledger`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Final

from .cost import CostPiece, Pricer
from .energy import EnergyCounter, EnergySlice, PowerIntegrator
from .hours import HourlyTotals
from .ledger import Ledger, Shown
from .periods import Period
from .prices import PriceSchedule
from .sessions import Session, SessionDetector, SessionRules
from .units import SourceKind

STORAGE_VERSION: Final = 1
DEFAULT_MAX_HOLD: Final = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class MeterUpdate:
    """What a reading or a tick changed.

    ``booked`` is True when energy was accrued (the totals may have changed);
    ``session`` is a session that just finished; ``negative`` flags a negative
    reading that was counted as zero (power) or ignored (energy); ``unpriced`` flags
    energy booked without a known price; ``skipped`` is a silence longer than
    ``max_hold`` during which a held power was not accrued.
    """

    booked: bool = False
    session: Session | None = None
    negative: bool = False
    unpriced: bool = False
    skipped: timedelta | None = None


NOTHING: Final = MeterUpdate()


@dataclass(frozen=True, slots=True)
class MeterFigures:
    """What a meter shows at one instant: the totals, each period, the last session.

    ``exported_kwh`` is energy a bidirectional device measured flowing out (None for
    meters that measure none).
    """

    energy_kwh: float
    cost: float
    periods: Mapping[Period, Shown]
    last_session: Session | None
    unpriced_kwh: float = 0.0
    exported_kwh: float | None = None


EMPTY_FIGURES: Final = MeterFigures(
    0.0, 0.0, {period: Shown(0.0, 0.0) for period in Period}, None
)


@dataclass(slots=True)
class Export:
    """Energy measured flowing out of a bidirectional device (not priced)."""

    energy_kwh: float = 0.0
    settled_to: datetime | None = None


class Meter:
    """Energy, cost, calendar periods and sessions of one source."""

    def __init__(
        self,
        kind: SourceKind,
        tz: tzinfo,
        rules: SessionRules,
        schedule: PriceSchedule | None = None,
        *,
        ledger: Ledger | None = None,
        sessions: SessionDetector | None = None,
        counter: EnergyCounter | None = None,
        max_hold: timedelta = DEFAULT_MAX_HOLD,
        measured: bool = False,
        export: Export | None = None,
        hourly: HourlyTotals | None = None,
    ) -> None:
        """Create a meter; pass the restored parts to continue one.

        A ``measured`` meter also keeps its settled energy per hour (``hourly``),
        for long-term statistics.
        """
        self.kind = kind
        self.max_hold = max_hold
        self.hourly = hourly
        self.measured = measured
        self.pricer = Pricer(schedule)
        self.ledger = ledger or Ledger(tz)
        self.sessions = sessions or SessionDetector(rules)
        self.integrator = PowerIntegrator()
        self.counter = counter or EnergyCounter()
        self.export = export

    @property
    def measured(self) -> bool:
        """Return True if the device's own measurements settle this meter."""
        return self._measured

    @measured.setter
    def measured(self, measured: bool) -> None:
        """Settle by measurements (or not); measured hours are kept from now on.

        Hours kept stay kept when the measurements stop: what settles the meter
        then (its estimate, accepted) still belongs to those hours.
        """
        self._measured = measured
        if measured and self.hourly is None:
            self.hourly = HourlyTotals()

    @property
    def accruing(self) -> bool:
        """Return True if a held power is accruing energy (it may change any time)."""
        return self.kind is SourceKind.POWER and bool(self.integrator.power_w)

    def reading(
        self,
        at: datetime,
        value: float | None,
        running: bool | None = None,
        *,
        valid_for: timedelta | None = None,
    ) -> MeterUpdate:
        """Take a new value of the source (None: unavailable or not a number).

        ``running`` says whether the appliance runs (a plug's switch); when it is
        not given, the power above the rules' on-threshold decides. ``valid_for``
        limits how long a power is held without a newer one.
        """
        if self.kind is SourceKind.POWER:
            return self._power_reading(at, value, running, valid_for)
        return self._energy_reading(at, value)

    def tick(self, at: datetime) -> MeterUpdate:
        """Accrue steady power up to ``at`` and roll calendar periods."""
        update = NOTHING
        if self.kind is SourceKind.POWER:
            update = self._accrue_power(at)
        self.ledger.roll(at)
        return update

    def _power_reading(
        self,
        at: datetime,
        power_w: float | None,
        running: bool | None,
        valid_for: timedelta | None,
    ) -> MeterUpdate:
        negative = power_w is not None and power_w < 0
        if negative:
            power_w = 0.0
        update = self._accrue_power(at)
        self.integrator.hold(at, power_w, None if valid_for is None else at + valid_for)
        if running is None and power_w is not None:
            running = self.sessions.rules.running(power_w)
        session = None if running is None else self.sessions.level(at, running)
        if not negative and session is None:
            return update
        return MeterUpdate(
            update.booked, session, negative, update.unpriced, update.skipped
        )

    def _accrue_power(self, at: datetime) -> MeterUpdate:
        integrator = self.integrator
        since = integrator.since
        if integrator.power_w is not None and since is not None:
            silence = at - since
            if silence > self.max_hold:
                integrator.since = at
                return MeterUpdate(skipped=silence)
        return self._book(integrator.advance(at), provisional=self.measured)

    def _energy_reading(self, at: datetime, energy_kwh: float | None) -> MeterUpdate:
        if energy_kwh is None:
            return NOTHING
        if energy_kwh < 0:
            return MeterUpdate(negative=True)
        energy = self.counter.advance(at, energy_kwh)
        if energy is None:
            return NOTHING
        session = None
        if energy.seconds > 0:
            running = self.sessions.rules.running(energy.power_w)
            session = self.sessions.level(energy.start, running)
        update = self._book(energy)
        if session is None:
            return update
        return MeterUpdate(True, session, False, update.unpriced)

    def _book(
        self, energy: EnergySlice | None, *, provisional: bool = False
    ) -> MeterUpdate:
        if energy is None:
            return NOTHING
        cost = 0.0
        unpriced = False
        ledger = self.ledger
        for piece in self.pricer.price(energy):
            if provisional:
                ledger.add_provisional(piece)
            else:
                ledger.add(piece)
            cost += piece.cost
            unpriced = unpriced or piece.price is None
        self.sessions.accrue(energy.end, energy.energy_kwh, cost)
        return MeterUpdate(booked=True, unpriced=unpriced)

    def estimate(self, energy: EnergySlice) -> MeterUpdate:
        """Book an estimate of a span made outside the meter (e.g. between two polls).

        For a measured meter it is provisional, as any power it accrues.
        """
        return self._book(energy, provisional=self.measured)

    # --- measured energy --------------------------------------------------------

    def settle(self, measured: Iterable[EnergySlice], until: datetime) -> bool:
        """Book energy the device measured; it replaces the estimate before ``until``.

        ``measured`` covers the time from the previous settlement (or earlier, as a
        correction) up to ``until``; time in that span without a slice used nothing.
        Return True if any priced piece was booked or the estimate changed.
        """
        pieces: list[CostPiece] = [
            piece for energy in measured for piece in self.pricer.price(energy)
        ]
        before = self.ledger.settled_to
        self.ledger.settle(pieces, until)
        if self.hourly is not None:
            self.hourly.add(pieces)
            if before is not None:
                self.hourly.cover(before, until)
        return bool(pieces) or self.ledger.settled_to != before

    def settle_estimate(self, until: datetime) -> None:
        """Accept the estimate before ``until`` as final: no measure will come."""
        accepted = [p for p in self.ledger.provisional if p.start < until]
        self.ledger.settle_estimate(until)
        if self.hourly is not None:
            self.hourly.add(
                p
                if p.end <= until
                else CostPiece(
                    p.start,
                    until,
                    p.energy_kwh
                    * (until - p.start).total_seconds()
                    / (p.end - p.start).total_seconds(),
                    p.price,
                )
                for p in accepted
            )

    def add_export(self, measured: Iterable[EnergySlice], until: datetime) -> None:
        """Count energy the device measured flowing out (a bidirectional plug)."""
        export = self.export
        if export is None:
            export = self.export = Export()
        export.energy_kwh += sum(energy.energy_kwh for energy in measured)
        if export.settled_to is None or until > export.settled_to:
            export.settled_to = until

    # --- what is shown ----------------------------------------------------------

    def figures(self) -> MeterFigures:
        """Return what the meter shows now (energy never below what it showed)."""
        lifetime, periods = self.ledger.shown()
        return MeterFigures(
            lifetime.energy_kwh,
            lifetime.cost,
            periods,
            self.sessions.last,
            self.ledger.unpriced_kwh,
            None if self.export is None else self.export.energy_kwh,
        )

    # --- persistence ------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Serialise what must survive a restart.

        The power integrator is left out on purpose: after a restart, accrual starts
        at the next reading and nothing is extrapolated across the downtime. An
        energy meter's baseline is kept, so what it counted meanwhile is booked once.
        """
        data: dict[str, Any] = {
            "version": STORAGE_VERSION,
            "kind": self.kind.value,
            "ledger": self.ledger.as_dict(),
            "sessions": self.sessions.as_dict(),
            "counter": self.counter.as_dict(),
        }
        if self.hourly is not None:
            data["hourly"] = self.hourly.as_dict()
        if (export := self.export) is not None:
            data["export"] = {
                "energy_kwh": export.energy_kwh,
                "settled_to": export.settled_to.isoformat()
                if export.settled_to
                else None,
            }
        return data

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        kind: SourceKind,
        tz: tzinfo,
        rules: SessionRules,
        schedule: PriceSchedule | None = None,
        *,
        same_source: bool = True,
        measured: bool = False,
    ) -> Meter:
        """Continue a meter written by :meth:`as_dict`.

        Totals and sessions always carry over; the energy baseline only if the source
        is the same and still measures the same kind of quantity.
        """
        counter = None
        if same_source and data.get("kind") == kind.value:
            counter = EnergyCounter.from_dict(data.get("counter") or {})
        export = None
        if (stored := data.get("export")) is not None:
            settled_to = stored.get("settled_to")
            export = Export(
                float(stored["energy_kwh"]),
                datetime.fromisoformat(settled_to) if settled_to else None,
            )
        return cls(
            kind,
            tz,
            rules,
            schedule,
            ledger=Ledger.from_dict(data["ledger"], tz),
            sessions=SessionDetector.from_dict(data.get("sessions") or {}, rules),
            counter=counter,
            measured=measured,
            export=export,
            hourly=HourlyTotals.from_dict(data["hourly"]) if "hourly" in data else None,
        )
