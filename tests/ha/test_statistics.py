"""Octopus meters' hourly statistics in the recorder: sums, re-imports, backfills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.components.recorder.statistics import (
    list_statistic_ids,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.utility_cost.domain.hours import HourTotal
from custom_components.utility_cost.statistics import (
    async_import_hours,
    async_last_imported_hour,
    meter_statistics,
)

# The recorder starts first (tests/recorder.py).
from .recorder import auto_enable_custom_integrations, madrid_time  # noqa: F401

STATS = meter_statistics("octopus_1100000000001_21E1111111", "Octopus import", "GBP")
DAY = datetime(2026, 1, 10, tzinfo=UTC)


def _hours(start: datetime, count: int, kwh: float = 1.0) -> list[HourTotal]:
    return [
        HourTotal(start + timedelta(hours=i), kwh, round(kwh * 0.25, 6))
        for i in range(count)
    ]


async def _rows(hass: HomeAssistant, statistic_id: str) -> list[dict[str, Any]]:
    await async_wait_recording_done(hass)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        DAY - timedelta(days=30),
        None,
        {statistic_id},
        "hour",
        None,
        {"sum", "state"},
    )
    return [
        {
            "start": datetime.fromtimestamp(row["start"], UTC),
            "state": row["state"],
            "sum": round(row["sum"] or 0, 6),
        }
        for row in rows.get(statistic_id, [])
    ]


def test_statistic_ids() -> None:
    assert STATS.consumption_id == (
        "utility_cost:octopus_1100000000001_21e1111111_consumption"
    )
    assert STATS.cost_id == "utility_cost:octopus_1100000000001_21e1111111_cost"
    consumption = STATS.metadata("consumption")
    assert consumption["unit_of_measurement"] == "kWh"
    assert consumption["unit_class"] == "energy"
    assert consumption["has_sum"]
    assert consumption["mean_type"] == 0
    cost = STATS.metadata("cost")
    assert cost["unit_of_measurement"] == "GBP"
    assert cost["unit_class"] is None


async def test_sums_continue_from_the_last_import(hass: HomeAssistant) -> None:
    assert await async_last_imported_hour(hass, STATS) is None
    assert await async_import_hours(hass, STATS, _hours(DAY, 3)) == 3
    await async_wait_recording_done(hass)
    assert await async_import_hours(hass, STATS, _hours(DAY + timedelta(hours=3), 2))
    rows = await _rows(hass, STATS.consumption_id)
    assert [r["sum"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["state"] for r in rows] == [1, 1, 1, 1, 1]
    cost = await _rows(hass, STATS.cost_id)
    assert [r["sum"] for r in cost] == [0.25, 0.5, 0.75, 1.0, 1.25]
    assert await async_last_imported_hour(hass, STATS) == DAY + timedelta(hours=4)
    ids = await get_instance(hass).async_add_executor_job(list_statistic_ids, hass)
    assert {i["statistic_id"] for i in ids} >= {STATS.consumption_id, STATS.cost_id}


async def test_importing_again_counts_nothing_twice(hass: HomeAssistant) -> None:
    await async_import_hours(hass, STATS, _hours(DAY, 6))
    await async_wait_recording_done(hass)
    # The middle again, as a catch-up that looks back would.
    await async_import_hours(hass, STATS, _hours(DAY + timedelta(hours=2), 2))
    await async_wait_recording_done(hass)
    rows = await _rows(hass, STATS.consumption_id)
    assert [r["sum"] for r in rows] == [1, 2, 3, 4, 5, 6]


async def test_corrected_hours_move_the_later_sums(hass: HomeAssistant) -> None:
    """A range imported again with other values moves every later sum."""
    await async_import_hours(hass, STATS, _hours(DAY, 4))
    await async_wait_recording_done(hass)
    await async_import_hours(hass, STATS, _hours(DAY + timedelta(hours=1), 1, kwh=3.0))
    rows = await _rows(hass, STATS.consumption_id)
    assert [r["sum"] for r in rows] == [1, 4, 5, 6]
    assert [r["state"] for r in rows] == [1, 3, 1, 1]


async def test_backfill_before_the_first_import(hass: HomeAssistant) -> None:
    """Older history imported later: the newer sums start after it."""
    await async_import_hours(hass, STATS, _hours(DAY + timedelta(days=1), 2))
    await async_wait_recording_done(hass)
    await async_import_hours(hass, STATS, _hours(DAY, 3, kwh=0.5))
    rows = await _rows(hass, STATS.consumption_id)
    assert [r["sum"] for r in rows] == [0.5, 1.0, 1.5, 2.5, 3.5]
    cost = await _rows(hass, STATS.cost_id)
    assert cost[-1]["sum"] == pytest.approx(0.875)


async def test_unknown_cost_adds_nothing_until_known(hass: HomeAssistant) -> None:
    hours = [HourTotal(DAY, 1.0, None), HourTotal(DAY + timedelta(hours=1), 1.0, 0.3)]
    await async_import_hours(hass, STATS, hours)
    cost = await _rows(hass, STATS.cost_id)
    assert [(r["state"], r["sum"]) for r in cost] == [(0, 0), (0.3, 0.3)]
    assert await async_import_hours(hass, STATS, []) == 0
