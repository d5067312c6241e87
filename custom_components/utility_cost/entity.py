"""Base entity: device info and unique ids.

An entity belongs to its config entry's own device (a tariff, a tracked sensor) or,
for a hub such as a Tuya account, to one of the hub's devices (a plug); ``scope``
then names that device in the unique id.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_ENTRY_TYPE, DEVICE_MODELS, DOMAIN
from .coordinator import UtilityCostCoordinator


def unique_id_for(entry_id: str, key: str, scope: str | None = None) -> str:
    """Return the unique id of an entity of an entry (and of one of its devices)."""
    return f"{entry_id}_{key}" if scope is None else f"{entry_id}_{scope}_{key}"


def entry_device_info(entry: ConfigEntry) -> DeviceInfo:
    """Return the device that stands for a whole entry (a tariff, a tracked sensor)."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer="utility_cost",
        model=DEVICE_MODELS[entry.data[CONF_ENTRY_TYPE]],
        entry_type=DeviceEntryType.SERVICE,
    )


class UtilityCostEntity[CoordinatorT: UtilityCostCoordinator[Any]](
    CoordinatorEntity[CoordinatorT]
):
    """An entity of this integration."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: EntityDescription,
        *,
        device: DeviceInfo | None = None,
        scope: str | None = None,
    ) -> None:
        """Attach the entity to ``device`` (default: the entry's own device)."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self._attr_unique_id = unique_id_for(entry.entry_id, description.key, scope)
        self._attr_device_info = device or entry_device_info(entry)
