"""utility_cost: what each appliance costs to run.

Each config entry is one of the types of :class:`.const.EntryType`: a tariff (a
fixed price schedule or Spain's PVPC, with price sensors and the entities that
automations use to run appliances when energy is cheap) or something that uses
energy and is priced by a tariff: a tracked sensor, a Tuya cloud account whose plugs
each get switches, measurements and the same energy, cost, period and session
sensors, an HTTP meter whose stations POST their power to a webhook, or an
Octopus Energy account whose meters' history is imported into statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import assert_never, cast

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
)
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.helper_integration import (
    async_handle_source_entity_changes,
)
from homeassistant.helpers.typing import ConfigType

from .const import (
    CONF_SOURCE,
    CONF_TARIFF,
    DOMAIN,
    METERING_ENTRY_TYPES,
    SIGNAL_FIGURES_PUBLISHED,
    EntryType,
    entry_type,
)
from .coordinator import (
    EsiosCoordinator,
    HttpMeterCoordinator,
    MeterCoordinator,
    TariffCoordinator,
    UtilityCostConfigEntry,
    http_meter_store_key,
    meter_store_key,
    tariff_store_key,
)
from .entity import async_attach_to_source_device, entry_device_info
from .esios_prices import esios_store_key
from .household import HouseholdCoordinator
from .octopus_account import OctopusCoordinator, async_remove_octopus_stores
from .repairs import (
    TUYA_CLOUD_ISSUES,
    TUYA_QUOTA_ISSUES,
    async_create_tariff_missing_issue,
    async_delete_stations_full_issue,
    async_delete_tariff_missing_issue,
    async_delete_tuya_issues,
)
from .services import async_setup_services
from .storage import ThrottledStore
from .tariff import split_tariff_id
from .tuya_account import TuyaCoordinator, tuya_store_key
from .tuya_quota import quota_store_key
from .webhook import async_register_webhook

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

_TARIFF_PLATFORMS = [Platform.BINARY_SENSOR, Platform.NUMBER, Platform.SENSOR]
PLATFORMS: dict[EntryType, list[Platform]] = {
    EntryType.FIXED_TARIFF: _TARIFF_PLATFORMS,
    EntryType.ESIOS_TARIFF: _TARIFF_PLATFORMS,
    EntryType.TRACKED_SENSOR: [Platform.SENSOR],
    EntryType.TUYA_ACCOUNT: [Platform.SENSOR, Platform.SWITCH],
    EntryType.HTTP_METER: [Platform.SENSOR],
    EntryType.OCTOPUS: _TARIFF_PLATFORMS,
    EntryType.HOUSEHOLD: [Platform.SENSOR],
}


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration's actions."""
    async_setup_services(hass)
    return True


def _platforms(entry: UtilityCostConfigEntry) -> list[Platform]:
    return PLATFORMS[entry_type(entry)]


