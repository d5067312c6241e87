"""Coordinators: one per config entry.

* :class:`TariffCoordinator` publishes a tariff's outlook (current and next price,
  the day's figures, cheap flags and windows) and recomputes it exactly when time
  changes it; :class:`EsiosCoordinator` does so for Spain's PVPC, whose prices it
  fetches from ESIOS when they are due.
* :class:`MeterCoordinator` follows a tracked sensor: every state change of the source
  becomes a reading of a domain :class:`~.domain.meter.Meter`; the meter's state is
  kept in a :class:`~homeassistant.helpers.storage.Store` so that nothing measured is
  lost or counted twice across restarts.
* ``tuya_account.TuyaCoordinator`` follows a Tuya cloud project's plugs (in its own
  module); each plug has a meter like a tracked sensor's.
* :class:`HttpMeterCoordinator` takes the readings that HTTP meters POST to a
  webhook (see ``webhook.py``); each station has a meter like a tracked sensor's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
import math
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    CONF_TOKEN,
    EVENT_HOMEASSISTANT_STOP,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_state_change_event,
    async_track_state_report_event,
    async_track_time_change,
    async_track_time_interval,
)
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api.esios import (
    DEFAULT_BASE_URL as ESIOS_BASE_URL,
    EsiosAuthenticationError,
    EsiosClient,
)
from .const import (
    CONF_BASE_URL,
    CONF_CURRENCY,
    CONF_MAX_STATIONS,
    CONF_MAX_WATTS,
    CONF_MIN_SESSION_S,
    CONF_ON_THRESHOLD_W,
    CONF_READING_TIMEOUT_S,
    CONF_SOURCE,
    CONF_SOURCE_KIND,
    CONF_STANDING_CHARGE,
    CONF_TARIFF,
    CONF_ZONE,
    DEFAULT_MAX_STATIONS,
    DEFAULT_MIN_SESSION_S,
    DEFAULT_ON_THRESHOLD_W,
    DEFAULT_READING_TIMEOUT_S,
    DOMAIN,
    EVENT_PRICES_PUBLISHED,
    LOGGER,
    POWER_REEVALUATION_INTERVAL,
    SIGNAL_FIGURES_PUBLISHED,
    STATION_CHECK_INTERVAL,
)
from .domain.meter import Meter
from .domain.outlook import (
    DEFAULT_CHEAPEST_HOURS,
    AutomationSettings,
    TariffOutlook,
    tariff_outlook,
)
from .domain.prices import IntervalSchedule, PriceInterval, PriceSchedule
from .domain.pvpc import Zone, local_day
from .domain.readings import DEFAULT_MAX_WATTS, StationReading
from .domain.sessions import SessionRules
from .domain.units import SourceKind, source_kind_for_unit, to_canonical
from .domain.windows import PriceStats, PriceWindow, cheapest_window, known_segments
from .esios_prices import PvpcPrices
from .metering import MeterRuntime
from .repairs import (
    async_check_tariff,
    async_create_stations_full_issue,
    async_delete_stations_full_issue,
)
from .storage import ThrottledStore
from .tariff import TariffLink, fixed_schedule, tariff_currency

if TYPE_CHECKING:
    from .household import HouseholdCoordinator
    from .octopus_account import OctopusCoordinator
    from .tuya_account import TuyaCoordinator

type UtilityCostConfigEntry = ConfigEntry[
    TariffCoordinator
    | MeterCoordinator
    | TuyaCoordinator
    | HttpMeterCoordinator
    | OctopusCoordinator
    | HouseholdCoordinator
]


class UtilityCostCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """A coordinator of one of this integration's config entries.

    ``device`` and ``scope`` are where its entities go by default: the entry's own
    device when None, or a device of the entry (an Octopus meter) and the name of
    that device in their unique ids. ``source_device``, when set, is another
    integration's device that its entities are attached to instead (a tracked
    sensor's source's).
    """

    config_entry: UtilityCostConfigEntry
    device: DeviceInfo | None = None
    scope: str | None = None
    source_device: dr.DeviceEntry | None = None


def meter_store_key(entry_id: str) -> str:
    """Return the storage key of a tracked sensor's meter."""
    return f"{DOMAIN}.meter.{entry_id}"


