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
writes the same rows: nothing is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import re
from typing import Any, Final, Literal

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

HOUR: Final = timedelta(hours=1)
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
    """One statistic around a range: its sum before and at the end, the rows after."""

    before: float
    at_end: float
    after: list[dict[str, Any]]


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


def _read(
    hass: HomeAssistant, statistic_id: str, start: datetime, end: datetime
) -> _Stored:
    after = statistics_during_period(
        hass, end, None, {statistic_id}, "hour", None, {"sum", "state"}
    ).get(statistic_id, [])
    return _Stored(
        _sum_before(hass, statistic_id, start),
        _sum_before(hass, statistic_id, end),
        [dict(row) for row in after],
    )


def _shifted(rows: list[dict[str, Any]], delta: float) -> list[StatisticData]:
    """Return ``rows`` with their sums moved by ``delta`` (none if it is nothing)."""
    if abs(delta) < 1e-9:
        return []
    return [
        StatisticData(
            start=datetime.fromtimestamp(row["start"], UTC),
            state=float(row.get("state") or 0.0),
            sum=round(float(row.get("sum") or 0.0) + delta, 6),
        )
        for row in rows
    ]


async def async_import_hours(
    hass: HomeAssistant, stats: MeterStatistics, hours: list[HourTotal]
) -> int:
    """Write ``hours`` (consecutive or not, oldest first); return how many.

    An hour whose cost is unknown adds nothing to the cost's sum; importing it again
    once its rate is known corrects that.
    """
    if not hours:
        return 0
    start = hours[0].start
    end = hours[-1].start + HOUR
    recorder = get_instance(hass)
    # The sums continue from what was written before: an earlier import may still
    # be queued in the recorder (a busy one is minutes behind), so wait for it.
    await recorder.async_block_till_done()
    energy = await recorder.async_add_executor_job(
        _read, hass, stats.consumption_id, start, end
    )
    cost = await recorder.async_add_executor_job(_read, hass, stats.cost_id, start, end)
    energy_sum, cost_sum = energy.before, cost.before
    energy_rows: list[StatisticData] = []
    cost_rows: list[StatisticData] = []
    for hour in hours:
        energy_sum += hour.kwh
        cost_sum += hour.cost or 0.0
        energy_rows.append(
            StatisticData(start=hour.start, state=hour.kwh, sum=round(energy_sum, 6))
        )
        cost_rows.append(
            StatisticData(
                start=hour.start, state=hour.cost or 0.0, sum=round(cost_sum, 6)
            )
        )
    # Hours imported earlier after this range continue from its new end.
    energy_rows += _shifted(energy.after, energy_sum - energy.at_end)
    cost_rows += _shifted(cost.after, cost_sum - cost.at_end)
    async_add_external_statistics(hass, stats.metadata("consumption"), energy_rows)
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
