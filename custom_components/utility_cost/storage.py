"""Storage that is written soon after a change, but not on every change.

Every store of this integration is written atomically (a new file renamed over the
old one), so a process killed in the middle of a write leaves the previous state,
never a truncated file.

A store can also tell its owner when a write has completed (``on_saved``). Meters
use that to *publish only what is persisted*: their entities show the figures of the
last completed write, so what Home Assistant has recorded is never more than what a
restart restores, however the process ends (see ``docs/architecture.md``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any, Final

from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import CALLBACK_TYPE, CoreState, Event, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store

from .const import METER_SAVE_DELAY_S

STORAGE_VERSION: Final = 1


class ThrottledStore:
    """A store written at most ``delay`` seconds after a change, and at the end.

    :meth:`schedule_save` starts a timer unless one is pending, so a source that
    changes every few seconds is still written every ``delay`` seconds (a pending
    write is never postponed, as Home Assistant's ``async_delay_save`` would do). A
    pending write is also made at Home Assistant's final write.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        key: str,
        data: Callable[[], dict[str, Any]],
        *,
        on_saved: Callable[[], None] | None = None,
        delay: float = METER_SAVE_DELAY_S,
    ) -> None:
        """Keep what ``data`` returns under ``key``; ``on_saved`` follows each write."""
        self.hass = hass
        self._store = Store[dict[str, Any]](
            hass, STORAGE_VERSION, key, atomic_writes=True
        )
        self._data = data
        self._on_saved = on_saved
        self._delay = delay
        self._lock = asyncio.Lock()
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._timer_due: float | None = None
        self._unsub_final: CALLBACK_TYPE | None = None
        self._saving = False
        self.writes = 0

    @property
    def pending(self) -> bool:
        """Return True while a write is scheduled or about to start."""
        return self._unsub_timer is not None or self._saving

    async def async_load(self) -> dict[str, Any] | None:
        """Return what was stored, if anything."""
        return await self._store.async_load()

    @callback
    def schedule_save(self, delay: float | None = None) -> None:
        """Write within ``delay`` seconds (default: the store's), unless sooner."""
        delay = self._delay if delay is None else delay
        if self._unsub_final is None:
            self._unsub_final = self.hass.bus.async_listen_once(
                EVENT_HOMEASSISTANT_FINAL_WRITE, self._final_write
            )
        if delay <= 0:
            self._timer_fired(None)
            return
        due = self.hass.loop.time() + delay
        if self._timer_due is not None and self._timer_due <= due:
            return
        self._cancel_timer()
        self._timer_due = due
        self._unsub_timer = async_call_later(self.hass, delay, self._timer_fired)

    @callback
    def _timer_fired(self, _now: Any) -> None:
        self._cancel_timer()
        self._saving = True
        self.hass.async_create_background_task(
            self._save_task(), f"utility_cost save {self._store.key}"
        )

    async def _save_task(self) -> None:
        try:
            await self.async_save()
        finally:
            self._saving = False

    async def _final_write(self, _event: Event) -> None:
        self._unsub_final = None
        if self.pending:
            await self.async_save()

    async def async_save(self) -> None:
        """Write now; then tell the owner (unless Home Assistant is stopping)."""
        self._cancel_timer()
        async with self._lock:
            await self._store.async_save(self._data())
            self.writes += 1
        if self._on_saved is not None and self.hass.state is not CoreState.stopping:
            self._on_saved()

    async def async_remove(self) -> None:
        """Delete what is stored (and forget a pending write)."""
        self._cancel_timer()
        await self._store.async_remove()

    def async_stop(self) -> None:
        """Stop listening for the final write (the owner saves when it unloads)."""
        self._cancel_timer()
        if self._unsub_final is not None:
            self._unsub_final()
            self._unsub_final = None

    def _cancel_timer(self) -> None:
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None
        self._timer_due = None


async def async_remove_stores(hass: HomeAssistant, keys: Iterable[str]) -> None:
    """Delete the stores of a deleted entry."""
    for key in keys:
        await ThrottledStore(hass, key, dict).async_remove()
