"""Base entity: one device per config entry, unique ids from the entry and key."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_ENTRY_TYPE, DEVICE_MODELS, DOMAIN
from .coordinator import MeterCoordinator, TariffCoordinator


def unique_id_for(entry_id: str, key: str) -> str:
    """Return the unique id of an entry's entity with description ``key``."""
    return f"{entry_id}_{key}"


class UtilityCostEntity[CoordinatorT: TariffCoordinator | MeterCoordinator](
    CoordinatorEntity[CoordinatorT]
):
    """An entity on the device of its config entry."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: CoordinatorT, description: EntityDescription
    ) -> None:
        """Attach the entity to its entry's device."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self._attr_unique_id = unique_id_for(entry.entry_id, description.key)
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            manufacturer="utility_cost",
            model=DEVICE_MODELS[entry.data[CONF_ENTRY_TYPE]],
            entry_type=DeviceEntryType.SERVICE,
        )
