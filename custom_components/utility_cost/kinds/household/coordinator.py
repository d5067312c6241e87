"""The household entry: what all tracked appliances used and cost, per currency.

It has no meter of its own. Its figures are those of the appliances' meters added
up (:func:`.domain.household.household_figures`): every tracked sensor and every
Tuya plug with a meter, and the stations of HTTP meters if the user includes them
(an HTTP meter is usually the whole house, which would count its appliances twice).
Appliances are grouped by the currency of their tariff: costs in two currencies do
not add up. The sums are taken again when meters show new figures and when an
entry with meters is set up or unloaded (at once, then at most every 30 seconds),
so they follow what the appliances' entities show, and persist through restarts
exactly as those do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.start import async_at_started

from ...const import (
    CONF_INCLUDE_HTTP_METERS,
    DEVICE_MODELS,
    DOMAIN,
    LOGGER,
    MANUFACTURER,
    METER_SAVE_DELAY_S,
    METERING_ENTRY_TYPES,
    SIGNAL_FIGURES_PUBLISHED,
    EntryType,
    entry_type,
)
from ...domain.household import household_figures
from ...domain.meter import MeterFigures
from ...metering.runtime import MeterRuntime
from ...runtime import UtilityCostConfigEntry, UtilityCostCoordinator

# An enabled entry in these states will be (again) counted once set up.
_NOT_SET_UP = frozenset(
    {
        ConfigEntryState.NOT_LOADED,
        ConfigEntryState.SETUP_IN_PROGRESS,
        ConfigEntryState.UNLOAD_IN_PROGRESS,
    }
)


@dataclass(frozen=True)
class HouseholdTotals:
    """The sums by currency; ``complete`` once every appliance entry has loaded.

    While Home Assistant starts, entries are set up one after another, and an
    entry reloads when its options change: sums without them would show a dip in
    every total, so until each enabled entry with appliances has been set up (or
    has failed to) they are not shown. A disabled or deleted entry is not waited
    for: it no longer counts.
    """

    by_currency: dict[str, MeterFigures]
    complete: bool


class HouseholdCoordinator(UtilityCostCoordinator[HouseholdTotals]):
    """The appliances' figures added up, by currency."""

    def __init__(self, hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
        """Prepare to add up the appliances of every loaded entry."""
        super().__init__(
            hass, LOGGER, config_entry=entry, name=f"{DOMAIN} household totals"
        )
        self.include_http_meters = bool(
            entry.options.get(CONF_INCLUDE_HTTP_METERS, False)
        )

    async def _async_update_data(self) -> HouseholdTotals:
        return self.totals()

    def totals(self) -> HouseholdTotals:
        """Return the current sums, by currency (sorted, for stable entity order)."""
        members: dict[str, list[MeterFigures]] = {}
        for runtime in appliance_meters(self.hass, self.include_http_meters):
            members.setdefault(runtime.currency, []).append(runtime.published)
        pending = any(
            entry.disabled_by is None
            and entry.state in _NOT_SET_UP
            and entry_type(entry) in METERING_ENTRY_TYPES
            for entry in self.hass.config_entries.async_entries(DOMAIN)
        )
        return HouseholdTotals(
            {
                currency: household_figures(members[currency])
                for currency in sorted(members)
            },
            complete=not pending,
        )

    @callback
    def async_start(self) -> None:
        """Add up again when appliances show new figures (at most every 30 s).

        At once, then at the end of 30 seconds if more came. Each appliance writes its figures on its own timer, so fifty of them
        would have the totals change (and be recorded) fifty times in 30 seconds;
        taken together they change once, as often as one appliance's do.
        """
        entry = self.config_entry
        debouncer: Debouncer[None] = Debouncer(
            self.hass,
            LOGGER,
            cooldown=METER_SAVE_DELAY_S,
            immediate=True,
            function=self._add_up,
        )
        entry.async_on_unload(debouncer.async_shutdown)

        @callback
        def _figures_published(_hass: HomeAssistant | None = None) -> None:
            debouncer.async_schedule_call()

        entry.async_on_unload(
            async_dispatcher_connect(
                self.hass, SIGNAL_FIGURES_PUBLISHED, _figures_published
            )
        )
        # An entry that failed to set up sends nothing: by then all have tried.
        entry.async_on_unload(async_at_started(self.hass, _figures_published))

    @callback
    def _add_up(self) -> None:
        totals = self.totals()
        if totals != self.data:
            self.async_set_updated_data(totals)


def appliance_meters(
    hass: HomeAssistant, include_http_meters: bool
) -> Iterator[MeterRuntime]:
    """Yield the meter of every appliance of the loaded entries.

    A whole house's meter (an HTTP meter's stations) only when asked: it already
    holds the appliances.
    """
    entry: UtilityCostConfigEntry
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        coordinator = entry.runtime_data
        if include_http_meters or not coordinator.whole_house:
            yield from coordinator.appliance_meters()


def household_scope(currency: str) -> str:
    """Return what names a currency's totals in their unique ids and device."""
    return currency.lower()


def household_device_info(
    entry: ConfigEntry, currency: str, home_currency: str
) -> DeviceInfo:
    """Return the device of one currency's totals.

    The totals in the currency of Home Assistant's settings carry the entry's
    name alone (so ``sensor.household_cost_today``); any other currency's name it
    as well (``sensor.household_gbp_cost_today``).
    """
    name = entry.title if currency == home_currency else f"{entry.title} {currency}"
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_{household_scope(currency)}")},
        name=name,
        manufacturer=MANUFACTURER,
        model=DEVICE_MODELS[EntryType.HOUSEHOLD],
        entry_type=DeviceEntryType.SERVICE,
    )
