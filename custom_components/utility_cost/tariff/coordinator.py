"""The coordinator every tariff kind builds on.

It publishes the tariff's outlook (current and next price, the day's figures,
cheap flags and windows) and recomputes it exactly when time changes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from ..const import CONF_STANDING_CHARGE, DOMAIN, EVENT_PRICES_PUBLISHED, LOGGER
from ..domain.outlook import (
    DEFAULT_CHEAPEST_HOURS,
    AutomationSettings,
    TariffOutlook,
    tariff_outlook,
)
from ..domain.prices import PriceInterval, PriceSchedule
from ..domain.windows import PriceStats, PriceWindow, cheapest_window, known_segments
from ..metering.repairs import async_ask_for_another_tariff
from ..runtime import UtilityCostConfigEntry, UtilityCostCoordinator
from ..storage import ThrottledStore, async_remove_stores
from .link import tariff_currency

if TYPE_CHECKING:
    pass


def tariff_store_key(entry_id: str, scope: str | None = None) -> str:
    """Return the storage key of a tariff's automation settings.

    ``scope``: the tariff's name within an entry that has several (an Octopus meter).
    """
    return f"{DOMAIN}.tariff.{entry_id}" + ("" if scope is None else f"_{scope}")


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
        export: bool = False,
    ) -> None:
        """Prepare the tariff's schedule and settings.

        An entry with several tariffs (an Octopus account: one per meter) gives each
        its ``scope`` and ``device``. ``export``: a tariff that pays for energy
        sent out, whose best times are its highest prices.
        """
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} tariff {entry.title} {scope or ''}".rstrip(),
        )
        self.scope = scope
        self.device = device
        self.export = export
        self.schedule: PriceSchedule = self._initial_schedule()
        self.currency = tariff_currency(entry)
        standing_charge = entry.options.get(CONF_STANDING_CHARGE)
        self.standing_charge: float | None = (
            None if standing_charge is None else float(standing_charge)
        )
        self.settings = AutomationSettings()
        self._settings_store = ThrottledStore(
            hass,
            tariff_store_key(entry.entry_id, scope),
            self._settings_to_store,
        )
        self._kept_window: PriceWindow | None = None
        self._unsub_change: CALLBACK_TYPE | None = None

    @property
    def has_export_price(self) -> bool:
        """Return True if the tariff also knows the price of exported energy."""
        return False

    def export_price(self) -> float | None:
        """Return the price of exported energy now (None if unknown)."""
        return None

    def _initial_schedule(self) -> PriceSchedule:
        """Return the schedule the tariff starts with (its kind's)."""
        raise NotImplementedError

    async def async_load(self) -> None:
        """Restore the automation settings."""
        stored = await self._settings_store.async_load() or {}
        threshold = stored.get("cheap_threshold")
        self.settings = AutomationSettings(
            cheap_threshold=None if threshold is None else float(threshold),
            cheapest_hours=int(stored.get("cheapest_hours", DEFAULT_CHEAPEST_HOURS)),
            prefer_high=self.export,
        )

    def prices_vary(self) -> bool:
        """Return True if the price changes within a day (cheap times mean something).

        Judged from the prices known from yesterday to the day after tomorrow; a
        flat rate has no cheap or cheapest times (its entities are not made).
        """
        now = dt_util.utcnow()
        prices = {
            segment.price
            for segment in known_segments(
                self.schedule, now - timedelta(days=1), now + timedelta(days=2)
            )
        }
        return len(prices) > 1

    def _settings_to_store(self) -> dict[str, Any]:
        return {
            "cheap_threshold": self.settings.cheap_threshold,
            "cheapest_hours": self.settings.cheapest_hours,
        }

    @callback
    def async_set_settings(
        self,
        *,
        cheap_threshold: float | None = None,
        cheapest_hours: int | None = None,
        automatic_threshold: bool = False,
    ) -> None:
        """Change an automation setting (a number entity was set).

        ``automatic_threshold``: follow today's average again.
        """
        if cheap_threshold is not None:
            self.settings = replace(self.settings, cheap_threshold=cheap_threshold)
        if automatic_threshold:
            self.settings = replace(self.settings, cheap_threshold=None)
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
            keep_window=self._kept_window,
            previous=self.data,
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


async def async_prepared[TariffT: TariffCoordinator](coordinator: TariffT) -> TariffT:
    """Return a new tariff coordinator with its settings restored and first outlook."""
    await coordinator.async_load()
    await coordinator.async_config_entry_first_refresh()
    return coordinator


async def async_remove_tariff(
    hass: HomeAssistant, entry: ConfigEntry, stores: Iterable[str]
) -> None:
    """Forget a deleted tariff: its stores, and ask its meters for another tariff."""
    async_ask_for_another_tariff(hass, lambda tariff: tariff == entry.entry_id)
    await async_remove_stores(hass, stores)
