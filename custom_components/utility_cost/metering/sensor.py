"""The sensors every meter has: energy, cost, their periods, and the last session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
import math
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfEnergy, UnitOfTime
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from ..domain.meter import MeterFigures
from ..domain.periods import Period
from ..entity import SensorValue, UtilityCostEntity
from ..runtime import UtilityCostCoordinator
from .runtime import MeterRuntime


@dataclass(frozen=True, kw_only=True)
class MeterSensorEntityDescription(SensorEntityDescription):
    """A sensor of a metered device; ``monetary`` ones are in the tariff currency.

    ``state_decimals`` is the precision of the state written to Home Assistant: the
    meter keeps full precision, the state changes (and is recorded) only when its
    rounded value does. Energy is rounded down, so a shown total never exceeds the
    persisted one it comes from.
    """

    value_fn: Callable[[MeterFigures], SensorValue]
    last_reset_fn: Callable[[MeterFigures], datetime | None] | None = None
    monetary: bool = False
    state_decimals: int | None = None


ENERGY_DECIMALS = 3  # 1 Wh, as Home Assistant's integration helper rounds
COST_DECIMALS = 3


def _period_sensors(
    period: Period, *, energy: bool, cost: bool
) -> tuple[MeterSensorEntityDescription, ...]:
    """Return a period's energy and cost sensors, enabled by default or not."""

    def last_reset(figures: MeterFigures) -> datetime | None:
        return figures.periods[period].start

    return (
        MeterSensorEntityDescription(
            key=f"energy_{period}",
            translation_key=f"energy_{period}",
            device_class=SensorDeviceClass.ENERGY,
            state_class=SensorStateClass.TOTAL,
            native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
            suggested_display_precision=3,
            entity_registry_enabled_default=energy,
            value_fn=lambda figures: figures.periods[period].energy_kwh,
            last_reset_fn=last_reset,
            state_decimals=ENERGY_DECIMALS,
        ),
        MeterSensorEntityDescription(
            key=f"cost_{period}",
            translation_key=f"cost_{period}",
            device_class=SensorDeviceClass.MONETARY,
            state_class=SensorStateClass.TOTAL,
            suggested_display_precision=2,
            entity_registry_enabled_default=cost,
            monetary=True,
            value_fn=lambda figures: figures.periods[period].cost,
            last_reset_fn=last_reset,
            state_decimals=COST_DECIMALS,
        ),
    )


def _last_session[T](value: Callable[[Any], T]) -> Callable[[MeterFigures], T | None]:
    def value_fn(figures: MeterFigures) -> T | None:
        session = figures.last_session
        return None if session is None else value(session)

    return value_fn


METER_SENSORS: tuple[MeterSensorEntityDescription, ...] = (
    MeterSensorEntityDescription(
        key="energy",
        translation_key="energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=3,
        value_fn=lambda figures: figures.energy_kwh,
        state_decimals=ENERGY_DECIMALS,
    ),
    MeterSensorEntityDescription(
        key="cost",
        translation_key="cost",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        monetary=True,
        value_fn=lambda figures: figures.cost,
        state_decimals=COST_DECIMALS,
    ),
    *_period_sensors(Period.DAY, energy=True, cost=True),
    *_period_sensors(Period.WEEK, energy=False, cost=False),
    # Enabled by default: what a household asks of an appliance (today's energy
    # and cost, this month's cost, the last run) and the lifetime totals that the
    # Energy dashboard and long-term statistics use. Every enabled total is one
    # more row at every change and one more statistic, so the rest start disabled.
    *_period_sensors(Period.MONTH, energy=False, cost=True),
    *_period_sensors(Period.YEAR, energy=False, cost=False),
    MeterSensorEntityDescription(
        key="last_session_energy",
        translation_key="last_session_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=3,
        value_fn=_last_session(lambda session: session.energy_kwh),
        state_decimals=ENERGY_DECIMALS,
    ),
    MeterSensorEntityDescription(
        key="last_session_cost",
        translation_key="last_session_cost",
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        monetary=True,
        value_fn=_last_session(lambda session: session.cost),
        state_decimals=COST_DECIMALS,
    ),
    MeterSensorEntityDescription(
        key="last_session_duration",
        translation_key="last_session_duration",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        value_fn=_last_session(lambda session: session.duration.total_seconds()),
        state_decimals=0,
    ),
    MeterSensorEntityDescription(
        key="last_session_start",
        translation_key="last_session_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_last_session(lambda session: session.start),
    ),
    MeterSensorEntityDescription(
        key="last_session_end",
        translation_key="last_session_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_last_session(lambda session: session.end),
    ),
)


