"""Set-up, unload, removal and restarts: nothing measured is lost or counted twice."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import (
    EVENT_HOMEASSISTANT_FINAL_WRITE,
    EVENT_HOMEASSISTANT_STOP,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.utility_cost.const import (
    CONF_SOURCE,
    CONF_TARIFF,
    DOMAIN,
    EVENT_SESSION_ENDED,
    METER_SAVE_DELAY_S,
)

from .conftest import (
    ENERGY_ATTRS,
    ENERGY_SOURCE,
    HTTP_METER_WEBHOOK_ID,
    POWER_ATTRS,
    POWER_SOURCE,
    advance,
    fixed_tariff_entry,
    http_meter_entry,
    publish,
    set_energy,
    set_power,
    setup_entries,
    state_value,
    tracked_entry,
)

STORE_KEY = "utility_cost.meter.tracked_washer"


def stored_meter(hass_storage: dict[str, Any]) -> dict[str, Any]:
    return hass_storage[STORE_KEY]["data"]["meter"]


def store(
    hass_storage: dict[str, Any],
    *,
    source: str = POWER_SOURCE,
    kind: str = "power",
    energy_kwh: float = 5.0,
    cost: float = 1.25,
    counter: dict[str, Any] | None = None,
    current_session: dict[str, Any] | None = None,
    unannounced: list[dict[str, Any]] | None = None,
) -> None:
    """Write a meter as a previous run of Home Assistant would have left it."""
    today = "2026-01-11T23:00:00+00:00"
    hass_storage[STORE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORE_KEY,
        "data": {
            "source": source,
            "meter": {
                "version": 1,
                "kind": kind,
                "ledger": {
                    "energy_kwh": energy_kwh,
                    "cost": cost,
                    "unpriced_kwh": 0.0,
                    "periods": {
                        "day": {"start": today, "energy_kwh": 1.0, "cost": 0.25},
                        "week": {"start": today, "energy_kwh": 1.0, "cost": 0.25},
                        "month": {
                            "start": "2025-12-31T23:00:00+00:00",
                            "energy_kwh": 3.0,
                            "cost": 0.75,
                        },
                        "year": {
                            "start": "2025-12-31T23:00:00+00:00",
                            "energy_kwh": 3.0,
                            "cost": 0.75,
                        },
                    },
                },
                "sessions": {
                    "current": current_session,
                    "last": None,
                    "unannounced": unannounced or [],
                },
                "counter": counter or {"value_kwh": None, "at": None},
            },
        },
    }


async def test_unload_and_reload(
    hass: HomeAssistant, tariff: MockConfigEntry, washer: MockConfigEntry
) -> None:
    """Entries unload cleanly and come back."""
    await set_power(hass, 0)
    await setup_entries(hass, tariff, washer)
    assert washer.state is ConfigEntryState.LOADED
    for entry in (washer, tariff):
        assert await hass.config_entries.async_unload(entry.entry_id)
        assert entry.state is ConfigEntryState.NOT_LOADED
    for entry in (tariff, washer):
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert washer.state is ConfigEntryState.LOADED


async def test_reload_counts_nothing_twice(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Unloading writes the meter; the reloaded entry continues from it."""
    await set_power(hass, 1000)
    await setup_entries(hass, tariff, washer)
    await advance(hass, freezer, timedelta(minutes=30))
    await hass.config_entries.async_reload(washer.entry_id)
    await hass.async_block_till_done()
    assert stored_meter(hass_storage)["ledger"]["energy_kwh"] == pytest.approx(0.5)
    assert state_value(hass, "sensor.washer_energy") == pytest.approx(0.5)
    # The power still reads 1000 W: held again from the reload on.
    await advance(hass, freezer, timedelta(minutes=30))
    assert state_value(hass, "sensor.washer_energy") == pytest.approx(1.0)
    assert state_value(hass, "sensor.washer_cost") == pytest.approx(0.25)


