"""An Octopus account's meters: what each is, its device, its tariff.

Also what a fetch of its history found: plain data shared by the coordinator's
layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.storage import Store

from ...api.octopus import (
    GAS,
    Account,
    MeterPoint,
)
from ...const import (
    DOMAIN,
)
from ...domain.hours import HourTotal
from ...domain.periods import day_ranges, describe_days, local_midnight
from ...domain.prices import IntervalSchedule, PriceSchedule
from ...statistics import (
    MeterStatistics,
)
from ...tariff.coordinator import TariffCoordinator

UK: Final = ZoneInfo("Europe/London")
CURRENCY: Final = "GBP"
UPDATE_INTERVAL: Final = timedelta(minutes=30)
MAX_BACKOFF: Final = timedelta(hours=6)
# What the half-hourly import looks back at, and a backfill's page: UK days.
LOOK_BACK_DAYS: Final = 30
PAGE_DAYS: Final = 30
HOUR: Final = timedelta(hours=1)
# Agile publishes the next day's rates around 16:00, up to 23:00 of that day.
DAY_AHEAD_UNTIL: Final = time(23, 0)
MIN_RETRY_AFTER: Final = timedelta(minutes=1)


@dataclass
class OctopusMeter:
    """A meter of the account and what was last imported of it."""

    key: str
    point: MeterPoint
    serial: str
    statistics: MeterStatistics
    last_day: date | None = None
    last_day_kwh: float | None = None
    last_day_cost: float | None = None
    # The end of the newest imported hour (from the statistics after a restart).
    data_until: datetime | None = None
    # Standing charges (pounds per day) from yesterday to tomorrow.
    standing_charges: IntervalSchedule = field(
        default_factory=lambda: IntervalSchedule([])
    )

    def standing_charge_at(self, at: datetime) -> float | None:
        """Return the standing charge per day of the agreement in force at ``at``."""
        charge = self.standing_charges.segment_at(at).price
        return None if charge is None else round(charge, 4)

    @property
    def name(self) -> str:
        """Return how the meter is called (its kind and point)."""
        return meter_name(self.point)


def meter_name(point: MeterPoint) -> str:
    """Return the name of a meter point: its kind and number."""
    if point.fuel == GAS:
        return f"Octopus gas {point.point}"
    kind = "export" if point.is_export else "electricity"
    return f"Octopus {kind} {point.point}"


def octopus_device_info(entry: ConfigEntry, meter: OctopusMeter) -> DeviceInfo:
    """Return the device of an Octopus meter point."""
    point = meter.point
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_{point.point}")},
        name=meter.name,
        manufacturer="Octopus Energy",
        model="Gas meter" if point.fuel == GAS else "Electricity meter",
        serial_number=meter.serial,
    )


class OctopusTariff(TariffCoordinator):
    """The rates of one meter's agreement, as a tariff with the shared entities."""

    # The current price's label: the rate in force (standard, day or night).
    label_attribute = "rate"

    def _initial_schedule(self) -> PriceSchedule:
        return IntervalSchedule([])  # until the rates are fetched


def meter_key(point: MeterPoint, serial: str) -> str:
    """Return the identifier of a meter of a meter point."""
    return f"{point.fuel}_{point.point}_{serial}"


def account_meters(account: Account) -> dict[str, tuple[MeterPoint, str]]:
    """Return every meter of the account by key."""
    return {
        meter_key(point, serial): (point, serial)
        for point in account.meter_points
        for serial in point.serials
    }


@dataclass
class FetchedDays:
    """What a range of UK days of one meter gave: whole priced days, and the rest."""

    days: dict[date, list[HourTotal]] = field(default_factory=dict)
    # Days Octopus has no complete consumption for (some half-hours missing).
    no_data: list[date] = field(default_factory=list)
    # Whole days without a rate for every half-hour (no tariff, or no rates).
    no_price: list[date] = field(default_factory=list)

    def add(self, other: FetchedDays) -> None:
        """Add the days of a following page."""
        self.days.update(other.days)
        self.no_data.extend(other.no_data)
        self.no_price.extend(other.no_price)

    @property
    def hours(self) -> list[HourTotal]:
        """Return the hours of the whole priced days, oldest first."""
        return [hour for day in sorted(self.days) for hour in self.days[day]]


def octopus_index_key(entry_id: str) -> str:
    """Return the key of the store listing what an Octopus account stored per meter."""
    return f"{DOMAIN}.octopus.{entry_id}"


async def async_remove_octopus_stores(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the stores of a deleted Octopus account: its meters' and the list."""
    index = Store[dict[str, list[str]]](hass, 1, octopus_index_key(entry_id))
    for key in (await index.async_load() or {}).get("tariff_stores", []):
        await Store[dict[str, object]](hass, 1, key).async_remove()
    await index.async_remove()


def iso_ranges(days: list[date]) -> list[list[str]]:
    """Return ``days`` as runs ``[first, last]`` in ISO format."""
    return [[first.isoformat(), last.isoformat()] for first, last in day_ranges(days)]


def meter_report(meter: OctopusMeter, fetched: FetchedDays) -> str:
    """Return which days of ``meter`` were imported, and which were not and why."""
    parts = [f"{meter.name}: {len(fetched.days)} days imported"]
    if fetched.days:
        parts[0] += f" ({describe_days(fetched.days)})"
    if fetched.no_data:
        parts.append(f"no consumption at Octopus for {describe_days(fetched.no_data)}")
    if fetched.no_price:
        parts.append(f"no rates for {describe_days(fetched.no_price)}")
    return "; ".join(parts) + "."


def uk_midnight(day: date) -> datetime:
    """Return the UTC instant of UK midnight starting ``day``."""
    return local_midnight(day, UK)
