"""The Home Assistant half of benchmarks/recorder_load.py (run by it under pytest).

Five runs of the same Home Assistant, each with the recorder writing to a database
of its own (a SQLite file, or the server named by ``--dburl``) and the recorder's
statistics compiled every five minutes as in production:

* ``sources``: only the power sensors (50 by default), each reporting every 5 s;
* ``utility_cost``: the same sources, each tracked by this integration (the entities
  it enables by default), priced by one fixed tariff;
* ``helpers``: the same sources, each fed to Home Assistant's ``integration`` helper
  (left Riemann, kWh, 3 decimals) and that to a daily and a monthly ``utility_meter``;
* ``household`` and ``helpers_totals``: the last two with totals of all sources
  (the household entry; three Sensor group sums), to measure what totals cost.

Each run reports the ``states`` rows its pipeline wrote (the sources' own rows left
out), the database's growth, the short-term statistics rows, the process's CPU time
(the recorder's thread included) while the readings are handled, and the memory the
pipeline's set-up and first minute allocated (``tracemalloc``).
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime, timedelta
import functools
import inspect
import logging
import os
import time
import tracemalloc
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component import common as harness
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from sqlalchemy import text

import custom_components.utility_cost  # noqa: F401 - puts this repository's integration first

from .ha_run import bench_tariff, save_results, wall_clock
from .profiles import power_trace

ATTRS = {
    "unit_of_measurement": "W",
    "device_class": "power",
    "state_class": "measurement",
}
TZ = ZoneInfo("Europe/Madrid")
RESULTS: dict[str, Any] = {}
# The test plugin logs every SQL statement at INFO; that would be most of the CPU
# measured, in both pipelines alike. Production Home Assistant logs none.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
# The recorder schedules its five-minute statistics from the real clock when it
# starts, so the simulated readings start after it: the next real midnight (UTC).
START = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + (
    timedelta(days=1)
)
WARM_UP = 12  # readings per source (one minute) measured for memory, not for CPU


def sensors() -> int:
    """Return how many power sources to run."""
    return int(os.environ.get("BENCH_SENSORS", "50"))


def readings() -> int:
    """Return how many readings each source sends after the warm-up."""
    return int(os.environ.get("BENCH_READINGS", "720"))


def source(index: int) -> str:
    """Return the entity id of power source ``index``."""
    return f"sensor.load_{index:02d}_power"


@pytest.fixture
def persistent_database() -> bool:
    """Write SQLite to a file, so that its growth can be measured."""
    return True


@pytest.fixture
def enable_statistics() -> bool:
    """Compile statistics every five minutes, as the recorder does in production."""
    return True


@pytest.fixture(autouse=True)
def integrations(recorder_mock: Recorder, enable_custom_integrations: None) -> None:
    """Start the recorder, then allow this repository's integration."""


@pytest.fixture(scope="module", autouse=True)
def write_results() -> Generator[None]:
    """Write what the three runs measured, for recorder_load.py."""
    yield
    save_results(RESULTS)


async def _prepare(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    await hass.config.async_set_time_zone(TZ.key)
    hass.config.currency = "EUR"
    freezer.move_to(START)
    for index in range(sensors()):
        hass.states.async_set(source(index), "0", ATTRS)
    await hass.async_block_till_done()


async def _feed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, offset: int, count: int
) -> tuple[float, float, int]:
    """Send readings ``offset`` to ``offset + count`` of every source.

    Return (CPU seconds, wall seconds, source changes).
    """
    traces = [
        list(power_trace(offset + count, seed=index, start=START))[offset:]
        for index in range(sensors())
    ]
    cpu = wall = 0.0
    changes = 0
    for step in range(count):
        at = traces[0][step][0]
        freezer.move_to(at)
        cpu_begin, wall_begin = time.process_time(), wall_clock()
        async_fire_time_changed(hass, at)
        for index, trace in enumerate(traces):
            hass.states.async_set(source(index), str(trace[step][1]), ATTRS)
            changes += 1
        await hass.async_block_till_done()
        cpu += time.process_time() - cpu_begin
        wall += wall_clock() - wall_begin
    cpu_begin, wall_begin = time.process_time(), wall_clock()
    await async_wait_recording_done(hass)
    cpu += time.process_time() - cpu_begin
    wall += wall_clock() - wall_begin
    return cpu, wall, changes


