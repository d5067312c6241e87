"""An Octopus Energy account in Home Assistant: its meters and their history.

:class:`OctopusCoordinator` reads the account (the meters of the properties still
lived in), and every 30 minutes imports the complete UK days of each included
meter's consumption after its last imported hour (looking back at most 30 days),
priced at the rate of the agreement in force for each half-hour (and, if chosen,
with the day's standing charge spread over its half-hours), into the meter's
hourly statistics (``statistics.py``). :meth:`OctopusCoordinator.async_backfill`
imports any range of days in pages of whole UK days, writes each meter once, and
says which days were imported and which Octopus did not have.

Only whole, priced days are imported: a day with a half-hour missing, or under a
tariff without rates (or with a code of a shape not known here), is reported and
waits, never imported without its cost.

Faults: a refused key asks for re-authentication; "too many requests" waits as
long as the API asks (Retry-After) or backs off (the interval doubles, up to 6
hours), and server errors back off; the history sensors keep their values
meanwhile. A meter or tariff the API does not know (404) has no data, which is
not an error; consumption that has not arrived yet is looked for again at the
next run, and a meter with none for 30 days is a repair issue.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ...api.octopus import (
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
    OctopusRateLimitedError,
)
from ...const import (
    CONF_ACCOUNT_NUMBER,
    CONF_BASE_URL,
    CONF_GAS_CALORIFIC_VALUE,
    CONF_GAS_SMETS2,
    CONF_INCLUDE_STANDING_CHARGE,
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
from ...domain.hours import HourTotal
from ...domain.octopus import (
    DEFAULT_CALORIFIC_VALUE,
    AgreementSpan,
    NightWindow,
    OctopusDataError,
    TariffCode,
    agreements_in_force,
    backfill_pages,
    clip_intervals,
    economy7_intervals,
    hourly_totals,
    rate_intervals,
    rates_published,
    whole_days,
    with_standing_charge,
)
from ...domain.periods import day_ranges, describe_days, local_midnight
from ...domain.prices import IntervalSchedule, PriceInterval, PriceSchedule
from ...runtime import UtilityCostConfigEntry, UtilityCostCoordinator
from ...statistics import (
    MeterStatistics,
    async_import_hours,
    async_last_imported_hour,
    meter_statistics,
)
from ...tariff.coordinator import TariffCoordinator, tariff_store_key
from .repairs import async_set_octopus_issue

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


class OctopusCoordinator(UtilityCostCoordinator[dict[str, OctopusMeter]]):
    """The included meters of an Octopus account, their rates and their history."""

    def private_identifiers(self) -> set[str]:
        """Return the meters' numbers: diagnostics hide them."""
        found: set[str] = set()
        for meter in self.data.values():
            found |= {meter.point.point, meter.serial, *meter.point.serials}
        return found

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
        self.include_standing_charge = bool(
            options.get(CONF_INCLUDE_STANDING_CHARGE, False)
        )
        # As Octopus's rates name it.
        self.payment_method: str = str(
            options.get(CONF_PAYMENT_METHOD, DEFAULT_PAYMENT_METHOD)
        ).upper()
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
        # Why the last refresh failed, and when the next one is (None: it did not).
        self.last_error: str | None = None
        self.retry_at: datetime | None = None
        # One import at a time: a backfill and a catch-up both continue sums.
        self._import_lock = asyncio.Lock()
        self._unsub_charge: CALLBACK_TYPE | None = None

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
        except (OctopusError, OctopusDataError) as err:
            self._back_off(err)
            if isinstance(err, OctopusBadResponseError | OctopusDataError):
                LOGGER.warning(
                    "%s: the import stopped: %s", self.config_entry.title, err
                )
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="octopus_unavailable",
                translation_placeholders={"error": str(err)},
            ) from err
        self._failures = 0
        self.last_error = self.retry_at = None
        self.update_interval = UPDATE_INTERVAL
        self._follow_standing_charges()
        return self.data

    def _back_off(self, err: Exception) -> None:
        """Wait as long as the API asked, or twice as long as last time."""
        self._failures += 1
        wait = min(UPDATE_INTERVAL * 2**self._failures, MAX_BACKOFF)
        if isinstance(err, OctopusRateLimitedError) and err.retry_after is not None:
            asked = timedelta(seconds=err.retry_after)
            wait = min(max(asked, MIN_RETRY_AFTER), MAX_BACKOFF)
        self.update_interval = wait
        self.last_error = str(err)
        self.retry_at = dt_util.utcnow() + wait
        # The coordinator tells its entities of the first failure only; the
        # history sensors show every new try.
        self.async_update_listeners()

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
                export=meter.point.is_export,
            )
            await tariff.async_load()
            tariff.async_set_updated_data(tariff.outlook())  # no rates known yet
            self.tariffs[key] = tariff
        await self._note_tariff_stores()

    async def _note_tariff_stores(self) -> None:
        """Keep the keys of the meters' tariff stores, for their removal with us.

        Once the account is deleted its meters are no longer known; without this
        list their stores (each meter's automation settings) would stay behind.
        """
        index = Store[dict[str, list[str]]](
            self.hass, 1, octopus_index_key(self.config_entry.entry_id)
        )
        known = set((await index.async_load() or {}).get("tariff_stores", []))
        entry_id = self.config_entry.entry_id
        wanted = known | {tariff_store_key(entry_id, key) for key in self.tariffs}
        if wanted != known:
            await index.async_save({"tariff_stores": sorted(wanted)})

    async def _refresh_rates(self, meter: OctopusMeter, now: datetime) -> None:
        """Fetch yesterday's to tomorrow's rates; tell when tomorrow's are all out."""
        today = now.astimezone(UK).date()
        tomorrow = today + timedelta(days=1)
        start, end = uk_midnight(tomorrow), uk_midnight(tomorrow + timedelta(days=1))
        since = uk_midnight(today - timedelta(days=1))
        schedule = await self._schedule(meter, since, end, STANDARD_UNIT_RATES)
        meter.standing_charges = await self._schedule(
            meter, since, end, STANDING_CHARGES
        )
        tariff = self.tariffs[meter.key]
        tariff.schedule = schedule
        tariff.async_set_updated_data(tariff.outlook())
        if self._published.get(meter.key) == tomorrow:
            return
        known = clip_intervals(schedule.intervals, start, end)
        spans = agreements_in_force(meter.point.agreements, start, end)
        until = datetime.combine(tomorrow, DAY_AHEAD_UNTIL, UK).astimezone(UTC)
        if rates_published(known, spans, until):
            self._published[meter.key] = tomorrow
            tariff.fire_published(tomorrow, known)

    def _follow_standing_charges(self) -> None:
        """Update the standing-charge sensors when an agreement or charge changes."""
        if self._unsub_charge is not None:
            self._unsub_charge()
            self._unsub_charge = None
        now = dt_util.utcnow()
        changes = [
            end
            for meter in self.data.values()
            if (end := meter.standing_charges.segment_at(now).end) is not None
        ]
        if changes:
            self._unsub_charge = async_track_point_in_utc_time(
                self.hass, self._charge_changed, min(changes)
            )

    @callback
    def _charge_changed(self, _now: datetime) -> None:
        self._unsub_charge = None
        self.async_update_listeners()
        self._follow_standing_charges()

    async def _catch_up(self, meter: OctopusMeter, now: datetime) -> None:
        """Import the complete days after the last imported hour (30 days at most)."""
        today = now.astimezone(UK).date()
        last = await async_last_imported_hour(self.hass, meter.statistics)
        first = today - timedelta(days=LOOK_BACK_DAYS)
        if last is not None:
            meter.data_until = last + HOUR
            first = max(first, (last + HOUR).astimezone(UK).date())
        if first >= today:
            return
        fetched = await self._fetch_days(meter, first, today - timedelta(days=1))
        # Days wait for a missing one before them: the next import starts there.
        leading: list[HourTotal] = []
        day = first
        while day in fetched.days:
            leading.extend(fetched.days[day])
            day += timedelta(days=1)
        await self._write(meter, leading)
        self._update_issues(meter, fetched, day, today)

    def _update_issues(
        self, meter: OctopusMeter, fetched: FetchedDays, waiting: date, today: date
    ) -> None:
        """Say so when a meter's history has no rates, or no recent data at all."""
        entry_id = self.config_entry.entry_id
        no_rates: dict[str, str] | None = None
        if waiting in fetched.no_price:
            spans = agreements_in_force(
                meter.point.agreements,
                uk_midnight(waiting),
                uk_midnight(waiting + timedelta(days=1)),
            )
            no_rates = {
                "meter": meter.name,
                "day": waiting.isoformat(),
                "tariffs": ", ".join(span.code for span in spans)
                or "no agreement in force",
            }
        async_set_octopus_issue(self.hass, entry_id, meter.key, "no_rates", no_rates)
        no_data: dict[str, str] | None = None
        recent = uk_midnight(today - timedelta(days=LOOK_BACK_DAYS))
        if meter.data_until is None or meter.data_until < recent:
            no_data = {
                "meter": meter.name,
                "days": str(LOOK_BACK_DAYS),
                "since": "-"
                if meter.data_until is None
                else meter.data_until.astimezone(UK).date().isoformat(),
            }
        async_set_octopus_issue(self.hass, entry_id, meter.key, "no_data", no_data)

    async def _fetch_days(
        self, meter: OctopusMeter, first: date, last: date
    ) -> FetchedDays:
        """Return the UK days ``first`` to ``last`` of ``meter``, priced, by kind."""
        start, end = uk_midnight(first), uk_midnight(last + timedelta(days=1))
        point = meter.point
        try:
            rows = await self.client.consumption(
                point.fuel, point.point, meter.serial, start, end
            )
        except OctopusNotFoundError:
            rows = []  # no consumption for this meter
        hours: list[HourTotal] = []
        if rows:
            prices = await self._schedule(meter, start, end, STANDARD_UNIT_RATES)
            gas_cv = self.gas_cv if point.fuel == GAS and self.gas_smets2 else None
            hours = [
                hour
                for hour in hourly_totals(rows, prices, gas_cv=gas_cv)
                if start <= hour.start < end  # the API gives a little more
            ]
            if self.include_standing_charge:
                charges = await self._schedule(meter, start, end, STANDING_CHARGES)
                hours = with_standing_charge(hours, charges, UK)
        whole = whole_days(hours, UK)
        fetched = FetchedDays()
        day = first
        while day <= last:
            day_hours = whole.get(day)
            if day_hours is None:
                fetched.no_data.append(day)
            elif any(hour.cost is None for hour in day_hours):
                fetched.no_price.append(day)
            else:
                fetched.days[day] = day_hours
            day += timedelta(days=1)
        return fetched

    async def _write(self, meter: OctopusMeter, hours: list[HourTotal]) -> int:
        """Write whole days of ``meter``; the newest one is the sensors' day."""
        if not hours:
            return 0
        written = await async_import_hours(self.hass, meter.statistics, hours)
        end = hours[-1].start + HOUR
        if meter.data_until is None or end > meter.data_until:
            meter.data_until = end
        last_day = hours[-1].start.astimezone(UK).date()
        if meter.last_day is None or last_day >= meter.last_day:
            day_start = uk_midnight(last_day)
            day_hours = [hour for hour in hours if hour.start >= day_start]
            meter.last_day = last_day
            meter.last_day_kwh = round(sum(hour.kwh for hour in day_hours), 3)
            meter.last_day_cost = round(sum(hour.cost or 0.0 for hour in day_hours), 2)
        return written

    async def async_backfill(self, first: date, last: date) -> None:
        """Import the UK days ``first`` to ``last`` of every meter, then say so.

        Each meter's days are fetched in pages of whole UK days (a notification
        shows the progress) and written at once, so that the hours imported
        before, after the range, are moved only once.
        """
        hours = 0
        error: str | None = None
        report: dict[str, FetchedDays] = {}
        pages = backfill_pages(first, last, PAGE_DAYS)
        async with self._import_lock:
            for meter in self.data.values():
                fetched = report.setdefault(meter.key, FetchedDays())
                try:
                    for page_first, page_last in pages:
                        fetched.add(
                            await self._fetch_days(meter, page_first, page_last)
                        )
                        self._notify_progress(meter, first, last, page_last)
                except (OctopusError, OctopusDataError) as err:
                    error = str(err)
                    LOGGER.warning(
                        "%s: the backfill stopped at %s: %s",
                        self.config_entry.title,
                        meter.name,
                        err,
                    )
                hours += await self._write(meter, fetched.hours)
                LOGGER.info(
                    "%s: %s", self.config_entry.title, _meter_report(meter, fetched)
                )
                if error is not None:
                    break
        self._report_backfill(first, last, hours, error, report)
        self.async_update_listeners()

    def _notify_progress(
        self, meter: OctopusMeter, first: date, last: date, done: date
    ) -> None:
        days = (done - first).days + 1
        persistent_notification.async_create(
            self.hass,
            f"Importing the history from {first} to {last}: {meter.name}, "
            f"{days} of {(last - first).days + 1} days fetched.",
            title=f"{self.config_entry.title}: history",
            notification_id=self._backfill_notification_id,
        )

    @property
    def _backfill_notification_id(self) -> str:
        return f"{DOMAIN}_octopus_backfill_{self.config_entry.entry_id}"

    def _report_backfill(
        self,
        first: date,
        last: date,
        hours: int,
        error: str | None,
        report: dict[str, FetchedDays],
    ) -> None:
        """Fire the finished event and leave a notification saying what was done."""
        self.hass.bus.async_fire(
            EVENT_OCTOPUS_BACKFILL_FINISHED,
            {
                "entry_id": self.config_entry.entry_id,
                "from_date": first.isoformat(),
                "to_date": last.isoformat(),
                "hours": hours,
                "error": error,
                "meters": {
                    key: {
                        "days_imported": len(fetched.days),
                        "no_data": _iso_ranges(fetched.no_data),
                        "no_rates": _iso_ranges(fetched.no_price),
                    }
                    for key, fetched in report.items()
                },
            },
        )
        lines = [
            f"Imported {hours} hours of history from {first} to {last}."
            if error is None
            else f"Stopped after {hours} hours of history from {first}: {error}. "
            "Run the action again to go on."
        ]
        lines.extend(
            f"- {_meter_report(self.data[key], fetched)}"
            for key, fetched in report.items()
        )
        persistent_notification.async_create(
            self.hass,
            "\n".join(lines),
            title=f"{self.config_entry.title}: history",
            notification_id=self._backfill_notification_id,
        )

    async def _schedule(
        self, meter: OctopusMeter, start: datetime, end: datetime, kind: str
    ) -> IntervalSchedule:
        """Return the unit rates (or standing charges) in force over [start, end)."""
        intervals: list[PriceInterval] = []
        for span in agreements_in_force(meter.point.agreements, start, end):
            if span.tariff is None:
                continue  # a code of a shape not known here: not priced
            if kind == STANDARD_UNIT_RATES and span.tariff.is_economy7:
                day = await self._rates(span.tariff, span, DAY_UNIT_RATES)
                night = await self._rates(span.tariff, span, NIGHT_UNIT_RATES)
                found = economy7_intervals(day, night, self.night)
            else:
                found = await self._rates(span.tariff, span, kind)
            intervals.extend(clip_intervals(found, span.start, span.end))
        return IntervalSchedule(intervals)

    async def _rates(
        self, tariff: TariffCode, span: AgreementSpan, kind: str
    ) -> list[PriceInterval]:
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

    async def async_shutdown(self) -> None:
        """Stop following the standing charges."""
        if self._unsub_charge is not None:
            self._unsub_charge()
            self._unsub_charge = None
        await super().async_shutdown()

    def diagnostics(self) -> dict[str, Any]:
        """Return the meters and what was imported, without the key."""
        now = dt_util.utcnow()
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
                    "data_until": meter.data_until and meter.data_until.isoformat(),
                    "standing_charge": meter.standing_charge_at(now),
                }
                for key, meter in self.data.items()
            },
            "requests_made": self.client.requests_made,
            "failures_in_a_row": self._failures,
            "last_error": self.last_error,
            "retry_at": self.retry_at and self.retry_at.isoformat(),
        }


def _iso_ranges(days: list[date]) -> list[list[str]]:
    """Return ``days`` as runs ``[first, last]`` in ISO format."""
    return [[first.isoformat(), last.isoformat()] for first, last in day_ranges(days)]


def _meter_report(meter: OctopusMeter, fetched: FetchedDays) -> str:
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
