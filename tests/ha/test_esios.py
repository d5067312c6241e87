"""Spain's PVPC tariff as a user sees it: prices, publication, outages, restarts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.utility_cost.const import EVENT_PRICES_PUBLISHED
from custom_components.utility_cost.kinds.esios_tariff.prices import esios_store_key
from tests.fakes.esios import (
    FIXTURE_DAY_MWH,
    TOKEN,
    FakeEsios,
    archive_payload,
    export_mwh,
    generated_mwh,
)

from .conftest import (
    advance,
    esios_entry,
    publish,
    set_power,
    setup_entries,
    shown_cost,
    state_value,
    tracked_entry,
)

PRICE = "sensor.pvpc_peninsula_current_price"
TODAY = date(2026, 1, 12)
TOMORROW = date(2026, 1, 13)


def kwh(mwh: float) -> float:
    return round(mwh / 1000, 6)


def attributes(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return dict(state.attributes)


async def until(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, local_time: str
) -> None:
    """Advance to a later wall-clock time of the test's Madrid days."""
    target = datetime.fromisoformat(local_time)
    now = datetime.now(target.tzinfo)
    await advance(hass, freezer, target - now)


async def test_prices_of_today(hass: HomeAssistant, fake_esios: FakeEsios) -> None:
    """Set-up fetches today once; every price entity shows it."""
    entry = esios_entry(fake_esios)
    await setup_entries(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert fake_esios.count("/archives/") == 1
    # 10:00 in Madrid: 135.40 EUR/MWh, a working Monday at 10:00 is P1.
    assert state_value(hass, PRICE) == kwh(FIXTURE_DAY_MWH[10])
    current = attributes(hass, PRICE)
    assert current["unit_of_measurement"] == "EUR/kWh"
    assert current["period"] == "P1"
    assert len(current["today"]) == 24
    assert current["today"][0]["price"] == kwh(FIXTURE_DAY_MWH[0])
    assert current["tomorrow"] == []
    assert state_value(hass, "sensor.pvpc_peninsula_next_price") == kwh(
        FIXTURE_DAY_MWH[11]
    )
    assert (
        hass.states.get("sensor.pvpc_peninsula_next_price_change").state
        == "2026-01-12T10:00:00+00:00"
    )
    assert state_value(hass, "sensor.pvpc_peninsula_lowest_price_today") == 0.094
    low = attributes(hass, "sensor.pvpc_peninsula_lowest_price_today")
    assert low["start"] == datetime.fromisoformat("2026-01-12T03:00:00+00:00")
    assert state_value(hass, "sensor.pvpc_peninsula_highest_price_today") == 0.1901
    assert state_value(
        hass, "sensor.pvpc_peninsula_average_price_today"
    ) == pytest.approx(sum(FIXTURE_DAY_MWH) / 24 / 1000)
    # No token: no export price.
    assert hass.states.get("sensor.pvpc_peninsula_export_price") is None


async def test_prices_change_every_hour(
    hass: HomeAssistant, fake_esios: FakeEsios, freezer: FrozenDateTimeFactory
) -> None:
    await setup_entries(hass, esios_entry(fake_esios))
    await until(hass, freezer, "2026-01-12T13:59:59+01:00")
    assert state_value(hass, PRICE) == kwh(FIXTURE_DAY_MWH[13])
    assert attributes(hass, PRICE)["period"] == "P1"
    await advance(hass, freezer, timedelta(seconds=1))
    assert state_value(hass, PRICE) == kwh(FIXTURE_DAY_MWH[14])
    assert attributes(hass, PRICE)["period"] == "P2"
    assert fake_esios.count() == 1  # no fetch for a price change


async def test_tomorrow_after_publication(
    hass: HomeAssistant, fake_esios: FakeEsios, freezer: FrozenDateTimeFactory
) -> None:
    """At 20:30 tomorrow's prices arrive, with an event for automations."""
    published = async_capture_events(hass, EVENT_PRICES_PUBLISHED)
    await setup_entries(hass, esios_entry(fake_esios))
    await until(hass, freezer, "2026-01-12T20:29:00+01:00")
    assert fake_esios.count() == 1
    assert attributes(hass, PRICE)["tomorrow"] == []
    await advance(hass, freezer, timedelta(minutes=1))
    assert fake_esios.count() == 2
    tomorrow = attributes(hass, PRICE)["tomorrow"]
    expected = generated_mwh(TOMORROW)
    assert [row["price"] for row in tomorrow] == [kwh(p) for p in expected]
    assert len(published) == 1
    data = published[0].data
    assert data["entry_id"] == "esios_peninsula"
    assert data["tariff"] == "PVPC peninsula"
    assert data["day"] == "2026-01-13"
    assert data["currency"] == "EUR"
    assert data["min"] == kwh(min(expected))
    assert data["max"] == kwh(max(expected))
    window = data["cheapest_window"]
    assert window["hours"] == 3
    # The cheapest 3 hours of the generated day, found by hand over its 22 windows.
    sums = [sum(expected[i : i + 3]) for i in range(22)]
    best = sums.index(min(sums))
    # Tomorrow starts at 23:00 UTC today (CET).
    start = datetime.fromisoformat("2026-01-12T23:00:00+00:00") + timedelta(hours=best)
    assert window["start"] == start.isoformat()
    assert window["average_price"] == round(min(sums) / 3 / 1000, 6)
    # Midnight: tomorrow becomes today without asking ESIOS again.
    await until(hass, freezer, "2026-01-13T00:00:00+01:00")
    assert state_value(hass, PRICE) == kwh(expected[0])
    assert attributes(hass, PRICE)["period"] == "P3"
    assert attributes(hass, PRICE)["tomorrow"] == []
    assert fake_esios.count() == 2
    assert len(published) == 1


async def test_publication_late_is_retried_quietly(
    hass: HomeAssistant,
    fake_esios: FakeEsios,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Not published at 20:30: retried after 2, 5, 10, 20 minutes, no warning."""
    fake_esios.published_at = fake_esios.published_at.replace(hour=21, minute=0)
    await setup_entries(hass, esios_entry(fake_esios))
    with caplog.at_level(logging.WARNING):
        await until(hass, freezer, "2026-01-12T21:10:00+01:00")
    dates = [query.get("date") for _, query in fake_esios.requests]
    # 20:30, 20:32, 20:37, 20:47 (not yet), 21:07 (published).
    assert dates == ["2026-01-12"] + ["2026-01-13"] * 5
    assert len(attributes(hass, PRICE)["tomorrow"]) == 24
    assert "could not be fetched" not in caplog.text


async def test_restart_uses_the_stored_prices(
    hass: HomeAssistant,
    fake_esios: FakeEsios,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    entry = esios_entry(fake_esios)
    await setup_entries(hass, entry)
    await until(hass, freezer, "2026-01-12T21:00:00+01:00")
    stored = hass_storage[esios_store_key(entry.entry_id)]["data"]
    assert sorted(stored["import"]) == ["2026-01-12", "2026-01-13"]
    assert fake_esios.count() == 2
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert fake_esios.count() == 2  # nothing fetched: both days are stored
    assert len(attributes(hass, PRICE)["tomorrow"]) == 24
    # Days before yesterday are dropped as new ones arrive.
    await until(hass, freezer, "2026-01-14T20:31:00+01:00")
    stored = hass_storage[esios_store_key(entry.entry_id)]["data"]
    assert sorted(stored["import"]) == ["2026-01-13", "2026-01-14", "2026-01-15"]


@pytest.mark.parametrize(
    ("status", "body", "content_type", "headers"),
    [
        (503, "<html>Service unavailable</html>", "text/html", {}),
        (200, "<!DOCTYPE html><p>maintenance</p>", "text/html", {}),
        (429, "slow down", "text/plain", {}),
        # Waits as long as asked: 20:40, 20:50, 21:00, then 21:20.
        (429, "slow down", "text/plain", {"Retry-After": "600"}),
        (200, "missing hours", "application/json", {}),
        (200, "duplicated hours", "application/json", {}),
        (200, "non-numeric", "application/json", {}),
    ],
)
async def test_outage_keeps_what_is_known(
    hass: HomeAssistant,
    fake_esios: FakeEsios,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: str,
    content_type: str,
    headers: dict[str, str],
) -> None:
    """A failing evening: today's prices stay, one warning, recovery when it ends."""
    payload = archive_payload(TOMORROW, generated_mwh(TOMORROW))
    rows = payload["PVPC"]
    if body == "missing hours":
        del rows[7]
    elif body == "duplicated hours":
        rows[8] = dict(rows[7])
    elif body == "non-numeric":
        rows[7]["PCB"] = "-"
    if content_type == "application/json":
        body = json.dumps(payload)
    await setup_entries(hass, esios_entry(fake_esios))
    fake_esios.fail(status, body, content_type=content_type, headers=headers, times=4)
    await until(hass, freezer, "2026-01-12T20:29:00+01:00")
    with caplog.at_level(logging.INFO):
        await until(hass, freezer, "2026-01-12T21:30:00+01:00")
    # Four failures (20:30, 20:32, 20:37, 20:47), then tomorrow arrives at 21:07.
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name.startswith("custom_components")
    ]
    assert len(warnings) == 1
    assert "could not be fetched" in warnings[0].getMessage()
    assert "the prices already known are kept" in caplog.text
    assert state_value(hass, PRICE) == kwh(FIXTURE_DAY_MWH[21])
    tomorrow = attributes(hass, PRICE)["tomorrow"]
    assert [row["price"] for row in tomorrow] == [
        kwh(p) for p in generated_mwh(TOMORROW)
    ]
    assert "can be fetched again" in caplog.text


async def test_no_price_for_now_shows_as_unavailable(
    hass: HomeAssistant, fake_esios: FakeEsios, freezer: FrozenDateTimeFactory
) -> None:
    """An outage only shows when no known price covers now."""
    await setup_entries(hass, esios_entry(fake_esios))
    fake_esios.fail(500, times=1000)
    await until(hass, freezer, "2026-01-12T23:59:00+01:00")
    assert state_value(hass, PRICE) == kwh(FIXTURE_DAY_MWH[23])
    await advance(hass, freezer, timedelta(minutes=1))
    for entity_id in (
        PRICE,
        "sensor.pvpc_peninsula_lowest_price_today",
        "binary_sensor.pvpc_peninsula_cheap_now",
        "binary_sensor.pvpc_peninsula_in_cheapest_window",
    ):
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE, entity_id
    # Its settings stay available.
    assert hass.states.get("number.pvpc_peninsula_cheapest_hours").state == "3"
    fake_esios.failures.clear()
    await advance(hass, freezer, timedelta(minutes=30))
    assert state_value(hass, PRICE) == kwh(generated_mwh(TOMORROW)[0])


async def test_set_up_is_retried_without_any_price(
    hass: HomeAssistant, fake_esios: FakeEsios, freezer: FrozenDateTimeFactory
) -> None:
    fake_esios.fail(503, times=1)
    entry = esios_entry(fake_esios)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    await advance(hass, freezer, timedelta(minutes=1))
    assert entry.state is ConfigEntryState.LOADED
    assert state_value(hass, PRICE) == kwh(FIXTURE_DAY_MWH[10])


async def test_token_gives_the_export_price(
    hass: HomeAssistant, fake_esios: FakeEsios
) -> None:
    await setup_entries(hass, esios_entry(fake_esios, token=TOKEN))
    assert fake_esios.count("/indicators/1001") == 1
    assert fake_esios.count("/indicators/1739") == 1
    assert fake_esios.count("/archives/") == 0
    assert state_value(hass, PRICE) == kwh(FIXTURE_DAY_MWH[10])
    export = "sensor.pvpc_peninsula_export_price"
    assert state_value(hass, export) == kwh(export_mwh(FIXTURE_DAY_MWH)[10])
    assert attributes(hass, export)["unit_of_measurement"] == "EUR/kWh"


async def test_export_price_fetched_again_alone(
    hass: HomeAssistant,
    fake_esios: FakeEsios,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """The export price fails once: only it is asked for again, and it is stored."""
    fake_esios.fail(500, path_contains="/1739")
    entry = esios_entry(fake_esios, token=TOKEN)
    await setup_entries(hass, entry)
    export = "sensor.pvpc_peninsula_export_price"
    assert hass.states.get(export).state == "unknown"
    assert state_value(hass, PRICE) == kwh(FIXTURE_DAY_MWH[10])
    await advance(hass, freezer, timedelta(minutes=2))
    assert state_value(hass, export) == kwh(export_mwh(FIXTURE_DAY_MWH)[10])
    assert fake_esios.count("/indicators/1001") == 1
    assert fake_esios.count("/indicators/1739") == 2
    # Fetched alone, it is stored: a restart with ESIOS down still knows it.
    stored = hass_storage[esios_store_key(entry.entry_id)]["data"]
    assert sorted(stored["export"]) == ["2026-01-12"]
    fake_esios.fail(503, times=1000)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert state_value(hass, export) == kwh(export_mwh(FIXTURE_DAY_MWH)[10])


async def test_refused_token_asks_for_a_new_one(
    hass: HomeAssistant, fake_esios: FakeEsios, freezer: FrozenDateTimeFactory
) -> None:
    """The token stops working: reauth, while today's prices go on showing."""
    entry = esios_entry(fake_esios, token=TOKEN)
    await setup_entries(hass, entry)
    fake_esios.token = "a-new-token"
    await until(hass, freezer, "2026-01-12T20:31:00+01:00")
    flows = hass.config_entries.flow.async_progress_by_handler("utility_cost")
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert state_value(hass, PRICE) == kwh(FIXTURE_DAY_MWH[20])
    requests = fake_esios.count()
    await advance(hass, freezer, timedelta(hours=2))
    assert fake_esios.count() == requests  # no more attempts with a refused token


async def test_refused_token_at_set_up(
    hass: HomeAssistant, fake_esios: FakeEsios
) -> None:
    entry = esios_entry(fake_esios, token="wrong")
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler("utility_cost")
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_a_bad_day_does_not_hold_back_the_next(
    hass: HomeAssistant, fake_esios: FakeEsios, freezer: FrozenDateTimeFactory
) -> None:
    """Today's archive comes back malformed; tomorrow's is fetched all the same."""
    freezer.move_to("2026-01-12T21:00:00+01:00")
    fake_esios.fail(200, '{"PVPC": "broken"}', content_type="application/json")
    entry = esios_entry(fake_esios)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # Both days were asked for; with no price for now, set-up is retried.
    days = [query["date"] for _, query in fake_esios.requests]
    assert days == ["2026-01-12", "2026-01-13"]
    assert entry.state is ConfigEntryState.SETUP_RETRY
    # The retry asks for today's alone: tomorrow's was kept.
    await advance(hass, freezer, timedelta(minutes=2))
    assert entry.state is ConfigEntryState.LOADED
    days = [query["date"] for _, query in fake_esios.requests]
    assert days == ["2026-01-12", "2026-01-13", "2026-01-12"]
    assert state_value(hass, PRICE) == kwh(fake_esios.day_prices(TODAY)[21])
    tomorrow = attributes(hass, PRICE)["tomorrow"]
    assert [row["price"] for row in tomorrow] == [
        kwh(p) for p in generated_mwh(TOMORROW)
    ]


@pytest.mark.parametrize(
    ("moment", "hours", "period"),
    [
        ("2026-03-29T12:00:00+02:00", 23, "P3"),  # DST starts, a Sunday
        ("2026-10-25T12:00:00+01:00", 25, "P3"),  # DST ends, a Sunday
        ("2026-01-06T12:00:00+01:00", 24, "P3"),  # Epiphany, a Tuesday
        ("2026-01-07T12:00:00+01:00", 24, "P1"),  # the Wednesday after
    ],
)
async def test_dst_days_and_holidays(
    hass: HomeAssistant,
    fake_esios: FakeEsios,
    freezer: FrozenDateTimeFactory,
    moment: str,
    hours: int,
    period: str,
) -> None:
    freezer.move_to(moment)
    await setup_entries(hass, esios_entry(fake_esios))
    current = attributes(hass, PRICE)
    assert len(current["today"]) == hours
    assert current["period"] == period
    day = datetime.fromisoformat(moment).date()
    assert [row["price"] for row in current["today"]] == [
        kwh(p) for p in generated_mwh(day)
    ]


async def test_canary_islands_follow_their_clock(
    hass: HomeAssistant, fake_esios: FakeEsios
) -> None:
    """At 09:00 UTC it is 09:00 in the Canaries: the 09-10 price, and P2."""
    await hass.config.async_set_time_zone("Atlantic/Canary")
    await setup_entries(hass, esios_entry(fake_esios, zone="canarias"))
    state = "sensor.pvpc_canarias_current_price"
    assert state_value(hass, state) == kwh(FIXTURE_DAY_MWH[9])
    assert attributes(hass, state)["period"] == "P2"


async def test_meter_priced_hour_by_hour(
    hass: HomeAssistant, fake_esios: FakeEsios, freezer: FrozenDateTimeFactory
) -> None:
    """A 1 kW appliance from 10:00 to 13:00 pays each hour's price: sum of kWh_h * price_h."""
    tariff = esios_entry(fake_esios)
    washer = tracked_entry(tariff)
    await set_power(hass, 1000)
    await setup_entries(hass, tariff, washer)
    await advance(hass, freezer, timedelta(hours=3))
    await set_power(hass, 0)
    await publish(hass, freezer)
    expected = sum(kwh(FIXTURE_DAY_MWH[h]) for h in (10, 11, 12))
    assert state_value(hass, "sensor.washer_energy") == 3.0
    assert state_value(hass, "sensor.washer_cost") == shown_cost(expected)


async def test_removal_deletes_the_stored_prices(
    hass: HomeAssistant, fake_esios: FakeEsios, hass_storage: dict[str, Any]
) -> None:
    entry = esios_entry(fake_esios)
    await setup_entries(hass, entry)
    assert esios_store_key(entry.entry_id) in hass_storage
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert esios_store_key(entry.entry_id) not in hass_storage


async def test_corrupt_store_is_refetched(
    hass: HomeAssistant,
    fake_esios: FakeEsios,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = esios_entry(fake_esios)
    hass_storage[esios_store_key(entry.entry_id)] = {
        "version": 1,
        "key": esios_store_key(entry.entry_id),
        "data": {"import": {"2026-01-12": [["not a time", "x", 1]]}},
    }
    await setup_entries(hass, entry)
    assert "could not be read" in caplog.text
    assert fake_esios.count() == 1
    assert state_value(hass, PRICE) == kwh(FIXTURE_DAY_MWH[10])


async def test_a_tariff_entry_not_loaded_prices_nothing(
    hass: HomeAssistant, fake_esios: FakeEsios, freezer: FrozenDateTimeFactory
) -> None:
    """While the PVPC entry is not loaded, energy is counted, not priced."""
    tariff = esios_entry(fake_esios)
    washer = tracked_entry(tariff)
    await setup_entries(hass, tariff, washer)
    await hass.config_entries.async_unload(tariff.entry_id)
    await set_power(hass, 1000)
    await advance(hass, freezer, timedelta(hours=1))
    assert state_value(hass, "sensor.washer_energy") == pytest.approx(1.0)
    assert state_value(hass, "sensor.washer_cost") == 0
