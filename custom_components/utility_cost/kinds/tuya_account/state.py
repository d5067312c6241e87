"""What a Tuya account's coordinator knows, and the quota every request counts in.

The base of :class:`~.coordinator.TuyaCoordinator`'s layers (plugs, polling, push,
life cycle, one module each): the clients, the quota, the plugs' state and the
store they are written to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from ...api.tuya import TOKEN_PATH, TuyaClient
from ...api.tuya_messages import HeldMessages, TuyaMessageClient
from ...const import (
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_CURRENCY,
    CONF_FIXED_WATTS,
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
)
from ...domain.plausibility import ProductEvidence
from ...domain.plug_energy import MeasuredSource, reconcile_calls
from ...domain.plugs import FixedWatts, PointSpec
from ...domain.quota import DEFAULT_MONTHLY_CAP
from ...domain.sessions import SessionRules
from ...metering.runtime import MeterRuntime
from ...runtime import UtilityCostCoordinator
from ...storage import ThrottledStore
from ...tariff.link import TariffLink
from .models import (
    _PACED_PATHS,
    GAP_WINDOW,
    PUSH_POLL_INTERVAL,
    Capabilities,
    PushState,
    TuyaAccount,
    _device_to_store,
    device_list_pages,
    tuya_base_url,
    tuya_message_url,
    tuya_store_key,
)
from .quota import TuyaQuota

if TYPE_CHECKING:
    from ...runtime import UtilityCostConfigEntry


class TuyaAccountState(UtilityCostCoordinator[TuyaAccount]):
    """What a Tuya account's coordinator knows: clients, quota, plugs and stores."""

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
