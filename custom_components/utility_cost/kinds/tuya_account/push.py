"""A Tuya account's message service: pushed reports, held until written.

Its health (connected, silent, lost) decides whether polling steps back to the
push-era interval.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from ...api.tuya import TuyaAuthenticationError, TuyaConnectionError
from ...api.tuya_messages import (
    DeviceReport,
    Message,
    OnlineChange,
    TuyaMessageServiceUnavailableError,
)
from ...const import DOMAIN, LOGGER
from ...domain.plug_energy import MeasuredSource
from ...domain.plugs import (
    CURRENT,
    ENERGY,
    EXPORTED,
    POWER,
    VOLTAGE,
    read_plug,
    switch_codes,
)
from .energy import CounterReport, book_reports
from .models import (
    PUSH_HOLD,
    PUSH_RETRY_MAX_S,
    PUSH_RETRY_MIN_S,
    PUSH_SILENCE,
    PUSH_STABLE,
    PushState,
    TuyaPlug,
)
from .polling import TuyaPolling

if TYPE_CHECKING:
    pass


class TuyaPush(TuyaPolling):
    """The message service: pushed reports, held until written, and its health."""

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

    def _resume_push(self) -> None:
        for plug in self.data.plugs.values():
            self._choose_source(plug)
