"""Tuya plugs metered by their own measurements, against plugs that behave like real ones.

The fake cloud's plugs measure what their appliances really draw and report as real
plugs do (tests/fakes/tuya_plugs.py): power on a change of 10 % and every 30
minutes, energy every few minutes. Each test compares what Home Assistant shows with
the appliance's exact energy, computed from its blocks of power alone.
"""

from __future__ import annotations

import asyncio
import copy
from datetime import timedelta
import math
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.utility_cost.const import DOMAIN
from tests.fakes.tuya_cloud import FakeDevice, FakeTuyaCloud, simulated_socket
from tests.fakes.tuya_plugs import Appliance, Block, Firmware

from .conftest import setup_entries, shown_energy, state_value, tuya_entry

# 2026-01-12 09:00 UTC, the suite's start.
T0 = dt_util.parse_datetime("2026-01-12T09:00:00+00:00")
assert T0 is not None
START = T0.timestamp()
MINUTE = 60.0
CONNECT_TURNS = 50


def kettle() -> Appliance:
    """Two boils of 2.5 minutes at 2.1 kW, at 09:05 and 09:41; nothing else."""
    return Appliance(
        "kettle",
        [
            Block(START + 5 * MINUTE, START + 7.5 * MINUTE, 2100),
            Block(START + 41 * MINUTE, START + 43.5 * MINUTE, 2100),
        ],
    )


def fridge() -> Appliance:
    """A compressor: 12 minutes at 95 W every 30 minutes, 1 W in between."""
    blocks = [
        Block(START + (30 * n + 3) * MINUTE, START + (30 * n + 15) * MINUTE, 95)
        for n in range(20)
    ]
    return Appliance("fridge", blocks, base_w=1.0)


def plugs(cloud: FakeTuyaCloud, *devices: FakeDevice) -> None:
    cloud.devices = {device.id: device for device in devices}
    cloud.start_simulation(START)


async def run(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    cloud: FakeTuyaCloud,
    delta: timedelta,
    step: timedelta = timedelta(seconds=5),
) -> None:
    """Let time pass: the plugs report, the cloud pushes, Home Assistant follows.

    In steps shorter than half the message service's heartbeat (its pong is due
    within 15 s): a frozen clock that jumps further would time the pong out before
    the event loop could read it, which real time never does.
    """
    while delta > timedelta(0):
        # A connection being opened needs a few turns of the event loop, which
        # real time would give it long before the next step.
        for _ in range(CONNECT_TURNS):
            await asyncio.sleep(0)
        freezer.tick(min(step, delta))
        delta -= step
        cloud.advance()
        await cloud.wait_delivered()
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        await cloud.wait_delivered()
        await hass.async_block_till_done()


def true_kwh(device: FakeDevice, until_min: float) -> float:
    assert device.appliance is not None
    return device.appliance.energy_kwh(START, START + until_min * MINUTE)


def reported_kwh(cloud: FakeTuyaCloud, device_id: str, until: float) -> float:
    """What a plug counted (``add_ele`` increments) in the reports made before ``until``.

    The reference for a measured route: the plug's own reports, as the fake's plugs
    made them (nothing of the integration is used to compute it).
    """
    return sum(
        int(r.items["add_ele"]) / 1000
        for r in cloud.logs[device_id]
        if "add_ele" in r.items and r.t < until + 0.001
    )


def account(
    cloud: FakeTuyaCloud, tariff: MockConfigEntry, **options: Any
) -> MockConfigEntry:
    # About a refresh every 7 minutes for one plug: sparse enough to miss a boil.
    return tuya_entry(cloud, tariff, **{"monthly_cap": 8_000, **options})


