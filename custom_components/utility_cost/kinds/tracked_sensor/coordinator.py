"""A tracked sensor's coordinator.

Every state change of the source becomes a reading of a domain
:class:`~..domain.meter.Meter`; the meter's state is kept in a store so that
nothing measured is lost or counted twice across restarts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
import math
from typing import TYPE_CHECKING, Any

from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    EVENT_HOMEASSISTANT_STOP,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
    async_track_time_change,
    async_track_time_interval,
)
from homeassistant.util import dt as dt_util

from ...const import (
    CONF_CURRENCY,
    CONF_MIN_SESSION_S,
    CONF_ON_THRESHOLD_W,
    CONF_SOURCE,
    CONF_SOURCE_KIND,
    CONF_TARIFF,
    DEFAULT_MIN_SESSION_S,
    DEFAULT_ON_THRESHOLD_W,
    DOMAIN,
    LOGGER,
    POWER_REEVALUATION_INTERVAL,
    SIGNAL_FIGURES_PUBLISHED,
)
from ...domain.meter import Meter
from ...domain.sessions import SessionRules
from ...domain.units import SourceKind, source_kind_for_unit, to_canonical
from ...metering.repairs import async_check_tariff
from ...metering.runtime import MeterRuntime, meter_store_key
from ...runtime import UtilityCostConfigEntry, UtilityCostCoordinator
from ...storage import ThrottledStore
from ...tariff.link import TariffLink

if TYPE_CHECKING:
    pass


class MeterCoordinator(UtilityCostCoordinator[Meter]):
    """Energy, cost and sessions of one tracked sensor."""

    def appliance_meters(self) -> Iterable[MeterRuntime]:
        """Return the one meter of the tracked sensor."""
        return [self.runtime]

    def __init__(self, hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
        """Prepare to follow the entry's source sensor."""
        super().__init__(
            hass, LOGGER, config_entry=entry, name=f"{DOMAIN} meter {entry.title}"
        )
        self.source: str = entry.data[CONF_SOURCE]
        self.kind = SourceKind(entry.data[CONF_SOURCE_KIND])
        self.rules = SessionRules(
            on_threshold_w=float(
                entry.options.get(CONF_ON_THRESHOLD_W, DEFAULT_ON_THRESHOLD_W)
            ),
            min_duration=timedelta(
                seconds=entry.options.get(CONF_MIN_SESSION_S, DEFAULT_MIN_SESSION_S)
            ),
        )
        self.runtime = MeterRuntime(
            hass,
            Meter(self.kind, dt_util.get_default_time_zone(), self.rules),
            TariffLink(hass, entry.options[CONF_TARIFF]),
            label=self.source,
            currency=entry.data[CONF_CURRENCY],
            event_data=self._event_data,
        )
        self.store = ThrottledStore(
            hass,
            meter_store_key(entry.entry_id),
            self._to_store,
            on_saved=self._saved,
        )
        self.source_available: bool | None = None
        self._unsubs: list[CALLBACK_TYPE] = []

    @property
    def meter(self) -> Meter:
        """Return the domain meter."""
        return self.runtime.meter

    @property
    def tariff(self) -> TariffLink:
        """Return the tariff the meter is priced with."""
        return self.runtime.tariff

    async def _async_setup(self) -> None:
        """Continue the meter from storage."""
        stored = await self.store.async_load()
        meter = self.meter
        if stored is not None:
            meter = Meter.from_dict(
                stored["meter"],
                self.kind,
                dt_util.get_default_time_zone(),
                self.rules,
                same_source=stored.get("source") == self.source,
            )
        # Periods that ended while Home Assistant was down start again, before
        # anything is shown.
        meter.ledger.roll(dt_util.utcnow())
        self.runtime.replace_meter(meter)
        if self.runtime.announce_restored():
            self.store.schedule_save(0)
        async_check_tariff(self.hass, self.config_entry, self.tariff)

    async def _async_update_data(self) -> Meter:
        # A refresh (e.g. homeassistant.update_entity) accrues up to now, writes and
        # shows the result at once.
        if self.store.pending or self.runtime.tick(dt_util.utcnow()):
            await self.store.async_save()
        return self.meter

    @callback
    def async_start(self) -> None:
        """Follow the source from now on."""
        hass = self.hass
        self._unsubs.append(
            async_track_state_change_event(hass, self.source, self._source_changed)
        )
        if self.kind is SourceKind.ENERGY:
            # A meter reporting the same value again says nothing was used meanwhile
            # (which ends a session); Home Assistant reports that as its own event.
            self._unsubs.append(
                async_track_state_report_event(hass, self.source, self._source_reported)
            )
        if self.kind is SourceKind.POWER:
            self._unsubs.append(
                async_track_time_interval(hass, self._tick, POWER_REEVALUATION_INTERVAL)
            )
        self._unsubs.append(
            async_track_time_change(hass, self._midnight, hour=0, minute=0, second=0)
        )
        self._unsubs.append(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._tick))
        # The state the source has now is the first reading: a power is held from
        # now on (not from when it was set, possibly before a restart); an energy
        # meter's value is compared with the baseline kept in storage.
        self._take(dt_util.utcnow(), self._value_of(hass.states.get(self.source)))

    @callback
    def _source_changed(self, event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        at = new_state.last_updated if new_state is not None else dt_util.utcnow()
        self._take(at, self._value_of(new_state))

    @callback
    def _source_reported(self, event: Event[EventStateReportedData]) -> None:
        new_state = event.data["new_state"]
        self._take(new_state.last_reported, self._value_of(new_state))

    @callback
    def _tick(self, _now: datetime | Event) -> None:
        """Accrue up to now: every minute and when Home Assistant stops.

        At a stop the pending write is made at Home Assistant's final write.
        """
        self._changed(self.runtime.tick(dt_util.utcnow()))

    @callback
    def _midnight(self, _now: datetime) -> None:
        """Start the new day's periods, and show them without waiting."""
        self.runtime.tick(dt_util.utcnow())
        self.store.schedule_save(0)

    @callback
    def _take(self, at: datetime, value: float | None) -> None:
        self._changed(self.runtime.reading(at, value))

    def _changed(self, changed: bool) -> None:
        # A held power books energy from now on: it is written within the delay.
        if changed or self.meter.accruing:
            self.store.schedule_save()

    @callback
    def _saved(self) -> None:
        """Show what was written; write again if sessions were announced.

        While a power is held the next write is scheduled at once: energy booked
        since the last write is then never more than the save delay's worth, even
        when the source stays silent (a crash loses at most that).
        """
        changed, announced = self.runtime.publish()
        if announced:
            self.store.schedule_save(0)
        elif self.meter.accruing:
            self.store.schedule_save()
        if changed:
            self.async_update_listeners()
            async_dispatcher_send(self.hass, SIGNAL_FIGURES_PUBLISHED)

    def _value_of(self, state: State | None) -> float | None:
        """Return the state as watts or kWh, or None if it is not usable now."""
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            if self.source_available is not False:
                LOGGER.info("%s is unavailable; accrual paused", self.source)
            self.source_available = False
            return None
        if self.source_available is False:
            LOGGER.info("%s is available again", self.source)
        self.source_available = True
        unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        if source_kind_for_unit(unit) is not self.kind:
            self.runtime.warn_once(
                f"unit {unit}",
                "%s has unit %r, which is not a supported %s unit",
                unit,
                self.kind,
            )
            return None
        try:
            value = float(state.state)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.runtime.warn_once("number", "%s has a state that is not a number")
            return None
        return to_canonical(value, str(unit))

    def _event_data(self) -> dict[str, Any]:
        entry = self.config_entry
        device = self.source_device or dr.async_get(self.hass).async_get_device(
            {(DOMAIN, entry.entry_id)}
        )
        return {
            "entry_id": entry.entry_id,
            "device_id": device.id if device else None,
            "name": entry.title,
            "source": self.source,
        }

    def _to_store(self) -> dict[str, Any]:
        return {"source": self.source, "meter": self.runtime.stage(dt_util.utcnow())}

    async def async_shutdown(self) -> None:
        """Stop following the source and write the meter to storage."""
        while self._unsubs:
            self._unsubs.pop()()
        await self.store.async_save()
        self.store.async_stop()
        await super().async_shutdown()