def tariff_store_key(entry_id: str, scope: str | None = None) -> str:
    """Return the storage key of a tariff's automation settings.

    ``scope``: the tariff's name within an entry that has several (an Octopus meter).
    """
    return f"{DOMAIN}.tariff.{entry_id}" + ("" if scope is None else f"_{scope}")


class TariffCoordinator(UtilityCostCoordinator[TariffOutlook]):
    """A tariff's outlook, recomputed whenever time alone changes it.

    It also keeps the automation settings (the cheap threshold and the number of
    cheapest hours) that the tariff's number entities show and set.
    """

    # The attribute of the current price that names its label (a band, a period).
    label_attribute = "band"

    def __init__(
        self,
        hass: HomeAssistant,
        entry: UtilityCostConfigEntry,
        *,
        scope: str | None = None,
        device: DeviceInfo | None = None,
        export: bool = False,
    ) -> None:
        """Prepare the tariff's schedule and settings.

        An entry with several tariffs (an Octopus account: one per meter) gives each
        its ``scope`` and ``device``. ``export``: a tariff that pays for energy
        sent out, whose best times are its highest prices.
        """
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} tariff {entry.title} {scope or ''}".rstrip(),
        )
        self.scope = scope
        self.device = device
        self.export = export
        self.schedule: PriceSchedule = self._initial_schedule()
        self.currency = tariff_currency(entry)
        standing_charge = entry.options.get(CONF_STANDING_CHARGE)
        self.standing_charge: float | None = (
            None if standing_charge is None else float(standing_charge)
        )
        self.settings = AutomationSettings()
        self._settings_store = ThrottledStore(
            hass,
            tariff_store_key(entry.entry_id, scope),
            self._settings_to_store,
        )
        self._kept_window: PriceWindow | None = None
        self._unsub_change: CALLBACK_TYPE | None = None

    def _initial_schedule(self) -> PriceSchedule:
        return fixed_schedule(self.config_entry)

    async def async_load(self) -> None:
        """Restore the automation settings."""
        stored = await self._settings_store.async_load() or {}
        threshold = stored.get("cheap_threshold")
        self.settings = AutomationSettings(
            cheap_threshold=None if threshold is None else float(threshold),
            cheapest_hours=int(stored.get("cheapest_hours", DEFAULT_CHEAPEST_HOURS)),
            prefer_high=self.export,
        )

    def prices_vary(self) -> bool:
        """Return True if the price changes within a day (cheap times mean something).

        Judged from the prices known from yesterday to the day after tomorrow; a
        flat rate has no cheap or cheapest times (its entities are not made).
        """
        now = dt_util.utcnow()
        prices = {
            segment.price
            for segment in known_segments(
                self.schedule, now - timedelta(days=1), now + timedelta(days=2)
            )
        }
        return len(prices) > 1

    def _settings_to_store(self) -> dict[str, Any]:
        return {
            "cheap_threshold": self.settings.cheap_threshold,
            "cheapest_hours": self.settings.cheapest_hours,
        }

    @callback
    def async_set_settings(
        self,
        *,
        cheap_threshold: float | None = None,
        cheapest_hours: int | None = None,
        automatic_threshold: bool = False,
    ) -> None:
        """Change an automation setting (a number entity was set).

        ``automatic_threshold``: follow today's average again.
        """
        if cheap_threshold is not None:
            self.settings = replace(self.settings, cheap_threshold=cheap_threshold)
        if automatic_threshold:
            self.settings = replace(self.settings, cheap_threshold=None)
        if cheapest_hours is not None:
            self.settings = replace(self.settings, cheapest_hours=cheapest_hours)
            self._kept_window = None  # a window of the old length
        self._settings_store.schedule_save()
        self.async_set_updated_data(self.outlook())

    async def _async_update_data(self) -> TariffOutlook:
        return self.outlook()

    def outlook(self) -> TariffOutlook:
        """Recompute the outlook now, and when it next changes with time."""
        outlook = self._outlook_now()
        self._kept_window = (
            outlook.cheapest_window if outlook.in_cheapest_window else None
        )
        self._cancel_change()
        self._unsub_change = async_track_point_in_utc_time(
            self.hass, self._time_changed, outlook.next_update
        )
        return outlook

    def _outlook_now(self) -> TariffOutlook:
        return tariff_outlook(
            self.schedule,
            dt_util.utcnow(),
            dt_util.get_default_time_zone(),
            self.settings,
            keep_window=self._kept_window,
            previous=self.data,
        )

    @callback
    def _time_changed(self, _now: datetime) -> None:
        self._unsub_change = None
        self.async_set_updated_data(self.outlook())

    def _cancel_change(self) -> None:
        if self._unsub_change is not None:
            self._unsub_change()
            self._unsub_change = None

    def fire_published(self, day: date, intervals: Sequence[PriceInterval]) -> None:
        """Tell automations that a new day's prices are out."""
        stats = PriceStats.of(intervals)
        window = cheapest_window(intervals, intervals[0].start, self.settings.duration)
        self.hass.bus.async_fire(
            EVENT_PRICES_PUBLISHED,
            {
                "entry_id": self.config_entry.entry_id,
                "tariff": self.config_entry.title
                if self.device is None
                else str(self.device.get("name")),
                "day": day.isoformat(),
                "currency": self.currency,
                "min": stats.minimum,
                "max": stats.maximum,
                "average": round(stats.average, 6),
                "cheapest_window": None
                if window is None
                else {
                    "start": window.start.isoformat(),
                    "end": window.end.isoformat(),
                    "average_price": round(window.average_price, 6),
                    "hours": self.settings.cheapest_hours,
                },
            },
        )

    async def async_shutdown(self) -> None:
        """Stop following time; write the settings."""
        self._cancel_change()
        await self._settings_store.async_save()
        await super().async_shutdown()


