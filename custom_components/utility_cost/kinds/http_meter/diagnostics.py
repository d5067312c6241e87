"""What the diagnostics of an HTTP meter show."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from ...const import CONF_ALLOW_REMOTE, REDACTED
from ...runtime import UtilityCostConfigEntry
from ...tariff.diagnostics import link_diagnostics
from .coordinator import HttpMeterCoordinator
from .webhook import webhook_url


def http_meter_diagnostics(
    hass: HomeAssistant, entry: UtilityCostConfigEntry
) -> dict[str, Any]:
    """Return the webhook (its id redacted) and every station's state."""
    return {"http_meter": _http_meter(hass, HttpMeterCoordinator.of(entry))}


def _http_meter(hass: HomeAssistant, meter: HttpMeterCoordinator) -> dict[str, Any]:
    remote = bool(meter.config_entry.options.get(CONF_ALLOW_REMOTE, False))
    return {
        "webhook_url": webhook_url(hass, REDACTED, remote=remote),
        "local_only": not remote,
        "max_watts": meter.max_watts,
        "reading_timeout_s": meter.timeout.total_seconds(),
        "tariff": link_diagnostics(meter.tariff),
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
