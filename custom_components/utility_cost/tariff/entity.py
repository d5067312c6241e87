"""What a tariff's entities share: the tariff's coordinator and device."""

from __future__ import annotations

from ..entity import UtilityCostEntity
from .coordinator import TariffCoordinator


class TariffEntity(UtilityCostEntity[TariffCoordinator]):
    """An entity of a tariff that shows prices or what follows from them."""

    @property
    def available(self) -> bool:
        """Return True while a price is known for now.

        A tariff of published prices keeps showing what it knows through an
        outage; only when no price covers now is there nothing to show.
        """
        return super().available and self.coordinator.data.current.price is not None
