"""A Tuya cloud account: its plugs, polled within the quota, metered by themselves.

:class:`TuyaCoordinator` follows one cloud project (Access ID):

* **Polling.** A refresh lists the linked devices (20 a page, status included: never
  a request per device). Refreshes are planned when the quota's bucket can pay them
  (:meth:`~.domain.quota.QuotaBudget.ready_at`), so none is skipped for a timer that
  fires early; calls that are not polling (tokens, specifications, what a product
  offers, commands) count for the month without delaying polling.
* **Energy.** A plug that counts its energy is metered by its own reports
  (:mod:`.tuya_energy`): pushed by the message service where the project has it,
  else read back from statistics or device logs, a few plugs per refresh within a
  share of the calls. Its polled or pushed power makes the estimate of the time not
  reported yet, which the measurement replaces. A plug without any of these is
  metered by its power.
* **Plausibility.** Every reading is checked (:mod:`.domain.plausibility`): a scale
  off by a power of ten is corrected once the evidence is consistent, a product that
  nothing explains raises a repair, and no power that the plug's own current or
  relay contradicts is booked.
* **Recovery.** An expired plan is probed every 15 minutes (and at start, and on a
  reading); a used-up quota waits for its reset or a reading.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
import contextlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
import math
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import (
    async_call_later,
    async_track_point_in_utc_time,
    async_track_time_interval,
)
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ...api.tuya import (
    DATA_CENTERS,
    DEVICE_PAGE_SIZE,
    TOKEN_PATH,
    TuyaApiError,
    TuyaApiNotSubscribedError,
    TuyaAuthenticationError,
    TuyaBusyError,
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
from ...api.tuya_messages import (
    MESSAGE_HOSTS,
    DeviceReport,
    HeldMessages,
    Message,
    OnlineChange,
    TuyaMessageClient,
    TuyaMessageServiceUnavailableError,
)
from ...const import (
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_BASE_URL,
    CONF_CURRENCY,
    CONF_DATA_CENTER,
    CONF_FIXED_WATTS,
    CONF_FLOW_CALLS,
    CONF_IGNORED_DEVICES,
    CONF_MONTHLY_CAP,
    CONF_STANDBY_WATTS,
    CONF_TARIFF,
    CONF_WATTS,
    DEFAULT_MIN_SESSION_S,
    DEFAULT_ON_THRESHOLD_W,
    DOMAIN,
    LOGGER,
    SIGNAL_FIGURES_PUBLISHED,
    TUYA_TICK_INTERVAL,
)
from ...domain.meter import Meter
from ...domain.plausibility import (
    OUTLET_LIMIT_W,
    Finding,
    Judgement,
    ProductEvidence,
    judge,
)
from ...domain.plug_energy import (
    ACTIVE_W,
    MeasuredSource,
    next_reconcile,
    reconcile_calls,
)
from ...domain.plugs import (
    CURRENT,
    DEFAULT_SCALES,
    ENERGY,
    EXPORTED,
    POWER,
    VOLTAGE,
    CounterKind,
    EnergyPoint,
    FixedWatts,
    PlugReading,
    PointSpec,
    Scale,
    energy_point,
    is_metering,
    is_plug,
    mains_codes,
    measures_energy,
    plug_scales,
    read_plug,
    switch_codes,
)
from ...domain.polling import next_refresh_at, refresh_plan
from ...domain.quota import DEFAULT_MONTHLY_CAP, CloudAnswer
from ...domain.sessions import SessionRules
from ...domain.units import SourceKind
from ...metering.repairs import async_check_tariff
from ...metering.runtime import MeterRuntime
from ...runtime import UtilityCostCoordinator
from ...statistics import async_import_hours, meter_statistics
from ...storage import ThrottledStore
from ...tariff.link import TariffLink
from .energy import (
    QUIET,
    CounterReport,
    PlugEnergy,
    async_reconcile_logs,
    async_reconcile_statistics,
    book_reports,
    give_up_old_estimate,
    restore_counters,
    settle_quiet,
)
from .quota import TuyaQuota
from .repairs import async_create_tuya_issue, async_delete_tuya_issues

if TYPE_CHECKING:
    from ...runtime import UtilityCostConfigEntry

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


class TuyaCoordinator(UtilityCostCoordinator[TuyaAccount]):
    """The plugs of one Tuya cloud project, polled within a monthly call budget."""

    def appliance_meters(self) -> Iterable[MeterRuntime]:
        """Return the meter of each plug that measures energy."""
        return [
            plug.runtime
            for plug in self.data.plugs.values()
            if plug.runtime is not None
        ]

    def __init__(self, hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
        """Prepare the clients and the budget from the entry."""
        options = entry.options
        self.quota = TuyaQuota(
            hass,
            entry.entry_id,
            entry.title,
            {CONF_MONTHLY_CAP: DEFAULT_MONTHLY_CAP, **options},
            self.async_update_listeners,
        )
        super().__init__(
            hass, LOGGER, config_entry=entry, name=f"{DOMAIN} tuya {entry.title}"
        )
        data = entry.data
        session = async_get_clientsession(hass)
        self.client = TuyaClient(
            session,
            data[CONF_ACCESS_ID],
            data[CONF_ACCESS_SECRET],
            tuya_base_url(data),
            on_request=self._counted,
        )
        message_url = tuya_message_url(data)
        self.messages = (
            None
            if message_url is None
            else TuyaMessageClient(
                session, data[CONF_ACCESS_ID], data[CONF_ACCESS_SECRET], message_url
            )
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
        self.tz = dt_util.get_default_time_zone()
        self.requests_made = 0
        self.specs: dict[str, dict[str, PointSpec]] = {}
        self.spec_refused: set[str] = set()
        self.evidence: dict[str, ProductEvidence] = {}
        self.capabilities = Capabilities()
        self.push_state = PushState.UNKNOWN
        self.refreshes: list[datetime] = []
        self.last_refresh: datetime | None = None
        self.listed = 0  # the devices the last device list returned (all kinds)
        self._stored_meters: dict[str, dict[str, Any]] = {}
        self._stored_energy: dict[str, dict[str, Any]] = {}
        self._warned: set[str] = set()
        self.store = ThrottledStore(
            hass, tuya_store_key(entry.entry_id), self._to_store, on_saved=self._saved
        )
        self._unsubs: list[CALLBACK_TYPE] = []
        self._unsub_refresh: CALLBACK_TYPE | None = None
        self._push_task: asyncio.Task[None] | None = None
        self._staged_acks: list[HeldMessages] = []
        self._push_connected_at: datetime | None = None
        self._last_message_at: datetime | None = None
        self._silence_noted = False
        self._leaving_push = False
        self._push_resume = asyncio.Event()
        self._push_lost_at: datetime | None = None
        self._discovering = False  # asking what products offer: not polling
        # The next refresh goes whatever the bucket says: the first one after a
        # start does (the plugs are shown at once), and the bucket, which kept its
        # tokens across the restart, repays it from the following ones.
        self._force_next = True
        self._import_task: asyncio.Task[None] | None = None
        self._last_import: datetime | None = None
        self.data = TuyaAccount({}, {})  # until async_load says what was known

    # --- the quota ------------------------------------------------------------------

    @callback
    def _counted(self, method: str, path: str) -> None:
        """Count every request to the cloud; polling ones also take bucket tokens."""
        self.requests_made += 1
        paced = (
            not self._discovering
            and method == "GET"
            and any(part in path for part in _PACED_PATHS)
            and not path.startswith(TOKEN_PATH)
        )
        self.quota.record_call(
            paced=paced, command=method == "POST" and path.endswith("/commands")
        )

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
        """Return what a refresh's device list costs: a request per page.

        The list pages every device of the linked app accounts, plugs or not.
        """
        return device_list_pages(max(self.listed, len(self.data.found)))

    @property
    def planned_interval(self) -> timedelta:
        """Return the interval the budget plans for polling.

        A refresh costs its device-list pages and, where plugs are reconciled, the
        reconciliation of a few of them.
        """
        pages = self.calls_per_refresh
        reconciled = sum(
            1
            for plug in self.data.plugs.values()
            if plug.energy is not None
            and plug.energy.source in (MeasuredSource.STATISTICS, MeasuredSource.LOGS)
        )
        interval = self.quota.budget.refresh_interval(
            dt_util.utcnow(), pages + reconcile_calls(pages, reconciled)
        )
        if self.push_state is PushState.CONNECTED:
            interval = max(interval, PUSH_POLL_INTERVAL)
        return interval

    def achieved_interval(self, now: datetime) -> float | None:
        """Return the mean time between refreshes over the last 24 hours (s)."""
        recent = [t for t in self.refreshes if timedelta(0) <= now - t <= GAP_WINDOW]
        if len(recent) < 2:
            return None
        return (recent[-1] - recent[0]).total_seconds() / (len(recent) - 1)

    # --- loading ----------------------------------------------------------------------

    async def async_load(self) -> None:
        """Load the quota state, specifications, evidence, known plugs and meters."""
        stored = await self.store.async_load()
        await self.quota.async_load(
            ran_before=stored is not None,
            last_rate=None if stored is None else stored.get("quota_rate"),
        )
        if stored is None and (
            flow_calls := self.config_entry.data.get(CONF_FLOW_CALLS)
        ):
            # The set-up form's own calls were this account's too.
            for _ in range(int(flow_calls)):
                self.quota.record_call(paced=False)
            self.hass.config_entries.async_update_entry(
                self.config_entry,
                data={
                    k: v
                    for k, v in self.config_entry.data.items()
                    if k != CONF_FLOW_CALLS
                },
            )
        stored = stored or {}
        self.specs = {
            product: {
                code: PointSpec.from_dict(point) for code, point in points.items()
            }
            for product, points in stored.get("specs", {}).items()
        }
        self.spec_refused = set(stored.get("spec_refused", []))
        self.evidence = {
            product: ProductEvidence.from_dict(evidence)
            for product, evidence in stored.get("evidence", {}).items()
        }
        self.capabilities = Capabilities.from_dict(stored.get("capabilities") or {})
        if self.capabilities.push is not None:
            state, at = self.capabilities.push
            if state is PushState.UNAVAILABLE and dt_util.utcnow() - at < PUSH_RECHECK:
                self.push_state = PushState.UNAVAILABLE
            elif state in (PushState.CONNECTED, PushState.DISCONNECTED):
                # A restart is a short outage of the push: what the plugs reported
                # meanwhile is kept by the service and comes on reconnection, so
                # the plugs stay on it (the logs take over if it does not come).
                self.push_state = PushState.DISCONNECTED
                self._push_lost_at = (
                    dt_util.utcnow() if state is PushState.CONNECTED else at
                )
        self.refreshes = [
            datetime.fromisoformat(t) for t in stored.get("refreshes", [])
        ]
        self.last_refresh = self.refreshes[-1] if self.refreshes else None
        self.listed = int(stored.get("listed", 0))
        self._stored_meters = stored.get("meters", {})
        self._stored_energy = stored.get("energy", {})
        devices = [_device_from_store(d) for d in stored.get("devices", [])]
        self.data = self._account(devices, dt_util.utcnow(), fresh=False)
        async_check_tariff(self.hass, self.config_entry, self.tariff)

    # --- refreshing -------------------------------------------------------------------

    async def _async_update_data(self) -> TuyaAccount:
        now = dt_util.utcnow()
        try:
            return await self._refresh(now)
        finally:
            self._schedule_next(dt_util.utcnow())

    async def _refresh(self, now: datetime) -> TuyaAccount:
        self.quota.check_clock(now)  # before the budget reads the clock
        budget = self.quota.budget
        self.quota.recompute_if_due(now)
        pages = self.calls_per_refresh
        if budget.exhausted:
            self._pause(now)
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="quota_exhausted"
            )
        due = [] if budget.plan_expired else self._due_for_reconcile(now)
        forced, self._force_next = self._force_next, False
        wanted = refresh_plan(budget, now, pages, len(due), forced=forced)
        if wanted is None:
            # Not payable yet (only after a failure or a reading's new plan).
            LOGGER.debug("%s: refresh waits for the quota", self.name)
            if not self.last_update_success:
                raise UpdateFailed(
                    translation_domain=DOMAIN, translation_key="quota_wait"
                )
            return self.data
        try:
            devices = await self.client.devices()
            self.listed = len(devices)
            await self._learn_specifications(devices)
        except TuyaError as err:
            self._pause(now)
            raise self._update_error(err) from err
        if budget.plan_expired:
            LOGGER.info("%s: the Tuya cloud accepts calls again", self.name)
        # The probe of an expired plan went through: it was renewed.
        budget.record_answer(now, CloudAnswer.OK)
        async_delete_tuya_issues(self.hass, self.config_entry.entry_id)
        pushed = self.push_state is PushState.CONNECTED
        account = self._account(devices, now, fresh=True, readings=not pushed)
        self.data = account
        await self._learn_capabilities(now)
        await self._reconcile(due[:wanted], now)
        self._note_refresh(now)
        self._maybe_import_statistics(now)
        self.store.schedule_save()
        return account

    def _note_refresh(self, now: datetime) -> None:
        self.last_refresh = now
        self.refreshes = [
            t for t in self.refreshes if timedelta(0) <= now - t <= GAP_WINDOW
        ] + [now]

    @callback
    def _schedule_next(self, now: datetime) -> None:
        """Plan the next refresh: when the bucket can pay it, never sooner."""
        self._cancel_refresh()
        cost = self.calls_per_refresh + reconcile_calls(
            self.calls_per_refresh, len(self._due_for_reconcile(now))
        )
        pushed = self.push_state is PushState.CONNECTED
        when = next_refresh_at(
            self.quota.budget,
            now,
            cost,
            self.last_refresh,
            **({"min_gap": PUSH_POLL_INTERVAL} if pushed else {}),
        )
        if when is None:
            return  # the period's rollover or a reading starts polling again
        self._unsub_refresh = async_track_point_in_utc_time(
            self.hass, self._refresh_due, when
        )

    @callback
    def _refresh_due(self, _now: datetime) -> None:
        self._unsub_refresh = None
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{DOMAIN} tuya refresh"
        )

    def _cancel_refresh(self) -> None:
        if self._unsub_refresh is not None:
            self._unsub_refresh()
            self._unsub_refresh = None

    @callback
    def _replan(self) -> None:
        """Plan again: a reading or a new period changed what the quota allows.

        An expired plan is probed at once; polling stopped by a failure or a used-up
        quota resumes at once; otherwise the next refresh follows the new rate.
        """
        budget = self.quota.budget
        self._push_resume.set()  # a push paused for its messages may go on
        if budget.plan_expired or (
            not budget.exhausted and not self.last_update_success
        ):
            self._cancel_refresh()
            self._force_next = True
            self._refresh_due(dt_util.utcnow())
            return
        self._schedule_next(dt_util.utcnow())

    async def _learn_specifications(self, devices: list[TuyaDevice]) -> None:
        """Fetch the specification of each product not seen before (once)."""
        for device in devices:
            product = device.product_id
            if (
                product in self.specs
                or product in self.spec_refused
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
                self.spec_refused.add(product)
                continue
            self.specs[product] = {
                code: PointSpec(
                    point.scale, point.unit, point.maximum, point.report_type
                )
                for code, point in specification.status.items()
                if code in DEFAULT_SCALES
            }
        for plug in self.data.plugs.values():
            self._configure_energy(plug)

    async def _learn_capabilities(self, now: datetime) -> None:
        """Find out, once a week, which routes measured energy can take."""
        self._discovering = True
        try:
            await self._ask_capabilities(now)
        finally:
            self._discovering = False
        for plug in self.data.plugs.values():
            self._choose_source(plug)

    async def _ask_capabilities(self, now: datetime) -> None:
        caps = self.capabilities
        for plug in self.data.plugs.values():
            if plug.energy is None or plug.fixed is not None:
                continue
            product = plug.device.product_id
            known = caps.statistics.get(product)
            if known is None or now - known[1] >= CAPABILITY_RECHECK:
                try:
                    types = await self.client.statistic_types(plug.device.id)
                except NOT_OFFERED:
                    types = {}
                except TuyaApiError as err:
                    LOGGER.debug("Statistics of %s: %s", product, err)
                    types = {}
                except TuyaError:
                    continue  # try again at the next refresh
                caps.statistics[product] = (STATISTICS_CODE in types, now)
        if caps.logs is None or now - caps.logs[1] >= CAPABILITY_RECHECK:
            probe = next(
                (p for p in self.data.plugs.values() if p.energy is not None), None
            )
            if probe is not None and probe.energy is not None:
                try:
                    await self.client.device_logs(
                        probe.device.id,
                        [ENERGY],
                        int((now - timedelta(minutes=1)).timestamp() * 1000),
                        int(now.timestamp() * 1000),
                        max_pages=1,
                    )
                except (*NOT_OFFERED, TuyaApiError):
                    caps.logs = (False, now)
                except TuyaError:
                    pass
                else:
                    caps.logs = (True, now)

    def _push_silent(self, now: datetime) -> bool:
        """Return True if the service has said nothing for ``PUSH_SILENCE``."""
        heard = self._last_message_at or self._push_connected_at
        return heard is not None and now - heard >= PUSH_SILENCE

    def _push_usable(self) -> bool:
        """Return True while pushed reports can be counted on (a short outage too).

        A connection that stays silent longer than the plugs' heartbeat is not: a
        service that stopped pushing (its quota used up) keeps its connections open.
        """
        now = dt_util.utcnow()
        if self.push_state is PushState.CONNECTED:
            return not self._push_silent(now)
        lost = self._push_lost_at
        return (
            self.push_state is PushState.DISCONNECTED
            and lost is not None
            and now - lost < PUSH_OUTAGE
        )

    def _choose_source(self, plug: TuyaPlug) -> None:
        """Pick the route of a plug's energy, and hand its meter over to it.

        Pushed reports where the message service works; else statistics where the
        product keeps them; else device logs where the project has them; else the
        polled power. When the route changes, the meter's settled part ends now:
        a plug metered by its power keeps that energy as final, and measurement
        starts from there.
        """
        energy, runtime = plug.energy, plug.runtime
        if energy is None or runtime is None:
            return
        caps = self.capabilities
        if self._push_usable():
            source = MeasuredSource.PUSH
        elif caps.statistics.get(plug.device.product_id, (False,))[0]:
            source = MeasuredSource.STATISTICS
        elif caps.logs is not None and caps.logs[0]:
            source = MeasuredSource.LOGS
        else:
            source = MeasuredSource.POWER
        meter = runtime.meter
        if source is not energy.source:
            LOGGER.info(
                "%s: energy from %s (was %s)", plug.device.name, source, energy.source
            )
            now = dt_util.utcnow()
            if source is MeasuredSource.POWER:
                meter.settle_estimate(now)
                energy.counted_until(now)
            elif energy.source is MeasuredSource.POWER:
                # What the power counted as final stays so; measurement from now.
                runtime.settle([], now)
                energy.counted_until(now)
            elif energy.source is MeasuredSource.STATISTICS:
                # Reports up to what statistics settled are counted: skip them.
                energy.after_statistics(meter.ledger.settled_to)
            energy.source = source
            self.store.schedule_save()
        if source is not MeasuredSource.POWER and energy.next_reconcile is None:
            energy.next_reconcile = energy.started_at + timedelta(hours=1)
        # A plug measured by its power alone books that power as final.
        meter.measured = source is not MeasuredSource.POWER

    def _due_for_reconcile(self, now: datetime) -> list[TuyaPlug]:
        due = [
            plug
            for plug in self.data.plugs.values()
            if plug.energy is not None
            and plug.energy.source in (MeasuredSource.STATISTICS, MeasuredSource.LOGS)
            and plug.energy.next_reconcile is not None
            and plug.energy.next_reconcile <= now
            and plug.device.online
        ]
        return sorted(due, key=lambda p: (p.energy and p.energy.next_reconcile) or now)

    async def _reconcile(self, plugs: list[TuyaPlug], now: datetime) -> None:
        """Read what the cloud kept of these plugs' energy and book it."""
        for plug in plugs:
            energy, runtime = plug.energy, plug.runtime
            if energy is None or runtime is None:
                continue
            evidence = self._evidence(plug.device.product_id)
            runtime.meter.pricer.set_schedule(self.tariff.schedule())
            active, energy.active = energy.active, False
            complete = True
            try:
                if energy.source is MeasuredSource.STATISTICS:
                    complete = await async_reconcile_statistics(
                        self.client, energy, runtime, self.tz, now
                    )
                else:
                    booked = await async_reconcile_logs(
                        self.client,
                        energy,
                        runtime,
                        evidence,
                        now,
                        limit_w=self._limit(plug),
                    )
                    self._findings(plug, booked.findings)
            except REFRESH_ERRORS:
                raise
            except TuyaError as err:
                LOGGER.debug("%s: energy not read: %s", plug.device.name, err)
                energy.failures_since = energy.failures_since or now
                give_up_old_estimate(energy, runtime, now)
                energy.next_reconcile = now + timedelta(hours=1)
                continue
            energy.failures_since = None
            energy.last_reconciled = now
            # The rest of a span read in part is due at the next refresh.
            energy.next_reconcile = next_reconcile(now, active) if complete else now
            self.store.schedule_save()

    # --- plugs ------------------------------------------------------------------------

    def _evidence(self, product: str) -> ProductEvidence:
        return self.evidence.setdefault(product, ProductEvidence())

    def _limit(self, plug: TuyaPlug) -> float:
        """Return the most a plug can pass: its outlets' rating, or its range."""
        outlets = max(1, len(mains_codes(plug.device.status)))
        limit = outlets * OUTLET_LIMIT_W
        spec = self.specs.get(plug.device.product_id, {}).get(POWER)
        if spec is not None and spec.maximum is not None:
            scale = plug.scales[POWER].scale
            limit = max(limit, min(50_000.0, spec.maximum / 10**scale))
        return limit

    def _account(
        self,
        devices: list[TuyaDevice],
        now: datetime,
        *,
        fresh: bool,
        readings: bool = True,
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
            plug = previous.get(device.id) or self._new_plug(device, now)
            self._update_plug(plug, device, now, fresh=fresh and readings)
            if fresh and not readings and not device.online and plug.runtime:
                plug.runtime.reading(now, None)
            plugs[device.id] = plug
        if fresh:
            for gone in [d for d in self._stored_meters if d not in found]:
                del self._stored_meters[gone]
                self._stored_energy.pop(gone, None)
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

    def _new_plug(self, device: TuyaDevice, now: datetime) -> TuyaPlug:
        evidence = self._evidence(device.product_id)
        scales = plug_scales(
            device.product_id, self.specs.get(device.product_id), evidence.corrections
        )
        fixed = self.fixed.get(device.id)
        runtime = None
        energy = None
        if fixed is not None or is_metering(device.status):
            stored = self._stored_meters.pop(device.id, None)
            tz = self.tz
            measured = fixed is None and measures_energy(device.status)
            meter = (
                Meter.from_dict(
                    stored, SourceKind.POWER, tz, self.rules, measured=measured
                )
                if stored is not None
                else Meter(SourceKind.POWER, tz, self.rules, measured=measured)
            )
            meter.ledger.roll(now)
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
            if measured:
                stored_energy = self._stored_energy.pop(device.id, None)
                energy = (
                    PlugEnergy.from_dict(device.id, stored_energy)
                    if stored_energy
                    else PlugEnergy(device.id, now)
                )
        plug = TuyaPlug(
            device,
            scales,
            fixed,
            runtime,
            read_plug(device.status, scales, fixed),
            energy=energy,
        )
        self._configure_energy(plug)
        self._choose_source(plug)
        return plug

    def _configure_energy(self, plug: TuyaPlug) -> None:
        """Say how the plug's counters read, from its product and the evidence."""
        energy = plug.energy
        if energy is None:
            return
        device = plug.device
        specs = self.specs.get(device.product_id, {})
        evidence = self._evidence(device.product_id)
        kind = CounterKind.TOTAL if evidence.total_counter else None

        def point(code: str) -> EnergyPoint | None:
            if code not in device.status:
                return None
            return energy_point(
                code, plug.scales, specs.get(code), sub=device.sub, kind=kind
            )

        energy.counters(point(ENERGY), point(EXPORTED))
        restore_counters(energy)

    def _update_plug(
        self, plug: TuyaPlug, device: TuyaDevice, now: datetime, *, fresh: bool
    ) -> None:
        if plug.energy is not None and any(
            device.status.get(code) != plug.device.status.get(code)
            for code in switch_codes(device.status)
        ):
            plug.energy.active = True  # switched since the last poll
        evidence = self._evidence(device.product_id)
        # The specification or a correction may have arrived since the last reading.
        plug.scales = plug_scales(
            device.product_id, self.specs.get(device.product_id), evidence.corrections
        )
        plug.device = device
        plug.reading = read_plug(device.status, plug.scales, plug.fixed)
        if plug.fixed is None:
            plug.judged = self._judge(plug)
        if fresh and plug.runtime is not None:
            self._feed(plug, now, self._poll_hold())

    def _poll_hold(self) -> timedelta:
        return min(POLL_HOLD_MAX, max(POLL_HOLD_MIN, self.planned_interval * 1.5))

    def _judge(self, plug: TuyaPlug) -> Judgement:
        reading = plug.reading
        raw = plug.device.status.get(POWER)
        if reading.mains_on:
            plug.off_raw = None
            moved = None
        elif plug.off_raw is None:
            plug.off_raw = raw
            moved = False
        else:
            moved = raw != plug.off_raw
        judged = judge(
            reading,
            self._evidence(plug.device.product_id),
            limit_w=self._limit(plug),
            moved_since_off=moved,
        )
        self._findings(plug, [finding for finding, _, _ in judged.findings], judged)
        return judged

    def _feed(
        self, plug: TuyaPlug, at: datetime, hold: timedelta, *, pushed: bool = False
    ) -> None:
        """Give the plug's meter its reading (nothing while it is offline).

        A power pushed by the plug is held until its next report (left Riemann). A
        polled power of a plug whose measurements will come is only an estimate of
        the time between two polls: the lower of the two powers, so that a kettle
        seen at one poll is not billed for the whole interval (the measurement
        will say what it used). A plug metered by its power alone holds it until
        the next poll, at most ``hold``.
        """
        runtime = plug.runtime
        if runtime is None:
            return
        if not plug.device.online:
            runtime.reading(at, None)
            plug.last_poll = None
            return
        if plug.fixed is not None:
            runtime.reading(at, plug.reading.power_w, None, valid_for=hold)
            return
        judged = plug.judged
        power = None if judged is None else judged.power_w
        if plug.reading.producing:
            power = 0.0  # what it exports is not consumption
        # A metering plug's session is its switch.
        running = plug.reading.mains_on
        if plug.energy is not None and (power or 0.0) > ACTIVE_W:
            plug.energy.active = True
        measured = plug.energy is not None and plug.energy.source in (
            MeasuredSource.STATISTICS,
            MeasuredSource.LOGS,
        )
        if pushed or not measured:
            runtime.reading(at, power, running, valid_for=hold)
            return
        previous = plug.last_poll
        if previous is not None and previous[1] is not None and power is not None:
            # Booked before the reading, so that a session it ends includes it.
            start = max(previous[0], at - hold)
            runtime.estimate(start, at, min(previous[1], power))
        runtime.reading(at, None, running)
        plug.last_poll = (at, power)

    def _findings(
        self,
        plug: TuyaPlug,
        findings: list[Finding],
        judged: Judgement | None = None,
    ) -> None:
        device = plug.device
        product = device.product_id
        for finding in findings:
            key = f"{finding}:{product}"
            if finding is Finding.CORRECTED:
                LOGGER.warning(
                    "%s (%s, product %s) reports values in other units than its cloud"
                    " specification says; reading them corrected from now on: %s",
                    device.name,
                    device.product_name,
                    product,
                    self._evidence(product).corrections,
                )
                self.store.schedule_save()
                plug.scales = plug_scales(
                    product,
                    self.specs.get(product),
                    self._evidence(product).corrections,
                )
                self._configure_energy(plug)
            elif finding is Finding.TOTAL_COUNTER:
                LOGGER.warning(
                    "%s (product %s) reports a running total of its energy;"
                    " read so from now on",
                    device.name,
                    product,
                )
                self._configure_energy(plug)
            elif finding is Finding.NOT_GATED and key not in self._warned:
                self._warned.add(key)
                LOGGER.info(
                    "%s meters while its outlets are off (a clamp meter): its power"
                    " is believed whatever its switches say",
                    device.name,
                )
            elif finding is Finding.MISREPORTING:
                LOGGER.warning(
                    "%s (%s, product %s) reports power its own voltage and current"
                    " contradict; its power is not counted",
                    device.name,
                    device.product_name,
                    product,
                )
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    misreporting_issue_id(self.config_entry.entry_id, product),
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key="tuya_misreporting",
                    translation_placeholders={
                        "name": device.name,
                        "product": device.product_name or product,
                        "product_id": product,
                        "power": _shown(plug.reading.power_w, "W"),
                        "voltage": _shown(
                            judged.voltage_v if judged else plug.reading.voltage_v, "V"
                        ),
                        "current": _shown(plug.reading.current_a, "A"),
                    },
                )

    def _pause(self, now: datetime) -> None:
        """Stop accruing: without a fresh reading nothing is extrapolated."""
        for plug in self.data.plugs.values():
            if plug.runtime is not None:
                plug.runtime.reading(now, None)

    def _update_error(self, err: TuyaError) -> Exception:
        """Tell the quota what the cloud said; return the error to raise."""
        if isinstance(err, TuyaAuthenticationError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            )
        if (answer := cloud_answer(err)) is not None:
            self.quota.answer(answer)  # a used-up quota's issue says when it resets
        if isinstance(err, TuyaRateLimitedError):
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

    # --- push ---------------------------------------------------------------------------

    async def _run_push(self) -> None:
        """Consume the message service while the entry is loaded, reconnecting.

        Retries back off from 5 s to 5 minutes (and start again at 5 s after a
        connection that lasted); with the month's messages used up, it waits for
        the quota's next period.
        """
        client = self.messages
        if client is None:
            return
        delay = PUSH_RETRY_MIN_S
        while True:
            if not self.quota.budget.messages_allowed(dt_util.utcnow()):
                if self.push_state is not PushState.PAUSED:
                    LOGGER.warning(
                        "%s: the month's messages are used up; energy is read from"
                        " the cloud's records until the quota resets",
                        self.name,
                    )
                    self._set_push(PushState.PAUSED)
                self._push_resume.clear()
                await self._push_resume.wait()  # a new period, or a new reading
                continue
            try:
                await client.consume(
                    self._on_message, partial(self._set_push, PushState.CONNECTED)
                )
            except (TuyaMessageServiceUnavailableError, TuyaAuthenticationError) as err:
                LOGGER.info(
                    "%s: no message service (%s); energy is read from the cloud's"
                    " records",
                    self.name,
                    err,
                )
                self._set_push(PushState.UNAVAILABLE)
                return
            except TuyaConnectionError as err:
                LOGGER.debug("%s: message service: %s", self.name, err)
            self._leaving_push = False
            connected = self._push_connected_at
            if (
                self.push_state is PushState.CONNECTED
                and connected is not None
                and dt_util.utcnow() - connected > PUSH_STABLE
            ):
                delay = PUSH_RETRY_MIN_S
            if not self.quota.budget.messages_allowed(dt_util.utcnow()):
                continue  # paused until the next period
            self._set_push(PushState.DISCONNECTED)
            await self._sleep(delay)
            delay = min(delay * 2, PUSH_RETRY_MAX_S)

    async def _sleep(self, seconds: float) -> None:
        """Wait on Home Assistant's clock (timers, not the event loop's own)."""
        done = asyncio.Event()
        unsub = async_call_later(self.hass, seconds, lambda _now: done.set())
        try:
            await done.wait()
        finally:
            unsub()

    @callback
    def _set_push(self, state: PushState) -> None:
        if state is self.push_state:
            return
        now = dt_util.utcnow()
        if state is PushState.DISCONNECTED and self.push_state is PushState.CONNECTED:
            self._push_lost_at = now
        if state is PushState.CONNECTED:
            self._push_connected_at = now
        self.push_state = state
        self.capabilities.push = (state, dt_util.utcnow())
        for plug in self.data.plugs.values():
            self._choose_source(plug)
        self.store.schedule_save()
        self.async_update_listeners()
        if state is not PushState.CONNECTED:
            self._schedule_next(dt_util.utcnow())  # poll at the budget's pace again

    @callback
    def _on_message(self, message: Message) -> bool:
        """Take a pushed report: live power, switches, and the plug's own energy.

        Return True when the message booked energy: it is acknowledged once that is
        written, so that a crash before then has it delivered again (and what was
        counted is skipped by the counters).
        """
        now = dt_util.utcnow()
        self.quota.record_messages(1)
        heard, self._last_message_at = self._last_message_at, now
        if heard is not None and now - heard >= PUSH_SILENCE:
            self._resume_push()  # the service speaks again
        if (
            self.messages is not None
            and not self._leaving_push
            and not self.quota.budget.messages_allowed(now)
        ):
            # Used up: leave; the push task waits for the quota's next period.
            self._leaving_push = True
            self.config_entry.async_create_background_task(
                self.hass, self.messages.close(), f"{DOMAIN} tuya messages close"
            )
        plug = self.data.plugs.get(message.device_id)
        if plug is None:
            return False
        if isinstance(message, OnlineChange):
            plug.device = replace(plug.device, online=message.online)
            if not message.online and plug.runtime is not None:
                plug.runtime.reading(dt_util.utcnow(), None)
            self.async_update_listeners()
            return False
        return self._on_report(plug, message)

    def _on_report(self, plug: TuyaPlug, report: DeviceReport) -> bool:
        items = sorted(report.items, key=lambda item: item.t_ms)
        status = dict(plug.device.status)
        counters: list[CounterReport] = []
        live_at: datetime | None = None
        for item in items:
            at = dt_util.utc_from_timestamp(item.t_ms / 1000)
            if item.code in (ENERGY, EXPORTED):
                counters.append(CounterReport(at, item.code, item.value))
                continue
            status[item.code] = item.value
            if item.code in (POWER, VOLTAGE, CURRENT) or item.code in switch_codes(
                {item.code: None}
            ):
                live_at = at if live_at is None else max(live_at, at)
        plug.device = replace(plug.device, status=status, online=True)
        plug.reading = read_plug(status, plug.scales, plug.fixed)
        if plug.fixed is None:
            plug.judged = self._judge(plug)
        if live_at is not None and plug.runtime is not None:
            at = live_at if plug.reported_at is None else max(live_at, plug.reported_at)
            plug.reported_at = at
            self._feed(plug, at, PUSH_HOLD, pushed=True)
        if (
            counters
            and plug.energy is not None
            and plug.runtime is not None
            and plug.energy.source is MeasuredSource.PUSH
        ):
            booked = book_reports(
                plug.energy,
                plug.runtime,
                self._evidence(plug.device.product_id),
                counters,
                None,
                limit_w=self._limit(plug),
            )
            self._findings(plug, booked.findings)
            self._maybe_import_statistics(dt_util.utcnow())
        self.store.schedule_save()
        self.async_update_listeners()
        return bool(counters)

    # --- long-term statistics -------------------------------------------------------------

    def _maybe_import_statistics(self, now: datetime) -> None:
        """Write measured hours to the recorder, at most every 10 minutes."""
        if "recorder" not in self.hass.config.components:
            return
        if self._import_task is not None and not self._import_task.done():
            return
        if (
            self._last_import is not None
            and now - self._last_import < STATISTICS_IMPORT_EVERY
        ):
            return
        self._last_import = now
        self._import_task = self.config_entry.async_create_background_task(
            self.hass, self._async_import_statistics(now), f"{DOMAIN} tuya statistics"
        )

    async def _async_import_statistics(self, now: datetime) -> None:
        for plug in list(self.data.plugs.values()):
            runtime = plug.runtime
            if runtime is None or runtime.meter.hourly is None:
                continue
            settled = runtime.meter.ledger.settled_to
            if settled is None:
                continue
            hours = runtime.meter.hourly.due(settled)
            if not hours:
                continue
            stats = meter_statistics(
                f"tuya_{plug.device.id}", plug.device.name, self.currency
            )
            await async_import_hours(self.hass, stats, hours)
            runtime.meter.hourly.written(hours, now)
            self.store.schedule_save()

    # --- life cycle ---------------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Accrue held power every minute; follow the quota; listen for pushes."""
        self.quota.async_start(self._replan)
        self._unsubs.append(
            async_track_time_interval(self.hass, self._tick, TUYA_TICK_INTERVAL)
        )
        self._unsubs.append(
            self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._stopping)
        )
        if self.messages is not None and self.push_state is not PushState.UNAVAILABLE:
            self._push_task = asyncio.get_running_loop().create_task(
                self._run_push(), name=f"{DOMAIN} tuya messages"
            )
        self._schedule_next(dt_util.utcnow())

    @callback
    def _stopping(self, event: Event) -> None:
        """Home Assistant stops: count up to now, leave the message service."""
        self._tick(event)
        self._cancel_refresh()
        if self._push_task is not None:
            self._push_task.cancel()

    def _resume_push(self) -> None:
        for plug in self.data.plugs.values():
            self._choose_source(plug)

    @callback
    def _tick(self, _now: datetime | Event) -> None:
        now = dt_util.utcnow()
        changed = False
        if self.quota.check_clock(now):
            self._schedule_next(now)
        heard = self._last_message_at or self._push_connected_at
        if self.push_state is PushState.CONNECTED and self._push_silent(now):
            if not self._silence_noted:
                self._silence_noted = True
                LOGGER.warning(
                    "%s: the message service sent nothing for %s; energy is read"
                    " from the cloud's records until it does",
                    self.name,
                    PUSH_SILENCE,
                )
                self._resume_push()
                self._schedule_next(now)
        else:
            self._silence_noted = False
        # The service spoke recently: a plug it said nothing of was idle meanwhile.
        pushed_to = (
            now - PUSH_DELIVERY
            if self.push_state is PushState.CONNECTED
            and heard is not None
            and now - heard < QUIET
            else None
        )
        for plug in self.data.plugs.values():
            if plug.runtime is None:
                continue
            changed = plug.runtime.tick(now) or changed
            if (
                pushed_to is not None
                and plug.energy is not None
                and plug.energy.source is MeasuredSource.PUSH
            ):
                changed = settle_quiet(plug.energy, plug.runtime, pushed_to) or changed
        if changed:
            self._maybe_import_statistics(now)
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
            async_dispatcher_send(self.hass, SIGNAL_FIGURES_PUBLISHED)
        if self._staged_acks:
            self.config_entry.async_create_background_task(
                self.hass, self._acknowledge(), f"{DOMAIN} tuya acknowledgements"
            )

    async def _acknowledge(self) -> None:
        """Acknowledge the pushed messages whose energy is now written."""
        staged, self._staged_acks = self._staged_acks, []
        if self.messages is not None:
            for held in staged:
                await self.messages.acknowledge(held)

    async def async_switch(self, device_id: str, code: str, on: bool) -> None:
        """Switch an outlet, and show the new state until the cloud says otherwise.

        A command is refused only when the month's calls are used up or the plan
        has expired; a cloud that asks to slow down is asked again once, a second
        later.
        """
        if not self.quota.budget.allow_command(dt_util.utcnow()):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_budget",
                translation_placeholders={"name": self.config_entry.title},
            )
        try:
            try:
                await self.client.send_commands(device_id, {code: on})
            except (TuyaRateLimitedError, TuyaBusyError):
                await asyncio.sleep(1)
                await self.client.send_commands(device_id, {code: on})
        except TuyaError as err:
            if (answer := cloud_answer(err)) is not None and answer is not (
                CloudAnswer.RATE_LIMITED
            ):
                self.quota.answer(answer)  # what the cloud said holds for polling
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=SWITCH_ERRORS.get(type(err), "command_failed"),
                translation_placeholders={"error": str(err)},
            ) from err
        plug = self.data.plugs.get(device_id)
        if plug is None:
            return
        status = {**plug.device.status, code: on}
        if not any(status[c] is True for c in mains_codes(status)) and POWER in status:
            status[POWER] = 0  # off draws nothing; the cloud reports it shortly
        now = dt_util.utcnow()
        self._update_plug(plug, replace(plug.device, status=status), now, fresh=True)
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
        energies = dict(self._stored_energy)
        now = dt_util.utcnow()
        for device_id, plug in self.data.plugs.items():
            if plug.runtime is not None:
                meters[device_id] = plug.runtime.stage(now)
            if plug.energy is not None:
                energies[device_id] = plug.energy.as_dict()
        if self.messages is not None and (held := self.messages.take_held()):
            self._staged_acks.append(held)  # acknowledged once this is written
        return {
            "specs": {
                product: {code: point.as_dict() for code, point in points.items()}
                for product, points in self.specs.items()
            },
            "spec_refused": sorted(self.spec_refused),
            "evidence": {
                product: evidence.as_dict()
                for product, evidence in self.evidence.items()
            },
            "capabilities": self.capabilities.as_dict(),
            "refreshes": [t.isoformat() for t in self.refreshes],
            "listed": self.listed,
            # The quota's pace, kept apart from its own state: if that is lost, the
            # period so far is taken as spent at this rate.
            "quota_rate": (self.quota.budget.rate or 0.0)
            + self.quota.budget.view.command_rps,
            "devices": [
                _device_to_store(plug.device) for plug in self.data.plugs.values()
            ],
            "meters": meters,
            "energy": energies,
        }

    async def async_shutdown(self) -> None:
        """Write the meters (then acknowledge what they hold), stop the push."""
        while self._unsubs:
            self._unsubs.pop()()
        self._cancel_refresh()
        await self.store.async_save()
        self.store.async_stop()
        await self._acknowledge()
        for task in (self._push_task, self._import_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.quota.async_shutdown()
        await super().async_shutdown()


def _shown(value: float | None, unit: str) -> str:
    return "?" if value is None else f"{value:g} {unit}"
