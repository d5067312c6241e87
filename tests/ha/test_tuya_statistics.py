"""A Tuya plug's measured hours in Home Assistant's long-term statistics.

What the Energy dashboard shows of a plug is its ``utility_cost:tuya_<id>_consumption``
statistic: each hour the energy the plug itself reported. The references here are
the plug's own reports as the fake cloud received them (never the integration's
arithmetic), and the appliance's exact energy from its blocks of power.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from tests.fakes.tuya_cloud import FakeTuyaCloud, simulated_socket
from tests.fakes.tuya_plugs import Appliance, Block

from .conftest import setup_entries
from .recorder import auto_enable_custom_integrations, madrid_time  # noqa: F401
from .test_tuya_energy import account, fridge, kettle, reported_kwh, run

HOUR = timedelta(hours=1)
T0 = datetime(2026, 1, 12, 9, tzinfo=UTC)  # the suite's start


async def _hours(hass: HomeAssistant, statistic_id: str) -> dict[datetime, float]:
    """Return each hour's change of the statistic's sum (what the dashboard shows)."""
    await async_wait_recording_done(hass)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2026, 1, 1, tzinfo=UTC),
        None,
        {statistic_id},
        "hour",
        None,
        {"sum"},
    )
    hours: dict[datetime, float] = {}
    previous = 0.0
    for row in rows.get(statistic_id, []):
        start = datetime.fromtimestamp(row["start"], UTC)
        hours[start] = row["sum"] - previous
        previous = row["sum"]
    return hours


def _reported_hours(cloud: FakeTuyaCloud, device_id: str) -> dict[datetime, float]:
    """Each UTC hour's energy as the plug's reports say (by when they were made)."""
    hours: dict[datetime, float] = defaultdict(float)
    for report in cloud.logs[device_id]:
        if "add_ele" in report.items:
            at = datetime.fromtimestamp(report.t, UTC)
            hours[at.replace(minute=0, second=0, microsecond=0)] += (
                int(report.items["add_ele"]) / 1000
            )
    return dict(hours)


async def test_measured_hours_are_long_term_statistics(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every complete hour the plug measured is in the recorder, priced, once.

    A report's energy is spread over the time since the previous report (the
    polled power says little about when within it), so an hour may hold part of
    a report made in the next one: at most one report's energy off the truth.
    """
    cloud.log_api = True
    kettle_plug = simulated_socket("kettle01", "Kettle", kettle())
    fridge_plug = simulated_socket("fridge01", "Fridge", fridge())
    cloud.devices = {d.id: d for d in (kettle_plug, fridge_plug)}
    cloud.start_simulation(T0.timestamp())
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    await run(hass, freezer, cloud, 4 * HOUR, step=timedelta(seconds=30))
    fridge_hours = await _hours(hass, "utility_cost:tuya_fridge01_consumption")
    fridge_cost = await _hours(hass, "utility_cost:tuya_fridge01_cost")
    assert fridge_plug.appliance is not None
    for hour in (T0 + n * HOUR for n in range(3)):
        true = fridge_plug.appliance.energy_kwh(
            hour.timestamp(), (hour + HOUR).timestamp()
        )
        assert fridge_hours[hour] == pytest.approx(true, abs=0.008)
        assert fridge_cost[hour] == pytest.approx(fridge_hours[hour] * 0.25, abs=1e-6)
    # All the hours together: what the plug reported up to the last one, exactly.
    last_hour = max(fridge_hours)
    meter = entry.runtime_data.data.plugs["fridge01"].runtime.meter
    assert meter.hourly is not None
    assert sum(fridge_hours.values()) == pytest.approx(
        sum(kwh for hour, kwh in meter.hourly.energy.items() if hour <= last_hour),
        abs=1e-5,  # the sums are written rounded to 1e-6
    )
    # The kettle's two boils (09:05 and 09:41) are in its first hour, exactly.
    kettle_hours = await _hours(hass, "utility_cost:tuya_kettle01_consumption")
    assert kettle_hours[T0] == pytest.approx(0.175, abs=1e-6)
    # Idle since, it reports nothing: its later hours come when it is next read
    # (an idle plug every 6 hours), as hours that used nothing.
    await run(hass, freezer, cloud, 5 * HOUR, step=timedelta(minutes=1))
    kettle_hours = await _hours(hass, "utility_cost:tuya_kettle01_consumption")
    assert T0 + 3 * HOUR in kettle_hours
    assert sum(kettle_hours.values()) == pytest.approx(0.175, abs=1e-6)


