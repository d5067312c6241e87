"""The repair issue of an HTTP meter that refuses stations because it is full."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ...const import DOMAIN


def stations_full_issue_id(entry_id: str) -> str:
    """Return the id of the issue of an HTTP meter that refused a new station."""
    return f"http_meter_stations_full_{entry_id}"


@callback
def async_create_stations_full_issue(
    hass: HomeAssistant, entry: ConfigEntry, station_id: int, max_stations: int
) -> None:
    """Tell the user that an HTTP meter refused readings of a station it lacks room for.

    No fix flow: the user raises the meter's maximum in its options, deletes a
    station device that is no longer used, or corrects the station's id.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        stations_full_issue_id(entry.entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="http_meter_stations_full",
        translation_placeholders={
            "name": entry.title,
            "station": str(station_id),
            "max": str(max_stations),
        },
    )


@callback
def async_delete_stations_full_issue(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the issue (the meter reloaded with new options, or is gone)."""
    ir.async_delete_issue(hass, DOMAIN, stations_full_issue_id(entry_id))
