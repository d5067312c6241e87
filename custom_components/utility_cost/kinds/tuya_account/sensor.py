"""A Tuya account's sensors: its quota, and each plug's measurements and meter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from ...domain.plug_energy import MeasuredSource
from ...domain.plugs import CURRENT, EXPORTED, POWER, VOLTAGE, PlugReading
from ...domain.quota import QuotaSource, QuotaStatus
from ...entity import SensorValue, UtilityCostEntity, async_add_device_entities
from ...metering.runtime import MeterRuntime
from ...metering.sensor import (
    EXPORT_SENSOR,
    METER_SENSORS,
    MeterSensor,
    MeterSensorEntityDescription,
)
from ...runtime import UtilityCostConfigEntry
from .coordinator import TuyaCoordinator
from .entity import TuyaPlugEntity, plug_device_info, plug_online
from .models import TuyaPlug

CALLS = "calls"


@dataclass(frozen=True, kw_only=True)
class PlugSensorEntityDescription(SensorEntityDescription):
    """A measurement of a plug, present when the plug reports it."""

    value_fn: Callable[[PlugReading], float | None]
    code: str


PLUG_SENSORS: tuple[PlugSensorEntityDescription, ...] = (
    PlugSensorEntityDescription(
        key="power",
        code=POWER,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=1,
        value_fn=lambda reading: reading.power_w,
    ),
    PlugSensorEntityDescription(
        key="voltage",
        code=VOLTAGE,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=1,
        value_fn=lambda reading: reading.voltage_v,
    ),
    PlugSensorEntityDescription(
        key="current",
        code=CURRENT,
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=3,
        entity_registry_enabled_default=False,
        value_fn=lambda reading: reading.current_a,
    ),
)


@dataclass(frozen=True, kw_only=True)
class QuotaSensorEntityDescription(SensorEntityDescription):
    """A figure of a Tuya account's API quota, on the account's device."""

    value_fn: Callable[[TuyaCoordinator], SensorValue | str]
    last_reset_fn: Callable[[TuyaCoordinator], datetime] | None = None
    exists_fn: Callable[[TuyaCoordinator], bool] = lambda _: True


def _period_start(tuya: TuyaCoordinator) -> datetime:
    return tuya.quota.budget.period_start


QUOTA_SENSORS: tuple[QuotaSensorEntityDescription, ...] = (
    QuotaSensorEntityDescription(
        key="quota_remaining",
        translation_key="quota_remaining",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=CALLS,
        value_fn=lambda tuya: (
            tuya.quota.budget.estimate(dt_util.utcnow()).remaining_calls
        ),
    ),
    QuotaSensorEntityDescription(
        key="quota_our_calls",
        translation_key="quota_our_calls",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=CALLS,
        value_fn=lambda tuya: tuya.quota.budget.our_calls,
        last_reset_fn=_period_start,
    ),
    QuotaSensorEntityDescription(
        key="quota_other_calls",
        translation_key="quota_other_calls",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=CALLS,
        value_fn=lambda tuya: tuya.quota.budget.estimate(dt_util.utcnow()).other_calls,
        last_reset_fn=_period_start,
    ),
    QuotaSensorEntityDescription(
        key="quota_interval",
        translation_key="quota_interval",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_display_precision=0,
        # What was achieved over the last 24 hours; what is planned until then.
        value_fn=lambda tuya: round(
            tuya.achieved_interval(dt_util.utcnow())
            or tuya.planned_interval.total_seconds()
        ),
    ),
    QuotaSensorEntityDescription(
        key="last_refresh",
        translation_key="last_refresh",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda tuya: tuya.last_refresh,
    ),
    QuotaSensorEntityDescription(
        key="messages",
        translation_key="messages",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement="messages",
        value_fn=lambda tuya: tuya.quota.budget.messages,
        last_reset_fn=_period_start,
        exists_fn=lambda tuya: tuya.messages is not None,
    ),
    QuotaSensorEntityDescription(
        key="quota_source",
        translation_key="quota_source",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.ENUM,
        options=[source.value for source in QuotaSource],
        value_fn=lambda tuya: tuya.quota.budget.source.value,
    ),
    QuotaSensorEntityDescription(
        key="quota_status",
        translation_key="quota_status",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.ENUM,
        options=[status.value for status in QuotaStatus],
        value_fn=lambda tuya: tuya.quota.budget.status(dt_util.utcnow()).value,
    ),
    QuotaSensorEntityDescription(
        key="quota_next_reset",
        translation_key="quota_next_reset",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda tuya: tuya.quota.budget.period_end,
    ),
)


class PlugMeterSensor(MeterSensor):
    """Energy, cost or a session figure of a Tuya plug."""

    def __init__(
        self,
        coordinator: TuyaCoordinator,
        description: MeterSensorEntityDescription,
        plug: TuyaPlug,
        runtime: MeterRuntime,
    ) -> None:
        """Read the plug's meter, on the plug's device."""
        # Set first: the base class reads the availability while initialising.
        self._tuya = coordinator
        self.device_id = plug.device.id
        super().__init__(
            coordinator,
            description,
            runtime,
            device=plug_device_info(coordinator.config_entry, plug),
            scope=plug.device.id,
        )

    @property
    def available(self) -> bool:
        """Return True while the cloud answers and the plug is online."""
        return super().available and plug_online(self._tuya, self.device_id)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Say where the plug's energy comes from (its lifetime energy only)."""
        if self.entity_description.key != "energy":
            return None
        plug = self._tuya.data.plugs.get(self.device_id)
        if plug is None:
            return None
        source = MeasuredSource.POWER if plug.energy is None else plug.energy.source
        return {"energy_source": source.value}


