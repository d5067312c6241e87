"""What a Tuya account is made of: plugs, devices in store, capabilities, errors.

Plain data and constants shared by the coordinator's layers and its entities.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import math
from typing import TYPE_CHECKING, Any, Final

from ...api.tuya import (
    DATA_CENTERS,
    DEVICE_PAGE_SIZE,
    TuyaApiNotSubscribedError,
    TuyaAuthenticationError,
    TuyaBusyError,
    TuyaDevice,
    TuyaDeviceCapError,
    TuyaDeviceOfflineError,
    TuyaError,
    TuyaPlanExpiredError,
    TuyaQuotaExhaustedError,
    TuyaRateLimitedError,
)
from ...api.tuya_messages import MESSAGE_HOSTS
from ...const import CONF_BASE_URL, CONF_DATA_CENTER, DOMAIN
from ...domain.plausibility import Judgement
from ...domain.plugs import ENERGY, FixedWatts, PlugReading, Scale
from ...domain.quota import CloudAnswer
from ...metering.runtime import MeterRuntime
from .energy import PlugEnergy

if TYPE_CHECKING:
    pass

# How long a power is believed without a newer one: a polled sample for a little
# longer than the planned interval (never beyond 30 minutes), a pushed one until the
# plug's next report (they report every change of 10 % and every 30 minutes).
POLL_HOLD_MIN: Final = timedelta(minutes=10)
POLL_HOLD_MAX: Final = timedelta(minutes=30)
PUSH_HOLD: Final = timedelta(minutes=45)
# With push, polling only looks for new, removed and offline plugs.
PUSH_POLL_INTERVAL: Final = timedelta(minutes=30)
# What a product or project offers is asked again after this long.
CAPABILITY_RECHECK: Final = timedelta(days=7)
PUSH_RECHECK: Final = timedelta(days=1)
PUSH_RETRY_MIN_S: Final = 5.0
PUSH_RETRY_MAX_S: Final = 300.0
# A connection that lasted this long resets the retry delay.
PUSH_STABLE: Final = timedelta(minutes=1)
# A message service down for longer: energy is read from the cloud's records.
PUSH_OUTAGE: Final = timedelta(minutes=15)
# Plugs report their power every 30 minutes at least: a connection silent for
# longer is not pushing (a service whose message quota is used up stays connected).
PUSH_SILENCE: Final = timedelta(minutes=40)
# How late a pushed report may reach us (the service's queue, our event loop).
PUSH_DELIVERY: Final = timedelta(minutes=2)
STATISTICS_IMPORT_EVERY: Final = timedelta(minutes=10)
GAP_WINDOW: Final = timedelta(hours=24)
# Products with an energy data point whose statistics are worth asking for.
STATISTICS_CODE: Final = ENERGY


class PushState(StrEnum):
    """How the message service stands for the account."""

    UNKNOWN = "unknown"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    UNAVAILABLE = "unavailable"
    PAUSED = "paused"  # the month's messages are used up


@dataclass
class TuyaPlug:
    """A monitored plug: what the cloud last said of it, its meter and its energy.

    ``runtime`` is None for a plug that can be neither metered nor estimated (no
    power data point and no fixed watts): it only gets its switches.
    """

    device: TuyaDevice
    scales: dict[str, Scale]
    fixed: FixedWatts | None
    runtime: MeterRuntime | None
    reading: PlugReading
    energy: PlugEnergy | None = None
    judged: Judgement | None = None
    off_raw: Any = None  # the power reported when its outlets were first seen off
    reported_at: datetime | None = None  # the last pushed power's report time
    last_poll: tuple[datetime, float | None] | None = None  # (when, power booked)


@dataclass
class TuyaAccount:
    """The plugs of a Tuya account: monitored ones, and every one found."""

    plugs: dict[str, TuyaPlug]
    found: dict[str, TuyaDevice]


def _device_to_store(device: TuyaDevice) -> dict[str, Any]:
    return {
        "id": device.id,
        "name": device.name,
        "category": device.category,
        "product_id": device.product_id,
        "product_name": device.product_name,
        "model": device.model,
        "sub": device.sub,
        "status": dict(device.status),
    }


def _device_from_store(data: dict[str, Any]) -> TuyaDevice:
    # Offline until the cloud says otherwise: its values are not current.
    return TuyaDevice(
        id=data["id"],
        name=data["name"],
        category=data["category"],
        product_id=data["product_id"],
        product_name=data["product_name"],
        model=data.get("model", ""),
        online=False,
        status=data.get("status", {}),
        sub=bool(data.get("sub", False)),
    )


def device_list_pages(devices: int) -> int:
    """Return how many requests listing ``devices`` devices costs."""
    return max(1, math.ceil(devices / DEVICE_PAGE_SIZE))


def tuya_base_url(data: Mapping[str, Any]) -> str:
    """Return the base URL of a Tuya entry: the override, or its data centre's."""
    return str(data.get(CONF_BASE_URL) or DATA_CENTERS[data[CONF_DATA_CENTER]])


