"""Diagnostics of an entry of any kind, with secrets and identifiers scrubbed.

The entry's data and options come first; its kind adds its own sections (see
``diagnostics`` of each kind in ``kinds/``). Then every secret or identifier is
replaced wherever it appears, in keys, values and text.
"""

from __future__ import annotations

import re
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_TOKEN, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant

from .const import (
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_ACCOUNT_NUMBER,
    CONF_PORTAL_COOKIE,
    CONF_PORTAL_URL,
)
from .kinds import kind_of
from .runtime import UtilityCostConfigEntry

TO_REDACT = {
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_ACCOUNT_NUMBER,
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_PORTAL_COOKIE,
    CONF_PORTAL_URL,
    CONF_TOKEN,
    CONF_WEBHOOK_ID,
}
# Shorter values are not scrubbed from text (they would match everywhere).
MIN_SCRUBBED = 4


def _identifiers(entry: UtilityCostConfigEntry) -> set[str]:
    """Return the entry's secrets and identifiers, as they may appear anywhere."""
    found = {
        str(value)
        for mapping in (entry.data, entry.options)
        for key, value in mapping.items()
        if key in TO_REDACT and value
    }
    coordinator = getattr(entry, "runtime_data", None)
    if coordinator is not None:
        found |= coordinator.private_identifiers()
    return {value for value in found if len(value) >= MIN_SCRUBBED}


def scrub(data: Any, identifiers: set[str]) -> Any:
    """Return ``data`` with every occurrence of the identifiers replaced.

    In keys and values, whatever the case (statistic ids hold them in lower case):
    a secret or an identifier must not survive inside a title, a key or an id.
    Each one becomes its own placeholder (``**REDACTED_1**``...), so that two
    meters keyed by their numbers stay two.
    """
    if not identifiers:
        return data
    ordered = sorted(
        {value.lower() for value in identifiers}, key=lambda v: (-len(v), v)
    )
    placeholders = {
        value: f"**REDACTED_{number}**" for number, value in enumerate(ordered, 1)
    }
    pattern = re.compile("|".join(re.escape(value) for value in ordered), re.IGNORECASE)

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(lambda match: placeholders[match[0].lower()], value)
        if isinstance(value, dict):
            return {clean(key): clean(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(item) for item in value]
        return value

    return clean(data)


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry, without secrets or identifiers."""
    diagnostics: dict[str, Any] = {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        **kind_of(entry).diagnostics(hass, entry),
    }
    return scrub(diagnostics, _identifiers(entry))  # type: ignore[no-any-return]