@functools.cache
def _mock_storage_line() -> int:
    """Return the line where the harness keeps a copy of what a store writes."""
    lines = inspect.getsource(harness).splitlines()
    return next(
        number
        for number, line in enumerate(lines, start=1)
        if "json_loads(dump(data_to_write))" in line
    )


def _traced() -> int:
    """Return the memory traced now, less the harness's copies of written stores.

    In Home Assistant a store is written to disk; the harness keeps each write in
    memory instead, which is not what the pipeline costs.
    """
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [
            tracemalloc.Filter(
                False, harness.__file__, lineno=_mock_storage_line(), all_frames=True
            )
        ]
    )
    return sum(stat.size for stat in snapshot.statistics("filename"))


def _database_bytes(recorder: Recorder) -> int:
    """Return the database's size: its file, or the server's database size."""
    with recorder.engine.connect() as connection:  # type: ignore[union-attr]
        if recorder.dialect_name == "postgresql":
            connection.execute(text("CHECKPOINT"))
            return int(
                connection.execute(
                    text("SELECT pg_database_size(current_database())")
                ).scalar_one()
            )
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        pages = connection.execute(text("PRAGMA page_count")).scalar_one()
        size = connection.execute(text("PRAGMA page_size")).scalar_one()
        return int(pages) * int(size)


def _rows(recorder: Recorder) -> tuple[int, int, int]:
    """Return the pipeline's states rows, attribute rows and short-term statistics."""
    with recorder.engine.connect() as connection:  # type: ignore[union-attr]
        states = connection.execute(
            text(
                "SELECT COUNT(*) FROM states JOIN states_meta"
                " ON states.metadata_id = states_meta.metadata_id"
                " WHERE states_meta.entity_id NOT LIKE 'sensor.load_%_power'"
                " AND states_meta.entity_id LIKE 'sensor.%'"
            )
        ).scalar_one()
        attributes = connection.execute(
            text("SELECT COUNT(*) FROM state_attributes")
        ).scalar_one()
        statistics = connection.execute(
            text(
                "SELECT COUNT(*) FROM statistics_short_term JOIN statistics_meta"
                " ON statistics_short_term.metadata_id = statistics_meta.id"
                " WHERE statistics_meta.statistic_id NOT LIKE 'sensor.load_%_power'"
            )
        ).scalar_one()
        return int(states), int(attributes), int(statistics)


async def _measure(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    name: str,
    set_up: Any,
) -> None:
    """Set up a pipeline under tracemalloc, warm it up, then time the readings."""
    await _prepare(hass, freezer)
    recorder = get_instance(hass)
    await async_wait_recording_done(hass)
    tracemalloc.start(3)
    before = _traced()
    await set_up()
    await hass.async_block_till_done()
    await _feed(hass, freezer, 0, WARM_UP)
    memory = _traced() - before
    tracemalloc.stop()
    rows_before = await recorder.async_add_executor_job(_rows, recorder)
    bytes_before = await recorder.async_add_executor_job(_database_bytes, recorder)
    cpu, wall, changes = await _feed(hass, freezer, WARM_UP, readings())
    rows_after = await recorder.async_add_executor_job(_rows, recorder)
    bytes_after = await recorder.async_add_executor_job(_database_bytes, recorder)
    sources = {source(index) for index in range(sensors())}
    entities = [
        state.entity_id
        for state in hass.states.async_all("sensor")
        if state.entity_id not in sources
    ]
    RESULTS[name] = {
        "engine": recorder.dialect_name,
        "sensors": sensors(),
        "source_changes": changes,
        "cpu_s": cpu,
        "wall_s": wall,
        "states_rows": rows_after[0] - rows_before[0],
        "attribute_rows": rows_after[1] - rows_before[1],
        "statistics_rows": rows_after[2] - rows_before[2],
        "database_bytes": bytes_after - bytes_before,
        "memory_bytes": memory,
        "entities": len(entities),
        "statistics": len(
            {
                entity
                for entity in entities
                if (state := hass.states.get(entity)) is not None
                and "state_class" in state.attributes
            }
        ),
    }


