"""The PVPC tariff's config, reauth and reconfigure flows."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, UnknownHandler
import pytest

from custom_components.utility_cost.const import CONF_BASE_URL, CONF_ZONE, DOMAIN
from tests.fakes.esios import TOKEN, FakeEsios

from .conftest import esios_entry, setup_entries


async def _start(hass: HomeAssistant, *, advanced: bool = True) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER, "show_advanced_options": advanced}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "esios_tariff"}
    )


async def test_public_archive_tariff(
    hass: HomeAssistant, fake_esios: FakeEsios
) -> None:
    """Without a token: today's prices from the archive make the tariff."""
    result = await _start(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "esios_tariff"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_ZONE: "baleares", CONF_BASE_URL: fake_esios.base_url + "/"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "PVPC Baleares"
    assert result["result"].unique_id == "esios_tariff_baleares"
    assert result["data"] == {
        "entry_type": "esios_tariff",
        "currency": "EUR",
        CONF_ZONE: "baleares",
        CONF_BASE_URL: fake_esios.base_url,
    }
    assert fake_esios.requests[0] == (
        "/archives/70/download_json",
        {"locale": "es", "date": "2026-01-12"},
    )
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    assert not result["result"].supports_options
    assert hass.states.get("sensor.pvpc_baleares_current_price") is not None


async def test_token_tariff(hass: HomeAssistant, fake_esios: FakeEsios) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_ZONE: "ceuta",
            CONF_TOKEN: f" {TOKEN} ",
            CONF_BASE_URL: fake_esios.base_url,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TOKEN] == TOKEN
    assert fake_esios.requests[0][0] == "/indicators/1001"


@pytest.mark.parametrize(
    ("answer", "fail", "error"),
    [
        ({CONF_TOKEN: "wrong"}, None, {"base": "invalid_esios_token"}),
        ({}, 503, {"base": "esios_unreachable"}),
        ({}, 200, {"base": "esios_unreachable"}),  # a web page, not prices
    ],
)
async def test_errors_then_recovery(
    hass: HomeAssistant,
    fake_esios: FakeEsios,
    answer: dict[str, Any],
    fail: int | None,
    error: dict[str, str],
) -> None:
    if fail is not None:
        fake_esios.fail(fail, "<html>no</html>")
    result = await _start(hass)
    user_input = {CONF_ZONE: "peninsula", CONF_BASE_URL: fake_esios.base_url, **answer}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == error
    # The token is never sent back to the browser.
    assert CONF_TOKEN not in (result["data_schema"]({CONF_ZONE: "peninsula"}) or {})
    user_input.pop(CONF_TOKEN, None)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_base_url_must_be_an_address(
    hass: HomeAssistant, fake_esios: FakeEsios
) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ZONE: "peninsula", CONF_BASE_URL: "esios.example"}
    )
    assert result["errors"] == {CONF_BASE_URL: "invalid_url"}
    assert fake_esios.count() == 0


async def test_base_url_is_for_advanced_users(hass: HomeAssistant) -> None:
    result = await _start(hass, advanced=False)
    assert CONF_BASE_URL not in result["data_schema"].schema


async def test_a_pvpc_tariff_has_no_options(
    hass: HomeAssistant, fake_esios: FakeEsios
) -> None:
    """No Configure button; asked anyway, Home Assistant's flow manager says so."""
    entry = esios_entry(fake_esios)
    await setup_entries(hass, entry)
    assert not entry.supports_options
    with pytest.raises(UnknownHandler):
        await hass.config_entries.options.async_init(entry.entry_id)


async def test_one_tariff_per_zone(hass: HomeAssistant, fake_esios: FakeEsios) -> None:
    """A zone already added is said on the zone field, naming its tariff."""
    await setup_entries(hass, esios_entry(fake_esios))
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ZONE: "peninsula", CONF_BASE_URL: fake_esios.base_url}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ZONE: "zone_taken"}
    assert result["description_placeholders"]["existing"] == "PVPC peninsula"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ZONE: "canarias", CONF_BASE_URL: fake_esios.base_url}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reauthentication_with_a_new_token(
    hass: HomeAssistant, fake_esios: FakeEsios
) -> None:
    entry = esios_entry(fake_esios, token="old-token")
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_esios"
    assert result["description_placeholders"] == {"name": "PVPC peninsula"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_esios_token"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_TOKEN] == TOKEN
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reauthentication_without_a_token_uses_the_archive(
    hass: HomeAssistant, fake_esios: FakeEsios
) -> None:
    entry = esios_entry(fake_esios, token="old-token")
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "reauth_successful"
    assert CONF_TOKEN not in entry.data
    assert fake_esios.requests[-1][0] == "/archives/70/download_json"


async def test_reconfigure_token_and_address(
    hass: HomeAssistant, fake_esios: FakeEsios
) -> None:
    entry = esios_entry(fake_esios)
    await setup_entries(hass, entry)
    result = await entry.start_reconfigure_flow(hass, show_advanced_options=True)
    assert result["step_id"] == "reconfigure_esios"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: TOKEN, CONF_BASE_URL: "ftp://nowhere"}
    )
    assert result["errors"] == {CONF_BASE_URL: "invalid_url"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: TOKEN, CONF_BASE_URL: fake_esios.base_url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_TOKEN] == TOKEN
    await hass.async_block_till_done()
    assert hass.states.get("sensor.pvpc_peninsula_export_price") is not None


async def test_reconfigure_checks_the_token(
    hass: HomeAssistant, fake_esios: FakeEsios
) -> None:
    entry = esios_entry(fake_esios)
    await setup_entries(hass, entry)
    result = await entry.start_reconfigure_flow(hass)
    assert CONF_BASE_URL not in result["data_schema"].schema
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_esios_token"}
    assert CONF_TOKEN not in entry.data
    # The address in use is kept although the form does not show it.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: TOKEN}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_BASE_URL] == fake_esios.base_url
