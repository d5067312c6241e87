"""A fixed tariff: the price bands of its options, and nothing to fetch."""

from __future__ import annotations

from ...domain.prices import PriceSchedule
from ...tariff.coordinator import TariffCoordinator
from ...tariff.schedule import fixed_schedule


class FixedTariffCoordinator(TariffCoordinator):
    """A tariff whose prices are the bands the user entered."""

    def _initial_schedule(self) -> PriceSchedule:
        return fixed_schedule(self.config_entry)
