"""The cheap threshold and the number of cheapest hours: set, checked, kept."""

from __future__ import annotations

import math
from typing import Any

from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.utility_cost.tariff.coordinator import tariff_store_key

from .conftest import (
    NIGHT_BAND,
    fixed_tariff_entry,
    setup_entries,
    snapshot_entities,
    state_value,
)

THRESHOLD = "number.banded_cheap_price_threshold"
HOURS = "number.banded_cheapest_hours"


@pytest.fixture
def banded() -> MockConfigEntry:
    """Return a tariff of 0.30/kWh with a 0.10 night band (22:00-07:00)."""
    return fixed_tariff_entry("Banded", 0.30, bands=[NIGHT_BAND])


async def set_value(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value},
        blocking=True,
    )


async def test_entities(
    hass: HomeAssistant,
    banded: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await setup_entries(hass, banded)
    await snapshot_entities(
        hass, entity_registry, snapshot, banded.entry_id, NUMBER_DOMAIN
    )


async def test_defaults(hass: HomeAssistant, banded: MockConfigEntry) -> None:
    """The threshold starts at today's average price, the hours at 3."""
    await setup_entries(hass, banded)
    assert state_value(hass, THRESHOLD) == 0.225
    assert hass.states.get(THRESHOLD).attributes["unit_of_measurement"] == "EUR/kWh"
    assert state_value(hass, HOURS) == 3


async def test_threshold_follows_the_prices_until_set(
    hass: HomeAssistant, banded: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """Automatic is kept as automatic: new prices move it; setting it fixes it."""
    await setup_entries(hass, banded)
    assert hass.states.get(THRESHOLD).attributes["automatic"] is True
    # The night band gets cheaper: 15 h at 0.30 and 9 h at 0.02.
    hass.config_entries.async_update_entry(
        banded, options={**banded.options, "bands": [{**NIGHT_BAND, "price": 0.02}]}
    )
    await hass.config_entries.async_reload(banded.entry_id)
    await hass.async_block_till_done()
    assert state_value(hass, THRESHOLD) == pytest.approx((15 * 0.30 + 9 * 0.02) / 24)
    stored = hass_storage.get(tariff_store_key(banded.entry_id), {}).get("data", {})
    assert stored.get("cheap_threshold") is None
    cheap = hass.states.get("binary_sensor.banded_cheap_now")
    assert cheap.attributes["threshold_automatic"] is True
    await set_value(hass, THRESHOLD, 0.2)
    assert hass.states.get(THRESHOLD).attributes["automatic"] is False
    cheap = hass.states.get("binary_sensor.banded_cheap_now")
    assert cheap.attributes["threshold"] == 0.2
    assert cheap.attributes["threshold_automatic"] is False
    # The action makes it automatic again, and says so for any other number.
    await hass.services.async_call(
        "utility_cost",
        "automatic_threshold",
        {ATTR_ENTITY_ID: THRESHOLD},
        blocking=True,
    )
    assert hass.states.get(THRESHOLD).attributes["automatic"] is True
    assert state_value(hass, THRESHOLD) == pytest.approx((15 * 0.30 + 9 * 0.02) / 24)
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            "utility_cost",
            "automatic_threshold",
            {ATTR_ENTITY_ID: HOURS},
            blocking=True,
        )
    assert caught.value.translation_key == "not_a_threshold"
    assert state_value(hass, HOURS) == 3


async def test_setting_changes_the_binary_sensors_at_once(
    hass: HomeAssistant, banded: MockConfigEntry
) -> None:
    await setup_entries(hass, banded)
    assert hass.states.get("binary_sensor.banded_cheap_now").state == STATE_OFF
    await set_value(hass, THRESHOLD, 0.30)
    assert state_value(hass, THRESHOLD) == 0.30
    assert hass.states.get("binary_sensor.banded_cheap_now").state == STATE_ON
    await set_value(hass, HOURS, 12)
    window = hass.states.get("binary_sensor.banded_in_cheapest_window")
    assert window.attributes["hours"] == 12
    # 12 hours from 10:00: the whole night band (9 h) and 3 day hours around it.
    assert (
        window.attributes["end"] - window.attributes["start"]
    ).total_seconds() == 12 * 3600


async def test_settings_survive_a_restart(
    hass: HomeAssistant, banded: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    await setup_entries(hass, banded)
    await set_value(hass, THRESHOLD, -0.05)  # dynamic prices can be negative
    await set_value(hass, HOURS, 5)
    await hass.config_entries.async_reload(banded.entry_id)
    await hass.async_block_till_done()
    assert hass_storage[tariff_store_key(banded.entry_id)]["data"] == {
        "cheap_threshold": -0.05,
        "cheapest_hours": 5,
    }
    assert state_value(hass, THRESHOLD) == -0.05
    assert state_value(hass, HOURS) == 5


@pytest.mark.parametrize(
    ("entity_id", "value", "error"),
    [
        (HOURS, 0, "out_of_range"),
        (HOURS, 13, "out_of_range"),
        (THRESHOLD, 10_000.01, "out_of_range"),
        (THRESHOLD, -10_001, "out_of_range"),
        (THRESHOLD, math.inf, "out_of_range"),
        (HOURS, -math.inf, "out_of_range"),
        # nan passes Home Assistant's range check (no comparison with it is true).
        (THRESHOLD, math.nan, "not_a_number"),
        (HOURS, math.nan, "not_a_number"),
    ],
)
async def test_values_out_of_range_are_refused(
    hass: HomeAssistant,
    banded: MockConfigEntry,
    entity_id: str,
    value: float,
    error: str,
) -> None:
    """Refused with a translated error; the setting and the binary sensors stay."""
    await setup_entries(hass, banded)
    before = hass.states.get(entity_id).state
    cheap = hass.states.get("binary_sensor.banded_cheap_now").state
    with pytest.raises(ServiceValidationError) as caught:
        await set_value(hass, entity_id, value)
    assert caught.value.translation_key == error
    assert hass.states.get(entity_id).state == before
    assert hass.states.get("binary_sensor.banded_cheap_now").state == cheap
