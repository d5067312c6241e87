"""Number entities of a tariff: the settings its binary sensors decide by."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
import math
from typing import Any

from homeassistant.components.number import (
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfEnergy, UnitOfTime
from homeassistant.exceptions import ServiceValidationError

from ..const import DOMAIN, MAX_PRICE_PER_KWH
from ..domain.outlook import MAX_CHEAPEST_HOURS, MIN_CHEAPEST_HOURS, AutomationSettings
from ..entity import UtilityCostEntity
from .coordinator import TariffCoordinator


@dataclass(frozen=True, kw_only=True)
class TariffNumberEntityDescription(NumberEntityDescription):
    """A setting of a tariff's automations."""

    value_fn: Callable[[TariffCoordinator], float | None]
    set_fn: Callable[[TariffCoordinator, float], None]
    per_kwh: bool = False
    # Whether the setting can be automatic (followed from the prices until set).
    automatic_fn: Callable[[AutomationSettings], bool] | None = None


def _cheap_threshold(tariff: TariffCoordinator) -> float | None:
    """Return the threshold set, or the automatic one (today's average)."""
    if tariff.settings.cheap_threshold is not None:
        return tariff.settings.cheap_threshold
    return None if tariff.data is None else tariff.data.cheap_threshold


def _descriptions(
    threshold: str, hours: str
) -> tuple[TariffNumberEntityDescription, ...]:
    return (
        TariffNumberEntityDescription(
            key=threshold,
            translation_key=threshold,
            entity_category=EntityCategory.CONFIG,
            mode=NumberMode.BOX,
            # Dynamic tariffs can go below zero.
            native_min_value=-MAX_PRICE_PER_KWH,
            native_max_value=MAX_PRICE_PER_KWH,
            native_step=0.0001,
            per_kwh=True,
            value_fn=_cheap_threshold,
            set_fn=lambda tariff, value: tariff.async_set_settings(
                cheap_threshold=value
            ),
            automatic_fn=lambda settings: settings.cheap_threshold is None,
        ),
        TariffNumberEntityDescription(
            key=hours,
            translation_key=hours,
            entity_category=EntityCategory.CONFIG,
            mode=NumberMode.SLIDER,
            native_min_value=MIN_CHEAPEST_HOURS,
            native_max_value=MAX_CHEAPEST_HOURS,
            native_step=1,
            native_unit_of_measurement=UnitOfTime.HOURS,
            value_fn=lambda tariff: tariff.settings.cheapest_hours,
            set_fn=lambda tariff, value: tariff.async_set_settings(
                cheapest_hours=int(value)
            ),
        ),
    )


# A tariff that is paid for: cheap times. One that pays (export): its best times.
NUMBERS = _descriptions("cheap_price_threshold", "cheapest_hours")
EXPORT_NUMBERS = _descriptions("high_price_threshold", "best_export_hours")


def tariff_numbers(tariffs: Iterable[TariffCoordinator]) -> list[TariffNumber]:
    """Return the settings of tariffs whose price changes within a day."""
    return [
        TariffNumber(tariff, description)
        for tariff in tariffs
        if tariff.prices_vary()
        for description in (EXPORT_NUMBERS if tariff.export else NUMBERS)
    ]


class TariffNumber(UtilityCostEntity[TariffCoordinator], NumberEntity):
    """A setting kept with the tariff (it survives restarts in its storage).

    Home Assistant refuses values outside the range before they reach here.
    """

    entity_description: TariffNumberEntityDescription

    def __init__(
        self, coordinator: TariffCoordinator, description: TariffNumberEntityDescription
    ) -> None:
        """Set the price unit from the tariff's currency."""
        super().__init__(coordinator, description)
        if description.per_kwh:
            self._attr_native_unit_of_measurement = (
                f"{coordinator.currency}/{UnitOfEnergy.KILO_WATT_HOUR}"
            )

    @property
    def available(self) -> bool:
        """Return True: a setting can be changed whatever the prices."""
        return True

    @property
    def native_value(self) -> float | None:
        """Return the setting (or the value it follows while automatic)."""
        return self.entity_description.value_fn(self.coordinator)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Say whether the value is automatic (today's average) or was set."""
        automatic_fn = self.entity_description.automatic_fn
        if automatic_fn is None:
            return None
        return {"automatic": automatic_fn(self.coordinator.settings)}

    async def async_set_native_value(self, value: float) -> None:
        """Change the setting; the binary sensors follow at once.

        Home Assistant checks the range, which ``nan`` passes (no comparison with it
        is true): a value that is not a finite number is refused here.
        """
        if not math.isfinite(value):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_number",
                translation_placeholders={
                    "entity_id": self.entity_id,
                    "value": str(value),
                },
            )
        self.entity_description.set_fn(self.coordinator, value)

    async def async_make_automatic(self) -> None:
        """Follow today's average again (the action ``automatic_threshold``)."""
        if self.entity_description.automatic_fn is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_threshold",
                translation_placeholders={"entity_id": self.entity_id},
            )
        self.coordinator.async_set_settings(automatic_threshold=True)
