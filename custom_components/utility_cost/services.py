"""Actions: ``utility_cost.set_quota_reading``."""

from __future__ import annotations

from typing import Final, cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from .const import CONF_ENTRY_TYPE, DOMAIN, EntryType
from .coordinator import TuyaCoordinator
from .domain.quota import QuotaSource

SERVICE_SET_QUOTA_READING: Final = "set_quota_reading"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_REMAINING: Final = "remaining"
ATTR_USED: Final = "used"

# Numbers are checked in the handler, so that each mistake gets its own message.
SET_QUOTA_READING_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_REMAINING): vol.Coerce(int),
        vol.Optional(ATTR_USED): vol.Coerce(int),
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""

    async def set_quota_reading(call: ServiceCall) -> None:
        """Tell a Tuya account what its portal says of its quota."""
        coordinator = _tuya_coordinator(hass, call.data[ATTR_CONFIG_ENTRY_ID])
        remaining = call.data.get(ATTR_REMAINING)
        used = call.data.get(ATTR_USED)
        if remaining is None and used is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="reading_empty"
            )
        cap = coordinator.quota.settings.monthly_cap
        for name, value in ((ATTR_REMAINING, remaining), (ATTR_USED, used)):
            if value is not None and value < 0:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="reading_negative",
                    translation_placeholders={"field": name},
                )
            if value is not None and value > cap:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="reading_above_cap",
                    translation_placeholders={"field": name, "cap": str(cap)},
                )
        coordinator.quota.add_reading(QuotaSource.MANUAL, remaining, used)

    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_QUOTA_READING,
        set_quota_reading,
        schema=SET_QUOTA_READING_SCHEMA,
    )


def _tuya_coordinator(hass: HomeAssistant, entry_id: str) -> TuyaCoordinator:
    entry = hass.config_entries.async_get_entry(entry_id)
    if (
        entry is None
        or entry.domain != DOMAIN
        or entry.data.get(CONF_ENTRY_TYPE) != EntryType.TUYA_ACCOUNT
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_tuya_account",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="account_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    # A loaded Tuya account's runtime data is its coordinator.
    return cast(TuyaCoordinator, entry.runtime_data)
