"""The repair of a tracked sensor whose tariff was deleted, through the HTTP API."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.utility_cost.const import CONF_TARIFF, DOMAIN

from .conftest import advance, fixed_tariff_entry, set_power, setup_entries, state_value

ISSUE_ID = "tariff_missing_tracked_washer"


@pytest.fixture
async def orphan(
    hass: HomeAssistant, tariff: MockConfigEntry, washer: MockConfigEntry
) -> MockConfigEntry:
    """Return the washer, whose tariff was just deleted."""
    assert await async_setup_component(hass, "repairs", {})
    await set_power(hass, 1000)
    await setup_entries(hass, tariff, washer)
    await hass.config_entries.async_remove(tariff.entry_id)
    await hass.async_block_till_done()
    return washer


async def _start_fix(client: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": ISSUE_ID}
    )
    assert response.status == HTTPStatus.OK
    return await response.json()


async def test_choosing_a_tariff_fixes_the_issue(
    hass: HomeAssistant,
    orphan: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The repair offers tariffs in the sensor's currency and prices with the choice."""
    night = fixed_tariff_entry("Night", 0.1)
    pounds = fixed_tariff_entry("Pounds", 0.2, currency="GBP")
    for entry in (night, pounds):
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
    client = await hass_client()
    flow = await _start_fix(client)
    assert flow["type"] == "form"
    assert flow["step_id"] == "choose_tariff"
    assert flow["description_placeholders"] == {"name": "Washer"}
    options = flow["data_schema"][0]["selector"]["select"]["options"]
    assert options == [{"value": night.entry_id, "label": "Night"}]
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={CONF_TARIFF: night.entry_id}
    )
    assert response.status == HTTPStatus.OK
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done()
    assert orphan.options[CONF_TARIFF] == night.entry_id
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_ID) is None
    await advance(hass, freezer, timedelta(hours=1))
    assert state_value(hass, "sensor.washer_cost") == pytest.approx(0.1)


async def test_no_tariff_to_choose(
    hass: HomeAssistant, orphan: MockConfigEntry, hass_client: ClientSessionGenerator
) -> None:
    """Without a tariff in the right currency the repair says to add one."""
    client = await hass_client()
    flow = await _start_fix(client)
    assert flow["type"] == "abort"
    assert flow["reason"] == "no_tariffs"


async def test_sensor_removed_during_the_repair(
    hass: HomeAssistant, orphan: MockConfigEntry, hass_client: ClientSessionGenerator
) -> None:
    """A sensor deleted while its repair is open ends the repair."""
    fixed_tariff_entry("Night", 0.1).add_to_hass(hass)
    client = await hass_client()
    flow = await _start_fix(client)
    await hass.config_entries.async_remove(orphan.entry_id)
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={CONF_TARIFF: "tariff_night"}
    )
    result = await response.json()
    assert result["type"] == "abort"
    assert result["reason"] == "entry_removed"
