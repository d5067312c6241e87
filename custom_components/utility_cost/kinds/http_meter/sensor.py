"""An HTTP meter station's sensors: its power, and its meter's energy and cost."""

from __future__ import annotations

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...entity import UtilityCostEntity, async_add_device_entities
from ...metering.sensor import METER_SENSORS, MeterSensor, MeterSensorEntityDescription
from ...runtime import UtilityCostConfigEntry
from .coordinator import HttpMeterCoordinator, Station
from .entity import StationReadingsMixin, station_device_info, station_scope

STATION_POWER = SensorEntityDescription(
    key="power",
    device_class=SensorDeviceClass.POWER,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=UnitOfPower.WATT,
    suggested_display_precision=1,
)


class StationMeterSensor(StationReadingsMixin, MeterSensor):
    """Energy, cost or a session figure of an HTTP meter's station."""

    def __init__(
        self,
        coordinator: HttpMeterCoordinator,
        description: MeterSensorEntityDescription,
        station: Station,
    ) -> None:
        """Read the station's meter, on the station's device."""
        super().__init__(
            coordinator,
            description,
            station.runtime,
            device=station_device_info(coordinator.config_entry, station),
            scope=station_scope(station),
        )
        self.follow_station(coordinator, station)


class StationPowerSensor(
    StationReadingsMixin, UtilityCostEntity[HttpMeterCoordinator], SensorEntity
):
    """The power an HTTP meter's station last reported.

    Unavailable until its first reading since Home Assistant started, and once it
    has sent nothing for the reading timeout.
    """

    def __init__(self, coordinator: HttpMeterCoordinator, station: Station) -> None:
        """Show ``station``'s power, on its device."""
        super().__init__(
            coordinator,
            STATION_POWER,
            device=station_device_info(coordinator.config_entry, station),
            scope=station_scope(station),
        )
        self.station = station
        self.follow_station(coordinator, station)

    @property
    def available(self) -> bool:
        """Return True while the station's last reading is current."""
        return super().available and self.station.watts is not None

    @property
    def native_value(self) -> float | None:
        """Return the last reported power."""
        return self.station.watts


async def async_add_sensors(
    hass: HomeAssistant,
    entry: UtilityCostConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each station's power and meter sensors, as stations appear."""
    meter = HttpMeterCoordinator.of(entry)

    def station_sensors(station: Station) -> list[SensorEntity]:
        return [
            StationPowerSensor(meter, station),
            *(
                StationMeterSensor(meter, description, station)
                for description in METER_SENSORS
            ),
        ]

    async_add_device_entities(
        meter, lambda: meter.data.stations, async_add_entities, station_sensors
    )