async def test_busy_source_is_written_within_the_save_delay(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A source reporting every 5 s does not postpone the write indefinitely."""
    await set_power(hass, 1000)
    await setup_entries(hass, tariff, washer)
    for step in range(1, 8):  # 35 s of readings, each a new value
        await advance(hass, freezer, timedelta(seconds=5))
        await set_power(hass, 1000 + step)
    assert STORE_KEY in hass_storage
    assert stored_meter(hass_storage)["ledger"]["energy_kwh"] > 0


async def test_a_held_power_is_written_every_save_delay(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A silent source at 1 kW: what a crash would lose never exceeds 30 s of it.

    The store is looked at every 10 s, as a crash at that instant would find it; the
    energy it holds is compared with the exact 1 kW x the time elapsed.
    """
    await set_power(hass, 1000)
    await setup_entries(hass, tariff, washer)
    worst = timedelta(0)
    elapsed = timedelta(0)
    while elapsed < timedelta(minutes=5):
        freezer.tick(timedelta(seconds=10))
        elapsed += timedelta(seconds=10)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        stored_kwh = (
            stored_meter(hass_storage)["ledger"]["energy_kwh"]
            if STORE_KEY in hass_storage
            else 0.0
        )
        unsaved = elapsed - timedelta(hours=stored_kwh)  # 1 kWh per hour at 1 kW
        worst = max(worst, unsaved)
    assert worst <= timedelta(seconds=METER_SAVE_DELAY_S)
    # What is shown is what was written (published after the write).
    assert state_value(hass, "sensor.washer_energy") == pytest.approx(
        stored_meter(hass_storage)["ledger"]["energy_kwh"], abs=1e-3
    )


async def test_stop_accrues_up_to_the_stop_and_writes(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Energy since the last minute's accrual is not lost when Home Assistant stops."""
    await set_power(hass, 1000)
    await setup_entries(hass, tariff, washer)
    freezer.tick(timedelta(seconds=36))
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    # 1000 W for 36 s = 0.01 kWh
    assert stored_meter(hass_storage)["ledger"]["energy_kwh"] == pytest.approx(0.01)


async def test_start_continues_the_stored_meter_without_extrapolating(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Totals and periods come back; the downtime of a power source adds nothing."""
    store(hass_storage)
    await set_power(hass, 1000)
    await setup_entries(hass, tariff, washer)
    assert state_value(hass, "sensor.washer_energy") == 5.0
    assert state_value(hass, "sensor.washer_cost") == 1.25
    assert state_value(hass, "sensor.washer_energy_today") == 1.0
    assert state_value(hass, "sensor.washer_cost_this_month") == 0.75
    await advance(hass, freezer, timedelta(hours=1))
    assert state_value(hass, "sensor.washer_energy") == pytest.approx(6.0)
    assert state_value(hass, "sensor.washer_energy_today") == pytest.approx(2.0)


async def test_stored_periods_that_ended_start_again(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """After a restart on a later day, today's totals are zero, not yesterday's."""
    store(hass_storage)
    freezer.move_to("2026-02-02T09:00:00+00:00")
    await set_power(hass, 0)
    await setup_entries(hass, tariff, washer)
    assert state_value(hass, "sensor.washer_energy") == 5.0
    assert state_value(hass, "sensor.washer_energy_today") == 0
    assert state_value(hass, "sensor.washer_cost_this_month") == 0
    assert (
        hass.states.get("sensor.washer_energy_today").attributes["last_reset"]
        == "2026-02-01T23:00:00+00:00"
    )


async def test_energy_used_while_down_is_counted_once(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """An energy meter's delta across the downtime is booked once, and only once."""
    meter = tracked_entry(tariff, ENERGY_SOURCE, "energy")
    store(
        hass_storage,
        source=ENERGY_SOURCE,
        kind="energy",
        counter={"value_kwh": 100.0, "at": "2026-01-12T08:00:00+00:00"},
    )
    await set_energy(hass, 102)
    await setup_entries(hass, tariff, meter)
    await publish(hass, freezer)
    # 5 stored + 2 used while down; 2 kWh at 0.25 = 0.5 more.
    assert state_value(hass, "sensor.washer_energy") == 7.0
    assert state_value(hass, "sensor.washer_cost") == 1.75
    await hass.config_entries.async_reload(meter.entry_id)
    await hass.async_block_till_done()
    await publish(hass, freezer)
    assert state_value(hass, "sensor.washer_energy") == 7.0


async def test_new_source_does_not_inherit_the_old_baseline(
    hass: HomeAssistant, tariff: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """Readings of a replaced source are not compared with the old one's."""
    meter = tracked_entry(tariff, ENERGY_SOURCE, "energy")
    store(
        hass_storage,
        source="sensor.old_meter",
        kind="energy",
        counter={"value_kwh": 5000.0, "at": "2026-01-12T08:00:00+00:00"},
    )
    await set_energy(hass, 3)
    await setup_entries(hass, tariff, meter)
    assert state_value(hass, "sensor.washer_energy") == 5.0


async def test_restart_in_the_middle_of_a_session_keeps_it(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A session open at the stop goes on after the start."""
    store(
        hass_storage,
        current_session={
            "start": "2026-01-12T08:30:00+00:00",
            "last_seen": "2026-01-12T08:50:00+00:00",
            "energy_kwh": 0.4,
            "cost": 0.1,
        },
    )
    await set_power(hass, 1200)
    await setup_entries(hass, tariff, washer)
    await advance(hass, freezer, timedelta(minutes=10))
    await set_power(hass, 0)
    await publish(hass, freezer)
    # 0.4 before the restart + 1.2 kW for 10 min = 0.2 after.
    assert state_value(hass, "sensor.washer_last_session_energy") == 0.6
    assert (
        hass.states.get("sensor.washer_last_session_start").state
        == "2026-01-12T08:30:00+00:00"
    )


async def test_removing_a_tracked_sensor_removes_its_store(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Nothing of a deleted tracked sensor stays behind."""
    await set_power(hass, 0)
    await setup_entries(hass, tariff, washer)
    await hass.config_entries.async_unload(washer.entry_id)
    assert STORE_KEY in hass_storage
    await hass.config_entries.async_remove(washer.entry_id)
    await hass.async_block_till_done()
    assert STORE_KEY not in hass_storage


async def test_deleted_tariff_raises_a_repair_issue_and_stops_cost(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Energy goes on without a tariff; cost waits for the user to pick another."""
    other = tracked_entry(
        fixed_tariff_entry("Other"), ENERGY_SOURCE, "energy", title="Lamp"
    )
    await set_power(hass, 1000)
    await setup_entries(hass, tariff, washer, other)
    await hass.config_entries.async_remove(tariff.entry_id)
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, "tariff_missing_tracked_washer")
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {"name": "Washer"}
    assert (
        issue_registry.async_get_issue(DOMAIN, "tariff_missing_tracked_lamp")
        is not None
    )
    await advance(hass, freezer, timedelta(hours=1))
    await set_power(hass, 0)
    await publish(hass, freezer)
    assert state_value(hass, "sensor.washer_energy") == 1.0
    assert state_value(hass, "sensor.washer_cost") == 0
    assert caplog.text.count("could not price") == 1
    # Removing the tracked sensor removes its issue.
    await hass.config_entries.async_remove(washer.entry_id)
    assert (
        issue_registry.async_get_issue(DOMAIN, "tariff_missing_tracked_washer") is None
    )


async def test_missing_tariff_at_start_raises_the_issue(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry
) -> None:
    """A tracked sensor whose tariff is gone says so as soon as it starts."""
    washer = tracked_entry(fixed_tariff_entry("Gone"))
    await set_power(hass, 0)
    await setup_entries(hass, washer)
    assert washer.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, "tariff_missing_tracked_washer")


async def test_tariff_priced_before_its_entry_is_loaded(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A fixed tariff prices from its configuration even while not loaded."""
    meter = tracked_entry(tariff, ENERGY_SOURCE, "energy")
    store(
        hass_storage,
        source=ENERGY_SOURCE,
        kind="energy",
        counter={"value_kwh": 100.0, "at": "2026-01-12T08:00:00+00:00"},
    )
    tariff.add_to_hass(hass)
    await hass.config_entries.async_set_disabled_by(
        tariff.entry_id, ConfigEntryDisabler.USER
    )
    await set_energy(hass, 101)
    await setup_entries(hass, meter)
    await publish(hass, freezer)
    assert tariff.state is ConfigEntryState.NOT_LOADED
    assert state_value(hass, "sensor.washer_cost") == 1.5


async def test_tariff_change_takes_effect_without_losing_totals(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Choosing another tariff keeps the totals and prices what follows anew."""
    cheap = fixed_tariff_entry("Cheap", 0.05)
    await set_power(hass, 1000)
    await setup_entries(hass, tariff, cheap, washer)
    await advance(hass, freezer, timedelta(hours=1))
    hass.config_entries.async_update_entry(
        washer, options={**washer.options, CONF_TARIFF: cheap.entry_id}
    )
    await hass.config_entries.async_reload(washer.entry_id)
    await hass.async_block_till_done()
    await advance(hass, freezer, timedelta(hours=1))
    assert state_value(hass, "sensor.washer_energy") == pytest.approx(2.0)
    assert state_value(hass, "sensor.washer_cost") == pytest.approx(0.30)


async def test_tariff_edit_reprices_from_then_on(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A new price applies to what is used after the change."""
    await set_power(hass, 1000)
    await setup_entries(hass, tariff, washer)
    await advance(hass, freezer, timedelta(hours=1))
    hass.config_entries.async_update_entry(
        tariff, options={**tariff.options, "price": 0.5}
    )
    await hass.config_entries.async_reload(tariff.entry_id)
    await hass.async_block_till_done()
    await advance(hass, freezer, timedelta(hours=1))
    assert state_value(hass, "sensor.washer_cost") == pytest.approx(0.75)
    assert state_value(hass, "sensor.home_current_price") == 0.5


async def test_source_rename_is_followed(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """When the user renames the source's entity id, tracking follows it."""
    source = entity_registry.async_get_or_create(
        "sensor", "test", "washer-power", suggested_object_id="washer_power"
    )
    washer = tracked_entry(tariff)
    await set_power(hass, 0)
    await setup_entries(hass, tariff, washer)
    entity_registry.async_update_entity(
        source.entity_id, new_entity_id="sensor.laundry"
    )
    await hass.async_block_till_done()
    assert washer.data[CONF_SOURCE] == "sensor.laundry"
    hass.states.async_set("sensor.laundry", "1000", POWER_ATTRS)
    await hass.async_block_till_done()
    await advance(hass, freezer, timedelta(hours=1))
    assert state_value(hass, "sensor.washer_energy") == pytest.approx(1.0)
    # Other registry updates change nothing.
    entity_registry.async_update_entity("sensor.laundry", name="Laundry")
    await hass.async_block_till_done()
    assert washer.data[CONF_SOURCE] == "sensor.laundry"


async def test_update_entity_accrues_up_to_now(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Asking for an update brings energy up to the moment asked."""
    await async_setup_component(hass, "homeassistant", {})
    await set_power(hass, 3600)
    await setup_entries(hass, tariff, washer)
    freezer.tick(timedelta(seconds=10))
    await hass.services.async_call(
        "homeassistant",
        "update_entity",
        {"entity_id": "sensor.washer_energy"},
        blocking=True,
    )
    # 3600 W for 10 s = 0.01 kWh
    assert state_value(hass, "sensor.washer_energy") == pytest.approx(0.01)


async def test_source_units_in_kw(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """kW sources are converted to watts."""
    caplog.set_level(logging.WARNING)
    await set_power(hass, 0)
    await setup_entries(hass, tariff, washer)
    await set_power(hass, 1.5, {**POWER_ATTRS, "unit_of_measurement": "kW"})
    await advance(hass, freezer, timedelta(hours=1))
    assert state_value(hass, "sensor.washer_energy") == pytest.approx(1.5)
    assert "unit" not in caplog.text


async def test_energy_source_setup_values(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """An energy source's state is read at start as the baseline."""
    meter = tracked_entry(tariff, ENERGY_SOURCE, "energy")
    hass.states.async_set(ENERGY_SOURCE, "42", ENERGY_ATTRS)
    await setup_entries(hass, tariff, meter)
    assert meter.runtime_data.meter.counter.value_kwh == 42


async def test_removing_an_http_meter_removes_its_store(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    hass_storage: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Nothing of a deleted HTTP meter stays behind, its webhook included."""
    meter = http_meter_entry(tariff)
    await setup_entries(hass, tariff, meter)
    client = await hass_client_no_auth()
    url = f"/api/webhook/{HTTP_METER_WEBHOOK_ID}"
    await client.post(url, json={"watts": 10, "station_id": 1})
    await hass.config_entries.async_unload(meter.entry_id)
    key = "utility_cost.http_meter.http_house"
    assert key in hass_storage
    await hass.config_entries.async_remove(meter.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
    # The webhook is gone: Home Assistant answers 200 to hide that, and counts nothing.
    response = await client.post(url, json={"watts": 10, "station_id": 1})
    assert response.status == 200
    assert hass.states.get("sensor.house_station_1_energy") is None


async def test_http_meter_without_its_tariff_raises_the_issue(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry
) -> None:
    """An HTTP meter whose tariff is gone starts, counts energy, and says so."""
    meter = http_meter_entry(fixed_tariff_entry("Gone"))
    await setup_entries(hass, meter)
    assert meter.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, "tariff_missing_http_house")


async def test_octopus_account_needs_the_recorder(hass: HomeAssistant) -> None:
    """Without the recorder there is nowhere to import history: the entry says so."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Octopus A-1B2C3D4E",
        data={
            "entry_type": "octopus",
            "account_number": "A-1B2C3D4E",
            "api_key": "sk_live_x",
            "currency": "GBP",
        },
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert (
        entry.reason
        == "The Octopus account imports statistics: Home Assistant's recorder must be enabled"
    )


async def test_what_is_shown_is_always_persisted(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """At every instant the entities show no more than the last write holds.

    So a process killed at any instant restarts with at least what Home Assistant
    recorded: the recorder never sees a total go down, never counts it twice.
    """
    await set_power(hass, 0)
    await setup_entries(hass, tariff, washer)
    for watts in (1500, 40, 2200, 0, 900):
        await set_power(hass, watts)
        for _ in range(7):
            await advance(hass, freezer, timedelta(seconds=17))
            if STORE_KEY not in hass_storage:  # nothing written: nothing shown
                assert state_value(hass, "sensor.washer_energy") == 0
                continue
            ledger = stored_meter(hass_storage)["ledger"]
            assert state_value(hass, "sensor.washer_energy") <= ledger["energy_kwh"]
            assert (
                state_value(hass, "sensor.washer_energy_today")
                <= (ledger["periods"]["day"]["energy_kwh"])
            )
            # And the write is at most 30 s of consumption behind the meter.
            meter = washer.runtime_data.meter
            behind = meter.ledger.lifetime.energy_kwh - ledger["energy_kwh"]
            assert behind <= 2200 * 47 / 3_600_000


async def test_a_session_written_but_not_announced_is_announced_at_start(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A crash between a session's write and its event: the event comes at start."""
    session = {
        "start": "2026-01-12T08:00:00+00:00",
        "end": "2026-01-12T08:40:00+00:00",
        "energy_kwh": 0.8,
        "cost": 0.2,
    }
    store(hass_storage, unannounced=[session])
    events = async_capture_events(hass, EVENT_SESSION_ENDED)
    await set_power(hass, 0)
    await setup_entries(hass, tariff, washer)
    assert [(e.data["start"], e.data["end"]) for e in events] == [
        (session["start"], session["end"])
    ]
    await publish(hass, freezer)
    assert stored_meter(hass_storage)["sessions"]["unannounced"] == []
    # Announced once: a reload does not announce it again.
    await hass.config_entries.async_reload(washer.entry_id)
    await hass.async_block_till_done()
    await publish(hass, freezer)
    assert len(events) == 1


async def test_an_announced_session_is_never_reopened(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """The event fires only once the finished session is written."""
    events = async_capture_events(hass, EVENT_SESSION_ENDED)
    await set_power(hass, 0)
    await setup_entries(hass, tariff, washer)
    await set_power(hass, 2000)
    await advance(hass, freezer, timedelta(minutes=5))
    await set_power(hass, 0)
    assert events == []
    assert stored_meter(hass_storage)["sessions"]["current"] is not None
    await publish(hass, freezer)
    assert len(events) == 1
    # By the time anything was announced, the write had closed the session.
    assert stored_meter(hass_storage)["sessions"]["current"] is None
    assert (
        stored_meter(hass_storage)["sessions"]["last"]["end"] == (events[0].data["end"])
    )
