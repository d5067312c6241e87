"""Domain meters inside Home Assistant.

:class:`MeterRuntime` is what every metered thing of this integration (a tracked
sensor, a Tuya plug) wraps around its domain :class:`~.domain.meter.Meter`: it prices
with the tariff as it is at each moment, logs what deserves a log (once), and fires
the session event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant

from .const import EVENT_SESSION_ENDED, LOGGER
from .domain.meter import Meter, MeterUpdate
from .domain.sessions import Session
from .tariff import TariffLink


class MeterRuntime:
    """A domain meter priced by a tariff entry, with logs and session events."""

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

    def reading(
        self, at: datetime, value: float | None, running: bool | None = None
    ) -> bool:
        """Take a reading; return True if the totals or sessions changed."""
        self.meter.pricer.set_schedule(self.tariff.schedule())
        return self._apply(self.meter.reading(at, value, running))

    def tick(self, at: datetime) -> bool:
        """Accrue up to ``at``; return True if the totals changed."""
        self.meter.pricer.set_schedule(self.tariff.schedule())
        return self._apply(self.meter.tick(at))

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
        if update.session is not None:
            self._fire_session_ended(update.session)
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
