"""An Octopus account's action: ``octopus_backfill`` (import a range of days)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final, cast

from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from ...const import DOMAIN, EntryType
from ...runtime import loaded_coordinator
from .coordinator import OctopusCoordinator
from .meters import UK

SERVICE_OCTOPUS_BACKFILL: Final = "octopus_backfill"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_FROM_DATE: Final = "from_date"
ATTR_TO_DATE: Final = "to_date"

# Dates are checked in the handler, so that each mistake gets its own translated
# message (a schema error would be Home Assistant's untranslated text).
OCTOPUS_BACKFILL_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_FROM_DATE): object,
        vol.Optional(ATTR_TO_DATE): object,
    }
)


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
def async_register_services(hass: HomeAssistant) -> None:
    """Register ``octopus_backfill``."""

    async def octopus_backfill(call: ServiceCall) -> None:
        """Import an Octopus account's history of a range of days, in the background."""
        coordinator = cast(
            OctopusCoordinator,
            loaded_coordinator(
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
