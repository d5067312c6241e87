"""The household totals: every appliance added up, per currency, as a user sees them.

The expected figures are worked out by hand from the powers held and the tariffs'
prices (kW x h x price), not from the code under test.
"""

from __future__ import annotations

from datetime import timedelta
import math
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryDisabler
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_state_change_event
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.utility_cost.const import (
    CONF_INCLUDE_HTTP_METERS,
    DOMAIN,
    EntryType,
)

from .conftest import (
    HTTP_METER_WEBHOOK_ID,
    POWER_ATTRS,
    advance,
    fixed_tariff_entry,
    household_entry,
    http_meter_entry,
    publish,
    setup_entries,
    state_value,
    tracked_entry,
)

KETTLE = "sensor.kettle_power"
HEATER = "sensor.heater_power"
WASHER = "sensor.washer_power"


def _powers(hass: HomeAssistant, washer: float, kettle: float, heater: float) -> None:
    for source, watts in ((WASHER, washer), (KETTLE, kettle), (HEATER, heater)):
        hass.states.async_set(source, str(watts), POWER_ATTRS)


async def _household(
    hass: HomeAssistant, *, include_http_meters: bool = False
) -> dict[str, MockConfigEntry]:
    """Two appliances priced in EUR, one in GBP, an HTTP meter and the household."""
    home = fixed_tariff_entry("Home", 0.25)
    pound = fixed_tariff_entry("Pound", 0.30, currency="GBP")
    entries = {
        "home": home,
        "pound": pound,
        "washer": tracked_entry(home, WASHER, title="Washer"),
        "kettle": tracked_entry(home, KETTLE, title="Kettle"),
        "heater": tracked_entry(pound, HEATER, title="Heater"),
        "house": http_meter_entry(home),
        "household": household_entry(include_http_meters=include_http_meters),
    }
    _powers(hass, 0, 0, 0)
    await setup_entries(hass, *entries.values())
    return entries


async def _post(client: Any, watts: float) -> None:
    response = await client.post(
        f"/api/webhook/{HTTP_METER_WEBHOOK_ID}", json={"watts": watts, "station_id": 1}
    )
    assert response.status == 200


