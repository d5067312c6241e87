"""A Tuya cloud account: its plugs, polled within the quota, metered by themselves.

:class:`TuyaCoordinator` follows one cloud project (Access ID). It is built in
layers, one module each: :mod:`.state`, :mod:`.plugs`, :mod:`.polling`,
:mod:`.push`, and its life cycle here.

* **Polling.** A refresh lists the linked devices (20 a page, status included: never
  a request per device). Refreshes are planned when the quota's bucket can pay them
  (:meth:`~.domain.quota.QuotaBudget.ready_at`), so none is skipped for a timer that
  fires early; calls that are not polling (tokens, specifications, what a product
  offers, commands) count for the month without delaying polling.
* **Energy.** A plug that counts its energy is metered by its own reports
  (:mod:`.energy`): pushed by the message service where the project has it,
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
import contextlib
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from ...api.tuya import TuyaBusyError, TuyaError, TuyaRateLimitedError
from ...const import DOMAIN, LOGGER, TUYA_TICK_INTERVAL
from ...domain.plug_energy import MeasuredSource
from ...domain.plugs import POWER, mains_codes
from ...domain.quota import CloudAnswer
from .energy import QUIET, settle_quiet
from .models import PUSH_DELIVERY, PUSH_SILENCE, SWITCH_ERRORS, PushState, cloud_answer
from .push import TuyaPush

if TYPE_CHECKING:
    pass


class TuyaCoordinator(TuyaPush):
    """The plugs of one Tuya cloud project, polled within a monthly call budget."""

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
