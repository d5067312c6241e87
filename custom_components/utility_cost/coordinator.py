"""Coordinators: one per config entry.

* :class:`TariffCoordinator` publishes a tariff's outlook (current and next price,
  the day's figures, cheap flags and windows) and recomputes it exactly when time
  changes it; :class:`EsiosCoordinator` does so for Spain's PVPC, whose prices it
  fetches from ESIOS when they are due.
* :class:`MeterCoordinator` follows a tracked sensor: every state change of the source
  becomes a reading of a domain :class:`~.domain.meter.Meter`; the meter's state is
  kept in a :class:`~homeassistant.helpers.storage.Store` so that nothing measured is
  lost or counted twice across restarts.
* :class:`TuyaCoordinator` polls a Tuya cloud project's plugs within a monthly call
  budget; each plug has a meter like a tracked sensor's.
* :class:`HttpMeterCoordinator` takes the readings that HTTP meters POST to a
  webhook (see ``webhook.py``); each station has a meter like a tracked sensor's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
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
from .api.tuya import (
    DATA_CENTERS,
    DEVICE_PAGE_SIZE,
    TuyaApiNotSubscribedError,
    TuyaAuthenticationError,
    TuyaClient,
    TuyaConnectionError,
    TuyaDevice,
    TuyaDeviceCapError,
    TuyaDeviceOfflineError,
    TuyaError,
    TuyaPlanExpiredError,
    TuyaQuotaExhaustedError,
    TuyaRateLimitedError,
)
from .const import (
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_BASE_URL,
    CONF_CURRENCY,
    CONF_DATA_CENTER,
    CONF_FIXED_WATTS,
    CONF_IGNORED_DEVICES,
    CONF_MAX_WATTS,
    CONF_MIN_SESSION_S,
    CONF_MONTHLY_CAP,
    CONF_ON_THRESHOLD_W,
    CONF_READING_TIMEOUT_S,
    CONF_SOURCE,
    CONF_SOURCE_KIND,
    CONF_STANDBY_WATTS,
    CONF_STANDING_CHARGE,
    CONF_TARIFF,
    CONF_WATTS,
    CONF_ZONE,
    DEFAULT_MIN_SESSION_S,
    DEFAULT_ON_THRESHOLD_W,
    DEFAULT_READING_TIMEOUT_S,
    DOMAIN,
    EVENT_PRICES_PUBLISHED,
    LOGGER,
    POWER_REEVALUATION_INTERVAL,
    STATION_CHECK_INTERVAL,
    TUYA_TICK_INTERVAL,
)
from .domain.meter import Meter
from .domain.outlook import (
    DEFAULT_CHEAPEST_HOURS,
    AutomationSettings,
    TariffOutlook,
    tariff_outlook,
)
from .domain.plugs import (
    DEFAULT_SCALES,
    POWER,
    FixedWatts,
    PlugReading,
    Scale,
    is_metering,
    is_plug,
    plug_scales,
    read_plug,
    switch_codes,
)
from .domain.prices import IntervalSchedule, PriceInterval, PriceSchedule
from .domain.pvpc import Zone, local_day
from .domain.quota import DEFAULT_MONTHLY_CAP
from .domain.readings import DEFAULT_MAX_WATTS, StationReading
from .domain.sessions import SessionRules
from .domain.units import SourceKind, source_kind_for_unit, to_canonical
from .domain.windows import PriceStats, PriceWindow, cheapest_window
from .esios_prices import PvpcPrices
from .metering import MeterRuntime
from .repairs import (
    async_create_tariff_missing_issue,
    async_create_tuya_issue,
    async_delete_tariff_missing_issue,
    async_delete_tuya_issues,
)
from .storage import ThrottledStore
from .tariff import TariffLink, fixed_schedule, tariff_currency
from .tuya_quota import TuyaQuota

if TYPE_CHECKING:
    from .octopus_account import OctopusCoordinator

type UtilityCostConfigEntry = ConfigEntry[
    TariffCoordinator
    | MeterCoordinator
    | TuyaCoordinator
    | HttpMeterCoordinator
    | OctopusCoordinator
]


class UtilityCostCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """A coordinator of one of this integration's config entries.

    ``device`` and ``scope`` are where its entities go by default: the entry's own
    device when None, or a device of the entry (an Octopus meter) and the name of
    that device in their unique ids.
    """

    config_entry: UtilityCostConfigEntry
    device: DeviceInfo | None = None
    scope: str | None = None


def meter_store_key(entry_id: str) -> str:
    """Return the storage key of a tracked sensor's meter."""
    return f"{DOMAIN}.meter.{entry_id}"