async def _one_hour_of_use(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Washer 1 kW, kettle 2 kW, heater 0.5 kW and the house 4 kW for one hour."""
    client = await hass_client_no_auth()
    _powers(hass, 1000, 2000, 500)
    await _post(client, 4000)
    for _ in range(60):
        await advance(hass, freezer, timedelta(minutes=1))
        await _post(client, 4000)
    _powers(hass, 0, 0, 0)
    await _post(client, 0)
    await publish(hass, freezer)
    await _settle(hass, freezer)


async def _settle(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the totals add up what changed: they do at most every 30 seconds."""
    await advance(hass, freezer, timedelta(seconds=30))


def _totals(hass: HomeAssistant, prefix: str = "sensor.household") -> dict[str, float]:
    return {
        key: state_value(hass, f"{prefix}_{key}")
        for key in (
            "energy",
            "cost",
            "energy_today",
            "cost_today",
            "energy_this_month",
            "cost_this_month",
        )
    }


async def test_totals_per_currency(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """EUR appliances add up on the household's device, GBP ones on their own."""
    await _household(hass)
    await _one_hour_of_use(hass, freezer, hass_client_no_auth)
    # Washer 1 kWh + kettle 2 kWh at 0.25 EUR; the HTTP meter is not an appliance.
    euros = {"energy": 3.0, "cost": 0.75}
    assert _totals(hass) == {
        **euros,
        **{f"{key}_today": value for key, value in euros.items()},
        **{f"{key}_this_month": value for key, value in euros.items()},
    }
    # Heater 0.5 kWh at 0.30 GBP: another currency, another device.
    assert _totals(hass, "sensor.household_gbp") == {
        "energy": 0.5,
        "cost": 0.15,
        "energy_today": 0.5,
        "cost_today": 0.15,
        "energy_this_month": 0.5,
        "cost_this_month": 0.15,
    }
    cost = hass.states.get("sensor.household_cost_today")
    assert cost.attributes["unit_of_measurement"] == "EUR"
    assert cost.attributes["device_class"] == "monetary"
    assert cost.attributes["state_class"] == "total"
    assert cost.attributes["last_reset"] == "2026-01-11T23:00:00+00:00"
    energy = hass.states.get("sensor.household_energy")
    assert energy.attributes["unit_of_measurement"] == "kWh"
    # A total that falls when an appliance is deleted: not total_increasing.
    assert energy.attributes["state_class"] == "total"
    assert hass.states.get("sensor.household_gbp_cost").attributes[
        "unit_of_measurement"
    ] == ("GBP")


async def test_devices_of_the_household(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry
) -> None:
    """One service device per currency, named for the household."""
    entries = await _household(hass)
    entry_id = entries["household"].entry_id
    devices = {
        device.name: device
        for device in dr.async_entries_for_config_entry(device_registry, entry_id)
    }
    assert set(devices) == {"Household", "Household GBP"}
    euro = devices["Household"]
    assert euro.manufacturer == "Utility Cost"
    assert euro.model == "Household totals"
    assert euro.entry_type is dr.DeviceEntryType.SERVICE


async def test_a_new_day_starts_from_zero(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """After midnight, today's totals restart; the month and lifetime keep going."""
    await _household(hass)
    await _one_hour_of_use(hass, freezer, hass_client_no_auth)
    # 11:02 local; midnight is 12 h 58 min away, then a minute for the meters.
    await advance(hass, freezer, timedelta(hours=13))
    await publish(hass, freezer)
    totals = _totals(hass)
    assert totals["energy_today"] == totals["cost_today"] == 0
    assert totals["energy_this_month"] == totals["energy"] == 3.0
    assert totals["cost_this_month"] == totals["cost"] == 0.75
    assert (
        hass.states.get("sensor.household_cost_today").attributes["last_reset"]
        == "2026-01-12T23:00:00+00:00"
    )


async def test_a_deleted_appliance_leaves_the_totals(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Deleting the kettle takes its 2 kWh and 0.50 EUR out of every total."""
    entries = await _household(hass)
    await _one_hour_of_use(hass, freezer, hass_client_no_auth)
    await hass.config_entries.async_remove(entries["kettle"].entry_id)
    await _settle(hass, freezer)
    totals = _totals(hass)
    assert totals["energy"] == totals["energy_today"] == 1.0
    assert totals["cost"] == totals["cost_this_month"] == 0.25


async def test_http_meters_count_when_included(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """With the option on, the HTTP meter's 4 kWh (1.00 EUR) count as well."""
    await _household(hass, include_http_meters=True)
    await _one_hour_of_use(hass, freezer, hass_client_no_auth)
    totals = _totals(hass)
    assert totals["energy"] == 7.0
    assert totals["cost_today"] == 1.75


async def test_totals_wait_for_every_appliance_and_survive_a_restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """While an appliance's entry is not set up the totals say nothing (no dip).

    Once it is back they are what they were: the household stores nothing, its
    sums come from what each appliance persisted.
    """
    entries = await _household(hass)
    await _one_hour_of_use(hass, freezer, hass_client_no_auth)
    before = _totals(hass)
    washer = entries["washer"].entry_id
    await hass.config_entries.async_unload(washer)
    await _settle(hass, freezer)
    assert hass.states.get("sensor.household_cost").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.household_energy_today").state == (STATE_UNAVAILABLE)
    assert await hass.config_entries.async_setup(washer)
    await _settle(hass, freezer)
    assert _totals(hass) == before
    # A disabled appliance is not waited for: it is simply not counted.
    await hass.config_entries.async_set_disabled_by(
        washer,
        disabled_by=ConfigEntryDisabler.USER,
    )
    await _settle(hass, freezer)
    assert state_value(hass, "sensor.household_energy") == 2.0
    # Every entry reloaded, as at a restart: the same totals.
    await hass.config_entries.async_set_disabled_by(washer, disabled_by=None)
    for entry in entries.values():
        await hass.config_entries.async_reload(entry.entry_id)
    await _settle(hass, freezer)
    assert _totals(hass) == before


async def _start_household(hass: HomeAssistant) -> Any:
    """Open the menu and choose the household totals."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "household"}
    )


async def test_household_flow(hass: HomeAssistant) -> None:
    """Added from the menu, once; its name makes its entity ids."""
    tariff = fixed_tariff_entry()
    await setup_entries(hass, tariff)
    result = await _start_household(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "household"
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"name": "  ", CONF_INCLUDE_HTTP_METERS: False}
    )
    assert result["errors"] == {"name": "name_required"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"name": "Home", CONF_INCLUDE_HTTP_METERS: "yes"}
    )
    assert result["errors"] == {CONF_INCLUDE_HTTP_METERS: "invalid_boolean"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"name": " Flat ", CONF_INCLUDE_HTTP_METERS: False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Flat"
    assert result["data"] == {"entry_type": EntryType.HOUSEHOLD}
    assert result["options"] == {CONF_INCLUDE_HTTP_METERS: False}
    # A second one would count everything twice.
    result = await _start_household(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_household_options(hass: HomeAssistant) -> None:
    """The one option, refused when not a toggle, saved and reloaded when it is."""
    household = household_entry()
    await setup_entries(hass, fixed_tariff_entry(), household)
    result = await hass.config_entries.options.async_init(household.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "household"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_INCLUDE_HTTP_METERS: 1}
    )
    assert result["errors"] == {CONF_INCLUDE_HTTP_METERS: "invalid_boolean"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_INCLUDE_HTTP_METERS: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert household.options == {CONF_INCLUDE_HTTP_METERS: True}
    assert household.runtime_data.include_http_meters is True


async def test_totals_change_at_most_every_30_seconds(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Three appliances write on their own timers; the totals, once per 30 s.

    What the recorder stores of the totals is then what it stores of one
    appliance, however many there are.
    """
    await _household(hass)
    changes: list[str] = []
    async_track_state_change_event(
        hass,
        "sensor.household_energy",
        lambda event: changes.append(event.data["new_state"].state),
    )
    _powers(hass, 3000, 0, 0)
    await advance(hass, freezer, timedelta(seconds=10))
    _powers(hass, 3000, 2500, 0)
    await advance(hass, freezer, timedelta(seconds=10))
    _powers(hass, 3000, 2500, 2000)
    await advance(hass, freezer, timedelta(minutes=10))
    # 10 min 20 s: at most one change per 30 s (and the first, at once).
    assert 2 <= len(changes) <= 21
    # Nothing is lost by adding up less often: washer 3 kW for 620 s and kettle
    # 2.5 kW for 610 s (the heater is priced in GBP) once all is written.
    _powers(hass, 0, 0, 0)
    await publish(hass, freezer)
    await _settle(hass, freezer)
    expected = 3 * 620 / 3600 + 2.5 * 610 / 3600
    assert (
        state_value(hass, "sensor.household_energy")
        == math.floor(expected * 1000) / 1000
    )
