"""What a Tuya plug's entities share: their device, and whether the plug is online."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription

from ...const import DOMAIN
from ...entity import UtilityCostEntity
from .coordinator import TuyaCoordinator
from .models import TuyaPlug


def plug_device_info(entry: ConfigEntry, plug: TuyaPlug) -> DeviceInfo:
    """Return the device of a Tuya plug, connected via its account's device."""
    device = plug.device
    return DeviceInfo(
        identifiers={(DOMAIN, device.id)},
        name=device.name,
        manufacturer="Tuya",
        model=device.product_name or device.model or None,
        model_id=device.product_id or None,
        via_device=(DOMAIN, entry.entry_id),
    )


class TuyaPlugEntity(UtilityCostEntity[TuyaCoordinator]):
    """An entity of one plug of a Tuya account."""

    def __init__(
        self,
        coordinator: TuyaCoordinator,
        description: EntityDescription,
        plug: TuyaPlug,
    ) -> None:
        """Attach the entity to the plug's device."""
        super().__init__(
            coordinator,
            description,
            device=plug_device_info(coordinator.config_entry, plug),
            scope=plug.device.id,
        )
        self.device_id = plug.device.id

    @property
    def plug(self) -> TuyaPlug | None:
        """Return the plug as last refreshed (None once it is no longer monitored)."""
        return self.coordinator.data.plugs.get(self.device_id)

    @property
    def available(self) -> bool:
        """Return True while the cloud answers and the plug is online."""
        return super().available and plug_online(self.coordinator, self.device_id)


def plug_online(coordinator: TuyaCoordinator, device_id: str) -> bool:
    """Return True if the plug is monitored and the cloud says it is online."""
    plug = coordinator.data.plugs.get(device_id)
    return plug is not None and plug.device.online
