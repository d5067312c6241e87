"""An Octopus Energy account in Home Assistant: its meters and their history.

:class:`OctopusCoordinator` reads the account (the meters of the properties still
lived in), and every 30 minutes imports the complete days of each included meter's
consumption after its last imported hour (looking back at most 30 days), priced at
the rate of the agreement in force for each half-hour, into the meter's hourly
statistics (``statistics.py``). :meth:`OctopusCoordinator.async_import`
does the same for any range: the backfill action uses it.

Faults: a refused key asks for re-authentication; "too many requests" and server
errors back off (the interval doubles, up to 6 hours) and keep what is known; a
meter or tariff the API does not know (404) has no data, which is not an error;
consumption that has not arrived yet is looked for again at the next run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from .api.octopus import (
    DAY_UNIT_RATES,
    DEFAULT_BASE_URL,
    ELECTRICITY,
    GAS,
    NIGHT_UNIT_RATES,
    STANDARD_UNIT_RATES,
    STANDING_CHARGES,
    Account,
    MeterPoint,
    OctopusAuthenticationError,
    OctopusBadResponseError,
    OctopusClient,
    OctopusError,
    OctopusNotFoundError,
)
from .const import (
    CONF_ACCOUNT_NUMBER,
    CONF_BASE_URL,
    CONF_GAS_CALORIFIC_VALUE,
    CONF_GAS_SMETS2,
    CONF_INCLUDE_VAT,
    CONF_METERS,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    CONF_NIGHT_UTC,
    CONF_PAYMENT_METHOD,
    DEFAULT_NIGHT_END,
    DEFAULT_NIGHT_START,
    DEFAULT_PAYMENT_METHOD,
    DOMAIN,
    EVENT_OCTOPUS_BACKFILL_FINISHED,
    LOGGER,
)
from .coordinator import (
    TariffCoordinator,
    UtilityCostConfigEntry,
    UtilityCostCoordinator,
)
from .domain.octopus import (
    DEFAULT_CALORIFIC_VALUE,
    AgreementSpan,
    NightWindow,
    agreements_in_force,
    clip_intervals,
    complete_days,
    economy7_intervals,
    hourly_totals,
    rate_intervals,
)
from .domain.prices import IntervalSchedule, PriceInterval, PriceSchedule
from .statistics import (
    MeterStatistics,
    async_import_hours,
    async_last_imported_hour,
    meter_statistics,
)

UK: Final = ZoneInfo("Europe/London")
CURRENCY: Final = "GBP"
UPDATE_INTERVAL: Final = timedelta(minutes=30)
MAX_BACKOFF: Final = timedelta(hours=6)
LOOK_BACK: Final = timedelta(days=30)
HOUR: Final = timedelta(hours=1)


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
    standing_charge: float | None = None  # per day, in pounds

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


class OctopusCoordinator(UtilityCostCoordinator[dict[str, OctopusMeter]]):
    """The included meters of an Octopus account, their rates and their history."""

    def __init__(self, hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
        """Prepare the client and the options."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} octopus {entry.title}",
            update_interval=UPDATE_INTERVAL,
        )
        self.client = OctopusClient(
            async_get_clientsession(hass),
            entry.data[CONF_API_KEY],
            base_url=entry.data.get(CONF_BASE_URL) or DEFAULT_BASE_URL,
        )
        self.number: str = entry.data[CONF_ACCOUNT_NUMBER]
        options = entry.options
        self.included: list[str] | None = options.get(CONF_METERS)
        self.include_vat = bool(options.get(CONF_INCLUDE_VAT, True))
        self.payment_method: str = options.get(
            CONF_PAYMENT_METHOD, DEFAULT_PAYMENT_METHOD
        )
        self.night = NightWindow(
            time.fromisoformat(options.get(CONF_NIGHT_START, DEFAULT_NIGHT_START)),
            time.fromisoformat(options.get(CONF_NIGHT_END, DEFAULT_NIGHT_END)),
            UTC if options.get(CONF_NIGHT_UTC, True) else UK,
        )
        self.gas_cv = float(
            options.get(CONF_GAS_CALORIFIC_VALUE, DEFAULT_CALORIFIC_VALUE)
        )
        self.gas_smets2 = bool(options.get(CONF_GAS_SMETS2, True))
        self.account: Account | None = None
        self.tariffs: dict[str, OctopusTariff] = {}
        self._published: dict[str, date] = {}
        self.data = {}
        self._failures = 0
        # One import at a time: a backfill and a catch-up both continue sums.
        self._import_lock = asyncio.Lock()

    async def _async_update_data(self) -> dict[str, OctopusMeter]:
        """Read the account if needed, then catch up every meter's history."""
        try:
            if self.account is None:
                self.account = await self.client.account(self.number)
                self.data = self._meters(self.account)
                await self._add_tariffs()
            now = dt_util.utcnow()
            async with self._import_lock:
                for meter in self.data.values():
                    await self._catch_up(meter, now)
                    await self._refresh_rates(meter, now)
        except OctopusAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="octopus_key_refused"
            ) from err
        except OctopusError as err:
            self._failures += 1
            self.update_interval = min(UPDATE_INTERVAL * 2**self._failures, MAX_BACKOFF)
            if isinstance(err, OctopusBadResponseError):
                LOGGER.warning(
                    "%s: the import stopped: %s", self.config_entry.title, err
                )
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="octopus_unavailable",
                translation_placeholders={"error": str(err)},
            ) from err
        self._failures = 0
        self.update_interval = UPDATE_INTERVAL
        return self.data

    def _meters(self, account: Account) -> dict[str, OctopusMeter]:
        meters = {}
        for key, (point, serial) in account_meters(account).items():
            if self.included is not None and key not in self.included:
                continue
            name = meter_name(point)
            meters[key] = OctopusMeter(
                key,
                point,
                serial,
                meter_statistics(f"octopus_{point.point}_{serial}", name, CURRENCY),
            )
        return meters

    async def _add_tariffs(self) -> None:
        """Give every meter its tariff (rates, cheap-time entities), settings loaded."""
        for key, meter in self.data.items():
            tariff = OctopusTariff(
                self.hass,
                self.config_entry,
                scope=key,
                device=octopus_device_info(self.config_entry, meter),
            )
            await tariff.async_load()
            tariff.async_set_updated_data(tariff.outlook())  # no rates known yet
            self.tariffs[key] = tariff

    async def _refresh_rates(self, meter: OctopusMeter, now: datetime) -> None:
        """Fetch yesterday's to tomorrow's rates; tell when tomorrow's appear."""
        today = now.astimezone(UK).date()
        tomorrow = today + timedelta(days=1)
        start, end = uk_midnight(tomorrow), uk_midnight(tomorrow + timedelta(days=1))
        schedule = await self._unit_rates(
            meter, uk_midnight(today - timedelta(days=1)), end
        )
        tariff = self.tariffs[meter.key]
        tariff.schedule = schedule
        tariff.async_set_updated_data(tariff.outlook())
        # Agile publishes the next day's rates (until 23:00) around 16:00.
        known = clip_intervals(schedule.intervals, start, end)
        if known and self._published.get(meter.key) != tomorrow:
            self._published[meter.key] = tomorrow
            tariff.fire_published(tomorrow, known)

    async def _catch_up(self, meter: OctopusMeter, now: datetime) -> None:
        """Import the complete days after the last imported hour (30 days at most)."""
        today = uk_midnight(now.astimezone(UK).date())
        last = await async_last_imported_hour(self.hass, meter.statistics)
        start = today - LOOK_BACK
        if last is not None:
            start = max(start, last + timedelta(hours=1))
        meter.standing_charge = await self._standing_charge(meter, now)
        if start < today:
            await self.async_import(meter, start, today)

    async def async_import(
        self, meter: OctopusMeter, start: datetime, end: datetime
    ) -> int:
        """Import the whole days of [start, end) of ``meter``; return the hours."""
        point = meter.point
        try:
            rows = await self.client.consumption(
                point.fuel, point.point, meter.serial, start, end
            )
        except OctopusNotFoundError:
            return 0  # no consumption for this meter: nothing to import
        if not rows:
            return 0
        prices = await self._unit_rates(meter, start, end)
        gas_cv = self.gas_cv if point.fuel == GAS and self.gas_smets2 else None
        hours = complete_days(hourly_totals(rows, prices, gas_cv=gas_cv), UK)
        written = await async_import_hours(self.hass, meter.statistics, hours)
        if hours:
            last_day = hours[-1].start.astimezone(UK).date()
            day_start = uk_midnight(last_day)
            day_hours = [h for h in hours if h.start >= day_start]
            if meter.last_day is None or last_day >= meter.last_day:
                meter.last_day = last_day
                meter.last_day_kwh = round(sum(h.kwh for h in day_hours), 3)
                meter.last_day_cost = (
                    None
                    if any(h.cost is None for h in day_hours)
                    else round(sum(h.cost or 0.0 for h in day_hours), 2)
                )
        return written

    async def async_backfill(self, start: datetime, end: datetime) -> None:
        """Import [start, end) of every meter in 30-day pages, then say so."""
        hours = 0
        error: str | None = None
        title = self.config_entry.title
        async with self._import_lock:
            try:
                for meter in self.data.values():
                    page = start
                    while page < end:
                        page_end = min(page + LOOK_BACK, end)
                        hours += await self.async_import(meter, page, page_end)
                        LOGGER.info(
                            "%s: %s imported up to %s (%d hours so far)",
                            title,
                            meter.name,
                            page_end.astimezone(UK).date(),
                            hours,
                        )
                        page = page_end
            except OctopusError as err:
                error = str(err)
                LOGGER.warning("%s: the backfill stopped: %s", title, err)
        first, last = start.astimezone(UK).date(), (end - HOUR).astimezone(UK).date()
        self.hass.bus.async_fire(
            EVENT_OCTOPUS_BACKFILL_FINISHED,
            {
                "entry_id": self.config_entry.entry_id,
                "from_date": first.isoformat(),
                "to_date": last.isoformat(),
                "hours": hours,
                "error": error,
            },
        )
        message = (
            f"Imported {hours} hours of history from {first} to {last}."
            if error is None
            else f"Stopped after {hours} hours of history from {first}: {error}"
        )
        persistent_notification.async_create(
            self.hass,
            message,
            title=f"{title}: history",
            notification_id=f"{DOMAIN}_octopus_backfill_{self.config_entry.entry_id}",
        )
        self.async_update_listeners()

    async def _unit_rates(
        self, meter: OctopusMeter, start: datetime, end: datetime
    ) -> IntervalSchedule:
        """Return the unit rates of the agreements in force over [start, end)."""
        intervals: list[PriceInterval] = []
        for span in agreements_in_force(meter.point.agreements, start, end):
            if span.tariff.is_economy7:
                day = await self._rates(meter, span, DAY_UNIT_RATES)
                night = await self._rates(meter, span, NIGHT_UNIT_RATES)
                found = economy7_intervals(day, night, self.night)
            else:
                found = await self._rates(meter, span, STANDARD_UNIT_RATES)
            intervals.extend(clip_intervals(found, span.start, span.end))
        return IntervalSchedule(intervals)

    async def _standing_charge(
        self, meter: OctopusMeter, now: datetime
    ) -> float | None:
        spans = agreements_in_force(
            meter.point.agreements, now, now + timedelta(seconds=1)
        )
        if not spans:
            return None
        rates = await self._rates(meter, spans[0], STANDING_CHARGES)
        charge = IntervalSchedule(rates).segment_at(now).price
        return None if charge is None else round(charge, 4)

    async def _rates(
        self, meter: OctopusMeter, span: AgreementSpan, kind: str
    ) -> list[PriceInterval]:
        tariff = span.tariff
        fuel = ELECTRICITY if tariff.fuel == "E" else GAS
        try:
            rows = await self.client.rates(
                tariff.product,
                tariff.code,
                fuel=fuel,
                kind=kind,
                period_from=span.start,
                period_to=span.end,
            )
        except OctopusNotFoundError:
            return []  # a tariff without such rates
        return rate_intervals(
            rows,
            include_vat=self.include_vat,
            payment_method=self.payment_method,
            until=span.end,
            label=kind.removesuffix("-unit-rates"),
        )

    def diagnostics(self) -> dict[str, Any]:
        """Return the meters and what was imported, without the key."""
        return {
            "meters": {
                key: {
                    "fuel": meter.point.fuel,
                    "is_export": meter.point.is_export,
                    "agreements": [
                        [
                            a.tariff_code,
                            a.valid_from.isoformat(),
                            a.valid_to and a.valid_to.isoformat(),
                        ]
                        for a in meter.point.agreements
                    ],
                    "statistics": [
                        meter.statistics.consumption_id,
                        meter.statistics.cost_id,
                    ],
                    "last_day": meter.last_day and meter.last_day.isoformat(),
                    "last_day_kwh": meter.last_day_kwh,
                    "last_day_cost": meter.last_day_cost,
                    "standing_charge": meter.standing_charge,
                }
                for key, meter in self.data.items()
            },
            "requests_made": self.client.requests_made,
            "failures_in_a_row": self._failures,
        }


def uk_midnight(day: date) -> datetime:
    """Return the UTC instant of UK midnight starting ``day``."""
    return datetime.combine(day, time(0), UK).astimezone(UTC)
