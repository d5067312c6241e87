"""Diagnostics of a tariff and of a tracked sensor."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.utility_cost.diagnostics import TO_REDACT
from tests.fakes.esios import TOKEN, FakeEsios

from .conftest import (
    HTTP_METER_WEBHOOK_ID,
    NIGHT_BAND,
    advance,
    esios_entry,
    fixed_tariff_entry,
    http_meter_entry,
    set_power,
    setup_entries,
    tracked_entry,
)


async def test_tariff_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    """A tariff shows its settings and the price segments now and next."""
    tariff = fixed_tariff_entry(bands=[NIGHT_BAND], standing_charge=0.3)
    await setup_entries(hass, tariff)
    assert await get_diagnostics_for_config_entry(hass, hass_client, tariff) == snapshot


async def test_pvpc_diagnostics(
    hass: HomeAssistant,
    fake_esios: FakeEsios,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    """A PVPC tariff shows the days it knows and its plan; never its token."""
    entry = esios_entry(fake_esios, token=TOKEN)
    await setup_entries(hass, entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert TOKEN not in str(diagnostics)
    assert diagnostics == snapshot(exclude=props("base_url"))


async def test_constant_tariff_diagnostics(
    hass: HomeAssistant, tariff: MockConfigEntry, hass_client: ClientSessionGenerator
) -> None:
    """A tariff without bands has no following segment."""
    await setup_entries(hass, tariff)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, tariff)
    assert diagnostics["tariff"]["current"]["price"] == 0.25
    assert diagnostics["tariff"]["following"] is None


async def test_meter_diagnostics(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    """A tracked sensor shows its source, its tariff and everything it counted."""
    await set_power(hass, 1000)
    await setup_entries(hass, tariff, washer)
    await advance(hass, freezer, timedelta(minutes=6))
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, washer)
    assert diagnostics == snapshot(
        exclude=props("last_changed", "last_updated", "last_reported", "context")
    )


async def test_secrets_are_redacted() -> None:
    """Credentials of any entry type are in the redaction list."""
    assert {"api_key", "password", "token", "webhook_id"} <= TO_REDACT


async def test_meter_diagnostics_without_a_tariff(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """A tracked sensor whose tariff was deleted says so."""
    washer = tracked_entry(fixed_tariff_entry("Gone"))
    await set_power(hass, 0)
    await setup_entries(hass, washer)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, washer)
    assert diagnostics["meter"]["tariff"] is None


async def test_http_meter_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """An HTTP meter shows its stations and where to post, without its webhook id."""
    tariff = fixed_tariff_entry()
    meter = http_meter_entry(tariff)
    await setup_entries(hass, tariff, meter)
    client = await hass_client_no_auth()
    await client.post(
        f"/api/webhook/{HTTP_METER_WEBHOOK_ID}", json={"watts": 250, "station_id": 2}
    )
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, meter)
    assert HTTP_METER_WEBHOOK_ID not in str(diagnostics)
    assert diagnostics["entry"]["data"]["webhook_id"] == "**REDACTED**"
    http = diagnostics["http_meter"]
    assert http["webhook_url"] == "http://10.10.10.10:8123/api/webhook/**REDACTED**"
    assert http["local_only"] is True
    assert http["max_watts"] == 50_000
    assert http["reading_timeout_s"] == 300
    assert http["tariff"]["entry_id"] == tariff.entry_id
    station = http["stations"]["2"]
    assert station["watts"] == 250
    assert station["last_at"] == "2026-01-12T09:00:00+00:00"
    assert station["meter"]["ledger"]["energy_kwh"] == 0
