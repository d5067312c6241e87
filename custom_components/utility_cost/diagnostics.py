"""Diagnostics: what a tariff prices and what a meter has counted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_TOKEN
from homeassistant.core import HomeAssistant

from .coordinator import TariffCoordinator, UtilityCostConfigEntry
from .domain.prices import PriceSegment

# Keys whose values never leave Home Assistant (credentials of later entry types).
TO_REDACT = {CONF_API_KEY, CONF_PASSWORD, CONF_TOKEN}


def _segment(segment: PriceSegment | None) -> dict[str, Any] | None:
    if segment is None:
        return None
    return {
        "start": segment.start.isoformat() if segment.start else None,
        "end": segment.end.isoformat() if segment.end else None,
        "price": segment.price,
        "label": segment.label,
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    coordinator = entry.runtime_data
    diagnostics: dict[str, Any] = {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        }
    }
    if isinstance(coordinator, TariffCoordinator):
        diagnostics["tariff"] = {
            "currency": coordinator.currency,
            "standing_charge": coordinator.standing_charge,
            "current": _segment(coordinator.data.current),
            "following": _segment(coordinator.data.following),
        }
        return diagnostics
    source = hass.states.get(coordinator.source)
    tariff = coordinator.tariff.entry
    diagnostics["meter"] = {
        "source_state": None if source is None else source.as_dict(),
        "source_available": coordinator.source_available,
        "tariff": None
        if tariff is None
        else {
            "entry_id": tariff.entry_id,
            "title": tariff.title,
            "state": tariff.state.value,
        },
        "stored": coordinator.meter.as_dict(),
    }
    return diagnostics
