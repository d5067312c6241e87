"""Actions: ``set_quota_reading``, ``octopus_backfill`` and ``automatic_threshold``.

``utility_cost.automatic_threshold`` targets a price-threshold number entity and
makes it automatic again (today's average).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
import math
from typing import Final, cast

from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .const import CONF_ENTRY_TYPE, DOMAIN, EntryType
from .coordinator import UtilityCostCoordinator
from .domain.quota import QuotaSource
from .octopus_account import UK, OctopusCoordinator
from .tuya_account import TuyaCoordinator

SERVICE_SET_QUOTA_READING: Final = "set_quota_reading"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_REMAINING: Final = "remaining"
ATTR_USED: Final = "used"
SERVICE_OCTOPUS_BACKFILL: Final = "octopus_backfill"
SERVICE_AUTOMATIC_THRESHOLD: Final = "automatic_threshold"
ATTR_FROM_DATE: Final = "from_date"
ATTR_TO_DATE: Final = "to_date"

# Numbers and dates are checked in the handler, so that each mistake gets its own
# translated message (a schema error would be Home Assistant's untranslated text).
SET_QUOTA_READING_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_REMAINING): object,
        vol.Optional(ATTR_USED): object,
    }
)


OCTOPUS_BACKFILL_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_FROM_DATE): object,
        vol.Optional(ATTR_TO_DATE): object,
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


def _day(field: str, value: object) -> date:
    """Return an action's day, or refuse it."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    day = dt_util.parse_date(value) if isinstance(value, str) else None
    if day is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_day",
            translation_placeholders={"field": field},
        )
    return day


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""

    async def set_quota_reading(call: ServiceCall) -> None:
        """Tell a Tuya account what its portal says of its quota."""
        coordinator = cast(
            TuyaCoordinator,
            _loaded_coordinator(
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

    async def octopus_backfill(call: ServiceCall) -> None:
        """Import an Octopus account's history of a range of days, in the background."""
        coordinator = cast(
            OctopusCoordinator,
            _loaded_coordinator(
                hass,
                call.data[ATTR_CONFIG_ENTRY_ID],
                EntryType.OCTOPUS,
                "not_an_octopus_account",
            ),
        )
        today = dt_util.utcnow().astimezone(UK).date()
        first = _day(ATTR_FROM_DATE, call.data[ATTR_FROM_DATE])
        last = (
            today - timedelta(days=1)
            if call.data.get(ATTR_TO_DATE) is None
            else _day(ATTR_TO_DATE, call.data[ATTR_TO_DATE])
        )
        if last >= today:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="backfill_future",
                translation_placeholders={"today": today.isoformat()},
            )
        if first > last:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="backfill_range"
            )
        coordinator.config_entry.async_create_background_task(
            hass,
            coordinator.async_backfill(first, last),
            f"{DOMAIN} octopus backfill {first}",
        )

    hass.services.async_register(
        DOMAIN,
        SERVICE_OCTOPUS_BACKFILL,
        octopus_backfill,
        schema=OCTOPUS_BACKFILL_SCHEMA,
    )

    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_AUTOMATIC_THRESHOLD,
        entity_domain=NUMBER_DOMAIN,
        schema=None,
        func="async_make_automatic",
    )


def _loaded_coordinator(
    hass: HomeAssistant, entry_id: str, entry_type: EntryType, wrong_key: str
) -> UtilityCostCoordinator[object]:
    """Return the coordinator of a loaded entry of ``entry_type``, or refuse."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if (
        entry is None
        or entry.domain != DOMAIN
        or entry.data.get(CONF_ENTRY_TYPE) != entry_type
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=wrong_key,
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="account_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    return cast(UtilityCostCoordinator[object], entry.runtime_data)
