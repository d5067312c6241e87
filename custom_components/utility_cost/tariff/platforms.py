"""The platforms of a kind of tariff: price sensors, cheap flags and settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..runtime import PlatformSetup, UtilityCostConfigEntry
from .binary_sensor import tariff_binary_sensors
from .coordinator import TariffCoordinator
from .number import tariff_numbers
from .sensor import tariff_sensors

type TariffsOf = Callable[[UtilityCostConfigEntry], Sequence[TariffCoordinator]]


def entry_is_tariff(entry: UtilityCostConfigEntry) -> Sequence[TariffCoordinator]:
    """Return the one tariff of an entry whose coordinator is a tariff."""
    return [TariffCoordinator.of(entry)]


def tariff_platforms(
    tariffs_of: TariffsOf = entry_is_tariff, sensors: PlatformSetup | None = None
) -> dict[Platform, PlatformSetup]:
    """Return the platforms of a kind whose entries have ``tariffs_of(entry)``.

    ``sensors`` replaces the sensor platform of a kind that adds sensors of its
    own (it adds the price sensors with :func:`.sensor.tariff_sensors`).
    """

    async def binary_sensors(
        hass: HomeAssistant,
        entry: UtilityCostConfigEntry,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        async_add_entities(tariff_binary_sensors(tariffs_of(entry)))

    async def numbers(
        hass: HomeAssistant,
        entry: UtilityCostConfigEntry,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        async_add_entities(tariff_numbers(tariffs_of(entry)))

    async def price_sensors(
        hass: HomeAssistant,
        entry: UtilityCostConfigEntry,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        async_add_entities(tariff_sensors(hass, entry, tariffs_of(entry)))

    return {
        Platform.BINARY_SENSOR: binary_sensors,
        Platform.NUMBER: numbers,
        Platform.SENSOR: price_sensors if sensors is None else sensors,
    }
