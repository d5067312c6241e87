"""Domain meters inside Home Assistant.

:class:`MeterRuntime` is what every metered thing of this integration (a tracked
sensor, a Tuya plug) wraps around its domain :class:`~.domain.meter.Meter`: it prices
with the tariff as it is at each moment, logs what deserves a log (once), and fires
the session event. :class:`MeterStore` keeps meters across restarts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import EVENT_SESSION_ENDED, LOGGER, METER_SAVE_DELAY_S
from .domain.meter import Meter, MeterUpdate
from .domain.sessions import Session
from .tariff import TariffLink

STORAGE_VERSION: Final = 1


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


class MeterStore:
    """A store of meters, written at most METER_SAVE_DELAY_S after a change.

    Store.async_delay_save postpones a pending write each time it is called, so
    calling it on every reading of a busy source would never write until Home
    Assistant stops: :meth:`schedule_save` only calls it when no write is pending.
    """

    def __init__(
        self, hass: HomeAssistant, key: str, data: Callable[[], dict[str, Any]]
    ) -> None:
        """Keep what ``data`` returns under ``key`` in Home Assistant's storage."""
        self._store = Store[dict[str, Any]](hass, STORAGE_VERSION, key)
        self._data = data
        self._pending = False

    async def async_load(self) -> dict[str, Any] | None:
        """Return what was stored, if anything."""
        return await self._store.async_load()

    def schedule_save(self) -> None:
        """Write soon, unless a write is already pending."""
        if not self._pending:
            self._pending = True
            self._store.async_delay_save(self._data_to_write, METER_SAVE_DELAY_S)

    async def async_save(self) -> None:
        """Write now (when unloading)."""
        await self._store.async_save(self._data_to_write())

    async def async_remove(self) -> None:
        """Delete what is stored."""
        await self._store.async_remove()

    def _data_to_write(self) -> dict[str, Any]:
        self._pending = False
        return self._data()
