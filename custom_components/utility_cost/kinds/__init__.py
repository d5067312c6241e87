"""The registry of entry kinds: one package per kind, one :class:`Kind` each.

The shared shell (set-up, platforms, config and options flows, diagnostics,
actions) finds what a kind does here, never by asking an entry which kind it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..const import EntryType, entry_type
from ..runtime import Kind, UtilityCostConfigEntry
from .esios_tariff import KIND as ESIOS_TARIFF
from .fixed_tariff import KIND as FIXED_TARIFF
from .household import KIND as HOUSEHOLD
from .http_meter import KIND as HTTP_METER
from .octopus import KIND as OCTOPUS
from .tracked_sensor import KIND as TRACKED_SENSOR
from .tuya_account import KIND as TUYA_ACCOUNT

KINDS: Final[Mapping[EntryType, Kind]] = MappingProxyType(
    {
        kind.entry_type: kind
        for kind in (
            FIXED_TARIFF,
            ESIOS_TARIFF,
            TRACKED_SENSOR,
            TUYA_ACCOUNT,
            HTTP_METER,
            OCTOPUS,
            HOUSEHOLD,
        )
    }
)


def kind_of(entry: ConfigEntry) -> Kind:
    """Return the kind of an entry of this integration."""
    return KINDS[entry_type(entry)]


async def async_setup_platform(
    platform: Platform,
    hass: HomeAssistant,
    entry: UtilityCostConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entities of ``platform`` that an entry's kind has."""
    await kind_of(entry).platforms[platform](hass, entry, async_add_entities)