async def test_sources(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """The sources alone: what the other two runs' growth is measured against."""

    async def set_up() -> None:
        return None

    await _measure(hass, freezer, "sources", set_up)


def _tracked_entries(hass: HomeAssistant) -> MockConfigEntry:
    """Add a fixed tariff and a tracked sensor per source; return the tariff."""
    tariff = bench_tariff()
    tariff.add_to_hass(hass)
    for index in range(sensors()):
        MockConfigEntry(
            domain="utility_cost",
            title=f"Load {index:02d}",
            entry_id=f"bench_tracked_{index:02d}",
            data={
                "entry_type": "tracked_sensor",
                "source": source(index),
                "source_kind": "power",
                "currency": "EUR",
            },
            options={
                "tariff": "bench_tariff",
                "on_threshold_w": 10,
                "min_session_s": 60,
            },
        ).add_to_hass(hass)
    return tariff


async def test_utility_cost(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Every source tracked by this integration, priced by one fixed tariff."""

    async def set_up() -> None:
        tariff = _tracked_entries(hass)
        assert await hass.config_entries.async_setup(tariff.entry_id)

    await _measure(hass, freezer, "utility_cost", set_up)


async def test_household(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """As ``utility_cost``, with the household totals (energy and cost, 3 periods)."""

    async def set_up() -> None:
        tariff = _tracked_entries(hass)
        MockConfigEntry(
            domain="utility_cost",
            title="Household",
            entry_id="bench_household",
            unique_id="household",
            data={"entry_type": "household"},
            options={"include_http_meters": False},
        ).add_to_hass(hass)
        assert await hass.config_entries.async_setup(tariff.entry_id)

    await _measure(hass, freezer, "household", set_up)


async def _helpers(hass: HomeAssistant, *, totals: bool) -> None:
    """Set up ``integration`` and two ``utility_meter`` per source.

    With ``totals``, three Sensor group helpers of type *sum* add up the sources'
    lifetime, daily and monthly energy (what the household totals give, less the
    costs: the helpers price nothing).
    """
    groups = [
        {
            "platform": "group",
            "type": "sum",
            "name": f"Loads {suffix}",
            "unique_id": f"bench_loads_{suffix}",
            "entities": [
                f"sensor.load_{index:02d}_{suffix}" for index in range(sensors())
            ],
        }
        for suffix in ("energy", "daily", "monthly")
    ]
    assert await async_setup_component(
        hass,
        "sensor",
        {
            "sensor": [
                {
                    "platform": "integration",
                    "source": source(index),
                    "name": f"Load {index:02d} energy",
                    "method": "left",
                    "unit_prefix": "k",
                    "round": 3,
                }
                for index in range(sensors())
            ]
            + (groups if totals else [])
        },
    )
    assert await async_setup_component(
        hass,
        "utility_meter",
        {
            "utility_meter": {
                f"load_{index:02d}_{cycle}": {
                    "source": f"sensor.load_{index:02d}_energy",
                    "cycle": cycle,
                }
                for index in range(sensors())
                for cycle in ("daily", "monthly")
            }
        },
    )


async def test_helpers(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Every source through ``integration`` and a daily and a monthly meter."""

    async def set_up() -> None:
        await _helpers(hass, totals=False)

    await _measure(hass, freezer, "helpers", set_up)


async def test_helpers_totals(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """As ``helpers``, with three Sensor group sums of their energy."""

    async def set_up() -> None:
        await _helpers(hass, totals=True)

    await _measure(hass, freezer, "helpers_totals", set_up)
