"""The Home Assistant half of benchmarks/tuya_accuracy.py (run by it under pytest).

A simulated day of a household behind the fake Tuya cloud (tests/fakes): 22 metered
plugs whose appliances switch in blocks of 1-60 minutes (tests/fakes/tuya_plugs.py,
``household``), a product whose cloud specification has the wrong power scale, an
offline plug, a lamp, a metering strip and an unmetered wall switch: 27 devices, at the
default cap of 26,000 calls a month, with a lamp switched by a command every 15
minutes. The same day runs once per kind of cloud project:

* ``push``: the message service is on (and the device logs);
* ``statistics``: the plugs' product keeps statistics; the misreporting product
  does not (device logs for it);
* ``logs``: device logs only;
* ``power``: none of them: energy from the polled power alone (the baseline, what
  the integration did before it read the plugs' own measurements).

For each device it records the appliance's true energy (what the fake plug passed),
the energy shown at the end of the day and the day's measured hours once the last
reports are in; for each project the calls, messages, refresh gaps and refused
commands. Settings (environment): ``BENCH_HOURS`` (default 24).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from datetime import UTC, datetime, timedelta
import itertools
import os
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from benchmarks.ha_run import save_results
from tests.conftest import fixed_tariff_entry, setup_entries, tuya_entry
from tests.fakes.tuya_cloud import (
    FakeDevice,
    FakeTuyaCloud,
    simulated_socket,
    strip,
    wall_switch,
)
from tests.fakes.tuya_plugs import Appliance, household
from tests.test_tuya_energy import run

RESULTS: dict[str, Any] = {}
HOURS = float(os.environ.get("BENCH_HOURS", "24"))
# After the day: the last reports, statistics and logs come in (an idle plug is
# read every 6 hours).
SETTLE = timedelta(hours=7)
COMMAND_EVERY = timedelta(minutes=15)
WRONG_SCALE_SPEC = [
    {"code": "cur_power", "type": "Integer", "unit": "W", "scale": 0},
    {"code": "cur_voltage", "type": "Integer", "unit": "V", "scale": 1},
    {"code": "cur_current", "type": "Integer", "unit": "mA", "scale": 0},
    {"code": "add_ele", "type": "Integer", "unit": "kwh", "scale": 3},
]


@pytest.fixture(autouse=True)
def integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """Start the recorder; allow this repository's integration and loopback."""


@pytest.fixture(scope="module", autouse=True)
def write_results() -> Generator[None]:
    """Write what was measured, for tuya_accuracy.py."""
    yield
    save_results(RESULTS)


@pytest.fixture
async def cloud() -> AsyncGenerator[FakeTuyaCloud]:
    """Serve an empty fake cloud; each project fills it."""
    fake = FakeTuyaCloud([])
    await fake.start()
    yield fake
    await fake.stop()


def devices(start: float) -> list[FakeDevice]:
    """Return the household: 27 devices, the same for every project."""
    plugs = [
        simulated_socket(
            f"plug{n:04d}", appliance.kind[0].upper() + appliance.kind[1:], appliance
        )
        for n, appliance in enumerate(household(start), start=1)
    ]
    # Another heater (another day of blocks) on a product whose specification
    # says whole watts while it sends tenths.
    garage = next(a for a in household(start, seed=11) if a.kind == "heater")
    wrong = simulated_socket(
        "wrong0001",
        "Garage heater",
        garage,
        product_id="newplug00001",
        spec=WRONG_SCALE_SPEC,
    )
    offline = simulated_socket("offline01", "Garden pump", Appliance("pump", base_w=0))
    offline.online = False
    lamp = simulated_socket("lamp0001", "Hall lamp", Appliance("lamp", base_w=40.0))
    return [
        *plugs,
        wrong,
        offline,
        lamp,
        strip("strip0001", "Desk strip", 3, 45.0),
        wall_switch("switch01", "Porch switch"),
    ]


def project(cloud: FakeTuyaCloud, kind: str) -> None:
    """Give the cloud project the capabilities of ``kind``."""
    cloud.message_service = kind == "push"
    cloud.statistics_api = kind == "statistics"
    cloud.statistics_products = {"plugmeter0001"} if kind == "statistics" else set()
    cloud.log_api = kind in ("push", "statistics", "logs")


@pytest.mark.parametrize("kind", ["push", "statistics", "logs", "power"])
async def test_a_day(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    cloud: FakeTuyaCloud,
    kind: str,
) -> None:
    """Run the day; record every device's energy and the project's costs."""
    await hass.config.async_set_time_zone("Europe/Madrid")
    hass.config.currency = "EUR"
    day_start = datetime(2026, 1, 12, 0, tzinfo=UTC)
    freezer.move_to(day_start)
    start = day_start.timestamp()
    cloud.devices = {device.id: device for device in devices(start)}
    project(cloud, kind)
    cloud.start_simulation(start)
    tariff = fixed_tariff_entry("Home", 0.25)
    entry: MockConfigEntry = tuya_entry(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    coordinator = entry.runtime_data
    step = timedelta(seconds=5) if kind == "push" else timedelta(seconds=30)
    refreshes: list[datetime] = []
    planned: list[float] = []
    commands = refused = 0
    day_end = day_start + timedelta(hours=HOURS)
    now = day_start
    on = True
    while now < day_end:
        await run(hass, freezer, cloud, COMMAND_EVERY, step=step)
        now += COMMAND_EVERY
        for at in coordinator.refreshes:
            if at not in refreshes:
                refreshes.append(at)
        planned.append(coordinator.planned_interval.total_seconds())
        on = not on
        commands += 1
        try:
            await hass.services.async_call(
                "switch",
                "turn_on" if on else "turn_off",
                {"entity_id": "switch.hall_lamp"},
                blocking=True,
            )
        except HomeAssistantError:
            refused += 1
    shown = {
        device_id: plug.runtime.meter.ledger.lifetime.energy_kwh
        for device_id, plug in coordinator.data.plugs.items()
        if plug.runtime is not None
    }
    true = {device.id: device.true_kwh for device in cloud.devices.values()}
    calls = sum(1 for _, path in cloud.requests if not path.startswith("/ws/"))
    messages = coordinator.quota.budget.messages
    await run(hass, freezer, cloud, SETTLE, step=step)
    day: dict[str, float | None] = {}
    sources: dict[str, str] = {}
    for device_id, plug in coordinator.data.plugs.items():
        meter = None if plug.runtime is None else plug.runtime.meter
        if meter is None or meter.hourly is None:
            day[device_id] = None
        else:
            day[device_id] = sum(
                kwh
                for hour, kwh in meter.hourly.energy.items()
                if day_start <= hour < day_end
            )
        sources[device_id] = "power" if plug.energy is None else plug.energy.source
    refreshes.sort()
    gaps = [
        (b - a).total_seconds()
        for a, b in itertools.pairwise(refreshes)
        if day_start < a and b <= day_end
    ]
    RESULTS[kind] = {
        "names": {d.id: d.name for d in cloud.devices.values()},
        "metered": [d.id for d in cloud.devices.values() if d.appliance is not None],
        "true": true,
        "shown": shown,
        "day": day,
        "sources": sources,
        "calls": calls,
        "messages": messages,
        "gaps": gaps,
        "planned_mean_s": sum(planned) / len(planned),
        "commands": commands,
        "refused": refused,
        "hours": HOURS,
    }
