"""A Tuya account's action: ``set_quota_reading`` (what its portal says of its quota)."""

from __future__ import annotations

import math
from typing import Final, cast

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ...const import DOMAIN, EntryType
from ...domain.quota import QuotaSource
from ...runtime import loaded_coordinator
from .coordinator import TuyaCoordinator

SERVICE_SET_QUOTA_READING: Final = "set_quota_reading"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_REMAINING: Final = "remaining"
ATTR_USED: Final = "used"

# Numbers are checked in the handler, so that each mistake gets its own
# translated message (a schema error would be Home Assistant's untranslated text).
SET_QUOTA_READING_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_REMAINING): object,
        vol.Optional(ATTR_USED): object,
    }
)


def _whole_number(field: str, value: object) -> int | None:
    """Return an action's count as an int (None if not given), or refuse it.

    The number selector sends an int or a float; YAML may give a string. A
    boolean, a fraction or anything not finite is not a count of calls.
    """
    if value is None:
        return None
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not number.is_integer():
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="reading_not_a_count",
            translation_placeholders={"field": field},
        )
    return int(number)


def async_register_services(hass: HomeAssistant) -> None:
    """Register ``set_quota_reading``."""

    async def set_quota_reading(call: ServiceCall) -> None:
        """Tell a Tuya account what its portal says of its quota."""
        coordinator = cast(
            TuyaCoordinator,
            loaded_coordinator(
                hass,
                call.data[ATTR_CONFIG_ENTRY_ID],
                EntryType.TUYA_ACCOUNT,
                "not_a_tuya_account",
            ),
        )
        remaining = _whole_number(ATTR_REMAINING, call.data.get(ATTR_REMAINING))
        used = _whole_number(ATTR_USED, call.data.get(ATTR_USED))
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