async def test_a_restart_rewrites_no_hour_twice(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An hour imported before a restart keeps its sum: nothing is added again."""
    cloud.log_api = True
    plug = simulated_socket("fridge01", "Fridge", fridge())
    cloud.devices = {plug.id: plug}
    cloud.start_simulation(T0.timestamp())
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    step = timedelta(seconds=30)
    await run(hass, freezer, cloud, 2 * HOUR + timedelta(minutes=30), step=step)
    before = await _hours(hass, "utility_cost:tuya_fridge01_consumption")
    assert before
    assert await hass.config_entries.async_reload(entry.entry_id)
    await run(hass, freezer, cloud, 2 * HOUR, step=step)
    after = await _hours(hass, "utility_cost:tuya_fridge01_consumption")
    assert len(after) > len(before)
    for hour, kwh in before.items():
        assert after[hour] == pytest.approx(kwh, abs=1e-9)
    assert plug.appliance is not None
    last = max(after) + HOUR
    true = plug.appliance.energy_kwh(T0.timestamp(), last.timestamp())
    assert sum(after.values()) == pytest.approx(true, abs=0.008)


@pytest.mark.parametrize(
    "day",
    [
        datetime(2026, 3, 29, tzinfo=UTC),  # 02:00 CET goes to 03:00 CEST
        datetime(2026, 10, 25, tzinfo=UTC),  # 03:00 CEST goes back to 02:00 CET
    ],
    ids=["spring_23_hours", "autumn_25_hours"],
)
async def test_clock_change_days_from_statistics(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    day: datetime,
) -> None:
    """The statistics' labels are Madrid wall time: a skipped or a repeated hour.

    A 1 kW heater runs from midnight UTC to 04:00 UTC, across the change. The
    statistics count each report in the quarter it was made; every UTC hour shows
    what was reported in it. In the repeated hour the cloud's one label stands for
    both occurrences: the two UTC hours share its energy equally, and together hold
    exactly what was reported in them.
    """
    start = day.timestamp()
    heater = Appliance("heater", [Block(start, start + 4 * 3600, 1000.0)], 0.0, 1.0)
    cloud.statistics_api = True
    cloud.statistics_products = {"plugmeter0001"}
    plug = simulated_socket("heater01", "Heater", heater)
    cloud.devices = {plug.id: plug}
    freezer.move_to(day - timedelta(minutes=30))
    cloud.start_simulation(start - 1800)
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    await run(hass, freezer, cloud, 7 * HOUR, step=timedelta(minutes=1))
    shown = await _hours(hass, "utility_cost:tuya_heater01_consumption")
    reported = _reported_hours(cloud, "heater01")
    hours = [day + n * HOUR for n in range(5)]
    repeated = [day, day + HOUR] if day.month == 10 else []  # 02:00-02:59 Madrid, twice
    for hour in hours:
        if hour in repeated:
            continue
        # Each quarter is sent rounded to the watt-hour.
        assert shown.get(hour, 0.0) == pytest.approx(
            reported.get(hour, 0.0), abs=0.002
        ), hour
    if repeated:
        first, second = (shown.get(h, 0.0) for h in repeated)
        assert first == pytest.approx(second, abs=1e-9)
        assert first + second == pytest.approx(
            sum(reported.get(h, 0.0) for h in repeated), abs=0.004
        )
    assert sum(shown.values()) == pytest.approx(plug.true_kwh, abs=0.01)
    meter = entry.runtime_data.data.plugs["heater01"].runtime.meter
    assert meter.ledger.lifetime.energy_kwh == pytest.approx(4.0, abs=0.01)


async def test_a_span_past_midnight_is_read_a_day_at_a_time(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    cloud: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One request reads one local day: the rest comes at the next refresh.

    A charger (2.5 W, below what makes a plug "active") runs across Madrid's
    midnight: read to midnight, then straight on, not six hours later.
    """
    start = datetime(2026, 1, 12, 21, tzinfo=UTC)
    charger = Appliance(
        "charger",
        [Block(start.timestamp() + 5400, start.timestamp() + 12600, 2.5)],
        0.3,
        1.0,
    )
    cloud.statistics_api = True
    cloud.statistics_products = {"plugmeter0001"}
    plug = simulated_socket("charger1", "Charger", charger)
    cloud.devices = {plug.id: plug}
    freezer.move_to(start)
    cloud.start_simulation(start.timestamp())
    entry = account(cloud, tariff)
    await setup_entries(hass, tariff, entry)
    await run(hass, freezer, cloud, 9 * HOUR, step=timedelta(minutes=1))
    meter = entry.runtime_data.data.plugs["charger1"].runtime.meter
    settled = meter.ledger.settled_to
    assert settled is not None
    assert settled >= datetime(2026, 1, 13, 4, 30, tzinfo=UTC)  # not stuck at 23:00
    reported = reported_kwh(cloud, "charger1", settled.timestamp())
    assert meter.ledger.lifetime.energy_kwh == pytest.approx(reported, abs=1e-6)
