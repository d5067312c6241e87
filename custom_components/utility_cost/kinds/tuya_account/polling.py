"""Polling a Tuya account within its quota: what was known, refreshes and reconciling.

A refresh lists the linked devices (20 a page, status included); refreshes are
planned when the quota's bucket can pay them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ...api.tuya import TuyaApiError, TuyaConnectionError, TuyaDevice, TuyaError
from ...const import CONF_FLOW_CALLS, DOMAIN, LOGGER
from ...domain.plausibility import ProductEvidence
from ...domain.plug_energy import MeasuredSource, next_reconcile, reconcile_calls
from ...domain.plugs import DEFAULT_SCALES, ENERGY, PointSpec, is_metering, is_plug
from ...domain.polling import next_refresh_at, refresh_plan
from ...domain.quota import CloudAnswer
from ...metering.repairs import async_check_tariff
from .energy import (
    async_reconcile_logs,
    async_reconcile_statistics,
    give_up_old_estimate,
)
from .models import (
    CAPABILITY_RECHECK,
    GAP_WINDOW,
    NOT_OFFERED,
    PUSH_POLL_INTERVAL,
    PUSH_RECHECK,
    REFRESH_ERRORS,
    STATISTICS_CODE,
    Capabilities,
    PushState,
    TuyaAccount,
    TuyaPlug,
    _device_from_store,
)
from .plugs import TuyaPlugs
from .repairs import async_delete_tuya_issues

if TYPE_CHECKING:
    pass


class TuyaPolling(TuyaPlugs):
    """Loading what was known, and polling the cloud within the quota."""

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
