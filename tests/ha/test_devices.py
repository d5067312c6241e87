"""Devices where users look for them.

A tracked sensor's entities are on its source's device when the source has one (as
Home Assistant's own helpers put theirs), else on a device of its own that links to
the source; Tuya plugs are connected via their account; our devices say who made
them in words.
"""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.utility_cost.const import DOMAIN, EVENT_SESSION_ENDED

from .conftest import (
    POWER_ATTRS,
    FakeTuyaCloud,
    advance,
    fixed_tariff_entry,
    publish,
    setup_entries,
    state_value,
    tracked_entry,
    tuya_entry,
)

PLUG_POWER = "sensor.kitchen_plug_power"


@pytest.fixture
def plug_integration(hass: HomeAssistant) -> MockConfigEntry:
    """Return another integration's entry, as an ESPHome or Shelly plug's."""
    entry = MockConfigEntry(domain="test", title="Kitchen plug")
    entry.add_to_hass(hass)
    return entry


def _device(
    hass: HomeAssistant, owner: MockConfigEntry, name: str, identifier: str
) -> dr.DeviceEntry:
    return dr.async_get(hass).async_get_or_create(
        config_entry_id=owner.entry_id,
        identifiers={("test", identifier)},
        name=name,
        manufacturer="Espressif",
    )


def _source(
    hass: HomeAssistant, owner: MockConfigEntry, device: dr.DeviceEntry | None
) -> None:
    """Register the plug's power sensor (on ``device``) and give it a state."""
    er.async_get(hass).async_get_or_create(
        "sensor",
        "test",
        "plug_power",
        config_entry=owner,
        device_id=None if device is None else device.id,
        suggested_object_id="kitchen_plug_power",
    )
    hass.states.async_set(PLUG_POWER, "0", POWER_ATTRS)


async def _kettle_on_plug(
    hass: HomeAssistant, owner: MockConfigEntry
) -> tuple[dr.DeviceEntry, MockConfigEntry]:
    """Track the kitchen plug's power (on its device) as "Kettle"."""
    device = _device(hass, owner, "Kitchen plug", "plug")
    _source(hass, owner, device)
    tariff = fixed_tariff_entry()
    kettle = tracked_entry(tariff, PLUG_POWER, title="Kettle")
    await setup_entries(hass, tariff, kettle)
    return device, kettle


def _ours(hass: HomeAssistant, entry: MockConfigEntry) -> list[er.RegistryEntry]:
    return er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)


