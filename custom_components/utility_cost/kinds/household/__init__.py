"""The household totals: every appliance's energy and cost, added up per currency."""

from __future__ import annotations

from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback

from ...const import EntryType
from ...runtime import Kind, UtilityCostConfigEntry
from .config_flow import HouseholdOptionsFlow, HouseholdSteps
from .coordinator import HouseholdCoordinator, appliance_meters
from .sensor import async_add_sensors


async def _async_create(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> HouseholdCoordinator:
    household = HouseholdCoordinator(hass, entry)
    await household.async_config_entry_first_refresh()
    return household


@callback
def _async_start(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
    HouseholdCoordinator.of(entry).async_start()


def _diagnostics(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> dict[str, Any]:
    coordinator = HouseholdCoordinator.of(entry)
    totals = coordinator.data
    return {
        "household": {
            "complete": totals.complete,
            "include_http_meters": coordinator.include_http_meters,
            "appliances": sum(
                1 for _ in appliance_meters(hass, coordinator.include_http_meters)
            ),
            "by_currency": {
                currency: {
                    "energy_kwh": figures.energy_kwh,
                    "cost": figures.cost,
                    "periods": {
                        str(period): {
                            "energy_kwh": shown.energy_kwh,
                            "cost": shown.cost,
                            "start": None
                            if shown.start is None
                            else shown.start.isoformat(),
                        }
                        for period, shown in figures.periods.items()
                    },
                }
                for currency, figures in totals.by_currency.items()
            },
        }
    }


KIND = Kind(
    entry_type=EntryType.HOUSEHOLD,
    async_create=_async_create,
    platforms={Platform.SENSOR: async_add_sensors},
    async_start=_async_start,
    # Its figures are the appliances': it stores nothing.
    diagnostics=_diagnostics,
    options_flow=HouseholdOptionsFlow,
    reconfigure_abort="reconfigure_household",
    flow_steps=HouseholdSteps,
)
