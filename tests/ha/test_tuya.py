"""A Tuya cloud account end to end, against the fake cloud: what a user sees."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.utility_cost import async_remove_config_entry_device
from custom_components.utility_cost.const import DOMAIN, EVENT_SESSION_ENDED
from tests.fakes.tuya_cloud import ACCESS_SECRET, FakeTuyaCloud, socket, strip

from .conftest import (
    advance,
    api_calls,
    publish,
    setup_entries,
    shown_cost,
    shown_energy,
    state_value,
    tuya_entry,
)

# What 100 W adds in 8 minutes, in kWh: the most a refresh interval can add.
EIGHT_MINUTES = 100 * 8 / 60_000


# A quota so large that every minute may refresh: these tests are about the plugs;
# tests/test_tuya_quota.py is about the quota and how often it lets us poll.
GENEROUS = {"monthly_cap": 10_000_000}


@pytest.fixture
def account(fake_tuya: FakeTuyaCloud, tariff: MockConfigEntry) -> MockConfigEntry:
    """Return the Tuya account entry of the fake cloud's standard account.

    Its project has neither device logs nor statistics: energy comes from the
    polled power (the measured routes are tests/test_tuya_energy.py's).
    """
    fake_tuya.log_api = False
    fake_tuya.statistics_api = False
    return tuya_entry(fake_tuya, tariff, **GENEROUS)


async def _switch(hass: HomeAssistant, entity_id: str, on: bool) -> None:
    await hass.services.async_call(
        "switch",
        "turn_on" if on else "turn_off",
        {"entity_id": entity_id},
        blocking=True,
    )
    await hass.async_block_till_done()


async def test_plugs_appear_with_their_values(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Sockets, strips and switches appear as devices; scales are applied."""
    await setup_entries(hass, tariff, account)
    assert account.state is ConfigEntryState.LOADED
    # 1000 at scale 1 = 100.0 W; 2300 = 230.0 V.
    assert state_value(hass, "sensor.plug_1_power") == 100.0
    assert state_value(hass, "sensor.plug_1_voltage") == 230.0
    assert hass.states.get("switch.plug_1").state == STATE_ON
    # The product whose cloud specification says scale 0 is corrected: 102 W.
    assert state_value(hass, "sensor.plug_3_power") == 102.0
    # A strip has a switch per outlet; a wall switch has no meter.
    assert hass.states.get("switch.strip_5_outlet_1").state == STATE_ON
    assert hass.states.get("switch.strip_5_outlet_3").state == STATE_OFF
    assert state_value(hass, "sensor.strip_5_power") == 60.0
    assert hass.states.get("switch.switch_6_outlet_2").state == STATE_OFF
    assert hass.states.get("sensor.switch_6_energy") is None
    # The light is not a plug.
    assert device_registry.async_get_device({(DOMAIN, "bulb0001")}) is None
    device = device_registry.async_get_device({(DOMAIN, "plug0003")})
    assert device is not None
    assert device.model == "Mini Smart Plug"
    assert device.model_id == "qxJSyTLEtX5WrzA9"
    assert device.manufacturer == "Tuya"
    current = entity_registry.async_get("sensor.plug_1_current")
    assert current is not None
    assert current.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # A strip's USB outlet is switchable too.
    assert hass.states.get("switch.strip_5_usb_1").state == STATE_OFF
    # A token, two pages of devices, one specification per product, and what the
    # products that count their energy offer: statistics (one request a product)
    # and device logs (one request for the project).
    assert fake_tuya.count("/v1.0/token") == 1
    assert fake_tuya.count("associated-users") == 2
    assert fake_tuya.count("specification") == 3
    assert fake_tuya.count("all-statistic-type") == 2
    assert fake_tuya.count("/logs") == 1
    assert api_calls(fake_tuya) == 9


async def test_energy_and_cost_from_polled_power(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Power held between polls and accrued every minute; polls stay in budget."""
    await setup_entries(hass, tariff, account)
    await advance(hass, freezer, timedelta(minutes=59, seconds=30))
    # Written at 59:30: 100 W for that long = 0.099 kWh (to the watt-hour shown).
    assert state_value(hass, "sensor.plug_1_energy") == shown_energy(0.1 * 59.5 / 60)
    assert state_value(hass, "sensor.plug_1_cost") == shown_cost(0.025 * 59.5 / 60)
    await advance(hass, freezer, timedelta(seconds=30))
    # A refresh a minute (the shortest interval), 2 pages each.
    assert fake_tuya.count("associated-users") == 2 + 60 * 2
    # add_ele is an increment per report, never read: a huge one changes nothing.
    fake_tuya.devices["plug0001"].status["add_ele"] = 50_000
    await advance(hass, freezer, timedelta(minutes=8))
    assert state_value(hass, "sensor.plug_1_energy") == shown_energy(
        0.1 + 100 * 8 / 60_000
    )


async def test_switching_an_outlet_ends_a_session(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """On→off of the switch is a session; the switch shows the change at once."""
    events = async_capture_events(hass, EVENT_SESSION_ENDED)
    await setup_entries(hass, tariff, account)
    await advance(hass, freezer, timedelta(minutes=30))
    await _switch(hass, "switch.plug_1", False)
    assert fake_tuya.devices["plug0001"].status["switch_1"] is False
    assert hass.states.get("switch.plug_1").state == STATE_OFF
    await publish(hass, freezer)
    # 100 W for 30 minutes = 0.05 kWh.
    device = device_registry.async_get_device({(DOMAIN, "plug0001")})
    assert device is not None
    assert len(events) == 1
    assert events[0].data["device_id"] == device.id
    assert events[0].data["name"] == "Plug 1"
    assert events[0].data["source"] == "tuya:plug0001"
    assert events[0].data["duration_s"] == 1800
    assert events[0].data["energy_kwh"] == pytest.approx(0.05)
    assert state_value(hass, "sensor.plug_1_last_session_energy") == 0.05
    # Off draws nothing, even before the next poll.
    await advance(hass, freezer, timedelta(minutes=30))
    assert state_value(hass, "sensor.plug_1_energy") == 0.05
    await _switch(hass, "switch.strip_5_outlet_2", True)
    assert fake_tuya.devices["strip0005"].status["switch_2"] is True


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (2001, "The plug is offline"),
        (60001001, "trial allows 10 distinct devices"),
        (28841004, "API calls for this period are used up"),
        (2008, "The plug could not be switched: injected error"),
    ],
)
async def test_switch_errors_are_explained(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    code: int,
    message: str,
) -> None:
    """A refused command raises a translated error and changes nothing."""
    await setup_entries(hass, tariff, account)
    fake_tuya.fail("commands", code=code)
    with pytest.raises(HomeAssistantError, match=message):
        await _switch(hass, "switch.plug_1", False)
    assert hass.states.get("switch.plug_1").state == STATE_ON


async def test_offline_plug_is_unavailable_and_stops_counting(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A plug the cloud reports offline is unavailable and accrues nothing."""
    await setup_entries(hass, tariff, account)
    fake_tuya.devices["plug0001"].online = False
    await advance(hass, freezer, timedelta(minutes=8))
    assert hass.states.get("switch.plug_1").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.plug_1_energy").state == STATE_UNAVAILABLE
    meter = account.runtime_data.data.plugs["plug0001"].runtime.meter
    before = meter.figures().energy_kwh
    await advance(hass, freezer, timedelta(hours=1))
    assert meter.figures().energy_kwh == before
    fake_tuya.devices["plug0001"].online = True
    await advance(hass, freezer, timedelta(minutes=8))
    # Back with its totals, and counting again from the refresh that saw it.
    assert before <= state_value(hass, "sensor.plug_1_energy") <= before + EIGHT_MINUTES


@pytest.mark.parametrize(
    ("code", "issue"),
    [(28841101, "tuya_api_not_subscribed"), (28841106, "tuya_api_not_subscribed")],
)
async def test_account_errors_raise_issues_and_keep_totals(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    code: int,
    issue: str,
) -> None:
    """A missing API: unavailable, a repair issue, totals kept, back by itself.

    (A used-up quota and an expired plan also stop polling: tests/test_tuya_quota.py.)
    """
    await setup_entries(hass, tariff, account)
    await advance(hass, freezer, timedelta(minutes=30))
    fake_tuya.fail("associated-users", code=code, times=None)
    await advance(hass, freezer, timedelta(minutes=8))
    assert hass.states.get("sensor.plug_1_energy").state == STATE_UNAVAILABLE
    assert hass.states.get("switch.plug_1").state == STATE_UNAVAILABLE
    found = issue_registry.async_get_issue(DOMAIN, f"{issue}_tuya_account")
    assert found is not None
    assert found.translation_placeholders == {"name": "Tuya cloud 0001"}
    # Nothing is counted while the cloud is refused...
    meter = account.runtime_data.data.plugs["plug0001"].runtime.meter
    refused = meter.figures().energy_kwh
    await advance(hass, freezer, timedelta(hours=1))
    assert meter.figures().energy_kwh == refused
    fake_tuya.injections.clear()
    await advance(hass, freezer, timedelta(minutes=8))
    # ...the totals come back where they were, and grow again.
    assert issue_registry.async_get_issue(DOMAIN, f"{issue}_tuya_account") is None
    assert (
        refused <= state_value(hass, "sensor.plug_1_energy") <= refused + EIGHT_MINUTES
    )


async def test_rejected_credentials_start_reauthentication(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An authentication error asks the user for the credentials again."""
    await setup_entries(hass, tariff, account)
    fake_tuya.fail("associated-users", code=1004, times=None)
    await advance(hass, freezer, timedelta(minutes=8))
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_rate_limit_and_outage_only_make_entities_unavailable(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Slow-downs and outages need no repair; a rate limit halves the rate."""
    await setup_entries(hass, tariff, account)
    fake_tuya.fail("associated-users", code=1110, times=1)
    await advance(hass, freezer, timedelta(minutes=1))
    assert hass.states.get("switch.plug_1").state == STATE_UNAVAILABLE
    assert account.runtime_data.quota.budget.throttle == 0.5
    fake_tuya.fail("associated-users", http_status=502, times=1)
    await advance(hass, freezer, timedelta(minutes=1))
    assert hass.states.get("switch.plug_1").state == STATE_UNAVAILABLE
    await advance(hass, freezer, timedelta(minutes=1))
    assert hass.states.get("switch.plug_1").state == STATE_ON
    assert not issue_registry.issues


async def test_start_while_refused_shows_known_plugs_unavailable(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a restart with the quota used up, plugs and totals are still there."""
    await setup_entries(hass, tariff, account)
    await advance(hass, freezer, timedelta(minutes=30))
    energy = state_value(hass, "sensor.plug_1_energy")
    await hass.config_entries.async_unload(account.entry_id)
    fake_tuya.calls_left = 0
    assert await hass.config_entries.async_setup(account.entry_id)
    await hass.async_block_till_done()
    assert account.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.plug_1_energy").state == STATE_UNAVAILABLE
    # The quota is used up: nothing is polled until a reading says calls remain.
    fake_tuya.calls_left = None
    await hass.services.async_call(
        DOMAIN,
        "set_quota_reading",
        {"config_entry_id": account.entry_id, "remaining": 5_000_000},
        blocking=True,
    )
    await advance(hass, freezer, timedelta(minutes=8))
    # The totals of before the restart, counting again from the first refresh.
    assert energy <= state_value(hass, "sensor.plug_1_energy") <= energy + EIGHT_MINUTES


async def test_first_start_while_refused_is_retried(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
) -> None:
    fake_tuya.fail("associated-users", code=28841004, times=None)
    await setup_entries(hass, tariff, account)
    assert account.state is ConfigEntryState.SETUP_RETRY


async def test_restart_in_a_session_keeps_it(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A session and the totals survive a reload of the account."""
    events = async_capture_events(hass, EVENT_SESSION_ENDED)
    await setup_entries(hass, tariff, account)
    await advance(hass, freezer, timedelta(minutes=10))
    await hass.config_entries.async_reload(account.entry_id)
    await hass.async_block_till_done()
    await advance(hass, freezer, timedelta(minutes=10))
    await _switch(hass, "switch.plug_1", False)
    await publish(hass, freezer)
    assert len(events) == 1
    assert events[0].data["start"] == "2026-01-12T09:00:00+00:00"
    # 100 W for 20 minutes, across the reload = 1/30 kWh.
    assert events[0].data["energy_kwh"] == pytest.approx(100 * 20 / 60_000, abs=1e-4)


async def test_new_plugs_appear_and_removed_plugs_go(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The account's plugs are followed without a reload."""
    await setup_entries(hass, tariff, account)
    new = socket("plug9999", "Garage freezer", 80.0)
    fake_tuya.devices[new.id] = new
    del fake_tuya.devices["plug0001"]
    await advance(hass, freezer, timedelta(minutes=8))
    assert state_value(hass, "sensor.garage_freezer_power") == 80.0
    assert device_registry.async_get_device({(DOMAIN, "plug0001")}) is None
    assert hass.states.get("switch.plug_1") is None
    # A plug that comes back gets its entities again.
    fake_tuya.devices["plug0001"] = socket("plug0001", "Plug 1", 100.0)
    await advance(hass, freezer, timedelta(minutes=8))
    assert hass.states.get("switch.plug_1").state == STATE_ON


async def test_unmonitored_plugs_and_fixed_watts(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Ignored plugs get no entities; fixed watts meter a switch without power."""
    account = tuya_entry(
        fake_tuya,
        tariff,
        **GENEROUS,
        ignored_devices=["plug0001"],
        fixed_watts={"switch0006": {"watts": 60, "standby_watts": 0.5}},
    )
    events = async_capture_events(hass, EVENT_SESSION_ENDED)
    await setup_entries(hass, tariff, account)
    assert hass.states.get("switch.plug_1") is None
    await _switch(hass, "switch.switch_6_outlet_1", True)
    await advance(hass, freezer, timedelta(minutes=30))
    await _switch(hass, "switch.switch_6_outlet_1", False)
    await advance(hass, freezer, timedelta(minutes=59, seconds=30))
    # Written at 59:30: 60 W for 30 minutes + 0.5 W for 59.5 minutes.
    assert state_value(hass, "sensor.switch_6_energy") == shown_energy(
        0.03 + 0.5 * 59.5 / 60_000
    )
    # Estimated plugs have sessions by power, like tracked sensors.
    assert [e.data["name"] for e in events] == ["Switch 6"]


async def test_diagnostics_leave_out_credentials_and_secrets(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    hass_client: ClientSessionGenerator,
) -> None:
    fake_tuya.log_api = True  # the project keeps device logs: energy from them
    await setup_entries(hass, tariff, account)
    diagnostics: Any = await get_diagnostics_for_config_entry(
        hass, hass_client, account
    )
    text = str(diagnostics)
    assert ACCESS_SECRET not in text
    assert fake_tuya.access_id not in text
    assert all(d.local_key not in text for d in fake_tuya.devices.values())
    assert "203.0.113.7" not in text  # the plugs' IP address
    tuya = diagnostics["tuya"]
    assert tuya["requests_since_start"] == 9
    assert tuya["plugs"]["plug0003"]["scales"]["cur_power"] == [1, "W"]
    assert tuya["plugs"]["plug0001"]["energy"]["source"] == "logs"
    assert tuya["found"]["strip0005"]["monitored"] is True
    assert tuya["planned_interval_s"] == 60
    assert tuya["capabilities"]["logs"][0] is True
    assert tuya["quota"]["our_calls_this_month"] == 9
    assert tuya["quota"]["monthly_cap"] == 10_000_000


async def test_devices_can_be_deleted_only_when_gone(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    washer: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    await setup_entries(hass, tariff, account, washer)
    plug = device_registry.async_get_device({(DOMAIN, "plug0001")})
    assert plug is not None
    assert not await async_remove_config_entry_device(hass, account, plug)
    gone = device_registry.async_get_or_create(
        config_entry_id=account.entry_id, identifiers={(DOMAIN, "plug7777")}
    )
    assert await async_remove_config_entry_device(hass, account, gone)
    own = device_registry.async_get_device({(DOMAIN, washer.entry_id)})
    assert own is not None
    assert not await async_remove_config_entry_device(hass, washer, own)


async def test_removing_the_account_removes_its_store(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    await setup_entries(hass, tariff, account)
    await hass.config_entries.async_unload(account.entry_id)
    assert "utility_cost.tuya.tuya_account" in hass_storage
    await hass.config_entries.async_remove(account.entry_id)
    await hass.async_block_till_done()
    assert "utility_cost.tuya.tuya_account" not in hass_storage


async def test_a_plug_monitored_again_continues_its_totals(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entries(hass, tariff, account)
    await advance(hass, freezer, timedelta(minutes=30))
    energy = state_value(hass, "sensor.plug_1_energy")
    for ignored in (["plug0001"], []):
        hass.config_entries.async_update_entry(
            account, options={**account.options, "ignored_devices": ignored}
        )
        await hass.config_entries.async_reload(account.entry_id)
        await hass.async_block_till_done()
    assert state_value(hass, "sensor.plug_1_energy") == pytest.approx(energy)


async def test_a_refused_specification_is_not_asked_again_after_a_restart(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
) -> None:
    fake_tuya.devices = {"strip0005": strip("strip0005", "Strip 5", 3, 60.0)}
    fake_tuya.fail("strip0005/specification", code=1106)  # none for this product
    await setup_entries(hass, tariff, account)
    assert fake_tuya.count("strip0005/specification") == 1
    await hass.config_entries.async_reload(account.entry_id)
    await hass.async_block_till_done()
    assert fake_tuya.count("associated-users") == 2  # it did refresh
    assert fake_tuya.count("strip0005/specification") == 1


async def test_specification_failures(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A missing specification falls back to the usual scales; quota fails all."""
    fake_tuya.devices = {
        d.id: d
        for d in (
            socket("plug0001", "Plug 1", 100.0),
            strip("strip0005", "Strip 5", 3, 60.0),
        )
    }
    fake_tuya.fail("plug0001/specification", http_status=502)  # retried later
    fake_tuya.fail("strip0005/specification", code=1106)  # none for this product
    await setup_entries(hass, tariff, account)
    coordinator = account.runtime_data
    assert "plugmeter0001" not in coordinator.specs
    assert "stripmeter001" not in coordinator.specs
    # The usual scale (1) reads the strip right without its specification.
    assert state_value(hass, "sensor.strip_5_power") == 60.0
    await advance(hass, freezer, timedelta(minutes=8))
    assert "plugmeter0001" in coordinator.specs  # fetched at the next refresh
    assert fake_tuya.count("strip0005/specification") == 1  # not asked again
    # A quota error while fetching one fails the whole refresh.
    fake_tuya.devices["plug9999"] = socket(
        "plug9999", "New", 5.0, product_id="newproduct1"
    )
    fake_tuya.fail("specification", code=28841004, times=None)
    await advance(hass, freezer, timedelta(minutes=8))
    assert hass.states.get("switch.plug_1").state == STATE_UNAVAILABLE


async def test_unmonitored_plug_leaving_the_account_is_forgotten(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    account = tuya_entry(fake_tuya, tariff, **GENEROUS)
    await setup_entries(hass, tariff, account)
    await advance(hass, freezer, timedelta(minutes=8))
    hass.config_entries.async_update_entry(
        account, options={**account.options, "ignored_devices": ["plug0001"]}
    )
    await hass.config_entries.async_reload(account.entry_id)
    await hass.async_block_till_done()
    # Switching a plug that is not monitored works, and shows nothing.
    await account.runtime_data.async_switch("plug0001", "switch_1", False)
    assert fake_tuya.devices["plug0001"].status["switch_1"] is False
    del fake_tuya.devices["plug0001"]
    await advance(hass, freezer, timedelta(minutes=8))
    await hass.config_entries.async_unload(account.entry_id)
    stored = hass_storage["utility_cost.tuya.tuya_account"]["data"]
    assert "plug0001" not in stored["meters"]
    assert "plug0002" in stored["meters"]
