"""Cheap now, cheapest hours and the cheapest window, as automations see them."""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.binary_sensor import DOMAIN as BINARY_SENSOR_DOMAIN
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from syrupy.assertion import SnapshotAssertion

from tests.fakes.esios import FakeEsios

from .conftest import (
    NIGHT_BAND,
    advance,
    esios_entry,
    fixed_tariff_entry,
    setup_entries,
    snapshot_entities,
)

CHEAP_NOW = "binary_sensor.banded_cheap_now"
HOURS = "binary_sensor.banded_in_cheapest_hours"
WINDOW = "binary_sensor.banded_in_cheapest_window"
PVPC_WINDOW = "binary_sensor.pvpc_peninsula_in_cheapest_window"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    tariff = fixed_tariff_entry("Banded", 0.30, bands=[NIGHT_BAND])
    await setup_entries(hass, tariff)
    await snapshot_entities(
        hass, entity_registry, snapshot, tariff.entry_id, BINARY_SENSOR_DOMAIN
    )


async def test_fixed_tariff_through_a_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Day price 0.30 (07-22h), night 0.10: cheap at night, window at 22:00."""
    await setup_entries(hass, fixed_tariff_entry("Banded", 0.30, bands=[NIGHT_BAND]))
    # 10:00: above the default threshold (today's average, 0.225).
    cheap = hass.states.get(CHEAP_NOW)
    assert cheap.state == STATE_OFF
    assert cheap.attributes["threshold"] == 0.225
    assert cheap.attributes["price"] == 0.30
    hours = hass.states.get(HOURS)
    assert hours.state == STATE_OFF
    # Today's cheapest 3 hours: the start of the night band, 00:00-03:00 local.
    assert hours.attributes["hours"] == 3
    assert hours.attributes["periods"] == [
        {
            "start": utc("2026-01-11T23:00:00+00:00"),
            "end": utc("2026-01-12T02:00:00+00:00"),
        }
    ]
    window = hass.states.get(WINDOW)
    assert window.state == STATE_OFF
    assert window.attributes["start"] == utc("2026-01-12T21:00:00+00:00")
    assert window.attributes["end"] == utc("2026-01-13T00:00:00+00:00")
    assert window.attributes["average_price"] == 0.1
    # 22:00 local: the night band, cheap and in the window.
    await advance(hass, freezer, timedelta(hours=12))
    assert hass.states.get(CHEAP_NOW).state == STATE_ON
    assert hass.states.get(WINDOW).state == STATE_ON
    assert hass.states.get(HOURS).state == STATE_OFF
    # 01:00 local: the window has ended; a new day's cheapest hours have begun.
    await advance(hass, freezer, timedelta(hours=3))
    assert hass.states.get(WINDOW).state == STATE_ON  # a new window starts now
    assert hass.states.get(HOURS).state == STATE_ON


async def test_window_runs_to_its_end(
    hass: HomeAssistant, fake_esios: FakeEsios, freezer: FrozenDateTimeFactory
) -> None:
    """Once started, the window is kept, though a later one becomes cheaper.

    At 10:00 the cheapest 3 hours still to come are 13-16h (299.35 EUR/MWh). From
    14:00, 14-17h (327.00) is what remains cheapest, but an appliance started at
    13:00 must not be stopped: the window stays 13-16h until it ends.
    """
    await setup_entries(hass, esios_entry(fake_esios))
    window = hass.states.get(PVPC_WINDOW)
    assert window.state == STATE_OFF
    assert window.attributes["start"] == utc("2026-01-12T12:00:00+00:00")
    assert window.attributes["end"] == utc("2026-01-12T15:00:00+00:00")
    assert window.attributes["average_price"] == round(0.29935 / 3, 6)
    await advance(hass, freezer, timedelta(hours=3))  # 13:00
    assert hass.states.get(PVPC_WINDOW).state == STATE_ON
    await advance(hass, freezer, timedelta(hours=1))  # 14:00
    window = hass.states.get(PVPC_WINDOW)
    assert window.state == STATE_ON
    assert window.attributes["end"] == utc("2026-01-12T15:00:00+00:00")
    await advance(hass, freezer, timedelta(hours=1, minutes=59))  # 15:59
    assert hass.states.get(PVPC_WINDOW).state == STATE_ON
    await advance(hass, freezer, timedelta(minutes=1))  # 16:00
    window = hass.states.get(PVPC_WINDOW)
    assert window.attributes["start"] != utc("2026-01-12T12:00:00+00:00")


async def test_in_cheapest_hours_of_pvpc(
    hass: HomeAssistant, fake_esios: FakeEsios, freezer: FrozenDateTimeFactory
) -> None:
    """The cheapest 3 hours of the fixture day: 03-05h and 14-15h local."""
    await setup_entries(hass, esios_entry(fake_esios))
    hours = "binary_sensor.pvpc_peninsula_in_cheapest_hours"
    assert hass.states.get(hours).attributes["periods"] == [
        {
            "start": utc("2026-01-12T02:00:00+00:00"),
            "end": utc("2026-01-12T04:00:00+00:00"),
        },
        {
            "start": utc("2026-01-12T13:00:00+00:00"),
            "end": utc("2026-01-12T14:00:00+00:00"),
        },
    ]
    assert hass.states.get(hours).state == STATE_OFF
    await advance(hass, freezer, timedelta(hours=4))  # 14:00
    assert hass.states.get(hours).state == STATE_ON
    await advance(hass, freezer, timedelta(hours=1))  # 15:00
    assert hass.states.get(hours).state == STATE_OFF


async def test_a_flat_rate_has_no_cheap_times(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """One price all day: cheap and cheapest would be on all day, so none is made."""
    flat = fixed_tariff_entry("Flat", 0.25)
    await setup_entries(hass, flat)
    platforms = {
        entry.domain
        for entry in er.async_entries_for_config_entry(entity_registry, flat.entry_id)
    }
    assert platforms == {"sensor"}
    assert hass.states.get("sensor.flat_current_price").state == "0.25"
    assert hass.states.get("sensor.flat_next_price_change").state == "unknown"
