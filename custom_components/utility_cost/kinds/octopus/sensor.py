"""An Octopus account's sensors: each meter's imported history, and its tariff's prices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory, UnitOfEnergy, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from ...entity import SensorValue, UtilityCostEntity
from ...runtime import UtilityCostConfigEntry
from ...tariff.sensor import tariff_sensors
from .coordinator import OctopusCoordinator
from .meters import CURRENCY, OctopusMeter, octopus_device_info


@dataclass(frozen=True, kw_only=True)
class OctopusSensorEntityDescription(SensorEntityDescription):
    """A figure of an Octopus meter's imported history."""

    value_fn: Callable[[OctopusMeter], SensorValue]
    attributes_fn: Callable[[OctopusMeter], dict[str, Any]] = lambda _: {}
    # Also show why the account's last refresh failed and when it tries again.
    shows_retry: bool = False


OCTOPUS_SENSORS: tuple[OctopusSensorEntityDescription, ...] = (
    OctopusSensorEntityDescription(
        key="previous_day_consumption",
        translation_key="previous_day_consumption",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda meter: meter.last_day_kwh,
        attributes_fn=lambda meter: {
            "day": meter.last_day and meter.last_day.isoformat()
        },
    ),
    OctopusSensorEntityDescription(
        key="previous_day_cost",
        translation_key="previous_day_cost",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY,
        suggested_display_precision=2,
        value_fn=lambda meter: meter.last_day_cost,
        attributes_fn=lambda meter: {
            "day": meter.last_day and meter.last_day.isoformat(),
            "standing_charge": meter.standing_charge_at(dt_util.utcnow()),
        },
    ),
    OctopusSensorEntityDescription(
        key="data_freshness",
        translation_key="data_freshness",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda meter: meter.data_until,
        shows_retry=True,
    ),
    OctopusSensorEntityDescription(
        key="standing_charge",
        translation_key="standing_charge",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=f"{CURRENCY}/{UnitOfTime.DAYS}",
        suggested_display_precision=4,
        value_fn=lambda meter: meter.standing_charge_at(dt_util.utcnow()),
    ),
)


class OctopusMeterSensor(UtilityCostEntity[OctopusCoordinator], SensorEntity):
    """A figure of an Octopus meter, on its meter point's device."""

    entity_description: OctopusSensorEntityDescription

    def __init__(
        self,
        coordinator: OctopusCoordinator,
        description: OctopusSensorEntityDescription,
        meter: OctopusMeter,
    ) -> None:
        """Show ``meter``'s figure."""
        super().__init__(
            coordinator,
            description,
            device=octopus_device_info(coordinator.config_entry, meter),
            scope=meter.key,
        )
        self.meter_key = meter.key

    @property
    def _meter(self) -> OctopusMeter | None:
        return self.coordinator.data.get(self.meter_key)

    @property
    def available(self) -> bool:
        """Return True while the meter is known: its history stays what it was.

        A refresh that fails (the API busy, a back-off) changes no figure of what
        was imported; the "data up to" sensor tells when the next try is.
        """
        return self._meter is not None

    @property
    def native_value(self) -> SensorValue:
        """Return the figure of the last import."""
        meter = self._meter
        return None if meter is None else self.entity_description.value_fn(meter)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the day the figure is of (and the standing charge for costs).

        The "data up to" sensor also says why the last refresh failed, and when
        the next try is, while the account backs off.
        """
        meter = self._meter
        attributes = (
            {} if meter is None else self.entity_description.attributes_fn(meter)
        )
        coordinator = self.coordinator
        if self.entity_description.shows_retry and coordinator.retry_at:
            attributes = {
                **attributes,
                "last_error": coordinator.last_error,
                "next_attempt": coordinator.retry_at.isoformat(),
            }
        return attributes or None


async def async_add_sensors(
    hass: HomeAssistant,
    entry: UtilityCostConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each meter's tariff's price sensors and its history sensors."""
    octopus = OctopusCoordinator.of(entry)
    async_add_entities(
        [
            *tariff_sensors(hass, entry, octopus.tariffs.values()),
            *(
                OctopusMeterSensor(octopus, description, meter)
                for meter in octopus.data.values()
                for description in OCTOPUS_SENSORS
            ),
        ]
    )
