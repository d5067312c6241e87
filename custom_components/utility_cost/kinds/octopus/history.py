"""An Octopus account's consumption history, imported into statistics.

Caught up at each refresh (the days since the last import), backfilled on request
(the ``octopus_backfill`` action), each meter's hours written with their cost.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from homeassistant.components import persistent_notification

from ...api.octopus import (
    GAS,
    STANDARD_UNIT_RATES,
    STANDING_CHARGES,
    OctopusError,
    OctopusNotFoundError,
)
from ...const import (
    DOMAIN,
    EVENT_OCTOPUS_BACKFILL_FINISHED,
    LOGGER,
)
from ...domain.hours import HourTotal
from ...domain.octopus import (
    OctopusDataError,
    agreements_in_force,
    backfill_pages,
    hourly_totals,
    whole_days,
    with_standing_charge,
)
from ...statistics import (
    async_import_hours,
    async_last_imported_hour,
)
from .meters import (
    HOUR,
    LOOK_BACK_DAYS,
    PAGE_DAYS,
    UK,
    FetchedDays,
    OctopusMeter,
    iso_ranges,
    meter_report,
    uk_midnight,
)
from .rates import OctopusRates
from .repairs import async_set_octopus_issue


class OctopusHistory(OctopusRates):
    """An Octopus account's consumption history: caught up, backfilled, written."""

    async def _catch_up(self, meter: OctopusMeter, now: datetime) -> None:
        """Import the complete days after the last imported hour (30 days at most)."""
        today = now.astimezone(UK).date()
        last = await async_last_imported_hour(self.hass, meter.statistics)
        first = today - timedelta(days=LOOK_BACK_DAYS)
        if last is not None:
            meter.data_until = last + HOUR
            first = max(first, (last + HOUR).astimezone(UK).date())
        if first >= today:
            return
        fetched = await self._fetch_days(meter, first, today - timedelta(days=1))
        # Days wait for a missing one before them: the next import starts there.
        leading: list[HourTotal] = []
        day = first
        while day in fetched.days:
            leading.extend(fetched.days[day])
            day += timedelta(days=1)
        await self._write(meter, leading)
        self._update_issues(meter, fetched, day, today)

    def _update_issues(
        self, meter: OctopusMeter, fetched: FetchedDays, waiting: date, today: date
    ) -> None:
        """Say so when a meter's history has no rates, or no recent data at all."""
        entry_id = self.config_entry.entry_id
        no_rates: dict[str, str] | None = None
        if waiting in fetched.no_price:
            spans = agreements_in_force(
                meter.point.agreements,
                uk_midnight(waiting),
                uk_midnight(waiting + timedelta(days=1)),
            )
            no_rates = {
                "meter": meter.name,
                "day": waiting.isoformat(),
                "tariffs": ", ".join(span.code for span in spans)
                or "no agreement in force",
            }
        async_set_octopus_issue(self.hass, entry_id, meter.key, "no_rates", no_rates)
        no_data: dict[str, str] | None = None
        recent = uk_midnight(today - timedelta(days=LOOK_BACK_DAYS))
        if meter.data_until is None or meter.data_until < recent:
            no_data = {
                "meter": meter.name,
                "days": str(LOOK_BACK_DAYS),
                "since": "-"
                if meter.data_until is None
                else meter.data_until.astimezone(UK).date().isoformat(),
            }
        async_set_octopus_issue(self.hass, entry_id, meter.key, "no_data", no_data)

    async def _fetch_days(
        self, meter: OctopusMeter, first: date, last: date
    ) -> FetchedDays:
        """Return the UK days ``first`` to ``last`` of ``meter``, priced, by kind."""
        start, end = uk_midnight(first), uk_midnight(last + timedelta(days=1))
        point = meter.point
        try:
            rows = await self.client.consumption(
                point.fuel, point.point, meter.serial, start, end
            )
        except OctopusNotFoundError:
            rows = []  # no consumption for this meter
        hours: list[HourTotal] = []
        if rows:
            prices = await self._schedule(meter, start, end, STANDARD_UNIT_RATES)
            gas_cv = self.gas_cv if point.fuel == GAS and self.gas_smets2 else None
            hours = [
                hour
                for hour in hourly_totals(rows, prices, gas_cv=gas_cv)
                if start <= hour.start < end  # the API gives a little more
            ]
            if self.include_standing_charge:
                charges = await self._schedule(meter, start, end, STANDING_CHARGES)
                hours = with_standing_charge(hours, charges, UK)
        whole = whole_days(hours, UK)
        fetched = FetchedDays()
        day = first
        while day <= last:
            day_hours = whole.get(day)
            if day_hours is None:
                fetched.no_data.append(day)
            elif any(hour.cost is None for hour in day_hours):
                fetched.no_price.append(day)
            else:
                fetched.days[day] = day_hours
            day += timedelta(days=1)
        return fetched

    async def _write(self, meter: OctopusMeter, hours: list[HourTotal]) -> int:
        """Write whole days of ``meter``; the newest one is the sensors' day."""
        if not hours:
            return 0
        written = await async_import_hours(self.hass, meter.statistics, hours)
        end = hours[-1].start + HOUR
        if meter.data_until is None or end > meter.data_until:
            meter.data_until = end
        last_day = hours[-1].start.astimezone(UK).date()
        if meter.last_day is None or last_day >= meter.last_day:
            day_start = uk_midnight(last_day)
            day_hours = [hour for hour in hours if hour.start >= day_start]
            meter.last_day = last_day
            meter.last_day_kwh = round(sum(hour.kwh for hour in day_hours), 3)
            meter.last_day_cost = round(sum(hour.cost or 0.0 for hour in day_hours), 2)
        return written

    async def async_backfill(self, first: date, last: date) -> None:
        """Import the UK days ``first`` to ``last`` of every meter, then say so.

        Each meter's days are fetched in pages of whole UK days (a notification
        shows the progress) and written at once, so that the hours imported
        before, after the range, are moved only once.
        """
        hours = 0
        error: str | None = None
        report: dict[str, FetchedDays] = {}
        pages = backfill_pages(first, last, PAGE_DAYS)
        async with self._import_lock:
            for meter in self.data.values():
                fetched = report.setdefault(meter.key, FetchedDays())
                try:
                    for page_first, page_last in pages:
                        fetched.add(
                            await self._fetch_days(meter, page_first, page_last)
                        )
                        self._notify_progress(meter, first, last, page_last)
                except (OctopusError, OctopusDataError) as err:
                    error = str(err)
                    LOGGER.warning(
                        "%s: the backfill stopped at %s: %s",
                        self.config_entry.title,
                        meter.name,
                        err,
                    )
                hours += await self._write(meter, fetched.hours)
                LOGGER.info(
                    "%s: %s", self.config_entry.title, meter_report(meter, fetched)
                )
                if error is not None:
                    break
        self._report_backfill(first, last, hours, error, report)
        self.async_update_listeners()

    def _notify_progress(
        self, meter: OctopusMeter, first: date, last: date, done: date
    ) -> None:
        days = (done - first).days + 1
        persistent_notification.async_create(
            self.hass,
            f"Importing the history from {first} to {last}: {meter.name}, "
            f"{days} of {(last - first).days + 1} days fetched.",
            title=f"{self.config_entry.title}: history",
            notification_id=self._backfill_notification_id,
        )

    @property
    def _backfill_notification_id(self) -> str:
        return f"{DOMAIN}_octopus_backfill_{self.config_entry.entry_id}"

    def _report_backfill(
        self,
        first: date,
        last: date,
        hours: int,
        error: str | None,
        report: dict[str, FetchedDays],
    ) -> None:
        """Fire the finished event and leave a notification saying what was done."""
        self.hass.bus.async_fire(
            EVENT_OCTOPUS_BACKFILL_FINISHED,
            {
                "entry_id": self.config_entry.entry_id,
                "from_date": first.isoformat(),
                "to_date": last.isoformat(),
                "hours": hours,
                "error": error,
                "meters": {
                    key: {
                        "days_imported": len(fetched.days),
                        "no_data": iso_ranges(fetched.no_data),
                        "no_rates": iso_ranges(fetched.no_price),
                    }
                    for key, fetched in report.items()
                },
            },
        )
        lines = [
            f"Imported {hours} hours of history from {first} to {last}."
            if error is None
            else f"Stopped after {hours} hours of history from {first}: {error}. "
            "Run the action again to go on."
        ]
        lines.extend(
            f"- {meter_report(self.data[key], fetched)}"
            for key, fetched in report.items()
        )
        persistent_notification.async_create(
            self.hass,
            "\n".join(lines),
            title=f"{self.config_entry.title}: history",
            notification_id=self._backfill_notification_id,
        )
