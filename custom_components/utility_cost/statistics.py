"""Long-term statistics of a meter: hourly consumption and its cost.

A meter whose history comes from outside (an Octopus meter's half-hours, a Tuya
plug's own measurements) gets two external statistics, ``utility_cost:<slug>_
consumption`` (kWh) and ``..._cost`` (the currency), both with a running sum, so
that the Energy dashboard shows the meter's history with its cost, including hours
while Home Assistant was not running.

:func:`async_import_hours` writes hours in any order of ranges: the sums continue
from the last hour before the range, and if hours after the range were imported
before (a backfill of older history), they are moved by what the range added, so
that every sum stays the total since the first hour. Importing a range again
changes nothing: nothing is counted twice, and unchanged rows are not rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
import re
from typing import Final, Literal

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
    statistics_during_period,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util.unit_conversion import EnergyConverter

from .const import DOMAIN
from .domain.hours import HourTotal

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class MeterStatistics:
    """The two statistics of one meter, and how they are named."""

    consumption_id: str
    cost_id: str
    name: str
    currency: str

    def metadata(self, kind: Literal["consumption", "cost"]) -> StatisticMetaData:
        """Return the statistic's metadata."""
        consumption = kind == "consumption"
        return StatisticMetaData(
            mean_type=StatisticMeanType.NONE,
            has_sum=True,
            name=f"{self.name} {'consumption' if consumption else 'cost'}",
            source=DOMAIN,
            statistic_id=self.consumption_id if consumption else self.cost_id,
            unit_class=EnergyConverter.UNIT_CLASS if consumption else None,
            unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR
            if consumption
            else self.currency,
        )


def meter_statistics(slug: str, name: str, currency: str) -> MeterStatistics:
    """Return the statistics named after ``slug`` (e.g. ``octopus_<point>_<serial>``)."""
    slug = re.sub(r"[^a-z0-9]+", "_", slug.lower()).strip("_")
    return MeterStatistics(
        f"{DOMAIN}:{slug}_consumption", f"{DOMAIN}:{slug}_cost", name, currency
    )


@dataclass(frozen=True, slots=True)
class _Stored:
    """One statistic from a moment on: the sum before it, then each hour's row."""

    before: float
    rows: dict[datetime, tuple[float, float]]  # start: (state, sum)


def _sum_before(hass: HomeAssistant, statistic_id: str, moment: datetime) -> float:
    """Return the sum of the last hour that starts before ``moment`` (0 if none)."""
    last = get_last_statistics(hass, 1, statistic_id, False, {"sum"})
    rows = last.get(statistic_id, [])
    if not rows:
        return 0.0
    if rows[0]["start"] < moment.timestamp():
        return float(rows[0].get("sum") or 0.0)
    before = statistics_during_period(
        hass, _EPOCH, moment, {statistic_id}, "hour", None, {"sum"}
    ).get(statistic_id, [])
    return float(before[-1].get("sum") or 0.0) if before else 0.0


def _read(hass: HomeAssistant, statistic_id: str, start: datetime) -> _Stored:
    stored = statistics_during_period(
        hass, start, None, {statistic_id}, "hour", None, {"sum", "state"}
    ).get(statistic_id, [])
    return _Stored(
        _sum_before(hass, statistic_id, start),
        {
            datetime.fromtimestamp(row["start"], UTC): (
                float(row.get("state") or 0.0),
                float(row.get("sum") or 0.0),
            )
            for row in stored
        },
    )


def _merged_rows(stored: _Stored, new: dict[datetime, float]) -> list[StatisticData]:
    """Return the rows to write so that ``new`` hours replace stored ones.

    Every sum from the first new hour on is the running total again: stored hours
    between and after the new ones keep their state and move by what the new ones
    changed. Rows whose state and sum stay as stored are not written again.
    """
    running = stored.before
    rows: list[StatisticData] = []
    for start in sorted(stored.rows.keys() | new.keys()):
        old = stored.rows.get(start)
        state = new[start] if start in new else old[0] if old else 0.0
        running += state
        total = round(running, 6)
        if old is None or abs(old[0] - state) > 1e-9 or abs(old[1] - total) > 1e-6:
            rows.append(StatisticData(start=start, state=state, sum=total))
    return rows


async def async_import_hours(
    hass: HomeAssistant, stats: MeterStatistics, hours: list[HourTotal]
) -> int:
    """Write ``hours`` (consecutive or not, oldest first); return how many.

    One call per batch, however long: the stored hours after the batch are read
    and moved once (a backfill of a year behind years of history moves them once,
    not once per page). An hour whose cost is unknown adds nothing to the cost's
    sum; importing it again once its rate is known corrects that.
    """
    if not hours:
        return 0
    start = hours[0].start
    recorder = get_instance(hass)
    # The sums continue from what was written before: an earlier import may still
    # be queued in the recorder (a busy one is minutes behind), so wait for it.
    await recorder.async_block_till_done()
    energy = await recorder.async_add_executor_job(
        _read, hass, stats.consumption_id, start
    )
    cost = await recorder.async_add_executor_job(_read, hass, stats.cost_id, start)
    energy_rows = _merged_rows(energy, {hour.start: hour.kwh for hour in hours})
    cost_rows = _merged_rows(cost, {hour.start: hour.cost or 0.0 for hour in hours})
    if energy_rows:
        async_add_external_statistics(hass, stats.metadata("consumption"), energy_rows)
    if cost_rows:
        async_add_external_statistics(hass, stats.metadata("cost"), cost_rows)
    return len(hours)


async def async_last_imported_hour(
    hass: HomeAssistant, stats: MeterStatistics
) -> datetime | None:
    """Return the start of the newest imported hour (None before any import)."""
    last = await get_instance(hass).async_add_executor_job(
        get_last_statistics, hass, 1, stats.consumption_id, False, {"sum"}
    )
    rows = last.get(stats.consumption_id, [])
    return datetime.fromtimestamp(rows[0]["start"], UTC) if rows else None