async def test_statistics_replace_the_estimate_exactly(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Polls miss the boils; the plug's quarter-hour statistics do not."""
    cloud.statistics_api = True
    cloud.statistics_products = {"plugmeter0001"}
    plug = simulated_socket("kettle01", "Kettle", kettle())
    plugs(cloud, plug)
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    coordinator = entry.runtime_data
    assert coordinator.data.plugs["kettle01"].energy.source == "statistics"
    await run(hass, freezer, cloud, timedelta(hours=3))
    # Two boils: 2 x 2.1 kW x 2.5 min = 0.175 kWh, all of it measured, none twice.
    assert true_kwh(plug, 180) == pytest.approx(0.175)
    assert state_value(hass, "sensor.kettle_energy") == shown_energy(0.175)
    assert state_value(hass, "sensor.kettle_cost") == pytest.approx(
        0.175 * 0.25, abs=1e-3
    )
    state = hass.states.get("sensor.kettle_energy")
    assert state is not None
    assert state.attributes["energy_source"] == "statistics"
    # Reading a plug's day of statistics is one request a reconciliation.
    assert cloud.count("statistics/quarters") >= 1


async def test_device_logs_replace_the_estimate_exactly(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A product without statistics: its reports are read from the device logs."""
    cloud.log_api = True
    fridge_plug = simulated_socket("fridge01", "Fridge", fridge())
    kettle_plug = simulated_socket("kettle01", "Kettle", kettle())
    plugs(cloud, fridge_plug, kettle_plug)
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    await run(hass, freezer, cloud, timedelta(hours=4))
    coordinator = entry.runtime_data
    for plug_id, entity in (("fridge01", "fridge"), ("kettle01", "kettle")):
        plug = coordinator.data.plugs[plug_id]
        meter = plug.runtime.meter
        settled_to = meter.ledger.settled_to
        assert settled_to is not None
        measured = meter.ledger.lifetime.energy_kwh
        device = cloud.devices[plug_id]
        # What the plug counted up to its last report read (the logs' times are
        # whole milliseconds), less what it had not sent.
        reported = reported_kwh(cloud, plug_id, settled_to.timestamp())
        assert measured == pytest.approx(reported, abs=1e-9)
        assert device.true_kwh - measured < 0.05  # the part not reported yet
        assert (
            hass.states.get(f"sensor.{entity}_energy").attributes["energy_source"]
            == "logs"
        )


async def test_pushed_reports_meter_exactly_and_live(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With the message service, energy is known minutes after it was used."""
    cloud.message_service = True
    cloud.duplicate_rate = 0.2  # the service delivers at least once: often twice
    plug = simulated_socket("kettle01", "Kettle", kettle())
    plugs(cloud, plug)
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    await run(hass, freezer, cloud, timedelta(seconds=30))
    coordinator = entry.runtime_data
    assert coordinator.push_state == "connected"
    await run(hass, freezer, cloud, timedelta(minutes=60))
    assert cloud.messages_acked > 0
    meter = coordinator.data.plugs["kettle01"].runtime.meter
    reported = reported_kwh(cloud, "kettle01", math.inf)
    # Every report counted once, duplicates and all.
    assert meter.ledger.lifetime.energy_kwh == pytest.approx(reported, abs=1e-9)
    assert reported == pytest.approx(0.175, abs=0.001)
    assert state_value(hass, "sensor.kettle_energy") == shown_energy(reported)
    # Push counts messages, not calls; polling slows to once every 30 minutes.
    assert coordinator.quota.budget.messages > 0
    assert coordinator.planned_interval >= timedelta(minutes=30)
    assert hass.states.get("sensor.kettle_energy").attributes["energy_source"] == "push"


async def test_a_plug_without_measurements_is_metered_by_its_power(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No push, statistics or logs: the polled power, held until the next poll."""
    steady = Appliance("lamp", base_w=60.0)
    plugs(cloud, simulated_socket("lamp01", "Lamp", steady))
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    await run(hass, freezer, cloud, timedelta(hours=1))
    energy = state_value(hass, "sensor.lamp_energy")
    assert energy == pytest.approx(0.06, abs=0.002)
    assert hass.states.get("sensor.lamp_energy").attributes["energy_source"] == "power"


async def test_held_power_stops_at_the_hold_limit(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A reading below the safety margin stretches polling to hours: a polled power
    is held 30 minutes at most, not until the next poll."""
    plugs(cloud, simulated_socket("lamp01", "Lamp", Appliance("lamp", base_w=100.0)))
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    # Less left than the safety margin: polling waits for the next recompute.
    await hass.services.async_call(
        DOMAIN,
        "set_quota_reading",
        {"config_entry_id": entry.entry_id, "remaining": 200},
        blocking=True,
    )
    coordinator = entry.runtime_data
    assert coordinator.planned_interval >= timedelta(hours=2)
    await run(hass, freezer, cloud, timedelta(hours=2), step=timedelta(minutes=1))
    # 100 W for the 30 minutes a poll is believed: 0.05 kWh, not 0.2.
    assert state_value(hass, "sensor.lamp_energy") <= 0.051


async def test_a_wrong_scale_is_corrected_once_the_evidence_agrees(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A product not in the override table that says scale 0 but sends 0.1 W.

    A 2,096 W heater is never shown at 20,960 W: until three readings agree it is
    not believed, then read at 0.1 W; the correction is logged once.
    """
    heater = Appliance("heater", base_w=2096.0, power_factor=1.0)
    spec = [
        {"code": "cur_power", "type": "Integer", "unit": "W", "scale": 0},
        {"code": "cur_voltage", "type": "Integer", "unit": "V", "scale": 1},
        {"code": "cur_current", "type": "Integer", "unit": "mA", "scale": 0},
        {"code": "add_ele", "type": "Integer", "unit": "kwh", "scale": 3},
    ]
    plugs(
        cloud,
        simulated_socket(
            "heater01", "Heater", heater, product_id="newplug00001", spec=spec
        ),
    )
    entry = account(cloud, tariff, monthly_cap=10_000_000)
    await setup_entries(hass, tariff, entry)
    assert hass.states.get("sensor.heater_power").state != "20960.0"
    seen: set[float] = set()
    for _ in range(6):
        await run(hass, freezer, cloud, timedelta(minutes=1))
        value = hass.states.get("sensor.heater_power").state
        if value not in ("unknown", "unavailable"):
            seen.add(float(value))
    assert max(seen) < 2200
    assert state_value(hass, "sensor.heater_power") == 2096.0
    assert caplog.text.count("reports values in other units") == 1
    assert entry.runtime_data.evidence["newplug00001"].corrections == {"cur_power": 1}
    # At most the heater's energy since it was believed: never ten times it.
    await run(hass, freezer, cloud, timedelta(minutes=30))
    assert state_value(hass, "sensor.heater_energy") <= 2.096 * 36 / 60


async def test_a_product_nothing_explains_is_a_repair(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Power six times what its voltage and current allow: reported, never booked."""
    device = simulated_socket("odd00001", "Odd plug", Appliance("lamp", base_w=60.0))
    plugs(cloud, device)
    entry = account(cloud, tariff, monthly_cap=10_000_000)
    await setup_entries(hass, tariff, entry)
    # What the plug sends from now on: 1,200 W for 0.261 A at 230 V (60 VA): 20
    # times too much, and still twice too much as deciwatts.
    device.sim_t = None  # its own reports stop
    device.status.update({"cur_power": 12000, "cur_current": 261, "cur_voltage": 2300})
    for _ in range(4):
        await run(hass, freezer, cloud, timedelta(minutes=1))
    issue = issue_registry.async_get_issue(
        DOMAIN, "tuya_misreporting_tuya_account_plugmeter0001"
    )
    assert issue is not None
    assert issue.translation_placeholders["product_id"] == "plugmeter0001"
    before = (
        entry.runtime_data.data.plugs["odd00001"].runtime.meter.figures().energy_kwh
    )
    await run(hass, freezer, cloud, timedelta(minutes=10))
    after = entry.runtime_data.data.plugs["odd00001"].runtime.meter.figures().energy_kwh
    assert after == before


async def test_a_relay_off_with_a_stale_power_books_nothing(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The status keeps the power from before the relay opened: it is not billed."""
    device = simulated_socket("tv000001", "TV", Appliance("tv", base_w=120.0))
    plugs(cloud, device)
    entry = account(cloud, tariff, monthly_cap=10_000_000)
    await setup_entries(hass, tariff, entry)
    await run(hass, freezer, cloud, timedelta(minutes=5))
    # The relay opens, and the cloud keeps the last power (no report of 0 W).
    device.sim_t = None
    device.status["switch_1"] = False
    meter = entry.runtime_data.data.plugs["tv000001"].runtime.meter
    before = meter.figures().energy_kwh
    await run(hass, freezer, cloud, timedelta(minutes=30))
    assert meter.figures().energy_kwh == pytest.approx(before, abs=0.121 * 2 / 60)


async def test_a_running_total_is_counted_by_its_differences(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A Zigbee plug (a gateway's sub-device) reports its lifetime total."""
    cloud.log_api = True
    device = simulated_socket(
        "zig00001",
        "Zigbee plug",
        Appliance("heater", base_w=1500.0, power_factor=1.0),
        firmware=Firmware(energy_kind="total"),
    )
    device.sub = True
    device._total_units = 62_860  # it has counted 62.86 kWh in its life
    plugs(cloud, device)
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    await run(hass, freezer, cloud, timedelta(hours=2, minutes=30))
    meter = entry.runtime_data.data.plugs["zig00001"].runtime.meter
    settled = meter.ledger.settled_to
    assert settled is not None
    # What it counted from its first total (the baseline) to the last one read:
    # the difference of the two, never 62 kWh.
    totals = [
        (r.t, int(r.items["add_ele"]))
        for r in cloud.logs["zig00001"]
        if "add_ele" in r.items and r.t < settled.timestamp() + 0.001
    ]
    # Before the first total, only the power tells: 1.5 kW held from the first poll.
    before_baseline = 1.5 * (totals[0][0] - START) / 3600
    assert meter.ledger.lifetime.energy_kwh == pytest.approx(
        before_baseline + (totals[-1][1] - totals[0][1]) / 1000, abs=1e-6
    )


async def test_a_bidirectional_plug_counts_exported_energy_apart(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A micro-inverter on a bidirectional plug: what it exports is not consumption."""
    cloud.message_service = True
    inverter = Appliance(
        "micro-inverter",
        [Block(START, START + 3 * 3600, -400.0)],
        base_w=3.5,
    )
    device = simulated_socket("solar001", "Balcony solar", inverter)
    device.status.update({"pro_add_ele": 0, "energy_status": "consumption"})
    plugs(cloud, device)
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    await run(hass, freezer, cloud, timedelta(hours=1))
    exported = state_value(hass, "sensor.balcony_solar_energy_exported")
    reported = sum(
        int(r.items["pro_add_ele"]) / 1000
        for r in cloud.logs["solar001"]
        if "pro_add_ele" in r.items
    )
    # Every exported unit the plug reported, and what it had not reported yet is
    # less than one report's worth (400 W for 5 minutes).
    assert exported == pytest.approx(reported, abs=1e-9)
    assert 0 <= 0.4 - exported < 0.4 * 5 / 60
    assert state_value(hass, "sensor.balcony_solar_energy") == 0


# --- the message service, when it misbehaves ---------------------------------------


def lifetime_and_settled(entry: MockConfigEntry, device_id: str) -> tuple[float, float]:
    meter = entry.runtime_data.data.plugs[device_id].runtime.meter
    settled = meter.ledger.settled_to
    assert settled is not None
    return meter.ledger.lifetime.energy_kwh, settled.timestamp()


async def pushed_fridge(
    hass: HomeAssistant, tariff: MockConfigEntry, cloud: FakeTuyaCloud, **options: Any
) -> tuple[FakeDevice, MockConfigEntry]:
    """Set up a fridge's plug on a project with the message service and logs."""
    cloud.message_service = True
    cloud.log_api = True
    plug = simulated_socket("fridge01", "Fridge", fridge())
    plugs(cloud, plug)
    entry = account(cloud, tariff, **options)
    await setup_entries(hass, tariff, entry)
    return plug, entry


async def test_a_push_outage_is_filled_from_the_logs_and_counted_once(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The service goes away for an hour: the logs fill it; back, nothing twice."""
    plug, entry = await pushed_fridge(hass, tariff, cloud)
    coordinator = entry.runtime_data
    await run(hass, freezer, cloud, timedelta(minutes=20))
    assert coordinator.push_state == "connected"
    # The service refuses every connection for an hour (and drops the open one).
    cloud.fail("/ws/", http_status=503, times=None)
    await cloud.drop_consumers()
    await run(hass, freezer, cloud, timedelta(minutes=70), step=timedelta(seconds=30))
    assert coordinator.push_state == "disconnected"
    assert coordinator.data.plugs["fridge01"].energy.source == "logs"
    assert cloud.count("/logs") > 0
    energy, settled = lifetime_and_settled(entry, "fridge01")
    assert energy == pytest.approx(reported_kwh(cloud, "fridge01", settled), abs=1e-9)
    # The service is back: what it queued meanwhile is pushed again, and skipped.
    cloud.injections.clear()
    await run(hass, freezer, cloud, timedelta(minutes=40))
    assert coordinator.push_state == "connected"
    assert coordinator.data.plugs["fridge01"].energy.source == "push"
    energy, settled = lifetime_and_settled(entry, "fridge01")
    assert energy == pytest.approx(reported_kwh(cloud, "fridge01", settled), abs=1e-9)
    assert plug.true_kwh - energy < 0.095 * 5 / 60  # at most one report to come


async def test_a_silent_service_is_not_trusted(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The project's messages run out: the connection stays open, nothing comes."""
    cloud.message_cap = 5  # about 15 minutes of the fridge's reports
    _, entry = await pushed_fridge(hass, tariff, cloud)
    await run(hass, freezer, cloud, timedelta(minutes=75))
    coordinator = entry.runtime_data
    assert cloud.messages_sent == 5
    assert caplog.text.count("the message service sent nothing") == 1
    assert coordinator.data.plugs["fridge01"].energy.source == "logs"
    energy, settled = lifetime_and_settled(entry, "fridge01")
    assert energy == pytest.approx(reported_kwh(cloud, "fridge01", settled), abs=1e-9)
    # The logs carried on after the last message (about 15 minutes in).
    assert settled > START + 40 * MINUTE


async def test_our_message_cap_pauses_the_push(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """At the cap the user set, the connection is left: the month's messages stay."""
    _, entry = await pushed_fridge(hass, tariff, cloud, message_cap=10)  # ~45 min
    await run(hass, freezer, cloud, timedelta(minutes=60))
    coordinator = entry.runtime_data
    assert coordinator.push_state == "paused"
    budget = coordinator.quota.budget
    assert not budget.messages_allowed(dt_util.utcnow())
    sent_when_paused = cloud.deliveries
    await run(hass, freezer, cloud, timedelta(minutes=30), step=timedelta(seconds=30))
    assert cloud.deliveries == sent_when_paused  # no connection, nothing delivered
    assert coordinator.data.plugs["fridge01"].energy.source == "logs"
    energy, settled = lifetime_and_settled(entry, "fridge01")
    assert energy == pytest.approx(reported_kwh(cloud, "fridge01", settled), abs=1e-9)


@pytest.mark.parametrize(
    "protocols", [{"iot_core"}, {"legacy", "iot_core"}], ids=["iot_core", "both"]
)
async def test_iot_core_messages_are_counted_once(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    protocols: set[str],
) -> None:
    """Projects on the newer message family, or with rules for both families."""
    cloud.message_service = True
    cloud.message_protocols = protocols
    plug = simulated_socket("kettle01", "Kettle", kettle())
    plugs(cloud, plug)
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    await run(hass, freezer, cloud, timedelta(minutes=60))
    assert entry.runtime_data.push_state == "connected"
    energy, _ = lifetime_and_settled(entry, "kettle01")
    reported = reported_kwh(cloud, "kettle01", START + 3600)
    assert energy == pytest.approx(reported, abs=1e-9)
    assert reported == pytest.approx(0.175, abs=0.001)
    assert state_value(hass, "sensor.kettle_power") == pytest.approx(
        plug.appliance.power_at(START + 3600), abs=1
    )


async def test_a_crash_before_the_save_loses_no_pushed_report(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """kill -9 between receiving reports and writing them: the service sends again.

    Reports are acknowledged only once their energy is written, so what the crash
    lost from memory is still queued, and what was written is not counted twice.
    """
    cloud.message_service = True
    cloud.duplicate_rate = 0.1
    plug = simulated_socket("kettle01", "Kettle", kettle())
    plugs(cloud, plug)
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    for minutes in (9, 17, 3):
        await run(hass, freezer, cloud, timedelta(minutes=minutes))
        # The crash: what is on disk now is all that survives; no goodbye is sent.
        on_disk = copy.deepcopy(hass_storage)
        await cloud.drop_consumers()
        assert await hass.config_entries.async_unload(entry.entry_id)
        hass_storage.clear()
        hass_storage.update(on_disk)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    await run(hass, freezer, cloud, timedelta(minutes=30))
    energy, settled = lifetime_and_settled(entry, "kettle01")
    assert energy == pytest.approx(reported_kwh(cloud, "kettle01", settled), abs=1e-9)
    assert energy == pytest.approx(0.175, abs=0.001)
    assert state_value(hass, "sensor.kettle_energy") == shown_energy(energy)
