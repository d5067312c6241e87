"""The Home Assistant half of benchmarks/cost_engine.py (run by it under pytest).

Both pipelines get the same power state changes, at the same simulated instants,
priced by the same tariff: a fixed tariff of this integration with 24 one-hour bands
(so its current-price sensor changes every hour). Time is frozen and moved by the
harness; what is measured is the wall time Home Assistant spends handling each state
change (and the minute ticks) until it is idle again, with the recorder recording
every state as in production.
"""

from __future__ import annotations

from collections.abc import Generator
from itertools import pairwise
import logging
import os
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.energy import data as energy_data
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

import custom_components.utility_cost  # noqa: F401 - puts this repository's integration first

from .ha_run import bench_tariff, save_results, wall_clock
from .profiles import START, hourly_price, power_trace

SOURCE = "sensor.bench_power"
ATTRS = {"unit_of_measurement": "W", "device_class": "power"}
TZ = ZoneInfo("Europe/Madrid")
RESULTS: dict[str, Any] = {}
# The recorder records every state, as in production. The test plugin logs every
# SQL statement at INFO, which production does not: that would be most of the time.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def integrations(recorder_mock: Recorder, enable_custom_integrations: None) -> None:
    """Start the recorder, then allow this repository's integration."""


@pytest.fixture(scope="module", autouse=True)
def write_results() -> Generator[None]:
    """Write what both runs measured, and the exact reference, for cost_engine.py."""
    yield
    RESULTS["reference_kwh"], RESULTS["reference_cost"] = reference(readings())
    save_results(RESULTS)


def readings() -> int:
    """Return how many readings to send."""
    return int(os.environ.get("BENCH_READINGS", "1000"))


def reference(count: int) -> tuple[float, float]:
    """Exact kWh and cost of the trace: left Riemann, priced by local hour of day."""
    trace = list(power_trace(count))
    energy = cost = 0.0
    for (at, watts), (following, _) in pairwise(trace):
        kwh = watts * (following - at).total_seconds() / 3_600_000
        energy += kwh
        cost += kwh * hourly_price(at.astimezone(TZ).hour, 0)
    return energy, cost


def hourly_tariff() -> MockConfigEntry:
    """Return a fixed tariff whose price changes every local hour (day 0's shape)."""
    bands = [
        {
            "band_name": f"{hour:02d}h",
            "price": hourly_price(hour, 0),
            "start": f"{hour:02d}:00:00",
            "end": f"{(hour + 1) % 24:02d}:00:00",
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        }
        for hour in range(24)
    ]
    return bench_tariff(1.0, bands)


async def _feed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, count: int
) -> tuple[float, int]:
    """Send the trace as state changes; return (seconds spent, state changes)."""
    spent = 0.0
    changes = 0
    previous_minute = None
    for at, watts in power_trace(count):
        freezer.move_to(at)
        begin = wall_clock()
        minute = at.replace(second=0)
        if minute != previous_minute:
            async_fire_time_changed(hass, at)
            previous_minute = minute
        hass.states.async_set(SOURCE, str(watts), ATTRS)
        await hass.async_block_till_done()
        spent += wall_clock() - begin
        changes += 1
    return spent, changes


async def _prepare(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    await hass.config.async_set_time_zone(TZ.key)
    hass.config.currency = "EUR"
    freezer.move_to(START)
    hass.states.async_set(SOURCE, "0", ATTRS)


async def test_utility_cost(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Measure a tracked sensor of this integration priced by the hourly tariff."""
    await _prepare(hass, freezer)
    tariff = hourly_tariff()
    tracked = MockConfigEntry(
        domain="utility_cost",
        title="Bench",
        entry_id="bench_tracked",
        data={
            "entry_type": "tracked_sensor",
            "source": SOURCE,
            "source_kind": "power",
            "currency": "EUR",
        },
        options={"tariff": "bench_tariff", "on_threshold_w": 10, "min_session_s": 60},
    )
    tariff.add_to_hass(hass)
    tracked.add_to_hass(hass)
    assert await hass.config_entries.async_setup(tariff.entry_id)
    await hass.async_block_till_done()
    spent, changes = await _feed(hass, freezer, readings())
    meter = tracked.runtime_data.meter
    RESULTS["utility_cost"] = {
        "seconds": spent,
        "state_changes": changes,
        "kwh": meter.ledger.lifetime.energy_kwh,
        "cost": meter.ledger.lifetime.cost,
    }


async def test_core(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Measure Home Assistant's pair: integration (left) and energy cost sensor."""
    await _prepare(hass, freezer)
    # The YAML platform first: once the sensor component is loaded (by the tariff),
    # a second async_setup_component would not read this configuration.
    assert await async_setup_component(
        hass,
        "sensor",
        {
            "sensor": [
                {
                    "platform": "integration",
                    "source": SOURCE,
                    "name": "Bench energy",
                    "method": "left",
                    "unit_prefix": "k",
                }
            ]
        },
    )
    tariff = hourly_tariff()
    tariff.add_to_hass(hass)
    assert await hass.config_entries.async_setup(tariff.entry_id)
    assert await async_setup_component(hass, "energy", {})
    manager = await energy_data.async_get_manager(hass)
    await manager.async_update(
        {
            "energy_sources": [
                {
                    "type": "grid",
                    "flow_from": [
                        {
                            "stat_energy_from": "sensor.bench_energy",
                            "stat_cost": None,
                            "entity_energy_price": "sensor.bench_tariff_current_price",
                            "number_energy_price": None,
                        }
                    ],
                    "flow_to": [],
                    "cost_adjustment_day": 0,
                }
            ]
        }
    )
    await hass.async_block_till_done()
    spent, changes = await _feed(hass, freezer, readings())
    energy = hass.states.get("sensor.bench_energy")
    cost = hass.states.get("sensor.bench_energy_cost")
    assert energy is not None, hass.states.async_entity_ids("sensor")
    assert cost is not None, hass.states.async_entity_ids("sensor")
    RESULTS["core"] = {
        "seconds": spent,
        "state_changes": changes,
        "kwh": float(energy.state),
        "cost": float(cost.state),
    }
