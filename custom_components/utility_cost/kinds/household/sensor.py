"""The household totals' sensors: energy and cost per currency, in total, today and this month."""

from __future__ import annotations

from dataclasses import replace

from homeassistant.components.sensor import SensorStateClass
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...domain.meter import EMPTY_FIGURES, MeterFigures
from ...domain.periods import Period
from ...metering.sensor import (
    METER_SENSORS,
    FiguresSensor,
    MeterSensorEntityDescription,
    _period_sensors,
)
from ...runtime import UtilityCostConfigEntry
from .coordinator import HouseholdCoordinator, household_device_info, household_scope


def _household_sensors() -> tuple[MeterSensorEntityDescription, ...]:
    """Return the household's totals: as a meter's, all enabled.

    Its lifetime totals are sums that fall when an appliance is deleted: they are
    ``total`` (a fall is a fall), not ``total_increasing`` (a fall is a reset).
    """
    lifetime = {
        description.key: replace(
            description,
            state_class=SensorStateClass.TOTAL,
            entity_registry_enabled_default=True,
        )
        for description in METER_SENSORS
        if description.key in ("energy", "cost")
    }
    periods = [
        replace(description, entity_registry_enabled_default=True)
        for period in (Period.DAY, Period.MONTH)
        for description in _period_sensors(period, energy=True, cost=True)
    ]
    return (lifetime["energy"], lifetime["cost"], *periods)


HOUSEHOLD_SENSORS = _household_sensors()


@callback
async def async_add_sensors(
    hass: HomeAssistant,
    entry: UtilityCostConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each currency's totals, now and when a new currency appears.

    A currency whose appliances are all gone keeps its entities (unavailable):
    they come back with their statistics if it is used again.
    """
    household = HouseholdCoordinator.of(entry)
    added: set[str] = set()

    @callback
    def add_new() -> None:
        new = [c for c in household.data.by_currency if c not in added]
        added.update(new)
        async_add_entities(
            HouseholdSensor(household, description, currency, hass.config.currency)
            for currency in new
            for description in HOUSEHOLD_SENSORS
        )

    add_new()
    household.config_entry.async_on_unload(household.async_add_listener(add_new))


class HouseholdSensor(FiguresSensor):
    """A total of the household's appliances in one currency."""

    coordinator: HouseholdCoordinator

    def __init__(
        self,
        coordinator: HouseholdCoordinator,
        description: MeterSensorEntityDescription,
        currency: str,
        home_currency: str,
    ) -> None:
        """Show the totals in ``currency``, on that currency's device."""
        self.currency = currency
        super().__init__(
            coordinator,
            description,
            currency,
            device=household_device_info(
                coordinator.config_entry, currency, home_currency
            ),
            scope=household_scope(currency),
        )

    @property
    def available(self) -> bool:
        """Return True once every appliance is counted, while it has any."""
        data = self.coordinator.data
        return super().available and data.complete and self.currency in data.by_currency

    def figures(self) -> MeterFigures:
        """Return the sums in this sensor's currency (nothing while it has none)."""
        return self.coordinator.data.by_currency.get(self.currency, EMPTY_FIGURES)