class PlugSensor(TuyaPlugEntity, SensorEntity):
    """Power, voltage or current of a Tuya plug, as judged plausible.

    A power not believed (a scale not confirmed yet, a value its own current
    contradicts) is unknown rather than shown; a voltage off by a power of ten is
    shown corrected.
    """

    entity_description: PlugSensorEntityDescription

    @property
    def native_value(self) -> float | None:
        """Return the value of the last reading."""
        plug = self.plug
        if plug is None:
            return None
        judged = plug.judged
        if judged is not None and self.entity_description.code == POWER:
            return judged.power_w
        if judged is not None and self.entity_description.code == VOLTAGE:
            return judged.voltage_v
        return self.entity_description.value_fn(plug.reading)


class QuotaSensor(UtilityCostEntity[TuyaCoordinator], SensorEntity):
    """A figure of the account's quota; available even while the cloud refuses."""

    entity_description: QuotaSensorEntityDescription

    @property
    def available(self) -> bool:
        """Return True: the quota's figures explain why the plugs are not."""
        return True

    @property
    def native_value(self) -> SensorValue | str:
        """Return the figure."""
        return self.entity_description.value_fn(self.coordinator)

    @property
    def last_reset(self) -> datetime | None:
        """Return the start of the quota period for counts of this period."""
        last_reset = self.entity_description.last_reset_fn
        return None if last_reset is None else last_reset(self.coordinator)


async def async_add_sensors(
    hass: HomeAssistant,
    entry: UtilityCostConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's quota sensors, and each plug's sensors as plugs appear."""
    tuya = TuyaCoordinator.of(entry)

    def plug_sensors(plug: TuyaPlug) -> list[SensorEntity]:
        sensors: list[SensorEntity] = [
            PlugSensor(tuya, description, plug)
            for description in PLUG_SENSORS
            if description.code in plug.device.status
        ]
        if (runtime := plug.runtime) is not None:
            sensors.extend(
                PlugMeterSensor(tuya, description, plug, runtime)
                for description in METER_SENSORS
            )
            if EXPORTED in plug.device.status:
                sensors.append(PlugMeterSensor(tuya, EXPORT_SENSOR, plug, runtime))
        return sensors

    async_add_entities(QuotaSensor(tuya, d) for d in QUOTA_SENSORS if d.exists_fn(tuya))
    async_add_device_entities(
        tuya, lambda: tuya.data.plugs, async_add_entities, plug_sensors
    )
