"""An Octopus account's meters and their tariffs: the base of its coordinator.

Each meter's agreements make a tariff (the shared tariff entities); rates are
fetched for the days they are needed, standing charges followed as they change.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

from homeassistant.const import CONF_API_KEY
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
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
    OctopusClient,
    OctopusNotFoundError,
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
    LOGGER,
)
from ...domain.octopus import (
    DEFAULT_CALORIFIC_VALUE,
    AgreementSpan,
    NightWindow,
    TariffCode,
    agreements_in_force,
    clip_intervals,
    economy7_intervals,
    rate_intervals,
    rates_published,
)
from ...domain.prices import IntervalSchedule, PriceInterval
from ...runtime import UtilityCostConfigEntry, UtilityCostCoordinator
from ...statistics import (
    meter_statistics,
)
from ...tariff.coordinator import tariff_store_key
from .meters import (
    CURRENCY,
    DAY_AHEAD_UNTIL,
    UK,
    UPDATE_INTERVAL,
    OctopusMeter,
    OctopusTariff,
    account_meters,
    meter_name,
    octopus_device_info,
    octopus_index_key,
    uk_midnight,
)


class OctopusRates(UtilityCostCoordinator[dict[str, OctopusMeter]]):
    """An Octopus account's meters and the tariffs their agreements make."""

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
