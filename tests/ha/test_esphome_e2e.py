"""End to end: a real ESPHome device, Home Assistant's ESPHome integration, a cost.

ESPHome's ``host`` platform builds ``tests/esphome/sim_meter.yaml`` into a native
program that serves the real native API on localhost. Home Assistant's own ESPHome
integration connects to it through its config flow, and a tracked sensor of this
integration prices its power sensor: the cost rises as the device reports.

Needs ESPHome (``.venv-esphome``, made by ``scripts/setup``) and a C++ compiler;
without them the test is skipped with the reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import timedelta
import os
from pathlib import Path
import shutil
import subprocess
import time

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.utility_cost.const import DOMAIN

from .conftest import setup_entries, shown_energy, state_value
from .esphome_tools import ESPHOME, free_port

SIM_METER = Path(__file__).parents[1] / "esphome" / "sim_meter.yaml"

pytestmark = [
    pytest.mark.skipif(
        not ESPHOME.exists(), reason=f"ESPHome is not installed ({ESPHOME})"
    ),
    pytest.mark.skipif(
        shutil.which("g++") is None, reason="no C++ compiler (g++) for ESPHome's host"
    ),
]


@pytest.fixture
def sim_program(tmp_path: Path, socket_enabled: None) -> tuple[Path, int]:
    """Build the simulated meter for a free port; return the program and port."""
    work = tmp_path
    config = work / SIM_METER.name
    shutil.copy(SIM_METER, config)
    port = free_port()
    subprocess.run(  # noqa: S603 - our own ESPHome on our own file
        [str(ESPHOME), "-s", "api_port", str(port), "compile", str(config)],
        check=True,
        capture_output=True,
        timeout=600,
        env={**os.environ, "PLATFORMIO_CORE_DIR": str(work / ".platformio")},
    )
    program = work / ".esphome/build/sim-meter/.pioenvs/sim-meter/program"
    assert program.exists()
    return program, port


@pytest.fixture
async def sim_meter(
    sim_program: tuple[Path, int], socket_enabled: None
) -> AsyncGenerator[int]:
    """Run the simulated meter; yield its API port."""
    program, port = sim_program
    process = await asyncio.create_subprocess_exec(
        str(program),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        for _ in range(100):  # until it listens
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await _wall_sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            break
        yield port
    finally:
        process.terminate()
        await process.wait()


async def _wall_sleep(seconds: float) -> None:
    """Let real time pass while the event loop runs.

    The tests' clock is frozen (the loop's own time included), so asyncio.sleep
    would never end: the waiting happens in a worker thread.
    """
    await asyncio.get_running_loop().run_in_executor(None, time.sleep, seconds)


async def _run(freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let real time pass, and Home Assistant's clock with it."""
    step = 0.1
    for _ in range(round(seconds / step)):
        await _wall_sleep(step)
        freezer.tick(timedelta(seconds=step))


async def test_esphome_meter_is_priced(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    sim_meter: int,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The device's power reaches Home Assistant and its cost rises."""
    await setup_entries(hass, tariff)
    # As in a running Home Assistant: the core integration (which the voice
    # assistant pieces ESPHome depends on need) is there first.
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "esphome", {})
    result = await hass.config_entries.flow.async_init(
        "esphome", context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": sim_meter}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert result["title"] == "Sim meter"
    device_entry = result["result"]
    await hass.async_block_till_done()
    assert device_entry.state is ConfigEntryState.LOADED

    power = "sensor.sim_meter_power"
    for _ in range(100):
        state = hass.states.get(power)
        if state is not None and state.state not in ("unknown", "unavailable"):
            break
        await _run(freezer, 0.1)
    assert state_value(hass, power) in (1000, 2000, 500)

    # Track it through this integration's own config flow.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "tracked_sensor"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"source": power, "tariff": tariff.entry_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    # The device reports every second and changes its power every 4 s.
    seen: set[float] = set()
    for _ in range(60):
        await _run(freezer, 0.2)
        seen.add(state_value(hass, power))
    assert len(seen) >= 2
    # Ask for the figures now (they are otherwise shown once written, 30 s on).
    await hass.services.async_call(
        "homeassistant",
        "update_entity",
        {"entity_id": "sensor.sim_meter_power_energy"},
        blocking=True,
    )
    energy = state_value(hass, "sensor.sim_meter_power_energy")
    cost = state_value(hass, "sensor.sim_meter_power_cost")
    # At least 500 W for the 12 s watched, at most 2 kW (shown to the watt-hour),
    # priced at 0.25 EUR/kWh (shown to three decimals).
    assert shown_energy(500 * 10 / 3_600_000) <= energy < 2000 * 20 / 3_600_000
    assert abs(cost - energy * 0.25) <= 0.001

    await hass.config_entries.async_unload(device_entry.entry_id)
    await hass.async_block_till_done()
