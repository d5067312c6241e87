"""Diagnostics: what a tariff prices, what a meter has counted, what a cloud says."""

from __future__ import annotations

import re
from typing import Any, assert_never

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_TOKEN,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import (
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_ACCOUNT_NUMBER,
    CONF_ALLOW_REMOTE,
    CONF_PORTAL_COOKIE,
    CONF_PORTAL_URL,
)
from .coordinator import (
    EsiosCoordinator,
    HttpMeterCoordinator,
    MeterCoordinator,
    TariffCoordinator,
    UtilityCostConfigEntry,
)
from .domain.prices import PriceSegment
from .household import HouseholdCoordinator, appliance_meters
from .octopus_account import OctopusCoordinator
from .tariff import TariffLink
from .tuya_account import TuyaCoordinator
from .webhook import webhook_url

# Keys whose values never leave Home Assistant: credentials of every entry type
# (a webhook id is one: whoever knows it can post readings; the quota portal's
# cookie is a logged-in session of the Tuya IoT Platform).
# Personal identifiers are redacted too: an Octopus account number, and the portal's
# address (its query may carry a session). Meter point numbers (MPAN, MPRN) and
# meter serials are not option keys: they are taken from the account's meters.
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
REDACTED = "**REDACTED**"
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
    if isinstance(coordinator, OctopusCoordinator):
        for meter in coordinator.data.values():
            found |= {meter.point.point, meter.serial, *meter.point.serials}
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
    """Return diagnostics for a config entry, without secrets or identifiers."""
    diagnostics: dict[str, Any] = scrub(_diagnostics(hass, entry), _identifiers(entry))
    return diagnostics


def _diagnostics(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> dict[str, Any]:
    coordinator = entry.runtime_data
    diagnostics: dict[str, Any] = {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        }
    }
    if isinstance(coordinator, TariffCoordinator):
        outlook = coordinator.data
        window = outlook.cheapest_window
        diagnostics["tariff"] = {
            "currency": coordinator.currency,
            "standing_charge": coordinator.standing_charge,
            "current": _segment(outlook.current),
            "following": _segment(outlook.following),
            "known_intervals_today": len(outlook.today.intervals)
            if outlook.today
            else 0,
            "known_intervals_tomorrow": len(outlook.tomorrow.intervals)
            if outlook.tomorrow
            else 0,
            "settings": {
                "cheap_threshold": coordinator.settings.cheap_threshold,
                "cheap_threshold_in_force": outlook.cheap_threshold,
                "cheapest_hours": coordinator.settings.cheapest_hours,
            },
            "cheapest_window": None
            if window is None
            else [window.start.isoformat(), window.end.isoformat()],
            "next_update": outlook.next_update.isoformat(),
        }
        if isinstance(coordinator, EsiosCoordinator):
            diagnostics["pvpc"] = coordinator.prices.diagnostics()
        return diagnostics
    if isinstance(coordinator, TuyaCoordinator):
        diagnostics["tuya"] = _tuya(coordinator)
        return diagnostics
    if isinstance(coordinator, HttpMeterCoordinator):
        diagnostics["http_meter"] = _http_meter(hass, coordinator)
        return diagnostics
    if isinstance(coordinator, OctopusCoordinator):
        diagnostics["octopus"] = coordinator.diagnostics()
        return diagnostics
    if isinstance(coordinator, MeterCoordinator):
        source = hass.states.get(coordinator.source)
        diagnostics["meter"] = {
            "source_state": None if source is None else source.as_dict(),
            "source_available": coordinator.source_available,
            "tariff": _tariff(coordinator.tariff),
            "stored": coordinator.meter.as_dict(),
        }
        return diagnostics
    if isinstance(coordinator, HouseholdCoordinator):
        totals = coordinator.data
        diagnostics["household"] = {
            "complete": totals.complete,
            "include_http_meters": coordinator.include_http_meters,
            "appliances": sum(
                1 for _ in appliance_meters(hass, coordinator.include_http_meters)
            ),
            "by_currency": {
                currency: {
                    "energy_kwh": figures.energy_kwh,
                    "cost": figures.cost,
                    "periods": {
                        str(period): {
                            "energy_kwh": shown.energy_kwh,
                            "cost": shown.cost,
                            "start": None
                            if shown.start is None
                            else shown.start.isoformat(),
                        }
                        for period, shown in figures.periods.items()
                    },
                }
                for currency, figures in totals.by_currency.items()
            },
        }
        return diagnostics
    assert_never(coordinator)