async def async_setup_entry(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> bool:
    """Set up an entry of any kind."""
    match entry_type(entry):
        case EntryType.TUYA_ACCOUNT:
            return await _async_setup_tuya(hass, entry)
        case EntryType.HTTP_METER:
            return await _async_setup_http_meter(hass, entry)
        case EntryType.OCTOPUS:
            return await _async_setup_octopus(hass, entry)
        case EntryType.FIXED_TARIFF:
            return await _async_setup_tariff(hass, entry, TariffCoordinator)
        case EntryType.ESIOS_TARIFF:
            return await _async_setup_tariff(hass, entry, EsiosCoordinator)
        case EntryType.TRACKED_SENSOR:
            return await _async_setup_tracked_sensor(hass, entry)
        case EntryType.HOUSEHOLD:
            return await _async_setup_household(hass, entry)
        case unknown:
            assert_never(unknown)


@callback
def _async_tell_household(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
    """Have the household totals add up again when this entry's meters come or go.

    Called as the entry is set up: it is counted once loaded, and no longer from
    the moment it starts unloading.
    """
    entry.async_on_unload(
        entry.async_on_state_change(
            lambda: async_dispatcher_send(hass, SIGNAL_FIGURES_PUBLISHED)
        )
    )


async def _async_setup_household(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> bool:
    household = HouseholdCoordinator(hass, entry)
    await household.async_config_entry_first_refresh()
    entry.runtime_data = household
    await hass.config_entries.async_forward_entry_setups(entry, _platforms(entry))
    household.async_start()
    return True


async def _async_setup_octopus(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> bool:
    if "recorder" not in hass.config.components:
        raise ConfigEntryError(
            translation_domain=DOMAIN, translation_key="octopus_needs_recorder"
        )
    octopus = OctopusCoordinator(hass, entry)
    await octopus.async_config_entry_first_refresh()
    entry.runtime_data = octopus
    await hass.config_entries.async_forward_entry_setups(entry, _platforms(entry))
    return True


async def _async_setup_tariff(
    hass: HomeAssistant,
    entry: UtilityCostConfigEntry,
    kind: type[TariffCoordinator],
) -> bool:
    coordinator = kind(hass, entry)
    await coordinator.async_load()
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, _platforms(entry))
    return True


async def _async_setup_tracked_sensor(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> bool:
    meter = MeterCoordinator(hass, entry)
    await meter.async_config_entry_first_refresh()
    entry.runtime_data = meter
    meter.source_device = async_attach_to_source_device(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, _platforms(entry))
    _follow_source(hass, entry, meter)
    meter.async_start()
    _async_tell_household(hass, entry)
    return True


async def _async_setup_tuya(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> bool:
    """Set up a Tuya account; with plugs known from earlier, even while refused.

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
    entry.runtime_data = tuya
    await hass.config_entries.async_forward_entry_setups(entry, _platforms(entry))
    tuya.async_start()
    _async_tell_household(hass, entry)
    return True


async def _async_setup_http_meter(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> bool:
    """Set up an HTTP meter: its known stations, then its webhook."""
    meter = HttpMeterCoordinator(hass, entry)
    await meter.async_load()
    await meter.async_config_entry_first_refresh()
    entry.runtime_data = meter
    await hass.config_entries.async_forward_entry_setups(entry, _platforms(entry))
    async_register_webhook(hass, entry, meter)
    meter.async_start()
    _async_tell_household(hass, entry)
    return True


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: UtilityCostConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a plug's device once the account no longer has it.

    A station of an HTTP meter can always be deleted, with its totals; if it posts
    again, it comes back as a new station.
    """
    coordinator = entry.runtime_data
    ours = [identifier for domain, identifier in device.identifiers if domain == DOMAIN]
    match entry_type(entry):
        case EntryType.HTTP_METER:
            meter = cast(HttpMeterCoordinator, coordinator)
            return meter.async_forget_stations(ours)
        case EntryType.TUYA_ACCOUNT:
            tuya = cast(TuyaCoordinator, coordinator)
            return not any(identifier in tuya.data.plugs for identifier in ours)
        case (
            EntryType.FIXED_TARIFF
            | EntryType.ESIOS_TARIFF
            | EntryType.TRACKED_SENSOR
            | EntryType.OCTOPUS
            | EntryType.HOUSEHOLD
        ):
            # Their devices (the entry's own, an Octopus meter's, a household
            # currency's) go with the entry.
            return False
        case unknown:
            assert_never(unknown)


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


async def async_unload_entry(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> bool:
    """Unload an entry; a meter writes its state to storage as it stops."""
    return await hass.config_entries.async_unload_platforms(entry, _platforms(entry))


async def async_remove_entry(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> None:
    """Clean up after an entry is deleted.

    A deleted meter's stored state goes with it. A deleted tariff leaves the meters
    it priced without a price: each gets a repair issue to choose another tariff.
    """
    kind = entry_type(entry)
    match kind:
        case EntryType.FIXED_TARIFF | EntryType.ESIOS_TARIFF:
            _async_ask_for_another_tariff(hass, lambda tariff: tariff == entry.entry_id)
            stores = [tariff_store_key(entry.entry_id), esios_store_key(entry.entry_id)]
        case EntryType.OCTOPUS:
            # Its statistics stay in the recorder, as those of any entity; what its
            # meters priced needs another tariff.
            _async_ask_for_another_tariff(
                hass, lambda tariff: split_tariff_id(tariff)[0] == entry.entry_id
            )
            await async_remove_octopus_stores(hass, entry.entry_id)
            stores = []
        case EntryType.TUYA_ACCOUNT:
            async_delete_tariff_missing_issue(hass, entry.entry_id)
            async_delete_tuya_issues(
                hass, entry.entry_id, TUYA_CLOUD_ISSUES + TUYA_QUOTA_ISSUES
            )
            stores = [tuya_store_key(entry.entry_id), quota_store_key(entry.entry_id)]
        case EntryType.HTTP_METER:
            async_delete_tariff_missing_issue(hass, entry.entry_id)
            async_delete_stations_full_issue(hass, entry.entry_id)
            stores = [http_meter_store_key(entry.entry_id)]
        case EntryType.TRACKED_SENSOR:
            async_delete_tariff_missing_issue(hass, entry.entry_id)
            stores = [meter_store_key(entry.entry_id)]
        case EntryType.HOUSEHOLD:
            stores = []  # its figures are the appliances': it stores nothing
        case unknown:
            assert_never(unknown)
    for key in stores:
        await ThrottledStore(hass, key, dict).async_remove()
    if kind in METERING_ENTRY_TYPES:
        # It is gone from the entries now: the household counts without it.
        async_dispatcher_send(hass, SIGNAL_FIGURES_PUBLISHED)


@callback
def _async_ask_for_another_tariff(
    hass: HomeAssistant, priced_by_it: Callable[[str], bool]
) -> None:
    """Give each meter whose tariff is going a repair issue to choose another."""
    for other in hass.config_entries.async_entries(DOMAIN):
        if priced_by_it(other.options.get(CONF_TARIFF, "")):
            async_create_tariff_missing_issue(hass, other)