EXPORT_SENSOR = MeterSensorEntityDescription(
    key="energy_exported",
    translation_key="energy_exported",
    device_class=SensorDeviceClass.ENERGY,
    state_class=SensorStateClass.TOTAL_INCREASING,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    suggested_display_precision=3,
    value_fn=lambda figures: figures.exported_kwh,
    state_decimals=ENERGY_DECIMALS,
)


def state_value(value: SensorValue, decimals: int | None, floor: bool) -> SensorValue:
    """Return a figure at the precision of its state (energy rounded down)."""
    if decimals is None or not isinstance(value, float):
        return value
    if floor:
        scale = 10.0**decimals
        # The small allowance keeps 0.3 (stored as 0.29999...) at 0.3.
        return math.floor(value * scale + 1e-6) / scale
    return round(value, decimals)


def appliance_on_device(title: str, device: dr.DeviceEntry) -> str | None:
    """Return what tells a tracked sensor apart on its source's device.

    Its name less the device's name, which its entities' names already start
    with: "Sim meter Power" on "Sim meter" is "Power" (so "Sim meter Power
    energy", as before it was attached). None when nothing is left.
    """
    device_name = device.name_by_user or device.name or ""
    if device_name and title.casefold().startswith(device_name.casefold()):
        return title[len(device_name) :].strip() or None
    return title


class FiguresSensor(UtilityCostEntity[UtilityCostCoordinator[Any]], SensorEntity):
    """Energy, cost or a session figure of a meter, or of the household's meters."""

    entity_description: MeterSensorEntityDescription

    def __init__(
        self,
        coordinator: UtilityCostCoordinator[Any],
        description: MeterSensorEntityDescription,
        currency: str,
        *,
        device: DeviceInfo | None = None,
        scope: str | None = None,
    ) -> None:
        """Show a figure of :meth:`figures`; monetary ones are in ``currency``."""
        super().__init__(coordinator, description, device=device, scope=scope)
        if description.monetary:
            self._attr_native_unit_of_measurement = currency
        self._shown: tuple[bool, SensorValue, datetime | None] | None = None
        self._update_values()

    def figures(self) -> MeterFigures:
        """Return the figures this sensor shows one of."""
        raise NotImplementedError

    def _update_values(self) -> bool:
        """Read the figures; return True if anything this entity shows changed."""
        description = self.entity_description
        figures = self.figures()
        shown = (
            self.available,
            state_value(
                description.value_fn(figures),
                description.state_decimals,
                description.device_class is SensorDeviceClass.ENERGY,
            ),
            None
            if description.last_reset_fn is None
            else description.last_reset_fn(figures),
        )
        if shown == self._shown:
            return False
        self._shown = shown
        _, self._attr_native_value, self._attr_last_reset = shown
        return True

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when it or the availability changed.

        Meters update every few seconds and most of their sensors (last session,
        the year's cost to two decimals...) do not change each time.
        """
        if self._update_values():
            self.async_write_ha_state()


class MeterSensor(FiguresSensor):
    """Energy, cost or a session figure of a meter (a tracked sensor, a plug)."""

    def __init__(
        self,
        coordinator: UtilityCostCoordinator[Any],
        description: MeterSensorEntityDescription,
        runtime: MeterRuntime,
        *,
        device: DeviceInfo | None = None,
        scope: str | None = None,
        appliance: str | None = None,
    ) -> None:
        """Read ``runtime``'s meter; monetary sensors are in its currency.

        On another integration's device (a tracked sensor's source's), the name
        says which ``appliance`` it is of: "Kitchen plug Kettle cost today".
        """
        self.runtime = runtime
        super().__init__(
            coordinator, description, runtime.currency, device=device, scope=scope
        )
        if appliance:
            self._attr_translation_key = f"linked_{description.translation_key}"
            self._attr_translation_placeholders = {"appliance": appliance}

    def figures(self) -> MeterFigures:
        """Return what the meter's last write holds."""
        return self.runtime.published
