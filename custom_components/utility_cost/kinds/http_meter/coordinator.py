"""An HTTP meter: the readings its stations POST to a webhook, each station with a meter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from ...const import (
    CONF_CURRENCY,
    CONF_MAX_STATIONS,
    CONF_MAX_WATTS,
    CONF_READING_TIMEOUT_S,
    CONF_TARIFF,
    DEFAULT_MAX_STATIONS,
    DEFAULT_MIN_SESSION_S,
    DEFAULT_ON_THRESHOLD_W,
    DEFAULT_READING_TIMEOUT_S,
    DOMAIN,
    LOGGER,
    SIGNAL_FIGURES_PUBLISHED,
    STATION_CHECK_INTERVAL,
)
from ...domain.meter import Meter
from ...domain.readings import DEFAULT_MAX_WATTS, StationReading
from ...domain.sessions import SessionRules
from ...domain.units import SourceKind
from ...metering.repairs import async_check_tariff
from ...metering.runtime import MeterRuntime
from ...runtime import UtilityCostConfigEntry, UtilityCostCoordinator
from ...storage import ThrottledStore
from ...tariff.link import TariffLink
from .repairs import async_create_stations_full_issue, async_delete_stations_full_issue

if TYPE_CHECKING:
    pass


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

    # Usually the whole house's mains: the household adds it up only when asked.
    whole_house = True

    def appliance_meters(self) -> Iterable[MeterRuntime]:
        """Return each station's meter."""
        return [station.runtime for station in self.data.stations.values()]

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
