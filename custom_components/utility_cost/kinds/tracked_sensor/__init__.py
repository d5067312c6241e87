"""A tracked sensor: any power or energy sensor, metered and priced by a tariff."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.helper_integration import async_handle_source_entity_changes

from ...const import CONF_SOURCE, EntryType
from ...entity import async_attach_to_source_device
from ...metering.repairs import async_delete_tariff_missing_issue
from ...metering.runtime import meter_store_key
from ...runtime import Kind, UtilityCostConfigEntry
from ...storage import async_remove_stores
from ...tariff.diagnostics import link_diagnostics
from .config_flow import TrackedSensorOptionsFlow, TrackedSensorSteps
from .coordinator import MeterCoordinator
from .sensor import async_add_sensors


async def _async_create(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> MeterCoordinator:
    meter = MeterCoordinator(hass, entry)
    await meter.async_config_entry_first_refresh()
    meter.source_device = async_attach_to_source_device(hass, entry)
    return meter


@callback
def _async_start(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
    meter = MeterCoordinator.of(entry)
    _follow_source(hass, entry, meter)
    meter.async_start()


def _follow_source(
    hass: HomeAssistant, entry: UtilityCostConfigEntry, meter: MeterCoordinator
) -> None:
    """Follow the source as Home Assistant's helpers do.

    A new entity id is kept tracking (the entry is updated and reloaded); a source
    moved to another device, or off its device, takes the entities along.
    """

    @callback
    def _renamed(source: str) -> None:
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_SOURCE: source}
        )
        hass.config_entries.async_schedule_reload(entry.entry_id)

    entry.async_on_unload(
        async_handle_source_entity_changes(
            hass,
            add_helper_config_entry_to_device=False,
            helper_config_entry_id=entry.entry_id,
            set_source_entity_id_or_uuid=_renamed,
            source_device_id=None
            if meter.source_device is None
            else meter.source_device.id,
            source_entity_id_or_uuid=entry.data[CONF_SOURCE],
        )
    )


async def _async_remove(hass: HomeAssistant, entry: ConfigEntry) -> None:
    async_delete_tariff_missing_issue(hass, entry.entry_id)
    await async_remove_stores(hass, [meter_store_key(entry.entry_id)])


def _diagnostics(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> dict[str, Any]:
    coordinator = MeterCoordinator.of(entry)
    source = hass.states.get(coordinator.source)
    return {
        "meter": {
            "source_state": None if source is None else source.as_dict(),
            "source_available": coordinator.source_available,
            "tariff": link_diagnostics(coordinator.tariff),
            "stored": coordinator.meter.as_dict(),
        }
    }


KIND = Kind(
    entry_type=EntryType.TRACKED_SENSOR,
    async_create=_async_create,
    platforms={Platform.SENSOR: async_add_sensors},
    async_start=_async_start,
    async_remove=_async_remove,
    diagnostics=_diagnostics,
    options_flow=TrackedSensorOptionsFlow,
    reconfigure_step="reconfigure_source",
    flow_steps=TrackedSensorSteps,
)
