"""A tariff's sensors: the price now and next, today's figures, the standing charge."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    DOMAIN as SENSOR_DOMAIN,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import UnitOfEnergy, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from ..const import DOMAIN
from ..domain.outlook import DayPrices
from ..domain.windows import PriceStats
from ..entity import SensorValue, unique_id_for
from .coordinator import TariffCoordinator
from .entity import TariffEntity


@dataclass(frozen=True, kw_only=True)
class TariffSensorEntityDescription(SensorEntityDescription):
    """A sensor of a tariff device; ``unit_fn`` builds the unit from the currency.

    ``needs_price``: the sensor is unavailable while no price is known for now.
    """

    value_fn: Callable[[TariffCoordinator], SensorValue]
    unit_fn: Callable[[str], str] | None = None
    exists_fn: Callable[[TariffCoordinator], bool] = lambda _: True
    attributes_fn: Callable[[TariffCoordinator], dict[str, Any]] | None = None
    needs_price: bool = True


def _per_kwh(currency: str) -> str:
    return f"{currency}/{UnitOfEnergy.KILO_WATT_HOUR}"


def _intervals(day: DayPrices | None) -> list[dict[str, Any]]:
    """Return a day's known prices as compact rows (empty if unknown)."""
    if day is None:
        return []
    return [
        {"start": i.start, "end": i.end, "price": round(i.price, 6)}
        for i in day.intervals
    ]


def _current_price_attributes(tariff: TariffCoordinator) -> dict[str, Any]:
    outlook = tariff.data
    return {
        tariff.label_attribute: outlook.current.label,
        "today": _intervals(outlook.today),
        "tomorrow": _intervals(outlook.tomorrow),
    }


def _today[T](
    value: Callable[[PriceStats], T],
) -> Callable[[TariffCoordinator], T | None]:
    def value_fn(tariff: TariffCoordinator) -> T | None:
        today = tariff.data.today
        return None if today is None else value(today.stats)

    return value_fn


TARIFF_SENSORS: tuple[TariffSensorEntityDescription, ...] = (
    TariffSensorEntityDescription(
        key="current_price",
        translation_key="current_price",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=4,
        unit_fn=_per_kwh,
        value_fn=lambda tariff: tariff.data.current.price,
        attributes_fn=_current_price_attributes,
    ),
    TariffSensorEntityDescription(
        key="next_price",
        translation_key="next_price",
        suggested_display_precision=4,
        unit_fn=_per_kwh,
        value_fn=lambda tariff: (
            tariff.data.following.price if tariff.data.following else None
        ),
    ),
    TariffSensorEntityDescription(
        key="next_price_change",
        translation_key="next_price_change",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda tariff: tariff.data.next_change,
    ),
    TariffSensorEntityDescription(
        key="today_min_price",
        translation_key="today_min_price",
        suggested_display_precision=4,
        unit_fn=_per_kwh,
        value_fn=_today(lambda stats: stats.minimum),
        attributes_fn=lambda tariff: {"start": _today(lambda s: s.minimum_at)(tariff)},
    ),
    TariffSensorEntityDescription(
        key="today_max_price",
        translation_key="today_max_price",
        suggested_display_precision=4,
        unit_fn=_per_kwh,
        value_fn=_today(lambda stats: stats.maximum),
        attributes_fn=lambda tariff: {"start": _today(lambda s: s.maximum_at)(tariff)},
    ),
    TariffSensorEntityDescription(
        key="today_average_price",
        translation_key="today_average_price",
        suggested_display_precision=4,
        unit_fn=_per_kwh,
        value_fn=_today(lambda stats: stats.average),
    ),
    TariffSensorEntityDescription(
        key="export_price",
        translation_key="export_price",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=4,
        unit_fn=_per_kwh,
        value_fn=lambda tariff: tariff.export_price(),
        exists_fn=lambda tariff: tariff.has_export_price,
    ),
    TariffSensorEntityDescription(
        key="standing_charge",
        translation_key="standing_charge",
        suggested_display_precision=2,
        unit_fn=lambda currency: f"{currency}/{UnitOfTime.DAYS}",
        value_fn=lambda tariff: tariff.standing_charge,
        exists_fn=lambda tariff: tariff.standing_charge is not None,
        needs_price=False,
    ),
)


def tariff_sensors(
    hass: HomeAssistant, entry: ConfigEntry, tariffs: Iterable[TariffCoordinator]
) -> list[SensorEntity]:
    """Return the price sensors of an entry's tariffs (those that exist)."""
    registry = er.async_get(hass)
    sensors: list[SensorEntity] = []
    for tariff in tariffs:
        for description in TARIFF_SENSORS:
            if description.exists_fn(tariff):
                sensors.append(TariffSensor(tariff, description))
            elif entity_id := registry.async_get_entity_id(
                SENSOR_DOMAIN,
                DOMAIN,
                unique_id_for(entry.entry_id, description.key, tariff.scope),
            ):
                # e.g. the standing charge was removed from the options
                registry.async_remove(entity_id)
    return sensors


class TariffSensor(TariffEntity, SensorEntity):
    """A price of a tariff."""

    entity_description: TariffSensorEntityDescription
    # Every known interval of two days: useful to templates, too big to record.
    _unrecorded_attributes = frozenset({"today", "tomorrow"})

    def __init__(
        self,
        coordinator: TariffCoordinator,
        description: TariffSensorEntityDescription,
    ) -> None:
        """Set the unit from the tariff's currency."""
        super().__init__(coordinator, description)
        if description.unit_fn is not None:
            self._attr_native_unit_of_measurement = description.unit_fn(
                coordinator.currency
            )

    @property
    def available(self) -> bool:
        """Return False while a price that this sensor shows is unknown."""
        if not self.entity_description.needs_price:
            return self.coordinator.last_update_success
        return super().available

    @property
    def native_value(self) -> SensorValue:
        """Return the value from the tariff's outlook."""
        return self.entity_description.value_fn(self.coordinator)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the attributes of the sensors that have some."""
        attributes = self.entity_description.attributes_fn
        return None if attributes is None else attributes(self.coordinator)