def tariff_store_key(entry_id: str) -> str:
    """Return the storage key of a tariff's automation settings."""
    return f"{DOMAIN}.tariff.{entry_id}"


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
    ) -> None:
        """Prepare the tariff's schedule and settings.

        An entry with several tariffs (an Octopus account: one per meter) gives each
        its ``scope`` and ``device``.
        """
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} tariff {entry.title} {scope or ''}".rstrip(),
        )
        self.scope = scope
        self.device = device
        self.schedule: PriceSchedule = self._initial_schedule()
        self.currency = tariff_currency(entry)
        standing_charge = entry.options.get(CONF_STANDING_CHARGE)
        self.standing_charge: float | None = (
            None if standing_charge is None else float(standing_charge)
        )
        self.settings = AutomationSettings()
        self._settings_store = ThrottledStore(
            hass,
            tariff_store_key(
                entry.entry_id if scope is None else f"{entry.entry_id}_{scope}"
            ),
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
        )

    def _settings_to_store(self) -> dict[str, Any]:
        return {
            "cheap_threshold": self.settings.cheap_threshold,
            "cheapest_hours": self.settings.cheapest_hours,
        }

    @callback
    def async_set_settings(
        self, *, cheap_threshold: float | None = None, cheapest_hours: int | None = None
    ) -> None:
        """Change an automation setting (a number entity was set)."""
        if cheap_threshold is not None:
            self.settings = replace(self.settings, cheap_threshold=cheap_threshold)
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
        if self.settings.cheap_threshold is None and outlook.today is not None:
            # Until the user sets one: cheap means at most today's average.
            self.settings = replace(
                self.settings, cheap_threshold=round(outlook.today.stats.average, 4)
            )
            self._settings_store.schedule_save()
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
            self._kept_window,
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
        if self.tariff.entry is None:
            async_create_tariff_missing_issue(self.hass, self.config_entry)
        else:
            async_delete_tariff_missing_issue(self.hass, self.config_entry.entry_id)

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
        if changed:
            self.store.schedule_save()

    @callback
    def _saved(self) -> None:
        """Show what was written; write again if sessions were announced."""
        changed, announced = self.runtime.publish()
        if announced:
            self.store.schedule_save(0)
        if changed:
            self.async_update_listeners()

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
        device = dr.async_get(self.hass).async_get_device({(DOMAIN, entry.entry_id)})
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
class TuyaPlug:
    """A monitored plug: what the cloud last said of it, and its meter.

    ``runtime`` is None for a plug that can be neither metered nor estimated (no
    power data point and no fixed watts): it only gets its switches.
    """

    device: TuyaDevice
    scales: dict[str, Scale]
    fixed: FixedWatts | None
    runtime: MeterRuntime | None
    reading: PlugReading


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
    )


def device_list_pages(devices: int) -> int:
    """Return how many requests listing ``devices`` devices costs."""
    return max(1, math.ceil(devices / DEVICE_PAGE_SIZE))


