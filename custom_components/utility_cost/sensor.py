"""Sensors: tariff prices; energy, cost and sessions of meters; Tuya and station power."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
import math
from typing import Any, assert_never, cast

from homeassistant.components.sensor import (
    DOMAIN as SENSOR_DOMAIN,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .coordinator import (
    EsiosCoordinator,
    HttpMeterCoordinator,
    MeterCoordinator,
    Station,
    TariffCoordinator,
    UtilityCostConfigEntry,
    UtilityCostCoordinator,
)
from .domain.meter import EMPTY_FIGURES, MeterFigures
from .domain.outlook import DayPrices
from .domain.periods import Period
from .domain.plug_energy import MeasuredSource
from .domain.plugs import CURRENT, EXPORTED, POWER, VOLTAGE, PlugReading
from .domain.quota import QuotaSource, QuotaStatus
from .domain.windows import PriceStats
from .entity import (
    StationReadingsMixin,
    TariffEntity,
    TuyaPlugEntity,
    UtilityCostEntity,
    async_add_device_entities,
    entry_tariffs,
    plug_device_info,
    plug_online,
    station_device_info,
    station_scope,
    unique_id_for,
)
from .household import HouseholdCoordinator, household_device_info, household_scope
from .metering import MeterRuntime
from .octopus_account import (
    CURRENCY,
    OctopusCoordinator,
    OctopusMeter,
    octopus_device_info,
)
from .tuya_account import TuyaCoordinator, TuyaPlug

# Coordinators push their updates; entities never poll.
PARALLEL_UPDATES = 0

CALLS = "calls"

type SensorValue = float | datetime | None


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


def _export_price(tariff: TariffCoordinator) -> float | None:
    # The sensor exists only for PVPC tariffs with a token (see exists_fn).
    return cast(EsiosCoordinator, tariff).export_price()


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
        value_fn=_export_price,
        exists_fn=lambda tariff: (
            isinstance(tariff, EsiosCoordinator) and tariff.prices.client.has_token
        ),
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


STATION_POWER = SensorEntityDescription(
    key="power",
    device_class=SensorDeviceClass.POWER,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=UnitOfPower.WATT,
    suggested_display_precision=1,
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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: UtilityCostConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of a tariff or a tracked sensor."""
    coordinator = entry.runtime_data
    if isinstance(coordinator, TariffCoordinator):
        async_add_entities(_tariff_sensors(hass, entry))
    elif isinstance(coordinator, TuyaCoordinator):
        tuya = coordinator

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

        async_add_entities(
            QuotaSensor(tuya, d) for d in QUOTA_SENSORS if d.exists_fn(tuya)
        )
        async_add_device_entities(
            tuya, lambda: tuya.data.plugs, async_add_entities, plug_sensors
        )
    elif isinstance(coordinator, HttpMeterCoordinator):
        meter = coordinator

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
    elif isinstance(coordinator, OctopusCoordinator):
        octopus = coordinator
        async_add_entities(
            [
                *_tariff_sensors(hass, entry),
                *(
                    OctopusMeterSensor(octopus, description, meter)
                    for meter in octopus.data.values()
                    for description in OCTOPUS_SENSORS
                ),
            ]
        )
    elif isinstance(coordinator, MeterCoordinator):
        appliance = (
            None
            if coordinator.source_device is None
            else appliance_on_device(entry.title, coordinator.source_device)
        )
        async_add_entities(
            MeterSensor(
                coordinator, description, coordinator.runtime, appliance=appliance
            )
            for description in METER_SENSORS
        )
    elif isinstance(coordinator, HouseholdCoordinator):
        _async_add_household_sensors(hass, coordinator, async_add_entities)
    else:
        assert_never(coordinator)


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


@callback
def _async_add_household_sensors(
    hass: HomeAssistant,
    household: HouseholdCoordinator,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each currency's totals, now and when a new currency appears.

    A currency whose appliances are all gone keeps its entities (unavailable):
    they come back with their statistics if it is used again.
    """
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


def _tariff_sensors(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> list[SensorEntity]:
    """Return the price sensors of the entry's tariffs (those that exist)."""
    registry = er.async_get(hass)
    sensors: list[SensorEntity] = []
    for tariff in entry_tariffs(entry):
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