def _tariff(link: TariffLink) -> dict[str, Any] | None:
    tariff = link.entry
    if tariff is None:
        return None
    return {
        "entry_id": tariff.entry_id,
        "title": tariff.title,
        "state": tariff.state.value,
    }


def _tuya(coordinator: TuyaCoordinator) -> dict[str, Any]:
    """Everything the account knows, without credentials or personal data."""
    now = dt_util.utcnow()
    return {
        "last_update_success": coordinator.last_update_success,
        "last_exception": repr(coordinator.last_exception)
        if coordinator.last_exception
        else None,
        "planned_interval_s": coordinator.planned_interval.total_seconds(),
        "achieved_interval_s": coordinator.achieved_interval(now),
        "last_refresh": coordinator.last_refresh.isoformat()
        if coordinator.last_refresh
        else None,
        "requests_since_start": coordinator.requests_made,
        "quota": coordinator.quota.diagnostics(now),
        "message_service": coordinator.push_state.value,
        "capabilities": coordinator.capabilities.as_dict(),
        "other_clients_of_the_access_id": coordinator.other_clients(),
        "tariff": _tariff(coordinator.tariff),
        "specifications": {
            product: {code: point.as_dict() for code, point in points.items()}
            for product, points in coordinator.specs.items()
        },
        "specifications_refused": sorted(coordinator.spec_refused),
        "evidence": {
            product: evidence.as_dict()
            for product, evidence in coordinator.evidence.items()
        },
        "found": {
            device_id: {
                "name": device.name,
                "category": device.category,
                "product_id": device.product_id,
                "monitored": device_id in coordinator.data.plugs,
            }
            for device_id, device in coordinator.data.found.items()
        },
        "plugs": {
            device_id: {
                "online": plug.device.online,
                "status": dict(plug.device.status),
                "scales": {code: [s.scale, s.unit] for code, s in plug.scales.items()},
                "fixed_watts": None
                if plug.fixed is None
                else [plug.fixed.watts, plug.fixed.standby_watts],
                "reading": {
                    "switches": dict(plug.reading.switches),
                    "power_w": plug.reading.power_w,
                    "voltage_v": plug.reading.voltage_v,
                    "current_a": plug.reading.current_a,
                },
                "booked_power_w": None if plug.judged is None else plug.judged.power_w,
                "doubt": None
                if plug.judged is None or plug.judged.doubt is None
                else plug.judged.doubt.value,
                "energy": None if plug.energy is None else plug.energy.as_dict(),
                "meter": None if plug.runtime is None else plug.runtime.meter.as_dict(),
            }
            for device_id, plug in coordinator.data.plugs.items()
        },
    }


def _http_meter(hass: HomeAssistant, meter: HttpMeterCoordinator) -> dict[str, Any]:
    """Return the webhook (its id redacted) and every station's state."""
    remote = bool(meter.config_entry.options.get(CONF_ALLOW_REMOTE, False))
    return {
        "webhook_url": webhook_url(hass, REDACTED, remote=remote),
        "local_only": not remote,
        "max_watts": meter.max_watts,
        "reading_timeout_s": meter.timeout.total_seconds(),
        "tariff": _tariff(meter.tariff),
        "stations": {
            key: {
                "last_at": None
                if station.last_at is None
                else station.last_at.isoformat(),
                "watts": station.watts,
                "meter": station.runtime.meter.as_dict(),
            }
            for key, station in meter.data.stations.items()
        },
    }
