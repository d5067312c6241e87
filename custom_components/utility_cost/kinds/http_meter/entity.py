"""What an HTTP meter station's entities share: their device and their readings."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from ...const import DOMAIN, MANUFACTURER
from .coordinator import HttpMeterCoordinator, Station, station_identifier


class StationReadingsMixin(CoordinatorEntity[Any]):
    """An entity of a station, updated at each of the station's readings.

    The HTTP meter tells only the station's own entities about a reading (not every
    entity of every station, as a coordinator update would).
    """

    _station_follow: tuple[HttpMeterCoordinator, str]

    def follow_station(self, meter: HttpMeterCoordinator, station: Station) -> None:
        """Say which station's readings update this entity."""
        self._station_follow = (meter, str(station.station_id))

    async def async_added_to_hass(self) -> None:
        """Follow the station's readings as well as the coordinator."""
        await super().async_added_to_hass()
        meter, key = self._station_follow
        self.async_on_remove(
            meter.async_add_station_listener(key, self._handle_coordinator_update)
        )


def station_scope(station: Station) -> str:
    """Return what names a station in its entities' unique ids."""
    return f"station_{station.station_id}"


def station_device_info(entry: ConfigEntry, station: Station) -> DeviceInfo:
    """Return the device of an HTTP meter's station."""
    return DeviceInfo(
        identifiers={(DOMAIN, station_identifier(entry.entry_id, station.station_id))},
        translation_key="station",
        translation_placeholders={
            "meter": entry.title,
            "station_id": str(station.station_id),
        },
        manufacturer=MANUFACTURER,
        model="HTTP meter station",
    )
