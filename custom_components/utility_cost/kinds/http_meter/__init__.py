"""An HTTP meter: stations that POST their power or energy to a webhook."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from ...const import DOMAIN, EntryType
from ...metering.repairs import async_delete_tariff_missing_issue
from ...runtime import Kind, UtilityCostConfigEntry
from ...storage import async_remove_stores
from .config_flow import HttpMeterOptionsFlow, HttpMeterSteps
from .coordinator import HttpMeterCoordinator, http_meter_store_key
from .diagnostics import http_meter_diagnostics
from .repairs import async_delete_stations_full_issue
from .sensor import async_add_sensors
from .webhook import async_register_webhook


async def _async_create(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> HttpMeterCoordinator:
    """Return the meter with its known stations (the webhook comes at the start)."""
    meter = HttpMeterCoordinator(hass, entry)
    await meter.async_load()
    await meter.async_config_entry_first_refresh()
    return meter


@callback
def _async_start(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
    meter = HttpMeterCoordinator.of(entry)
    async_register_webhook(hass, entry, meter)
    meter.async_start()


async def _async_remove(hass: HomeAssistant, entry: ConfigEntry) -> None:
    async_delete_tariff_missing_issue(hass, entry.entry_id)
    async_delete_stations_full_issue(hass, entry.entry_id)
    await async_remove_stores(hass, [http_meter_store_key(entry.entry_id)])


@callback
def _remove_device(entry: UtilityCostConfigEntry, device: dr.DeviceEntry) -> bool:
    """Delete a station with its totals; if it posts again, it is a new station."""
    ours = [identifier for domain, identifier in device.identifiers if domain == DOMAIN]
    return HttpMeterCoordinator.of(entry).async_forget_stations(ours)


KIND = Kind(
    entry_type=EntryType.HTTP_METER,
    async_create=_async_create,
    platforms={Platform.SENSOR: async_add_sensors},
    async_start=_async_start,
    async_remove=_async_remove,
    diagnostics=http_meter_diagnostics,
    options_flow=HttpMeterOptionsFlow,
    reconfigure_abort="reconfigure_http_meter",
    remove_device=_remove_device,
    flow_steps=HttpMeterSteps,
)
