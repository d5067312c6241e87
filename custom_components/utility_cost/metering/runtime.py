"""Domain meters inside Home Assistant.

:class:`MeterRuntime` is what every metered thing of this integration (a tracked
sensor, a Tuya plug, an HTTP meter's station) wraps around its domain
:class:`~.domain.meter.Meter`: it prices with the tariff as it is at each moment,
logs what deserves a log (once), and publishes what the meter shows.

Publishing follows persistence. The owner's store calls :meth:`MeterRuntime.stage`
while it serialises the meter (the figures and the finished sessions of that very
state) and :meth:`MeterRuntime.publish` once the write has completed: entities then
show the staged figures and the staged sessions' events fire. So nothing that Home
Assistant records or announces can be undone by a crash: a restart restores at
least what was shown, and a finished session is never reopened or announced twice
(unless the process dies in the instant between an event and the write that notes
it, in which case the same session is announced again at the next start).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant

from ..const import DOMAIN, EVENT_SESSION_ENDED, LOGGER
from ..domain.energy import EnergySlice
from ..domain.meter import Meter, MeterFigures, MeterUpdate
from ..domain.sessions import Session
from ..tariff.link import TariffLink


class MeterRuntime:
    """A domain meter priced by a tariff entry, with logs, figures and events."""

    def __init__(
        self,
        hass: HomeAssistant,
        meter: Meter,
        tariff: TariffLink,
        *,
        label: str,
        currency: str,
        event_data: Callable[[], dict[str, Any]],
    ) -> None:
        """Wrap ``meter``; ``label`` names it in logs, ``event_data`` in events."""
        self.hass = hass
        self.meter = meter
        self.tariff = tariff
        self.label = label
        self.currency = currency
        self._event_data = event_data
        self._warned: set[str] = set()
        # What the meter held when last restored or written: what entities show.
        self.published: MeterFigures = meter.figures()
        self._staged: MeterFigures | None = None
        self._staged_sessions: list[Session] = []

    def replace_meter(self, meter: Meter) -> None:
        """Continue a restored meter; its figures are persisted, so they are shown."""
        self.meter = meter
        self.published = meter.figures()

    def reading(
        self,
        at: datetime,
        value: float | None,
        running: bool | None = None,
        *,
        valid_for: timedelta | None = None,
    ) -> bool:
        """Take a reading; return True if the totals or sessions changed."""
        self.meter.pricer.set_schedule(self.tariff.schedule())
        return self._apply(self.meter.reading(at, value, running, valid_for=valid_for))

    def tick(self, at: datetime) -> bool:
        """Accrue up to ``at``; return True if the totals changed."""
        self.meter.pricer.set_schedule(self.tariff.schedule())
        return self._apply(self.meter.tick(at))

    def estimate(self, start: datetime, end: datetime, watts: float) -> bool:
        """Book ``watts`` held from ``start`` to ``end`` as an estimate."""
        if end <= start:
            return False
        self.meter.pricer.set_schedule(self.tariff.schedule())
        return self._apply(
            self.meter.estimate(
                EnergySlice(
                    start, end, watts * (end - start).total_seconds() / 3_600_000
                )
            )
        )

    def settle(self, measured: list[EnergySlice], until: datetime) -> bool:
        """Book what the device measured up to ``until`` (replacing the estimate)."""
        self.meter.pricer.set_schedule(self.tariff.schedule())
        return self.meter.settle(measured, until)

    # --- publishing what is persisted ---------------------------------------------

    def stage(self, at: datetime | None) -> dict[str, Any]:
        """Accrue up to ``at`` (if given); return the meter to write, keep its figures."""
        if at is not None:
            self.tick(at)
        self._staged = self.meter.figures()
        self._staged_sessions = list(self.meter.sessions.unannounced)
        return self.meter.as_dict()

    def publish(self) -> tuple[bool, bool]:
        """Show what the completed write holds; announce its finished sessions.

        Return whether the figures changed and whether sessions were announced (the
        owner then writes again, so that they are not announced twice).
        """
        staged, self._staged = self._staged, None
        changed = staged is not None and staged != self.published
        if staged is not None:
            self.published = staged
        sessions, self._staged_sessions = self._staged_sessions, []
        for session in sessions:
            self._fire_session_ended(session)
        if sessions:
            self.meter.sessions.announced(sessions)
        return changed, bool(sessions)

    def announce_restored(self) -> bool:
        """Announce sessions a previous run persisted but did not announce."""
        sessions = list(self.meter.sessions.unannounced)
        for session in sessions:
            self._fire_session_ended(session)
        self.meter.sessions.announced(sessions)
        return bool(sessions)

    # --- logs and events --------------------------------------------------------

    def warn_once(self, key: str, message: str, *args: object) -> None:
        """Log a warning about this meter, the first time only."""
        if key not in self._warned:
            self._warned.add(key)
            LOGGER.warning(message, self.label, *args)

    def _apply(self, update: MeterUpdate) -> bool:
        if update.negative:
            self.warn_once(
                "negative",
                "%s reported a negative value; it is counted as no consumption",
            )
        if update.unpriced:
            self.warn_once(
                "unpriced",
                "%s used energy that its tariff could not price; the energy is"
                " counted, its cost is not",
            )
        if update.skipped is not None:
            LOGGER.warning(
                "%s: no reading or re-evaluation for %s (was the clock changed or the"
                " host suspended?); that time is not counted",
                self.label,
                update.skipped,
            )
        return update.booked or update.session is not None

    def _fire_session_ended(self, session: Session) -> None:
        self.hass.bus.async_fire(
            EVENT_SESSION_ENDED,
            {
                **self._event_data(),
                "start": session.start.isoformat(),
                "end": session.end.isoformat(),
                "duration_s": session.duration.total_seconds(),
                "energy_kwh": round(session.energy_kwh, 6),
                "cost": round(session.cost, 6),
                "currency": self.currency,
            },
        )


def meter_store_key(entry_id: str) -> str:
    """Return the storage key of a tracked sensor's meter."""
    return f"{DOMAIN}.meter.{entry_id}"
