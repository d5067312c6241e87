"""Spain's PVPC tariff: the outlook of a tariff whose prices are fetched from ESIOS when due."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.const import CONF_TOKEN
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ...api.esios import (
    DEFAULT_BASE_URL as ESIOS_BASE_URL,
    EsiosAuthenticationError,
    EsiosClient,
)
from ...const import CONF_BASE_URL, CONF_ZONE, DOMAIN
from ...domain.outlook import TariffOutlook
from ...domain.prices import IntervalSchedule, PriceSchedule
from ...domain.pvpc import Zone, local_day
from ...runtime import UtilityCostConfigEntry
from ...tariff.coordinator import TariffCoordinator
from .prices import PvpcPrices

if TYPE_CHECKING:
    pass


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

    def prices_vary(self) -> bool:
        """Return True: the PVPC changes every hour (or quarter)."""
        return True

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

    @property
    def has_export_price(self) -> bool:
        """Return True with a token: ESIOS then serves the export price too."""
        return self.prices.client.has_token

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
