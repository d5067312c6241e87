"""The PVPC prices of an ESIOS tariff entry: kept in storage, fetched when due.

:class:`PvpcPrices` holds the days of prices it has (yesterday's, today's and,
after about 20:30 Madrid time, tomorrow's), stores them with Home Assistant's
``Store`` so that a restart or an outage loses none, and fetches what is missing
when it is due (:func:`~.domain.pvpc.wanted_days`): today's at set-up and after
midnight if they are not there yet, tomorrow's once they are expected, with a
growing delay between attempts until they appear. A failure is logged once, when
it starts, and its end once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Final

from homeassistant.core import HomeAssistant

from ...api.esios import (
    EsiosAuthenticationError,
    EsiosBadResponseError,
    EsiosClient,
    EsiosError,
    EsiosNotPublishedError,
    EsiosRateLimitedError,
)
from ...const import DOMAIN, LOGGER
from ...domain.prices import IntervalSchedule, PriceInterval
from ...domain.pvpc import (
    Zone,
    local_day,
    next_check,
    retry_delay,
    toll_period,
    wanted_days,
)
from ...storage import ThrottledStore

# Days older than yesterday are dropped: nothing prices them any more.
_KEEP_DAYS_BEFORE_TODAY: Final = 1


def esios_store_key(entry_id: str) -> str:
    """Return the storage key of an ESIOS entry's prices."""
    return f"{DOMAIN}.esios.{entry_id}"


def _intervals_to_store(intervals: list[PriceInterval]) -> list[list[Any]]:
    return [[i.start.isoformat(), i.end.isoformat(), i.price] for i in intervals]


def _intervals_from_store(rows: list[list[Any]]) -> list[PriceInterval]:
    return [
        PriceInterval(
            datetime.fromisoformat(start), datetime.fromisoformat(end), float(price)
        )
        for start, end, price in rows
    ]


class PvpcPrices:
    """The PVPC days of one zone: stored, and fetched when due."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, title: str, client: EsiosClient
    ) -> None:
        """Keep the prices ``client`` fetches under the entry's storage key."""
        self.client = client
        self.zone: Zone = client.zone
        self.title = title
        self.days: dict[date, list[PriceInterval]] = {}
        self.export_days: dict[date, list[PriceInterval]] = {}
        self.failures = 0
        self.last_error: str | None = None
        self.next_attempt: datetime | None = None
        self._warned = False  # about the current streak of failures
        self._store = ThrottledStore(hass, esios_store_key(entry_id), self._to_store)

    async def async_load(self) -> None:
        """Restore the stored days (a corrupt store is ignored: prices refetch)."""
        stored = await self._store.async_load()
        if not stored:
            return
        try:
            self.days = {
                date.fromisoformat(day): _intervals_from_store(rows)
                for day, rows in stored.get("import", {}).items()
            }
            self.export_days = {
                date.fromisoformat(day): _intervals_from_store(rows)
                for day, rows in stored.get("export", {}).items()
            }
        except (TypeError, ValueError) as err:
            LOGGER.warning(
                "%s: the stored prices could not be read (%s); fetching them again",
                self.title,
                err,
            )
            self.days, self.export_days = {}, {}

    def schedule(self) -> IntervalSchedule:
        """Return the known prices, each labelled with its 2.0TD period."""
        return IntervalSchedule(
            replace(interval, label=toll_period(interval.start, self.zone))
            for intervals in self.days.values()
            for interval in intervals
        )

    def export_schedule(self) -> IntervalSchedule:
        """Return the known prices of exported energy (none without a token)."""
        return IntervalSchedule(i for day in self.export_days.values() for i in day)

    def _complete(self) -> set[date]:
        """Return the days that have every series this entry fetches."""
        if not self.client.has_token:
            return set(self.days)
        return set(self.days) & set(self.export_days)

    async def async_fetch_due(self, now: datetime) -> tuple[list[date], datetime]:
        """Fetch the days that are due; return those that are new, and when next.

        Raises EsiosAuthenticationError if the token is refused (and plans no next
        attempt); any other failure is recorded, and the next attempt is later. A
        day that is not out yet or whose answer is malformed does not hold back
        the other days; an unreachable or busy ESIOS stops the round.
        """
        added: list[date] = []
        exported = False
        wait: timedelta | None = None
        for day in wanted_days(now, self.zone, self._complete()):
            try:
                if day not in self.days:
                    self.days[day] = await self.client.prices(day)
                    added.append(day)
                if self.client.has_token and day not in self.export_days:
                    self.export_days[day] = await self.client.export_prices(day)
                    exported = True
            except EsiosAuthenticationError:
                self.next_attempt = None
                raise
            except EsiosError as err:
                if wait is None:
                    wait = self._failed(now, day, err)
                if not isinstance(err, EsiosBadResponseError | EsiosNotPublishedError):
                    break  # ESIOS is down or busy: no point asking for more now
                # This day's answer was wrong or is not out: the next may be fine.
        if added or exported:
            # Export prices are kept like import prices: after a restart with ESIOS
            # down, the export price of today is still known.
            self._prune(now)
            await self._store.async_save()
        if wait is None:
            if self._warned:
                LOGGER.info("%s: PVPC prices can be fetched again", self.title)
            self.failures, self.last_error, self._warned = 0, None, False
            attempt = next_check(now, self.zone)
        else:
            attempt = now + wait
        self.next_attempt = attempt
        return added, attempt

    def _failed(self, now: datetime, day: date, err: EsiosError) -> timedelta:
        """Record a failed attempt; return how long to wait before the next."""
        self.failures += 1
        self.last_error = f"{type(err).__name__}: {err}"
        wait = retry_delay(self.failures)
        if isinstance(err, EsiosRateLimitedError) and err.retry_after:
            wait = max(wait, timedelta(seconds=err.retry_after))
        today = local_day(now, self.zone)
        if isinstance(err, EsiosNotPublishedError) and day > today:
            LOGGER.debug(
                "%s: the prices of %s are not published yet; trying again in %s",
                self.title,
                day,
                wait,
            )
        elif not self._warned:
            self._warned = True
            LOGGER.warning(
                "%s: the PVPC prices of %s could not be fetched (%s); the prices"
                " already known are kept, and fetching is retried in %s",
                self.title,
                day,
                err,
                wait,
            )
        return wait

    def _prune(self, now: datetime) -> None:
        oldest = local_day(now, self.zone) - timedelta(days=_KEEP_DAYS_BEFORE_TODAY)
        for days in (self.days, self.export_days):
            for day in [d for d in days if d < oldest]:
                del days[day]

    def _to_store(self) -> dict[str, Any]:
        return {
            "zone": self.zone.value,
            "import": {
                str(day): _intervals_to_store(i) for day, i in sorted(self.days.items())
            },
            "export": {
                str(day): _intervals_to_store(i)
                for day, i in sorted(self.export_days.items())
            },
        }

    def diagnostics(self) -> dict[str, Any]:
        """Return what is known and what is planned."""
        return {
            "zone": self.zone.value,
            "source": "indicator API" if self.client.has_token else "public archive",
            "days": {str(day): len(i) for day, i in sorted(self.days.items())},
            "export_days": {
                str(day): len(i) for day, i in sorted(self.export_days.items())
            },
            "failures_in_a_row": self.failures,
            "last_error": self.last_error,
            "next_attempt": self.next_attempt.isoformat()
            if self.next_attempt
            else None,
        }
