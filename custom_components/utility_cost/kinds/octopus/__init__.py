"""An Octopus Energy account: its meters' tariffs, and their history as statistics."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError

from ...const import DOMAIN, EntryType
from ...metering.repairs import async_ask_for_another_tariff
from ...runtime import Kind, UtilityCostConfigEntry
from ...tariff.coordinator import TariffCoordinator
from ...tariff.link import split_tariff_id
from ...tariff.platforms import tariff_platforms
from .config_flow import OctopusOptionsFlow, OctopusSteps
from .coordinator import OctopusCoordinator
from .meters import async_remove_octopus_stores
from .sensor import async_add_sensors
from .services import async_register_services


async def _async_create(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> OctopusCoordinator:
    if "recorder" not in hass.config.components:
        raise ConfigEntryError(
            translation_domain=DOMAIN, translation_key="octopus_needs_recorder"
        )
    octopus = OctopusCoordinator(hass, entry)
    await octopus.async_config_entry_first_refresh()
    return octopus


def _tariffs(entry: UtilityCostConfigEntry) -> list[TariffCoordinator]:
    """Return the tariffs of the account's meters."""
    return list(OctopusCoordinator.of(entry).tariffs.values())


async def _async_remove(hass: HomeAssistant, entry: ConfigEntry) -> None:
    # Its statistics stay in the recorder, as those of any entity; what its
    # meters priced needs another tariff.
    async_ask_for_another_tariff(
        hass, lambda tariff: split_tariff_id(tariff)[0] == entry.entry_id
    )
    await async_remove_octopus_stores(hass, entry.entry_id)


def _diagnostics(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> dict[str, Any]:
    return {"octopus": OctopusCoordinator.of(entry).diagnostics()}


KIND = Kind(
    entry_type=EntryType.OCTOPUS,
    async_create=_async_create,
    platforms=tariff_platforms(_tariffs, sensors=async_add_sensors),
    async_remove=_async_remove,
    diagnostics=_diagnostics,
    options_flow=OctopusOptionsFlow,
    reconfigure_step="reconfigure_octopus",
    reauth_step="reauth_octopus",
    register_services=async_register_services,
    flow_steps=OctopusSteps,
)
