"""Switches: the outlets of Tuya plugs."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import (
    SwitchDeviceClass,
    SwitchEntity,
    SwitchEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...domain.plugs import mains_codes, switch_codes
from ...entity import async_add_device_entities
from ...runtime import UtilityCostConfigEntry
from .coordinator import TuyaCoordinator
from .entity import TuyaPlugEntity
from .models import TuyaPlug


async def async_add_switches(
    hass: HomeAssistant,
    entry: UtilityCostConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch per outlet of each plug, as plugs appear."""
    coordinator = TuyaCoordinator.of(entry)

    def outlets(plug: TuyaPlug) -> list[PlugSwitch]:
        codes = switch_codes(plug.device.status)
        mains = mains_codes(plug.device.status)
        usb = [code for code in codes if code not in mains]
        return [
            *(
                PlugSwitch(coordinator, plug, code, number, len(codes))
                for number, code in enumerate(mains, start=1)
            ),
            *(
                PlugSwitch(coordinator, plug, code, number, len(codes), usb=True)
                for number, code in enumerate(usb, start=1)
            ),
        ]

    async_add_device_entities(
        coordinator, lambda: coordinator.data.plugs, async_add_entities, outlets
    )


class PlugSwitch(TuyaPlugEntity, SwitchEntity):
    """One outlet of a plug (or the plug itself when it has one)."""

    def __init__(
        self,
        coordinator: TuyaCoordinator,
        plug: TuyaPlug,
        code: str,
        number: int,
        outlets: int,
        *,
        usb: bool = False,
    ) -> None:
        """Name the outlet by its number on a strip; a single outlet is the plug.

        USB outlets are numbered among themselves ("USB 1").
        """
        description = SwitchEntityDescription(
            key=code,
            translation_key="usb_outlet" if usb else "outlet" if outlets > 1 else None,
            device_class=SwitchDeviceClass.SWITCH
            if plug.device.category == "kg" or usb
            else SwitchDeviceClass.OUTLET,
        )
        super().__init__(coordinator, description, plug)
        self._code = code
        if outlets > 1 or usb:
            self._attr_translation_placeholders = {"number": str(number)}
        else:
            self._attr_name = None

    @property
    def is_on(self) -> bool | None:
        """Return the outlet's state (as switched, until the next poll says)."""
        plug = self.plug
        return None if plug is None else plug.reading.switches.get(self._code)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the outlet on through the cloud."""
        await self.coordinator.async_switch(self.device_id, self._code, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the outlet off through the cloud."""
        await self.coordinator.async_switch(self.device_id, self._code, False)
