"""An Octopus Energy account in Home Assistant: its meters and their history.

:class:`OctopusCoordinator` reads the account (the meters of the properties still
lived in), and every 30 minutes imports the complete UK days of each included
meter's consumption after its last imported hour (looking back at most 30 days),
priced at the rate of the agreement in force for each half-hour (and, if chosen,
with the day's standing charge spread over its half-hours), into the meter's
hourly statistics (``statistics.py``). :meth:`OctopusCoordinator.async_backfill`
imports any range of days in pages of whole UK days, writes each meter once, and
says which days were imported and which Octopus did not have.

Only whole, priced days are imported: a day with a half-hour missing, or under a
tariff without rates (or with a code of a shape not known here), is reported and
waits, never imported without its cost.

Faults: a refused key asks for re-authentication; "too many requests" waits as
long as the API asks (Retry-After) or backs off (the interval doubles, up to 6
hours), and server errors back off; the history sensors keep their values
meanwhile. A meter or tariff the API does not know (404) has no data, which is
not an error; consumption that has not arrived yet is looked for again at the
next run, and a meter with none for 30 days is a repair issue.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ...api.octopus import (
    OctopusAuthenticationError,
    OctopusBadResponseError,
    OctopusError,
    OctopusRateLimitedError,
)
from ...const import (
    DOMAIN,
    LOGGER,
)
from ...domain.octopus import (
    OctopusDataError,
)
from .history import OctopusHistory
from .meters import MAX_BACKOFF, MIN_RETRY_AFTER, UPDATE_INTERVAL, OctopusMeter


class OctopusCoordinator(OctopusHistory):
    """An Octopus account: its meters' tariffs, and their history as statistics."""

    async def _async_update_data(self) -> dict[str, OctopusMeter]:
        """Read the account if needed, then catch up every meter's history."""
        try:
            if self.account is None:
                self.account = await self.client.account(self.number)
                self.data = self._meters(self.account)
                await self._add_tariffs()
            now = dt_util.utcnow()
            async with self._import_lock:
                for meter in self.data.values():
                    await self._catch_up(meter, now)
                    await self._refresh_rates(meter, now)
        except OctopusAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="octopus_key_refused"
            ) from err
        except (OctopusError, OctopusDataError) as err:
            self._back_off(err)
            if isinstance(err, OctopusBadResponseError | OctopusDataError):
                LOGGER.warning(
                    "%s: the import stopped: %s", self.config_entry.title, err
                )
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="octopus_unavailable",
                translation_placeholders={"error": str(err)},
            ) from err
        self._failures = 0
        self.last_error = self.retry_at = None
        self.update_interval = UPDATE_INTERVAL
        self._follow_standing_charges()
        return self.data

    def _back_off(self, err: Exception) -> None:
        """Wait as long as the API asked, or twice as long as last time."""
        self._failures += 1
        wait = min(UPDATE_INTERVAL * 2**self._failures, MAX_BACKOFF)
        if isinstance(err, OctopusRateLimitedError) and err.retry_after is not None:
            asked = timedelta(seconds=err.retry_after)
            wait = min(max(asked, MIN_RETRY_AFTER), MAX_BACKOFF)
        self.update_interval = wait
        self.last_error = str(err)
        self.retry_at = dt_util.utcnow() + wait
        # The coordinator tells its entities of the first failure only; the
        # history sensors show every new try.
        self.async_update_listeners()

    async def async_shutdown(self) -> None:
        """Stop following the standing charges."""
        if self._unsub_charge is not None:
            self._unsub_charge()
            self._unsub_charge = None
        await super().async_shutdown()

    def diagnostics(self) -> dict[str, Any]:
        """Return the meters and what was imported, without the key."""
        now = dt_util.utcnow()
        return {
            "meters": {
                key: {
                    "fuel": meter.point.fuel,
                    "is_export": meter.point.is_export,
                    "agreements": [
                        [
                            a.tariff_code,
                            a.valid_from.isoformat(),
                            a.valid_to and a.valid_to.isoformat(),
                        ]
                        for a in meter.point.agreements
                    ],
                    "statistics": [
                        meter.statistics.consumption_id,
                        meter.statistics.cost_id,
                    ],
                    "last_day": meter.last_day and meter.last_day.isoformat(),
                    "last_day_kwh": meter.last_day_kwh,
                    "last_day_cost": meter.last_day_cost,
                    "data_until": meter.data_until and meter.data_until.isoformat(),
                    "standing_charge": meter.standing_charge_at(now),
                }
                for key, meter in self.data.items()
            },
            "requests_made": self.client.requests_made,
            "failures_in_a_row": self._failures,
            "last_error": self.last_error,
            "retry_at": self.retry_at and self.retry_at.isoformat(),
        }
