"""Base entity: device info and unique ids.

An entity belongs to its config entry's own device (a tariff, a tracked sensor) or,
for a hub such as a Tuya account or an HTTP meter, to one of the hub's devices (a
plug, a station); ``scope`` then names that device in the unique id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device import async_entity_id_to_device
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import (
    CONF_ENTRY_TYPE,
    CONF_SOURCE,
    DEVICE_MODELS,
    DOMAIN,
    MANUFACTURER,
    EntryType,
    entry_type,
)
from .runtime import UtilityCostCoordinator

# The value of a sensor of this integration (a figure, a moment, or nothing yet).
type SensorValue = float | datetime | None


def unique_id_for(entry_id: str, key: str, scope: str | None = None) -> str:
    """Return the unique id of an entity of an entry (and of one of its devices)."""
    return f"{entry_id}_{key}" if scope is None else f"{entry_id}_{scope}_{key}"


def entry_device_info(entry: ConfigEntry) -> DeviceInfo:
    """Return the device that stands for a whole entry (a tariff, a tracked sensor).

    A tracked sensor gets one only when its source has no device; the device then
    links to the source's history.
    """
    info = DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer=MANUFACTURER,
        model=DEVICE_MODELS[entry.data[CONF_ENTRY_TYPE]],
        entry_type=DeviceEntryType.SERVICE,
    )
    if entry_type(entry) is EntryType.TRACKED_SENSOR:
        info["configuration_url"] = source_link(entry.data[CONF_SOURCE])
    return info


def source_link(entity_id: str) -> str:
    """Return the address, inside Home Assistant, of an entity's history."""
    return f"homeassistant://history?entity_id={entity_id}"


@callback
def async_attach_to_source_device(
    hass: HomeAssistant, entry: ConfigEntry
) -> dr.DeviceEntry | None:
    """Return the device of a tracked sensor's source, moving the entities there.

    As Home Assistant's own helpers do, a tracked sensor's entities go on its
    source's device (a plug, an ESPHome meter) when the source has one; entities
    made on the tracked sensor's own device before are moved (keeping their ids
    and settings), and that device is let go.
    """
    source_device = async_entity_id_to_device(hass, entry.data[CONF_SOURCE])
    if source_device is None:
        return None
    devices = dr.async_get(hass)
    own = devices.async_get_device({(DOMAIN, entry.entry_id)})
    if own is not None:
        entities = er.async_get(hass)
        for entity in er.async_entries_for_device(
            entities, own.id, include_disabled_entities=True
        ):
            if entity.config_entry_id == entry.entry_id:
                entities.async_update_entity(
                    entity.entity_id, device_id=source_device.id
                )
        devices.async_update_device(own.id, remove_config_entry_id=entry.entry_id)
    return source_device


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
        scope = scope if scope is not None else coordinator.scope
        self._attr_unique_id = unique_id_for(entry.entry_id, description.key, scope)
        if coordinator.source_device is not None:
            # Another integration's device: linked to, not described.
            self.device_entry = coordinator.source_device
        else:
            self._attr_device_info = (
                device or coordinator.device or entry_device_info(entry)
            )


@callback
def async_add_device_entities[DeviceT](
    coordinator: UtilityCostCoordinator[Any],
    devices: Callable[[], Mapping[str, DeviceT]],
    async_add_entities: AddConfigEntryEntitiesCallback,
    entities_of: Callable[[DeviceT], Iterable[Entity]],
) -> None:
    """Add the entities of a hub's devices now, and of those that appear later.

    ``devices`` returns the hub's current devices by identifier (a Tuya account's
    plugs, an HTTP meter's stations).
    """
    added: set[str] = set()

    @callback
    def add_new() -> None:
        current = devices()
        # A device that went and came back gets its entities again.
        added.intersection_update(current)
        new = [key for key in current if key not in added]
        added.update(new)
        entities = [entity for key in new for entity in entities_of(current[key])]
        if entities:
            async_add_entities(entities)

    add_new()
    coordinator.config_entry.async_on_unload(coordinator.async_add_listener(add_new))