class TuyaCoordinator(UtilityCostCoordinator[TuyaAccount]):
    """The plugs of one Tuya cloud project, polled within a monthly call budget.

    One refresh lists the linked devices, which carries every plug's status and
    online flag (a page of 20 devices per request): never one request per device.
    Specifications are fetched once per product and kept. Between refreshes, each
    plug's meter accrues its last known power every minute (no cloud call).
    """

    def __init__(self, hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
        """Prepare the client and the budget from the entry."""
        options = entry.options
        self.quota = TuyaQuota(
            hass,
            entry.entry_id,
            entry.title,
            {CONF_MONTHLY_CAP: DEFAULT_MONTHLY_CAP, **options},
            self.async_update_listeners,
        )
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} tuya {entry.title}",
            update_interval=self.quota.budget.refresh_interval(dt_util.utcnow(), 1),
        )
        data = entry.data
        self.client = TuyaClient(
            async_get_clientsession(hass),
            data[CONF_ACCESS_ID],
            data[CONF_ACCESS_SECRET],
            tuya_base_url(data),
            on_request=self._counted,
        )
        self.tariff = TariffLink(hass, options[CONF_TARIFF])
        self.currency: str = data[CONF_CURRENCY]
        self.ignored: set[str] = set(options.get(CONF_IGNORED_DEVICES, []))
        self.fixed: dict[str, FixedWatts] = {
            device_id: FixedWatts(
                float(fixed[CONF_WATTS]), float(fixed.get(CONF_STANDBY_WATTS, 0))
            )
            for device_id, fixed in options.get(CONF_FIXED_WATTS, {}).items()
        }
        self.rules = SessionRules(
            DEFAULT_ON_THRESHOLD_W, timedelta(seconds=DEFAULT_MIN_SESSION_S)
        )
        self.requests_made = 0
        self.specs: dict[str, dict[str, tuple[int, str | None]]] = {}
        self._specs_failed: set[str] = set()
        self._stored_meters: dict[str, dict[str, Any]] = {}
        self.store = ThrottledStore(
            hass, tuya_store_key(entry.entry_id), self._to_store, on_saved=self._saved
        )
        self._unsubs: list[CALLBACK_TYPE] = []
        self.data = TuyaAccount({}, {})  # until async_load says what was known

    @callback
    def _counted(self, _method: str, _path: str) -> None:
        """Count every request to the cloud, token requests included."""
        self.requests_made += 1
        self.quota.record_call()

    def other_clients(self) -> list[dict[str, str]]:
        """Return other config entries (of any integration) with our Access ID.

        They spend the same quota; what they spend is unknown, which the default
        share leaves room for.
        """
        access_id = self.config_entry.data[CONF_ACCESS_ID]
        return [
            {"domain": entry.domain, "title": entry.title, "entry_id": entry.entry_id}
            for entry in self.hass.config_entries.async_entries()
            if entry.entry_id != self.config_entry.entry_id
            and access_id in (*entry.data.values(), *entry.options.values())
        ]

    @property
    def calls_per_refresh(self) -> int:
        """Return what a refresh costs: a request per page of the device list."""
        return device_list_pages(len(self.data.found))

    async def async_load(self) -> None:
        """Load the quota state, specifications, known plugs and their meters."""
        stored = await self.store.async_load()
        await self.quota.async_load(ran_before=stored is not None)
        stored = stored or {}
        self.specs = {
            product: {
                code: (int(scale), unit) for code, (scale, unit) in points.items()
            }
            for product, points in stored.get("specs", {}).items()
        }
        self._stored_meters = stored.get("meters", {})
        devices = [_device_from_store(d) for d in stored.get("devices", [])]
        self.data = self._account(devices, dt_util.utcnow(), fresh=False)

    async def _async_update_data(self) -> TuyaAccount:
        now = dt_util.utcnow()
        budget = self.quota.budget
        self.quota.recompute_if_due(now)
        cost = self.calls_per_refresh
        if budget.exhausted or budget.plan_expired:
            self._pause(now)
            self.update_interval = budget.refresh_interval(now, cost)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="plan_expired"
                if budget.plan_expired
                else "quota_exhausted",
            )
        if not budget.allow_refresh(now, cost):
            # The bucket is short: skip this refresh rather than queue it. What was
            # shown stays; plugs unavailable for a failure stay so until a refresh.
            LOGGER.debug("%s: refresh skipped to stay within the quota", self.name)
            if not self.last_update_success:
                raise UpdateFailed(
                    translation_domain=DOMAIN, translation_key="quota_wait"
                )
            return self.data
        try:
            devices = await self.client.devices()
            await self._learn_specifications(devices)
        except TuyaError as err:
            self._pause(now)
            error = self._update_error(err)
            self.update_interval = budget.refresh_interval(now, cost)
            raise error from err
        async_delete_tuya_issues(self.hass, self.config_entry.entry_id)
        account = self._account(devices, now, fresh=True)
        self.update_interval = budget.refresh_interval(
            now, device_list_pages(len(devices))
        )
        self.store.schedule_save()
        return account

    async def _learn_specifications(self, devices: list[TuyaDevice]) -> None:
        """Fetch the specification of each product not seen before (once)."""
        for device in devices:
            product = device.product_id
            if (
                product in self.specs
                or product in self._specs_failed
                or device.id in self.ignored
                or not is_plug(device.category, device.status)
                or not is_metering(device.status)
            ):
                continue
            try:
                specification = await self.client.specification(device.id)
            except REFRESH_ERRORS:
                raise
            except TuyaConnectionError as err:
                LOGGER.debug("Specification of %s not fetched: %s", product, err)
                continue  # try again at the next refresh
            except TuyaError as err:
                # This product has none for us: the usual scales serve it.
                LOGGER.debug("No specification for %s: %s", product, err)
                self._specs_failed.add(product)
                continue
            self.specs[product] = {
                code: (point.scale, point.unit)
                for code, point in specification.status.items()
                if code in DEFAULT_SCALES
            }

    def _account(
        self, devices: list[TuyaDevice], now: datetime, *, fresh: bool
    ) -> TuyaAccount:
        """Update the plugs from a device list; ``fresh`` ones give readings.

        A fresh list is the truth about the account: plugs no longer monitored or
        no longer in it lose their devices here, and meters of plugs that left the
        account are forgotten (those merely not monitored are kept).
        """
        previous = self.data.plugs
        found = {d.id: d for d in devices if is_plug(d.category, d.status)}
        plugs: dict[str, TuyaPlug] = {}
        for device in found.values():
            if device.id in self.ignored:
                continue
            plug = previous.get(device.id) or self._new_plug(device)
            self._update_plug(plug, device, now, fresh=fresh)
            plugs[device.id] = plug
        if fresh:
            for device_id in [d for d in self._stored_meters if d not in found]:
                del self._stored_meters[device_id]
            self._remove_stale_devices(plugs)
        return TuyaAccount(plugs, found)

    def _remove_stale_devices(self, plugs: Mapping[str, TuyaPlug]) -> None:
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        kept = {*plugs, entry_id}  # the plugs, and the account's own device
        for device in dr.async_entries_for_config_entry(registry, entry_id):
            if not any(
                domain == DOMAIN and identifier in kept
                for domain, identifier in device.identifiers
            ):
                registry.async_update_device(device.id, remove_config_entry_id=entry_id)

    def _new_plug(self, device: TuyaDevice) -> TuyaPlug:
        scales = plug_scales(device.product_id, self.specs.get(device.product_id))
        fixed = self.fixed.get(device.id)
        runtime = None
        if fixed is not None or is_metering(device.status):
            stored = self._stored_meters.pop(device.id, None)
            tz = dt_util.get_default_time_zone()
            meter = (
                Meter.from_dict(stored, SourceKind.POWER, tz, self.rules)
                if stored is not None
                else Meter(SourceKind.POWER, tz, self.rules)
            )
            meter.ledger.roll(dt_util.utcnow())
            runtime = MeterRuntime(
                self.hass,
                meter,
                self.tariff,
                label=device.name,
                currency=self.currency,
                event_data=partial(self._event_data, device.id),
            )
            if runtime.announce_restored():
                self.store.schedule_save(0)
        return TuyaPlug(
            device, scales, fixed, runtime, read_plug(device.status, scales, fixed)
        )

    def _update_plug(
        self, plug: TuyaPlug, device: TuyaDevice, now: datetime, *, fresh: bool
    ) -> None:
        # The specification may have arrived since the plug was first seen.
        plug.scales = plug_scales(device.product_id, self.specs.get(device.product_id))
        plug.device = device
        plug.reading = read_plug(device.status, plug.scales, plug.fixed)
        if fresh and plug.runtime is not None:
            power = plug.reading.power_w if device.online else None
            # A metering plug's session is its switch; an estimated one's, its power.
            running = plug.reading.on if plug.fixed is None else None
            plug.runtime.reading(now, power, running if device.online else None)

    def _pause(self, now: datetime) -> None:
        """Stop accruing: without a fresh reading nothing is extrapolated."""
        for plug in self.data.plugs.values():
            if plug.runtime is not None:
                plug.runtime.reading(now, None)

    def _update_error(self, err: TuyaError) -> Exception:
        """Tell the quota what the cloud said; return the error to raise."""
        now = dt_util.utcnow()
        if isinstance(err, TuyaAuthenticationError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            )
        if isinstance(err, TuyaQuotaExhaustedError):
            self.quota.exhausted()  # its issue says when the quota resets
        elif isinstance(err, TuyaPlanExpiredError):
            self.quota.budget.mark_plan_expired(now)
        elif isinstance(err, TuyaRateLimitedError):
            self.quota.budget.mark_rate_limited(now)
            return UpdateFailed(
                translation_domain=DOMAIN, translation_key="rate_limited"
            )
        for error, kind in TUYA_ISSUES.items():
            if isinstance(err, error):
                if kind != "quota_exhausted":
                    async_create_tuya_issue(self.hass, self.config_entry, kind)
                return UpdateFailed(translation_domain=DOMAIN, translation_key=kind)
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err)},
        )

    @callback
    def async_start(self) -> None:
        """Accrue held power every minute and up to a stop; follow the quota."""
        self.quota.async_start(self._refresh_now)
        self._unsubs.append(
            async_track_time_interval(self.hass, self._tick, TUYA_TICK_INTERVAL)
        )
        self._unsubs.append(
            self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._tick)
        )

    @callback
    def _tick(self, _now: datetime | Event) -> None:
        now = dt_util.utcnow()
        changed = False
        for plug in self.data.plugs.values():
            if plug.runtime is not None:
                changed = plug.runtime.tick(now) or changed
        if changed:
            self.store.schedule_save()

    @callback
    def _saved(self) -> None:
        """Show the plugs' figures that were written; note announced sessions."""
        changed = announced = False
        for plug in self.data.plugs.values():
            if plug.runtime is not None:
                plug_changed, plug_announced = plug.runtime.publish()
                changed = changed or plug_changed
                announced = announced or plug_announced
        if announced:
            self.store.schedule_save(0)
        if changed:
            # Not async_set_updated_data: that would postpone the next poll.
            self.async_update_listeners()

    @callback
    def _refresh_now(self) -> None:
        """Poll at once (a reading or a new period lifted a stop)."""
        self.hass.async_create_background_task(
            self.async_refresh(), f"{DOMAIN} tuya refresh {self.config_entry.entry_id}"
        )

    async def async_switch(self, device_id: str, code: str, on: bool) -> None:
        """Switch an outlet, and show the new state until the next poll says.

        Commands come before polling: they may use the reserve polling keeps.
        """
        if not self.quota.budget.allow_command(dt_util.utcnow()):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_budget",
                translation_placeholders={"name": self.config_entry.title},
            )
        try:
            await self.client.send_commands(device_id, {code: on})
        except TuyaError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=SWITCH_ERRORS.get(type(err), "command_failed"),
                translation_placeholders={"error": str(err)},
            ) from err
        plug = self.data.plugs.get(device_id)
        if plug is None:
            return
        status = {**plug.device.status, code: on}
        if not any(status[c] is True for c in switch_codes(status)) and POWER in status:
            status[POWER] = 0  # off draws nothing; the cloud reports it shortly
        self._update_plug(
            plug, replace(plug.device, status=status), dt_util.utcnow(), fresh=True
        )
        self.store.schedule_save()
        self.async_update_listeners()

    def _event_data(self, device_id: str) -> dict[str, Any]:
        plug = self.data.plugs.get(device_id)
        device = dr.async_get(self.hass).async_get_device({(DOMAIN, device_id)})
        return {
            "entry_id": self.config_entry.entry_id,
            "device_id": device.id if device else None,
            "name": plug.device.name if plug else device_id,
            "source": f"tuya:{device_id}",
        }

    def _to_store(self) -> dict[str, Any]:
        meters = dict(self._stored_meters)
        now = dt_util.utcnow()
        for device_id, plug in self.data.plugs.items():
            if plug.runtime is not None:
                meters[device_id] = plug.runtime.stage(now)
        return {
            "specs": {
                product: {code: list(point) for code, point in points.items()}
                for product, points in self.specs.items()
            },
            "devices": [
                _device_to_store(plug.device) for plug in self.data.plugs.values()
            ],
            "meters": meters,
        }

    async def async_shutdown(self) -> None:
        """Stop the timers and write the meters."""
        while self._unsubs:
            self._unsubs.pop()()
        await self.store.async_save()
        self.store.async_stop()
        await self.quota.async_shutdown()
        await super().async_shutdown()


def tuya_base_url(data: Mapping[str, Any]) -> str:
    """Return the base URL of a Tuya entry: the override, or its data centre's."""
    return str(data.get(CONF_BASE_URL) or DATA_CENTERS[data[CONF_DATA_CENTER]])


def tuya_store_key(entry_id: str) -> str:
    """Return the storage key of a Tuya account's plugs."""
    return f"{DOMAIN}.tuya.{entry_id}"


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
        if self.tariff.entry is None:
            async_create_tariff_missing_issue(self.hass, self.config_entry)
        else:
            async_delete_tariff_missing_issue(self.hass, self.config_entry.entry_id)

    async def _async_update_data(self) -> HttpMeter:
        # Readings come by webhook; there is nothing to fetch.
        return self.data

    def last_instant(self, station_id: int) -> datetime | None:
        """Return the latest instant counted for a station (None if unknown)."""
        station = self.data.stations.get(str(station_id))
        return None if station is None else station.last_at

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
        announced = False
        for key, station in self.data.stations.items():
            changed, station_announced = station.runtime.publish()
            announced = announced or station_announced
            if changed:
                for update in list(self._station_listeners.get(key, ())):
                    update()
        if announced:
            self.store.schedule_save(0)

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
