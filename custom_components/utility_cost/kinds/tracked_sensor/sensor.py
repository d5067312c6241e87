"""A tracked sensor's sensors: its energy, cost, periods and last session."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...metering.sensor import METER_SENSORS, MeterSensor, appliance_on_device
from ...runtime import UtilityCostConfigEntry
from .coordinator import MeterCoordinator


async def async_add_sensors(
    hass: HomeAssistant,
    entry: UtilityCostConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the meter's sensors, named after the appliance on a shared device."""
    coordinator = MeterCoordinator.of(entry)
    appliance = (
        None
        if coordinator.source_device is None
        else appliance_on_device(entry.title, coordinator.source_device)
    )
    async_add_entities(
        MeterSensor(coordinator, description, coordinator.runtime, appliance=appliance)
        for description in METER_SENSORS
    )
