"""A Tuya cloud account: its smart plugs' switches, measurements and meters."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr

from ...const import DOMAIN, EntryType
from ...entity import entry_device_info
from ...metering.repairs import async_delete_tariff_missing_issue
from ...runtime import Kind, UtilityCostConfigEntry
from ...storage import async_remove_stores
from .config_flow import TuyaAccountSteps, TuyaOptionsFlow
from .coordinator import TuyaCoordinator
from .diagnostics import tuya_diagnostics
from .models import tuya_store_key
from .quota import quota_store_key
from .repairs import TUYA_CLOUD_ISSUES, TUYA_QUOTA_ISSUES, async_delete_tuya_issues
from .sensor import async_add_sensors
from .services import async_register_services
from .switch import async_add_switches


async def _async_create(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> TuyaCoordinator:
    """Return the account's coordinator; with plugs known from earlier, even refused.

    If the cloud cannot serve the account now (quota used up, plan expired, no
    connection), plugs known from the last run come up unavailable with their totals
    and recover at a later refresh; without any, set-up is retried.
    """
    tuya = TuyaCoordinator(hass, entry)
    # The account's device first: its plugs are connected via it.
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **entry_device_info(entry)
    )
    await tuya.async_load()
    try:
        await tuya.async_config_entry_first_refresh()
    except ConfigEntryNotReady:
        if not tuya.data.plugs:
            raise
    return tuya


@callback
def _async_start(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
    TuyaCoordinator.of(entry).async_start()


async def _async_remove(hass: HomeAssistant, entry: ConfigEntry) -> None:
    async_delete_tariff_missing_issue(hass, entry.entry_id)
    async_delete_tuya_issues(
        hass, entry.entry_id, TUYA_CLOUD_ISSUES + TUYA_QUOTA_ISSUES
    )
    await async_remove_stores(
        hass, [tuya_store_key(entry.entry_id), quota_store_key(entry.entry_id)]
    )


@callback
def _remove_device(entry: UtilityCostConfigEntry, device: dr.DeviceEntry) -> bool:
    """Let the user delete a plug's device once the account no longer has it."""
    ours = [identifier for domain, identifier in device.identifiers if domain == DOMAIN]
    plugs = TuyaCoordinator.of(entry).data.plugs
    return not any(identifier in plugs for identifier in ours)


KIND = Kind(
    entry_type=EntryType.TUYA_ACCOUNT,
    async_create=_async_create,
    platforms={Platform.SENSOR: async_add_sensors, Platform.SWITCH: async_add_switches},
    async_start=_async_start,
    async_remove=_async_remove,
    diagnostics=tuya_diagnostics,
    options_flow=TuyaOptionsFlow,
    reconfigure_step="reconfigure_tuya",
    reauth_step="reauth_confirm",
    remove_device=_remove_device,
    register_services=async_register_services,
    flow_steps=TuyaAccountSteps,
)
