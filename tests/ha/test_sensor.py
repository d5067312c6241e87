"""Sensors as a user sees them: prices, energy, cost, periods and sessions."""

from __future__ import annotations

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.utility_cost.const import EVENT_SESSION_ENDED

from .conftest import (
    ENERGY_SOURCE,
    NIGHT_BAND,
    advance,
    fixed_tariff_entry,
    publish,
    set_energy,
    set_power,
    setup_entries,
    shown_cost,
    shown_energy,
    snapshot_entities,
    state_value,
    tracked_entry,
)


@pytest.fixture
def banded() -> MockConfigEntry:
    """Return a tariff of 0.30/kWh with a 0.10 night band and a standing charge."""
    return fixed_tariff_entry("Banded", 0.30, bands=[NIGHT_BAND], standing_charge=0.5)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_tariff_entities(
    hass: HomeAssistant,
    banded: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """A tariff has a device with its current, next price and next change."""
    await setup_entries(hass, banded)
    await snapshot_entities(
        hass, entity_registry, snapshot, banded.entry_id, SENSOR_DOMAIN
    )
    device = device_registry.async_get_device({("utility_cost", banded.entry_id)})
    assert device is not None
    assert device.name == "Banded"
    assert device.model == "Fixed tariff"


async def test_prices_follow_the_bands(
    hass: HomeAssistant, banded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """At 22:00 local time the night band starts and the sensors follow at once."""
    await setup_entries(hass, banded)
    # 10:00 in Madrid: day price, night next at 22:00 local (21:00 UTC).
    assert state_value(hass, "sensor.banded_current_price") == 0.30
    assert hass.states.get("sensor.banded_current_price").attributes["band"] is None
    assert state_value(hass, "sensor.banded_next_price") == 0.10
    assert (
        hass.states.get("sensor.banded_next_price_change").state
        == "2026-01-12T21:00:00+00:00"
    )
    await advance(hass, freezer, timedelta(hours=11, minutes=59, seconds=59))
    assert state_value(hass, "sensor.banded_current_price") == 0.30
    await advance(hass, freezer, timedelta(seconds=1))
    assert state_value(hass, "sensor.banded_current_price") == 0.10
    assert hass.states.get("sensor.banded_current_price").attributes["band"] == "Night"
    assert state_value(hass, "sensor.banded_next_price") == 0.30
    assert (
        hass.states.get("sensor.banded_next_price_change").state
        == "2026-01-13T06:00:00+00:00"
    )
    assert state_value(hass, "sensor.banded_standing_charge") == 0.5
    assert (
        hass.states.get("sensor.banded_standing_charge").attributes[
            "unit_of_measurement"
        ]
        == "EUR/d"
    )


async def test_constant_tariff_has_no_next_price(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """A tariff without bands never changes: next price and change are unknown."""
    await setup_entries(hass, tariff)
    assert state_value(hass, "sensor.home_current_price") == 0.25
    assert hass.states.get("sensor.home_next_price").state == STATE_UNKNOWN
    assert hass.states.get("sensor.home_next_price_change").state == STATE_UNKNOWN
    assert hass.states.get("sensor.home_standing_charge") is None


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_tracked_sensor_entities(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    """A tracked sensor has energy, cost, period and last-session sensors."""
    await set_power(hass, 0)
    await setup_entries(hass, tariff, washer)
    await set_power(hass, 1200)
    await advance(hass, freezer, timedelta(minutes=30))
    await set_power(hass, 0)
    await publish(hass, freezer)
    await snapshot_platform(hass, entity_registry, snapshot, washer.entry_id)


async def test_less_used_period_sensors_are_disabled_by_default(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Less used period sensors start disabled (each enabled total costs rows)."""
    await setup_entries(hass, tariff, washer)
    for key in ("energy_today", "cost_today", "cost_this_month"):
        entry = entity_registry.async_get(f"sensor.washer_{key}")
        assert entry is not None
        assert entry.disabled_by is None
    for key in (
        "energy_this_month",
        "energy_this_week",
        "cost_this_week",
        "energy_this_year",
        "cost_this_year",
    ):
        entry = entity_registry.async_get(f"sensor.washer_{key}")
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_power_is_integrated_and_priced(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Steady power is counted up to every write; each kWh costs 0.25.

    The entities show what the meter last wrote: while a power is held, a write
    every 30 s, counted up to the instant of writing.
    """
    await set_power(hass, 0)
    await setup_entries(hass, tariff, washer)
    await set_power(hass, 1500)
    await advance(hass, freezer, timedelta(seconds=20))
    assert state_value(hass, "sensor.washer_energy") == 0  # not written yet
    await advance(hass, freezer, timedelta(seconds=10))
    # Written at 30 s: 1500 W for 30 s = 1.5 * 30 / 3600 = 0.0125 kWh, cost 0.003125.
    assert state_value(hass, "sensor.washer_energy") == shown_energy(0.0125)
    assert state_value(hass, "sensor.washer_cost") == shown_cost(0.003125)
    await advance(hass, freezer, timedelta(seconds=60))
    # And again at 60 and 90 s, with no reading meanwhile: 0.0375 kWh.
    assert state_value(hass, "sensor.washer_energy") == shown_energy(0.0375)
    assert state_value(hass, "sensor.washer_cost") == shown_cost(0.009375)
    await advance(hass, freezer, timedelta(minutes=38, seconds=30))
    await set_power(hass, 0)
    await publish(hass, freezer)
    # 40 minutes at 1.5 kW = 1 kWh
    assert state_value(hass, "sensor.washer_energy") == 1.0
    assert state_value(hass, "sensor.washer_cost") == 0.25
    assert state_value(hass, "sensor.washer_energy_today") == 1.0
    assert state_value(hass, "sensor.washer_cost_this_month") == 0.25


async def test_cost_is_split_exactly_at_a_price_change(
    hass: HomeAssistant, banded: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """1 kW from 21:30 to 22:30 local: half at 0.30, half at the 0.10 night price."""
    freezer.move_to("2026-01-12T20:30:00+00:00")
    washer = tracked_entry(banded)
    await set_power(hass, 1000)
    await setup_entries(hass, banded, washer)
    # The reading only arrives after the change: the split must still be exact.
    await advance(hass, freezer, timedelta(minutes=59, seconds=59))
    freezer.tick(timedelta(seconds=1))
    await set_power(hass, 0)
    await publish(hass, freezer)
    assert state_value(hass, "sensor.washer_energy") == 1.0
    # 0.5 kWh x 0.30 + 0.5 kWh x 0.10 = 0.20
    assert state_value(hass, "sensor.washer_cost") == 0.2


async def test_periods_reset_at_local_midnight(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Today's energy starts again at midnight in Home Assistant's time zone."""
    freezer.move_to("2026-01-31T22:00:00+00:00")  # 23:00 in Madrid, last of January
    await set_power(hass, 2000)
    await setup_entries(hass, tariff, washer)
    await advance(hass, freezer, timedelta(minutes=30))
    await set_power(hass, 0)
    await publish(hass, freezer)
    assert state_value(hass, "sensor.washer_energy_today") == 1.0
    await advance(hass, freezer, timedelta(minutes=30))
    today = hass.states.get("sensor.washer_energy_today")
    assert today is not None
    assert float(today.state) == 0
    assert today.attributes["last_reset"] == "2026-01-31T23:00:00+00:00"
    month = hass.states.get("sensor.washer_cost_this_month")
    assert month is not None
    assert float(month.state) == 0
    assert month.attributes["last_reset"] == "2026-01-31T23:00:00+00:00"
    assert state_value(hass, "sensor.washer_energy") == pytest.approx(1.0)


async def test_energy_source_deltas_and_resets(
    hass: HomeAssistant, tariff: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """An energy meter is followed through its deltas; resets start from zero."""
    meter = tracked_entry(tariff, ENERGY_SOURCE, "energy")
    await set_energy(hass, 100)
    await setup_entries(hass, tariff, meter)
    assert state_value(hass, "sensor.washer_energy") == 0  # the baseline
    freezer.tick(timedelta(hours=1))
    await set_energy(hass, 101.5)
    await publish(hass, freezer)
    assert state_value(hass, "sensor.washer_energy") == 1.5
    assert state_value(hass, "sensor.washer_cost") == 0.375
    freezer.tick(timedelta(minutes=5))
    await set_energy(hass, 0.5)  # the meter was reset and counted 0.5 since
    await publish(hass, freezer)
    assert state_value(hass, "sensor.washer_energy") == 2.0
    freezer.tick(timedelta(minutes=5))
    await set_energy(hass, 0.48)  # a dip of less than 10 %: ignored
    await set_energy(hass, 0.6)
    await publish(hass, freezer)
    assert state_value(hass, "sensor.washer_energy") == 2.1
    freezer.tick(timedelta(minutes=5))
    await set_energy(
        hass, 1600, {"unit_of_measurement": "Wh", "device_class": "energy"}
    )
    await publish(hass, freezer)
    assert state_value(hass, "sensor.washer_energy") == 3.1


async def test_unavailable_source_pauses_without_a_jump(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing is accrued while the source is unavailable, and nothing on return."""
    caplog.set_level(logging.INFO)
    await set_power(hass, 1000)
    await setup_entries(hass, tariff, washer)
    await advance(hass, freezer, timedelta(minutes=30))
    await set_power(hass, STATE_UNAVAILABLE, {})
    await advance(hass, freezer, timedelta(hours=2))
    await set_power(hass, STATE_UNKNOWN, {})
    assert state_value(hass, "sensor.washer_energy") == 0.5
    await set_power(hass, 1000)
    assert state_value(hass, "sensor.washer_energy") == 0.5
    await advance(hass, freezer, timedelta(minutes=30))
    await set_power(hass, 0)
    await publish(hass, freezer)
    assert state_value(hass, "sensor.washer_energy") == 1.0
    # The entities keep their values while the source is away.
    assert caplog.text.count("sensor.washer_power is unavailable") == 1
    assert caplog.text.count("sensor.washer_power is available again") == 1


async def test_bad_values_are_skipped_and_logged_once(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Negative power counts as zero; non-numbers and wrong units stop accrual."""
    await set_power(hass, -40)
    await setup_entries(hass, tariff, washer)
    await set_power(hass, -20)
    await advance(hass, freezer, timedelta(minutes=10))
    assert state_value(hass, "sensor.washer_energy") == 0
    assert caplog.text.count("reported a negative value") == 1
    for _ in range(2):
        await set_power(hass, "abc")
        await set_power(hass, "nan")
        await set_power(
            hass, 500, {"unit_of_measurement": "A", "device_class": "power"}
        )
        await advance(hass, freezer, timedelta(minutes=10))
    assert state_value(hass, "sensor.washer_energy") == 0
    assert caplog.text.count("has a state that is not a number") == 1
    assert caplog.text.count("has unit 'A'") == 1


async def test_session_ends_with_an_event_and_last_session_sensors(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Above the on-threshold for long enough is a session; its end is an event."""
    events = async_capture_events(hass, EVENT_SESSION_ENDED)
    await set_power(hass, 0)
    await setup_entries(hass, tariff, washer)
    await set_power(hass, 2000)
    await advance(hass, freezer, timedelta(minutes=10))
    await set_power(hass, 3)  # at or below 5 W: off
    # The event fires once the finished session is written, at most 30 s later.
    assert events == []
    await publish(hass, freezer)
    device = device_registry.async_get_device({("utility_cost", washer.entry_id)})
    assert device is not None
    # 2 kW for 10 minutes = 1/3 kWh; at 0.25 = 1/12.
    assert len(events) == 1
    assert events[0].data == {
        "entry_id": washer.entry_id,
        "device_id": device.id,
        "name": "Washer",
        "source": "sensor.washer_power",
        "start": "2026-01-12T09:00:00+00:00",
        "end": "2026-01-12T09:10:00+00:00",
        "duration_s": 600.0,
        "energy_kwh": pytest.approx(1 / 3, abs=1e-6),
        "cost": pytest.approx(1 / 12, abs=1e-6),
        "currency": "EUR",
    }
    assert state_value(hass, "sensor.washer_last_session_energy") == shown_energy(1 / 3)
    assert state_value(hass, "sensor.washer_last_session_cost") == shown_cost(1 / 12)
    assert state_value(hass, "sensor.washer_last_session_duration") == 10  # minutes
    assert (
        hass.states.get("sensor.washer_last_session_start").state
        == "2026-01-12T09:00:00+00:00"
    )
    assert (
        hass.states.get("sensor.washer_last_session_end").state
        == "2026-01-12T09:10:00+00:00"
    )


async def test_short_runs_are_not_sessions(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A run shorter than the minimum length fires nothing."""
    events = async_capture_events(hass, EVENT_SESSION_ENDED)
    await set_power(hass, 0)
    await setup_entries(hass, tariff, washer)
    await set_power(hass, 800)
    freezer.tick(timedelta(seconds=59))
    await set_power(hass, 0)
    await publish(hass, freezer)
    assert events == []
    assert hass.states.get("sensor.washer_last_session_energy").state == STATE_UNKNOWN
    assert state_value(hass, "sensor.washer_energy") > 0


async def test_energy_source_sessions_use_mean_power(
    hass: HomeAssistant, tariff: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """For an energy meter the power of a session is its mean between readings."""
    events = async_capture_events(hass, EVENT_SESSION_ENDED)
    meter = tracked_entry(tariff, ENERGY_SOURCE, "energy")
    await set_energy(hass, 10)
    await setup_entries(hass, tariff, meter)
    for value in (10.2, 10.4, 10.4):  # 1200 W, 1200 W, then nothing
        freezer.tick(timedelta(minutes=10))
        await set_energy(hass, value)
    await publish(hass, freezer)
    assert len(events) == 1
    assert events[0].data["start"] == "2026-01-12T09:00:00+00:00"
    assert events[0].data["end"] == "2026-01-12T09:20:00+00:00"
    assert events[0].data["energy_kwh"] == pytest.approx(0.4)


async def test_clock_jump_is_not_counted(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A host that started with a wrong clock does not invent days of consumption."""
    await set_power(hass, 2000)
    await setup_entries(hass, tariff, washer)
    await advance(hass, freezer, timedelta(minutes=3))
    freezer.tick(timedelta(days=3))  # the clock is set right, three days later
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await set_power(hass, 0)
    await publish(hass, freezer)
    # 2 kW for 3 minutes = 0.1 kWh, and nothing for the jump.
    assert state_value(hass, "sensor.washer_energy") == 0.1
    assert "no reading or re-evaluation for 3 days" in caplog.text
    await set_power(hass, 2000)
    await advance(hass, freezer, timedelta(minutes=3))
    await set_power(hass, 0)
    await publish(hass, freezer)
    assert state_value(hass, "sensor.washer_energy") == 0.2