class EsiosCoordinator(TariffCoordinator):
    """Spain's PVPC for one zone, from ESIOS.

    The prices are kept in storage and fetched when due; the entities stay
    available while a known price covers now, whatever the state of ESIOS.
    """

    label_attribute = "period"

    def __init__(self, hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
        """Prepare the client and the stored prices."""
        data = entry.data
        client = EsiosClient(
            async_get_clientsession(hass),
            Zone(data[CONF_ZONE]),
            token=data.get(CONF_TOKEN),
            base_url=data.get(CONF_BASE_URL) or ESIOS_BASE_URL,
        )
        self.prices = PvpcPrices(hass, entry.entry_id, entry.title, client)
        self.export_schedule = IntervalSchedule(())
        self._unsub_fetch: CALLBACK_TYPE | None = None
        super().__init__(hass, entry)

    def prices_vary(self) -> bool:
        """Return True: the PVPC changes every hour (or quarter)."""
        return True

    def _initial_schedule(self) -> PriceSchedule:
        return IntervalSchedule(())

    async def async_load(self) -> None:
        """Restore the settings and the stored prices."""
        await super().async_load()
        await self.prices.async_load()
        self._take_prices()

    def _take_prices(self) -> None:
        self.schedule = self.prices.schedule()
        self.export_schedule = self.prices.export_schedule()

    def export_price(self) -> float | None:
        """Return the price of exported energy now (None if unknown)."""
        return self.export_schedule.segment_at(dt_util.utcnow()).price

    async def _async_update_data(self) -> TariffOutlook:
        """Fetch what is due, then recompute the outlook."""
        self._cancel_fetch()
        try:
            added, attempt = await self.prices.async_fetch_due(dt_util.utcnow())
        except EsiosAuthenticationError as err:
            self._take_prices()
            outlook = self.outlook()
            if outlook.current.price is None:
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="esios_token_refused"
                ) from err
            # Prices for now are known: keep showing them while the user acts.
            self.config_entry.async_start_reauth(self.hass)
            return outlook
        self._take_prices()
        outlook = self.outlook()
        self._unsub_fetch = async_track_point_in_utc_time(
            self.hass, self._fetch_due, attempt
        )
        if outlook.current.price is None:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="esios_no_price",
                translation_placeholders={"error": self.prices.last_error or ""},
            )
        today = local_day(dt_util.utcnow(), self.prices.zone)
        for day in added:
            if day > today:
                self.fire_published(day, self.prices.days[day])
        return outlook

    @callback
    def _fetch_due(self, _now: datetime) -> None:
        self._unsub_fetch = None
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{DOMAIN} fetch PVPC prices"
        )

    def _cancel_fetch(self) -> None:
        if self._unsub_fetch is not None:
            self._unsub_fetch()
            self._unsub_fetch = None

    async def async_shutdown(self) -> None:
        """Stop fetching."""
        self._cancel_fetch()
        await super().async_shutdown()


