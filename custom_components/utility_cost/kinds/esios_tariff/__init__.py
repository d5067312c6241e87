"""Spain's PVPC, with its prices fetched from ESIOS (Red Eléctrica)."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ...const import EntryType
from ...runtime import Kind, UtilityCostConfigEntry
from ...tariff.coordinator import async_prepared, async_remove_tariff, tariff_store_key
from ...tariff.diagnostics import tariff_diagnostics
from ...tariff.platforms import tariff_platforms
from .config_flow import EsiosTariffSteps
from .coordinator import EsiosCoordinator
from .prices import esios_store_key


async def _async_create(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> EsiosCoordinator:
    return await async_prepared(EsiosCoordinator(hass, entry))


async def _async_remove(hass: HomeAssistant, entry: ConfigEntry) -> None:
    await async_remove_tariff(
        hass, entry, [tariff_store_key(entry.entry_id), esios_store_key(entry.entry_id)]
    )


def _diagnostics(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> dict[str, Any]:
    coordinator = EsiosCoordinator.of(entry)
    return {
        "tariff": tariff_diagnostics(coordinator),
        "pvpc": coordinator.prices.diagnostics(),
    }


KIND = Kind(
    entry_type=EntryType.ESIOS_TARIFF,
    async_create=_async_create,
    platforms=tariff_platforms(),
    async_remove=_async_remove,
    diagnostics=_diagnostics,
    reconfigure_step="reconfigure_esios",
    reauth_step="reauth_esios",
    flow_steps=EsiosTariffSteps,
)