async def test_entities_on_the_source_device(
    hass: HomeAssistant,
    plug_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """On the plug's device, named for the appliance; no device of our own."""
    device, kettle = await _kettle_on_plug(hass, plug_integration)
    entities = _ours(hass, kettle)
    assert entities
    assert {entity.device_id for entity in entities} == {device.id}
    assert device_registry.async_get_device({(DOMAIN, kettle.entry_id)}) is None
    # The device's name, then the appliance's: two appliances on one power strip
    # stay apart.
    state = hass.states.get("sensor.kitchen_plug_kettle_cost_today")
    assert state is not None
    assert state.name == "Kitchen plug Kettle cost today"
    assert hass.states.get("sensor.kitchen_plug_kettle_energy") is not None
    # A session's event names the device its entities are on.
    events = async_capture_events(hass, EVENT_SESSION_ENDED)
    hass.states.async_set(PLUG_POWER, "2000", POWER_ATTRS)
    await advance(hass, freezer, timedelta(minutes=3))
    hass.states.async_set(PLUG_POWER, "0", POWER_ATTRS)
    await publish(hass, freezer)
    assert [event.data["device_id"] for event in events] == [device.id]
    assert state_value(hass, "sensor.kitchen_plug_kettle_energy") == 0.1


async def test_a_name_that_repeats_the_device_is_not_said_twice(
    hass: HomeAssistant, plug_integration: MockConfigEntry
) -> None:
    """Named after its source ("Kitchen plug Power"), it reads as before."""
    device = _device(hass, plug_integration, "Kitchen plug", "plug")
    _source(hass, plug_integration, device)
    tariff = fixed_tariff_entry()
    power = tracked_entry(tariff, PLUG_POWER, title="Kitchen plug Power")
    same = tracked_entry(tariff, "sensor.other", title="Kitchen plug")
    hass.states.async_set("sensor.other", "0", POWER_ATTRS)
    await setup_entries(hass, tariff, power)
    state = hass.states.get("sensor.kitchen_plug_power_cost_today")
    assert state is not None
    assert state.name == "Kitchen plug Power cost today"
    await setup_entries(hass, same)
    # Not on a device (sensor.other has none): its own, named as it.
    assert hass.states.get("sensor.kitchen_plug_cost_today") is not None


async def test_own_device_links_to_the_source(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry
) -> None:
    """A source without a device: a device of our own, linking to its history."""
    tariff = fixed_tariff_entry()
    washer = tracked_entry(tariff)
    hass.states.async_set("sensor.washer_power", "0", POWER_ATTRS)
    await setup_entries(hass, tariff, washer)
    device = device_registry.async_get_device({(DOMAIN, washer.entry_id)})
    assert device is not None
    assert device.name == "Washer"
    assert device.manufacturer == "Utility Cost"
    assert device.model == "Tracked sensor"
    assert (
        device.configuration_url
        == "homeassistant://history?entity_id=sensor.washer_power"
    )
    assert {entity.device_id for entity in _ours(hass, washer)} == {device.id}
    assert hass.states.get("sensor.washer_cost_today") is not None


async def test_entities_move_to_the_source_device_keeping_their_ids(
    hass: HomeAssistant,
    plug_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Made before on our own device (an older version), they move, ids unchanged."""
    _source(hass, plug_integration, None)
    tariff = fixed_tariff_entry()
    kettle = tracked_entry(tariff, PLUG_POWER, title="Kettle")
    await setup_entries(hass, tariff, kettle)
    before = {entity.unique_id: entity.entity_id for entity in _ours(hass, kettle)}
    assert "sensor.kettle_cost_today" in before.values()
    own = device_registry.async_get_device({(DOMAIN, kettle.entry_id)})
    assert own is not None
    # The plug's integration now puts its sensor on a device.
    device = _device(hass, plug_integration, "Kitchen plug", "plug")
    await hass.config_entries.async_unload(kettle.entry_id)
    er.async_get(hass).async_update_entity(PLUG_POWER, device_id=device.id)
    assert await hass.config_entries.async_setup(kettle.entry_id)
    await hass.async_block_till_done()
    after = _ours(hass, kettle)
    assert {entity.unique_id: entity.entity_id for entity in after} == before
    assert {entity.device_id for entity in after} == {device.id}
    assert device_registry.async_get(own.id) is None
    assert hass.states.get("sensor.kettle_cost_today") is not None


async def test_entities_follow_the_source_to_another_device(
    hass: HomeAssistant, plug_integration: MockConfigEntry
) -> None:
    """Moved to another device, or off its device, the source takes them along."""
    first = _device(hass, plug_integration, "Kitchen plug", "plug")
    second = _device(hass, plug_integration, "Hall plug", "hall")
    _source(hass, plug_integration, first)
    tariff = fixed_tariff_entry()
    kettle = tracked_entry(tariff, PLUG_POWER, title="Kettle")
    await setup_entries(hass, tariff, kettle)
    registry = er.async_get(hass)
    registry.async_update_entity(PLUG_POWER, device_id=second.id)
    await hass.async_block_till_done()
    assert {entity.device_id for entity in _ours(hass, kettle)} == {second.id}
    registry.async_update_entity(PLUG_POWER, device_id=None)
    await hass.async_block_till_done()
    own = dr.async_get(hass).async_get_device({(DOMAIN, kettle.entry_id)})
    assert own is not None
    assert {entity.device_id for entity in _ours(hass, kettle)} == {own.id}


async def test_source_renamed_is_still_tracked(
    hass: HomeAssistant, plug_integration: MockConfigEntry
) -> None:
    """A new entity id for the source: the entry follows it."""
    _, kettle = await _kettle_on_plug(hass, plug_integration)
    er.async_get(hass).async_update_entity(
        PLUG_POWER, new_entity_id="sensor.kettle_plug_power"
    )
    await hass.async_block_till_done()
    assert kettle.data["source"] == "sensor.kettle_plug_power"


async def test_tuya_plugs_are_connected_via_their_account(
    hass: HomeAssistant,
    fake_tuya: FakeTuyaCloud,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Each plug's device says it is reached through the account's device."""
    tariff = fixed_tariff_entry()
    account = tuya_entry(fake_tuya, tariff)
    await setup_entries(hass, tariff, account)
    hub = device_registry.async_get_device({(DOMAIN, account.entry_id)})
    assert hub is not None
    assert hub.manufacturer == "Utility Cost"
    plugs = [
        device
        for device in dr.async_entries_for_config_entry(
            device_registry, account.entry_id
        )
        if device.id != hub.id
    ]
    assert plugs
    assert {plug.via_device_id for plug in plugs} == {hub.id}
    assert {plug.manufacturer for plug in plugs} == {"Tuya"}
