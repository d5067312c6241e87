"""The Energy dashboard accepts a tracked sensor's energy and cost and a tariff's price."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from tests.fakes.esios import FakeEsios

from .conftest import (
    START,
    advance,
    esios_entry,
    set_power,
    setup_entries,
    tracked_entry,
)

# The recorder starts first (tests/recorder.py).
from .recorder import auto_enable_custom_integrations, madrid_time  # noqa: F401


async def test_energy_dashboard_validates(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Energy and cost as a grid source and as a device, a price entity: no issues."""
    assert await async_setup_component(hass, "energy", {})
    await set_power(hass, 2000)
    await setup_entries(hass, tariff, washer)
    await advance(hass, freezer, timedelta(minutes=5))
    # Compile the five minutes of statistics the dashboard reads.
    await async_wait_recording_done(hass)
    do_adhoc_statistics(hass, start=dt_util.parse_datetime(START))
    await async_wait_recording_done(hass)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "energy/save_prefs",
            "energy_sources": [
                {
                    "type": "grid",
                    "flow_from": [
                        {
                            "stat_energy_from": "sensor.washer_energy",
                            "stat_cost": "sensor.washer_cost",
                            "entity_energy_price": None,
                            "number_energy_price": None,
                        },
                        {
                            "stat_energy_from": "sensor.washer_energy_today",
                            "stat_cost": None,
                            "entity_energy_price": "sensor.home_current_price",
                            "number_energy_price": None,
                        },
                    ],
                    "flow_to": [],
                    "cost_adjustment_day": 0,
                }
            ],
            "device_consumption": [{"stat_consumption": "sensor.washer_energy"}],
        }
    )
    saved = await client.receive_json()
    assert saved["success"], saved
    await client.send_json_auto_id({"type": "energy/validate"})
    result = await client.receive_json()
    assert result["success"]
    assert result["result"] == {
        "energy_sources": [[]],
        "device_consumption": [[]],
        "device_consumption_water": [],
    }


async def test_pvpc_price_entity_validates(
    hass: HomeAssistant,
    fake_esios: FakeEsios,
    hass_ws_client: WebSocketGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Spain's hourly price is a valid price entity for the grid."""
    assert await async_setup_component(hass, "energy", {})
    tariff = esios_entry(fake_esios)
    washer = tracked_entry(tariff)
    await set_power(hass, 1500)
    await setup_entries(hass, tariff, washer)
    await advance(hass, freezer, timedelta(minutes=5))
    await async_wait_recording_done(hass)
    do_adhoc_statistics(hass, start=dt_util.parse_datetime(START))
    await async_wait_recording_done(hass)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "energy/save_prefs",
            "energy_sources": [
                {
                    "type": "grid",
                    "flow_from": [
                        {
                            "stat_energy_from": "sensor.washer_energy",
                            "stat_cost": None,
                            "entity_energy_price": "sensor.pvpc_peninsula_current_price",
                            "number_energy_price": None,
                        }
                    ],
                    "flow_to": [],
                    "cost_adjustment_day": 0,
                }
            ],
        }
    )
    saved = await client.receive_json()
    assert saved["success"], saved
    await client.send_json_auto_id({"type": "energy/validate"})
    result = await client.receive_json()
    assert result["success"]
    assert result["result"]["energy_sources"] == [[]]
