"""Binary sensors of a tariff: whether energy is cheap now, or in its cheapest time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)

from .coordinator import TariffCoordinator
from .entity import TariffEntity


@dataclass(frozen=True, kw_only=True)
class TariffBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A yes/no of a tariff's outlook, with the figures that decide it."""

    is_on_fn: Callable[[TariffCoordinator], bool | None]
    attributes_fn: Callable[[TariffCoordinator], dict[str, Any]]


def _cheap_now(tariff: TariffCoordinator) -> dict[str, Any]:
    return {
        "threshold": tariff.data.cheap_threshold,
        "threshold_automatic": tariff.settings.cheap_threshold is None,
        "price": tariff.data.current.price,
    }


def _cheapest_hours(tariff: TariffCoordinator) -> dict[str, Any]:
    return {
        "hours": tariff.settings.cheapest_hours,
        "periods": [
            {"start": period.start, "end": period.end}
            for period in tariff.data.cheapest_hours
        ],
    }


def _cheapest_window(tariff: TariffCoordinator) -> dict[str, Any]:
    window = tariff.data.cheapest_window
    return {
        "hours": tariff.settings.cheapest_hours,
        "start": None if window is None else window.start,
        "end": None if window is None else window.end,
        "average_price": None if window is None else round(window.average_price, 6),
    }


def _descriptions(
    now: str, hours: str, window: str
) -> tuple[TariffBinarySensorEntityDescription, ...]:
    return (
        TariffBinarySensorEntityDescription(
            key=now,
            translation_key=now,
            is_on_fn=lambda tariff: tariff.data.cheap_now,
            attributes_fn=_cheap_now,
        ),
        TariffBinarySensorEntityDescription(
            key=hours,
            translation_key=hours,
            is_on_fn=lambda tariff: tariff.data.in_cheapest_hours,
            attributes_fn=_cheapest_hours,
        ),
        TariffBinarySensorEntityDescription(
            key=window,
            translation_key=window,
            is_on_fn=lambda tariff: tariff.data.in_cheapest_window,
            attributes_fn=_cheapest_window,
        ),
    )


# A tariff that is paid for: cheap times. One that pays (export): its best times.
BINARY_SENSORS = _descriptions("cheap_now", "in_cheapest_hours", "in_cheapest_window")
EXPORT_BINARY_SENSORS = _descriptions(
    "high_price_now", "in_best_export_hours", "in_best_export_window"
)


def tariff_binary_sensors(
    tariffs: Iterable[TariffCoordinator],
) -> list[TariffBinarySensor]:
    """Return the binary sensors of tariffs whose price changes within a day."""
    return [
        TariffBinarySensor(tariff, description)
        for tariff in tariffs
        if tariff.prices_vary()
        for description in (EXPORT_BINARY_SENSORS if tariff.export else BINARY_SENSORS)
    ]


class TariffBinarySensor(TariffEntity, BinarySensorEntity):
    """On while the tariff's outlook says so."""

    entity_description: TariffBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state from the outlook."""
        return self.entity_description.is_on_fn(self.coordinator)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the figures that decide the state."""
        return self.entity_description.attributes_fn(self.coordinator)
