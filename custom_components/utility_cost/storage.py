"""Storage that is written soon after a change, but not on every change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import METER_SAVE_DELAY_S

STORAGE_VERSION: Final = 1


class ThrottledStore:
    """A store written at most METER_SAVE_DELAY_S after a change.

    Store.async_delay_save postpones a pending write each time it is called, so
    calling it on every reading of a busy source would never write until Home
    Assistant stops: :meth:`schedule_save` only calls it when no write is pending.
    """

    def __init__(
        self, hass: HomeAssistant, key: str, data: Callable[[], dict[str, Any]]
    ) -> None:
        """Keep what ``data`` returns under ``key`` in Home Assistant's storage."""
        self._store = Store[dict[str, Any]](hass, STORAGE_VERSION, key)
        self._data = data
        self._pending = False

    async def async_load(self) -> dict[str, Any] | None:
        """Return what was stored, if anything."""
        return await self._store.async_load()

    def schedule_save(self) -> None:
        """Write soon, unless a write is already pending."""
        if not self._pending:
            self._pending = True
            self._store.async_delay_save(self._data_to_write, METER_SAVE_DELAY_S)

    async def async_save(self) -> None:
        """Write now (when unloading)."""
        await self._store.async_save(self._data_to_write())

    async def async_remove(self) -> None:
        """Delete what is stored."""
        await self._store.async_remove()

    def _data_to_write(self) -> dict[str, Any]:
        self._pending = False
        return self._data()