def tuya_message_url(data: Mapping[str, Any]) -> str | None:
    """Return the message service's address (None where there is none)."""
    if override := data.get(CONF_BASE_URL):
        return str(override).replace("https://", "wss://").replace("http://", "ws://")
    return MESSAGE_HOSTS.get(data[CONF_DATA_CENTER])


def tuya_store_key(entry_id: str) -> str:
    """Return the storage key of a Tuya account's plugs."""
    return f"{DOMAIN}.tuya.{entry_id}"


def misreporting_issue_id(entry_id: str, product_id: str) -> str:
    """Return the repair issue of a product whose readings nothing explains."""
    return f"tuya_misreporting_{entry_id}_{product_id}"


# Errors of a specification request that are about the whole account: they fail
# the refresh. (Credentials were just accepted by the device list, so a permission
# error there concerns that device only.)
REFRESH_ERRORS = (
    TuyaQuotaExhaustedError,
    TuyaPlanExpiredError,
    TuyaApiNotSubscribedError,
    TuyaRateLimitedError,
)
SWITCH_ERRORS: dict[type[TuyaError], str] = {
    TuyaDeviceCapError: "device_cap",
    TuyaDeviceOfflineError: "device_offline",
    TuyaQuotaExhaustedError: "quota_exhausted",
    TuyaPlanExpiredError: "plan_expired",
    TuyaAuthenticationError: "invalid_auth",
    TuyaRateLimitedError: "rate_limited",
}
# What the cloud refuses the whole account for, and the translation key that says so.
TUYA_ISSUES: dict[type[TuyaError], str] = {
    TuyaQuotaExhaustedError: "quota_exhausted",
    TuyaPlanExpiredError: "plan_expired",
    TuyaApiNotSubscribedError: "api_not_subscribed",
}
# Answers meaning "this product or project does not offer that".
NOT_OFFERED = (TuyaApiNotSubscribedError, TuyaAuthenticationError)
# Paths whose requests are polling (paced by the bucket); the rest are not.
_PACED_PATHS: Final = ("/associated-users/devices", "/statistics/", "/logs")
# What the cloud's refusals mean for the quota.
CLOUD_ANSWERS: dict[type[TuyaError], CloudAnswer] = {
    TuyaQuotaExhaustedError: CloudAnswer.QUOTA_EXHAUSTED,
    TuyaPlanExpiredError: CloudAnswer.PLAN_EXPIRED,
    TuyaRateLimitedError: CloudAnswer.RATE_LIMITED,
    TuyaBusyError: CloudAnswer.BUSY,
}


def cloud_answer(err: TuyaError) -> CloudAnswer | None:
    """Return what a refusal means for the quota (None: nothing)."""
    for error, answer in CLOUD_ANSWERS.items():
        if isinstance(err, error):
            return answer
    return None


@dataclass
class Capabilities:
    """What the project and its products offer for energy, and when it was asked."""

    statistics: dict[str, tuple[bool, datetime]] = field(default_factory=dict)
    logs: tuple[bool, datetime] | None = None
    push: tuple[PushState, datetime] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Serialise the capabilities."""
        return {
            "statistics": {
                product: [offered, at.isoformat()]
                for product, (offered, at) in self.statistics.items()
            },
            "logs": None
            if self.logs is None
            else [self.logs[0], self.logs[1].isoformat()],
            "push": None
            if self.push is None
            else [self.push[0].value, self.push[1].isoformat()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Capabilities:
        """Restore what :meth:`as_dict` wrote."""
        logs = data.get("logs")
        push = data.get("push")
        return cls(
            statistics={
                str(product): (bool(offered), datetime.fromisoformat(at))
                for product, (offered, at) in (data.get("statistics") or {}).items()
            },
            logs=None if not logs else (bool(logs[0]), datetime.fromisoformat(logs[1])),
            push=None
            if not push
            else (PushState(push[0]), datetime.fromisoformat(push[1])),
        )


def _shown(value: float | None, unit: str) -> str:
    return "?" if value is None else f"{value:g} {unit}"
