"""What the diagnostics of a Tuya account show."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from ...runtime import UtilityCostConfigEntry
from ...tariff.diagnostics import link_diagnostics
from .coordinator import TuyaCoordinator


def tuya_diagnostics(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> dict[str, Any]:
    """Return what a Tuya account knows, without credentials or personal data."""
    return {"tuya": _tuya(TuyaCoordinator.of(entry))}


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
        "tariff": link_diagnostics(coordinator.tariff),
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
