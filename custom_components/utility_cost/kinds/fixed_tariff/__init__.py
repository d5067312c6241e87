"""A fixed tariff: price bands by time of day and weekday, entered by the user."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ...const import EntryType
from ...runtime import Kind, UtilityCostConfigEntry
from ...tariff.coordinator import (
    TariffCoordinator,
    async_prepared,
    async_remove_tariff,
    tariff_store_key,
)
from ...tariff.diagnostics import tariff_diagnostics
from ...tariff.platforms import tariff_platforms
from .config_flow import FixedTariffOptionsFlow, FixedTariffSteps
from .coordinator import FixedTariffCoordinator


async def _async_create(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> FixedTariffCoordinator:
    return await async_prepared(FixedTariffCoordinator(hass, entry))


async def _async_remove(hass: HomeAssistant, entry: ConfigEntry) -> None:
    await async_remove_tariff(hass, entry, [tariff_store_key(entry.entry_id)])


def _diagnostics(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> dict[str, Any]:
    return {"tariff": tariff_diagnostics(TariffCoordinator.of(entry))}


KIND = Kind(
    entry_type=EntryType.FIXED_TARIFF,
    async_create=_async_create,
    platforms=tariff_platforms(),
    async_remove=_async_remove,
    diagnostics=_diagnostics,
    options_flow=FixedTariffOptionsFlow,
    reconfigure_abort="reconfigure_tariff",
    flow_steps=FixedTariffSteps,
)