class MeterCoordinator(UtilityCostCoordinator[Meter]):
    """Energy, cost and sessions of one tracked sensor."""

    def __init__(self, hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
        """Prepare to follow the entry's source sensor."""
        super().__init__(
            hass, LOGGER, config_entry=entry, name=f"{DOMAIN} meter {entry.title}"
        )
        self.source: str = entry.data[CONF_SOURCE]
        self.kind = SourceKind(entry.data[CONF_SOURCE_KIND])
        self.rules = SessionRules(
            on_threshold_w=float(
                entry.options.get(CONF_ON_THRESHOLD_W, DEFAULT_ON_THRESHOLD_W)
            ),
            min_duration=timedelta(
                seconds=entry.options.get(CONF_MIN_SESSION_S, DEFAULT_MIN_SESSION_S)
            ),
        )
        self.runtime = MeterRuntime(
            hass,
            Meter(self.kind, dt_util.get_default_time_zone(), self.rules),
            TariffLink(hass, entry.options[CONF_TARIFF]),
            label=self.source,
            currency=entry.data[CONF_CURRENCY],
            event_data=self._event_data,
        )
        self.store = ThrottledStore(
            hass,
            meter_store_key(entry.entry_id),
            self._to_store,
            on_saved=self._saved,
        )
        self.source_available: bool | None = None
        self._unsubs: list[CALLBACK_TYPE] = []

    @property
    def meter(self) -> Meter:
        """Return the domain meter."""
        return self.runtime.meter

    @property
    def tariff(self) -> TariffLink:
        """Return the tariff the meter is priced with."""
        return self.runtime.tariff

    async def _async_setup(self) -> None:
        """Continue the meter from storage."""
        stored = await self.store.async_load()
        meter = self.meter
        if stored is not None:
            meter = Meter.from_dict(
                stored["meter"],
                self.kind,
                dt_util.get_default_time_zone(),
                self.rules,
                same_source=stored.get("source") == self.source,
            )
        # Periods that ended while Home Assistant was down start again, before
        # anything is shown.
        meter.ledger.roll(dt_util.utcnow())
        self.runtime.replace_meter(meter)
        if self.runtime.announce_restored():
            self.store.schedule_save(0)
        async_check_tariff(self.hass, self.config_entry, self.tariff)

    async def _async_update_data(self) -> Meter:
        # A refresh (e.g. homeassistant.update_entity) accrues up to now, writes and
        # shows the result at once.
        if self.store.pending or self.runtime.tick(dt_util.utcnow()):
            await self.store.async_save()
        return self.meter

    @callback
    def async_start(self) -> None:
        """Follow the source from now on."""
        hass = self.hass
        self._unsubs.append(
            async_track_state_change_event(hass, self.source, self._source_changed)
        )
        if self.kind is SourceKind.ENERGY:
            # A meter reporting the same value again says nothing was used meanwhile
            # (which ends a session); Home Assistant reports that as its own event.
            self._unsubs.append(
                async_track_state_report_event(hass, self.source, self._source_reported)
            )
        if self.kind is SourceKind.POWER:
            self._unsubs.append(
                async_track_time_interval(hass, self._tick, POWER_REEVALUATION_INTERVAL)
            )
        self._unsubs.append(
            async_track_time_change(hass, self._midnight, hour=0, minute=0, second=0)
        )
        self._unsubs.append(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._tick))
        # The state the source has now is the first reading: a power is held from
        # now on (not from when it was set, possibly before a restart); an energy
        # meter's value is compared with the baseline kept in storage.
        self._take(dt_util.utcnow(), self._value_of(hass.states.get(self.source)))

    @callback
    def _source_changed(self, event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        at = new_state.last_updated if new_state is not None else dt_util.utcnow()
        self._take(at, self._value_of(new_state))

    @callback
    def _source_reported(self, event: Event[EventStateReportedData]) -> None:
        new_state = event.data["new_state"]
        self._take(new_state.last_reported, self._value_of(new_state))

    @callback
    def _tick(self, _now: datetime | Event) -> None:
        """Accrue up to now: every minute and when Home Assistant stops.

        At a stop the pending write is made at Home Assistant's final write.
        """
        self._changed(self.runtime.tick(dt_util.utcnow()))

    @callback
    def _midnight(self, _now: datetime) -> None:
        """Start the new day's periods, and show them without waiting."""
        self.runtime.tick(dt_util.utcnow())
        self.store.schedule_save(0)

    @callback
    def _take(self, at: datetime, value: float | None) -> None:
        self._changed(self.runtime.reading(at, value))

    def _changed(self, changed: bool) -> None:
        # A held power books energy from now on: it is written within the delay.
        if changed or self.meter.accruing:
            self.store.schedule_save()

    @callback
    def _saved(self) -> None:
        """Show what was written; write again if sessions were announced.

        While a power is held the next write is scheduled at once: energy booked
        since the last write is then never more than the save delay's worth, even
        when the source stays silent (a crash loses at most that).
        """
        changed, announced = self.runtime.publish()
        if announced:
            self.store.schedule_save(0)
        elif self.meter.accruing:
            self.store.schedule_save()
        if changed:
            self.async_update_listeners()
            async_dispatcher_send(self.hass, SIGNAL_FIGURES_PUBLISHED)

    def _value_of(self, state: State | None) -> float | None:
        """Return the state as watts or kWh, or None if it is not usable now."""
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            if self.source_available is not False:
                LOGGER.info("%s is unavailable; accrual paused", self.source)
            self.source_available = False
            return None
        if self.source_available is False:
            LOGGER.info("%s is available again", self.source)
        self.source_available = True
        unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        if source_kind_for_unit(unit) is not self.kind:
            self.runtime.warn_once(
                f"unit {unit}",
                "%s has unit %r, which is not a supported %s unit",
                unit,
                self.kind,
            )
            return None
        try:
            value = float(state.state)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.runtime.warn_once("number", "%s has a state that is not a number")
            return None
        return to_canonical(value, str(unit))

    def _event_data(self) -> dict[str, Any]:
        entry = self.config_entry
        device = self.source_device or dr.async_get(self.hass).async_get_device(
            {(DOMAIN, entry.entry_id)}
        )
        return {
            "entry_id": entry.entry_id,
            "device_id": device.id if device else None,
            "name": entry.title,
            "source": self.source,
        }

    def _to_store(self) -> dict[str, Any]:
        return {"source": self.source, "meter": self.runtime.stage(dt_util.utcnow())}

    async def async_shutdown(self) -> None:
        """Stop following the source and write the meter to storage."""
        while self._unsubs:
            self._unsubs.pop()()
        await self.store.async_save()
        self.store.async_stop()
        await super().async_shutdown()


@dataclass
class Station:
    """A station of an HTTP meter: its meter, and what its readings said last.

    ``last_at`` is the latest instant counted (its last reading, or the moment it
    was taken as silent); ``watts`` is the power it last reported, None once it is
    silent or before its first reading since Home Assistant started.
    """

    station_id: int
    runtime: MeterRuntime
    last_at: datetime | None = None
    watts: float | None = None


@dataclass
class HttpMeter:
    """The stations that have posted to an HTTP meter, by station id as text."""

    stations: dict[str, Station]


class HttpMeterCoordinator(UtilityCostCoordinator[HttpMeter]):
    """The stations of an HTTP meter, each metered from the readings it POSTs.

    A reading's power is held until the station's next reading (as for any power
    sensor). A station that sends nothing for the reading timeout is silent: its
    power is counted up to the timeout, then nothing more until it reports again.
    """

    def __init__(self, hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
        """Prepare the stations' tariff, limits and storage."""
        super().__init__(
            hass, LOGGER, config_entry=entry, name=f"{DOMAIN} http meter {entry.title}"
        )
        options = entry.options
        self.tariff = TariffLink(hass, options[CONF_TARIFF])
        self.currency: str = entry.data[CONF_CURRENCY]
        self.max_watts = float(options.get(CONF_MAX_WATTS, DEFAULT_MAX_WATTS))
        self.timeout = timedelta(
            seconds=options.get(CONF_READING_TIMEOUT_S, DEFAULT_READING_TIMEOUT_S)
        )
        self.max_stations = int(options.get(CONF_MAX_STATIONS, DEFAULT_MAX_STATIONS))
        self._refused: set[int] = set()
        self.rules = SessionRules(
            DEFAULT_ON_THRESHOLD_W, timedelta(seconds=DEFAULT_MIN_SESSION_S)
        )
        self.store = ThrottledStore(
            hass,
            http_meter_store_key(entry.entry_id),
            self._to_store,
            on_saved=self._saved,
        )
        self._unsubs: list[CALLBACK_TYPE] = []
        self._station_listeners: dict[str, list[CALLBACK_TYPE]] = {}
        self.data = HttpMeter({})

    async def async_load(self) -> None:
        """Continue every station known from earlier runs, with its totals."""
        stored = await self.store.async_load() or {}
        for key, data in stored.get("stations", {}).items():
            station = self._new_station(int(key), data["meter"])
            last_at = data.get("last_at")
            station.last_at = (
                None if last_at is None else dt_util.parse_datetime(last_at)
            )
            if station.runtime.announce_restored():
                self.store.schedule_save(0)
            self.data.stations[key] = station
        async_check_tariff(self.hass, self.config_entry, self.tariff)
        # New options (a higher maximum) reload the meter: a new refusal raises it again.
        async_delete_stations_full_issue(self.hass, self.config_entry.entry_id)

    async def _async_update_data(self) -> HttpMeter:
        # Readings come by webhook; there is nothing to fetch.
        return self.data

    def last_instant(self, station_id: int) -> datetime | None:
        """Return the latest instant counted for a station (None if unknown)."""
        station = self.data.stations.get(str(station_id))
        return None if station is None else station.last_at

    def has_room_for(self, station_id: int) -> bool:
        """Return True if a reading of this station can be counted.

        A known station always can; a new one only while the meter has fewer
        stations than its maximum (stations kept from before a lower maximum stay).
        """
        return (
            str(station_id) in self.data.stations
            or len(self.data.stations) < self.max_stations
        )

    @callback
    def async_refused_station(self, station_id: int) -> None:
        """Say once per id and run that a new station was refused, with a repair."""
        if station_id in self._refused:
            return
        self._refused.add(station_id)
        LOGGER.warning(
            "%s: readings of station %s refused: the meter already has %s stations, "
            "the most its options allow",
            self.config_entry.title,
            station_id,
            self.max_stations,
        )
        async_create_stations_full_issue(
            self.hass, self.config_entry, station_id, self.max_stations
        )

    @callback
    def async_reading(self, reading: StationReading) -> None:
        """Count a checked reading; a new station appears with its first one."""
        key = str(reading.station_id)
        station = self.data.stations.get(key)
        new = station is None
        if station is None:
            LOGGER.info("%s: new station %s", self.config_entry.title, key)
            station = self._new_station(reading.station_id)
            self.data.stations[key] = station
        station.runtime.reading(reading.at, reading.watts)
        station.last_at = reading.at
        station.watts = reading.watts
        self.store.schedule_save()
        if new:
            self.async_update_listeners()  # its entities are added
        else:
            # Only this station's entities: a reading changes nothing else.
            for update in list(self._station_listeners.get(key, ())):
                update()

    @callback
    def async_add_station_listener(
        self, key: str, update: CALLBACK_TYPE
    ) -> CALLBACK_TYPE:
        """Call ``update`` at each reading of station ``key``; return the undo."""
        listeners = self._station_listeners.setdefault(key, [])
        listeners.append(update)
        return lambda: listeners.remove(update)

    def _new_station(
        self, station_id: int, stored: dict[str, Any] | None = None
    ) -> Station:
        tz = dt_util.get_default_time_zone()
        meter = (
            Meter.from_dict(stored, SourceKind.POWER, tz, self.rules)
            if stored is not None
            else Meter(SourceKind.POWER, tz, self.rules)
        )
        meter.ledger.roll(dt_util.utcnow())
        # Silence is the timeout's business: a power is held up to it, however long.
        meter.max_hold = max(meter.max_hold, self.timeout)
        runtime = MeterRuntime(
            self.hass,
            meter,
            self.tariff,
            label=f"{self.config_entry.title} station {station_id}",
            currency=self.currency,
            event_data=partial(self._event_data, station_id),
        )
        return Station(station_id, runtime)

    @callback
    def async_forget_stations(self, identifiers: Iterable[str]) -> bool:
        """Drop the stations of these device identifiers; return True if any."""
        entry_id = self.config_entry.entry_id
        wanted = set(identifiers)
        gone = [
            key
            for key, station in self.data.stations.items()
            if station_identifier(entry_id, station.station_id) in wanted
        ]
        for key in gone:
            del self.data.stations[key]
        if gone:
            self.store.schedule_save()
        return bool(gone)

    @callback
    def async_start(self) -> None:
        """Look for silent stations regularly."""
        self._unsubs.append(
            async_track_time_interval(
                self.hass, self._check_silence, STATION_CHECK_INTERVAL
            )
        )

    @callback
    def _check_silence(self, _now: datetime) -> None:
        now = dt_util.utcnow()
        changed = False
        for station in self.data.stations.values():
            if station.watts is None or station.last_at is None:
                continue
            silent_at = station.last_at + self.timeout
            if now < silent_at:
                continue
            LOGGER.info(
                "%s: no reading for %s; not counted until the next one",
                station.runtime.label,
                self.timeout,
            )
            station.runtime.reading(silent_at, None)
            station.last_at = silent_at
            station.watts = None
            changed = True
        if changed:
            self.store.schedule_save()
            self.async_update_listeners()

    def _event_data(self, station_id: int) -> dict[str, Any]:
        device = dr.async_get(self.hass).async_get_device(
            {(DOMAIN, station_identifier(self.config_entry.entry_id, station_id))}
        )
        return {
            "entry_id": self.config_entry.entry_id,
            "device_id": device.id if device else None,
            "name": f"{self.config_entry.title} station {station_id}",
            "source": f"http:{station_id}",
        }

    @callback
    def _saved(self) -> None:
        """Show the stations' figures that were written, station by station."""
        announced = any_changed = False
        for key, station in self.data.stations.items():
            changed, station_announced = station.runtime.publish()
            announced = announced or station_announced
            if changed:
                any_changed = True
                for update in list(self._station_listeners.get(key, ())):
                    update()
        if announced:
            self.store.schedule_save(0)
        if any_changed:
            async_dispatcher_send(self.hass, SIGNAL_FIGURES_PUBLISHED)

    def _to_store(self) -> dict[str, Any]:
        # Not accrued up to now: a station's readings may arrive late, oldest first,
        # and the time after its last reading is counted when the next one comes.
        return {
            "stations": {
                key: {
                    "meter": station.runtime.stage(None),
                    "last_at": None
                    if station.last_at is None
                    else station.last_at.isoformat(),
                }
                for key, station in self.data.stations.items()
            }
        }

    async def async_shutdown(self) -> None:
        """Stop looking for silent stations and write the meters."""
        while self._unsubs:
            self._unsubs.pop()()
        await self.store.async_save()
        self.store.async_stop()
        await super().async_shutdown()


def station_identifier(entry_id: str, station_id: int) -> str:
    """Return the device identifier of a station (unique across HTTP meters)."""
    return f"{entry_id}_station_{station_id}"


def http_meter_store_key(entry_id: str) -> str:
    """Return the storage key of an HTTP meter's stations."""
    return f"{DOMAIN}.http_meter.{entry_id}"
