"""Tariff entries as seen by the rest of the integration.

A tariff is a config entry of one of the tariff types, or one meter of an Octopus
account (chosen as ``<entry id>/<meter key>``). This module turns such a choice
into a :class:`~.domain.prices.PriceSchedule` and lets a meter follow the tariff it
is priced with, whether or not that entry is loaded right now.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from ..const import (
    CONF_CURRENCY,
    CONF_ENTRY_TYPE,
    DOMAIN,
    TARIFF_ENTRY_TYPES,
    EntryType,
)
from ..domain.prices import PriceSchedule
from .schedule import fixed_schedule


def is_tariff_entry(entry: ConfigEntry) -> bool:
    """Return True if the entry is a tariff of this integration."""
    return entry.domain == DOMAIN and entry.data.get(CONF_ENTRY_TYPE) in (
        TARIFF_ENTRY_TYPES
    )


def tariff_entries(hass: HomeAssistant) -> list[ConfigEntry]:
    """Return every tariff entry, loaded or not, sorted by title."""
    return sorted(
        (e for e in hass.config_entries.async_entries(DOMAIN) if is_tariff_entry(e)),
        key=lambda entry: entry.title.casefold(),
    )


# A tariff that is one of several of an entry: "<entry id>/<scope>".
SCOPE_SEPARATOR = "/"


@runtime_checkable
class LiveTariffs(Protocol):
    """What a loaded entry with several tariffs runs (an Octopus account)."""

    @property
    def tariffs(self) -> Mapping[str, LiveTariff]:
        """Return its tariffs by scope."""


def split_tariff_id(tariff_id: str) -> tuple[str, str | None]:
    """Return the entry id and the scope (None for a whole-entry tariff)."""
    entry_id, _, scope = tariff_id.partition(SCOPE_SEPARATOR)
    return entry_id, scope or None


def scoped_tariffs(hass: HomeAssistant) -> list[tuple[str, str, str]]:
    """Return (tariff id, label, currency) of loaded entries' scoped tariffs."""
    found = []
    for entry in hass.config_entries.async_entries(DOMAIN):
        live = getattr(entry, "runtime_data", None)
        if entry.state is ConfigEntryState.LOADED and isinstance(live, LiveTariffs):
            for scope, tariff in live.tariffs.items():
                device = getattr(tariff, "device", None) or {}
                label = f"{device.get('name', scope)} ({entry.title})"
                found.append(
                    (
                        f"{entry.entry_id}{SCOPE_SEPARATOR}{scope}",
                        label,
                        tariff_currency(entry),
                    )
                )
    return found


def tariff_currency(entry: ConfigEntry) -> str:
    """Return the currency a tariff entry prices in."""
    return str(entry.data[CONF_CURRENCY])


def tariff_selector(
    hass: HomeAssistant, currency: str | None = None
) -> SelectSelector | None:
    """Return a selector of the tariffs (in ``currency`` if given); None if none."""
    options = [
        SelectOptionDict(value=entry.entry_id, label=entry.title)
        for entry in tariff_entries(hass)
        if currency is None or tariff_currency(entry) == currency
    ]
    options += [
        SelectOptionDict(value=tariff_id, label=label)
        for tariff_id, label, tariff_currency_ in scoped_tariffs(hass)
        if currency is None or tariff_currency_ == currency
    ]
    if not options:
        return None
    return SelectSelector(
        SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
    )


@runtime_checkable
class LiveTariff(Protocol):
    """What a loaded tariff entry runs: it knows the schedule as of now."""

    @property
    def schedule(self) -> PriceSchedule:
        """Return the schedule with every price known so far."""


class TariffLink:
    """The tariff a meter is priced with, followed by entry id.

    A loaded tariff entry gives its live schedule (published prices arrive over
    time). A fixed tariff is configuration only, so it prices even while its entry
    is not loaded (Home Assistant starts entries in no particular order), rebuilt
    only when its options change; a tariff of published prices prices nothing
    until its entry has loaded them. A tariff entry that no longer exists prices
    nothing.
    """

    def __init__(self, hass: HomeAssistant, tariff_id: str) -> None:
        """Follow the tariff ``tariff_id`` (an entry id, or ``<entry id>/<scope>``)."""
        self._hass = hass
        self.entry_id, self.scope = split_tariff_id(tariff_id)
        self._options: Mapping[str, Any] | None = None
        self._schedule: PriceSchedule | None = None

    @property
    def entry(self) -> ConfigEntry | None:
        """Return the tariff entry if it exists."""
        entry = self._hass.config_entries.async_get_entry(self.entry_id)
        if entry is None or entry.domain != DOMAIN:
            return None
        if self.scope is None:
            return entry if is_tariff_entry(entry) else None
        # A scoped tariff belongs to an entry that has several: it is there while
        # the entry is (its meters are only known once it is loaded).
        return entry if entry.data.get(CONF_ENTRY_TYPE) == EntryType.OCTOPUS else None

    def schedule(self) -> PriceSchedule | None:
        """Return the tariff's current schedule (None if the tariff is gone)."""
        entry = self.entry
        if entry is None:
            self._options = self._schedule = None
            return None
        live = getattr(entry, "runtime_data", None)
        if entry.state is not ConfigEntryState.LOADED:
            live = None
        if self.scope is not None:
            scoped = (
                live.tariffs.get(self.scope) if isinstance(live, LiveTariffs) else None
            )
            return None if scoped is None else scoped.schedule
        if isinstance(live, LiveTariff):
            # The loaded entry's schedule is shared by every meter priced by it.
            self._options = self._schedule = None
            return live.schedule
        if entry.data[CONF_ENTRY_TYPE] != EntryType.FIXED_TARIFF:
            return None
        if entry.options is not self._options:
            self._options = entry.options
            self._schedule = fixed_schedule(entry)
        return self._schedule
