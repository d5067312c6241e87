"""utility_cost: what each appliance costs to run.

Each config entry is one of the kinds of :class:`.const.EntryType`: a tariff (a
fixed price schedule, Spain's PVPC or an Octopus Energy account, with price
sensors and the entities that automations use to run appliances when energy is
cheap) or something that uses energy and is priced by a tariff: a tracked sensor,
a Tuya cloud account's plugs, an HTTP meter's stations; and the household totals
that add the appliances up. What each kind does is in its package under
``kinds/``; this module sets any entry up through the registry of kinds.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN, METERING_ENTRY_TYPES, SIGNAL_FIGURES_PUBLISHED, entry_type
from .kinds import KINDS, kind_of
from .runtime import UtilityCostConfigEntry
from .services import async_setup_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration's actions."""
    async_setup_services(hass, KINDS.values())
    return True


async def async_setup_entry(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> bool:
    """Set up an entry of any kind: its coordinator, its platforms, then its start."""
    kind = kind_of(entry)
    entry.runtime_data = await kind.async_create(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, list(kind.platforms))
    kind.async_start(hass, entry)
    if entry_type(entry) in METERING_ENTRY_TYPES:
        _async_tell_household(hass, entry)
    return True


@callback
def _async_tell_household(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
    """Have the household totals add up again when this entry's meters come or go.

    Called as the entry is set up: it is counted once loaded, and no longer from
    the moment it starts unloading.
    """
    entry.async_on_unload(
        entry.async_on_state_change(
            lambda: async_dispatcher_send(hass, SIGNAL_FIGURES_PUBLISHED)
        )
    )


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: UtilityCostConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device the entry no longer has (its kind decides)."""
    return kind_of(entry).remove_device(entry, device)


async def async_unload_entry(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> bool:
    """Unload an entry; a meter writes its state to storage as it stops."""
    return await hass.config_entries.async_unload_platforms(
        entry, list(kind_of(entry).platforms)
    )


async def async_remove_entry(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> None:
    """Clean up after an entry is deleted: what it stored, and what it priced.

    A deleted meter's stored state goes with it. A deleted tariff leaves the meters
    it priced without a price: each gets a repair issue to choose another tariff.
    """
    kind = kind_of(entry)
    await kind.async_remove(hass, entry)
    if entry_type(entry) in METERING_ENTRY_TYPES:
        # It is gone from the entries now: the household counts without it.
        async_dispatcher_send(hass, SIGNAL_FIGURES_PUBLISHED)
