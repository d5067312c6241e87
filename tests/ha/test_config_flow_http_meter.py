"""The HTTP meter's config and options flows."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.utility_cost.const import DOMAIN

from .conftest import (
    HTTP_METER_WEBHOOK_ID,
    fixed_tariff_entry,
    http_meter_entry,
    setup_entries,
)


async def _start(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "http_meter"}
    )


async def test_http_meter_created_with_its_webhook(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """The last step shows the address the stations post to."""
    await setup_entries(hass, tariff)
    result = await _start(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "http_meter"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": " House ", "tariff": tariff.entry_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "House"
    entry = result["result"]
    webhook_id = entry.data["webhook_id"]
    assert len(webhook_id) == 64
    assert result["description"] == "http_meter"
    # Home Assistant's local address (the test server's), and the webhook's path.
    assert result["description_placeholders"] == {
        "url": f"http://10.10.10.10:8123/api/webhook/{webhook_id}"
    }
    assert entry.data == {
        "entry_type": "http_meter",
        "webhook_id": webhook_id,
        "currency": "EUR",
    }
    assert entry.options == {
        "tariff": tariff.entry_id,
        "max_watts": 50_000.0,
        "reading_timeout_s": 300,
        "max_stations": 16,
        "allow_remote": False,
    }
    assert entry.unique_id == "http_meter_house"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_the_url_uses_home_assistant_s_address(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """With an internal URL set, the whole address is shown."""
    await hass.config.async_update(internal_url="http://192.168.1.10:8123")
    await setup_entries(hass, tariff)
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "House", "tariff": tariff.entry_id}
    )
    webhook_id = result["result"].data["webhook_id"]
    assert result["description_placeholders"] == {
        "url": f"http://192.168.1.10:8123/api/webhook/{webhook_id}"
    }


async def test_http_meter_needs_a_name(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    await setup_entries(hass, tariff)
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "  ", "tariff": tariff.entry_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"name": "name_required"}


async def test_http_meter_tariff_deleted_meanwhile(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    spare = fixed_tariff_entry("Spare")
    await setup_entries(hass, tariff, spare)
    result = await _start(hass)
    await hass.config_entries.async_remove(spare.entry_id)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "House", "tariff": spare.entry_id}
    )
    assert result["errors"] == {"tariff": "tariff_missing"}


async def test_http_meter_needs_a_tariff(hass: HomeAssistant) -> None:
    result = await _start(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_tariffs"


async def test_http_meter_names_are_unique(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    await setup_entries(hass, tariff, http_meter_entry(tariff))
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "house", "tariff": tariff.entry_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"name": "name_taken"}
    assert result["description_placeholders"] == {"existing": "House"}


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("x" * 101, "name_too_long"),
        ("x" * 100_000, "name_too_long"),
        ("House\x00", "name_control_character"),
        ("Kitchen\nmeter", "name_control_character"),
    ],
)
async def test_http_meter_names_refused(
    hass: HomeAssistant, tariff: MockConfigEntry, name: str, error: str
) -> None:
    """Overlong names and control characters are field errors; nothing is added."""
    await setup_entries(hass, tariff)
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": name, "tariff": tariff.entry_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"name": error}
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_options_change_the_limits_and_show_the_url(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """The options show the webhook's address; saving reloads the meter."""
    other = fixed_tariff_entry("Other", 0.3)
    meter = http_meter_entry(tariff)
    await setup_entries(hass, tariff, other, meter)
    result = await hass.config_entries.options.async_init(meter.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "http_meter"
    assert result["description_placeholders"] == {
        "name": "House",
        "url": f"http://10.10.10.10:8123/api/webhook/{HTTP_METER_WEBHOOK_ID}",
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "tariff": other.entry_id,
            "max_watts": 7000,
            "reading_timeout_s": 60,
            "max_stations": 4,
            "allow_remote": True,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert meter.options == {
        "tariff": other.entry_id,
        "max_watts": 7000.0,
        "reading_timeout_s": 60,
        "max_stations": 4,
        "allow_remote": True,
    }
    await hass.async_block_till_done()
    assert meter.runtime_data.max_watts == 7000
    assert meter.runtime_data.max_stations == 4
    assert meter.runtime_data.tariff.entry is other


async def test_the_path_alone_without_an_address(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """Where Home Assistant knows no address of its own, the path is shown."""
    await setup_entries(hass, tariff)
    hass.config.api = None
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "House", "tariff": tariff.entry_id}
    )
    webhook_id = result["result"].data["webhook_id"]
    assert result["description_placeholders"] == {"url": f"/api/webhook/{webhook_id}"}


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"max_watts": 0}, {"max_watts": "invalid_max_watts"}),
        ({"max_watts": 2_000_000}, {"max_watts": "invalid_max_watts"}),
        ({"max_watts": "lots"}, {"max_watts": "invalid_max_watts"}),
        ({"max_watts": True}, {"max_watts": "invalid_max_watts"}),
        ({"max_watts": float("nan")}, {"max_watts": "invalid_max_watts"}),
        ({"max_stations": 0}, {"max_stations": "invalid_max_stations"}),
        ({"max_stations": 101}, {"max_stations": "invalid_max_stations"}),
        ({"max_stations": 2.5}, {"max_stations": "invalid_max_stations"}),
        ({"allow_remote": "yes"}, {"allow_remote": "invalid_boolean"}),
        ({"allow_remote": 1}, {"allow_remote": "invalid_boolean"}),
        ({"reading_timeout_s": 5}, {"reading_timeout_s": "invalid_reading_timeout"}),
        (
            {"reading_timeout_s": 100_000},
            {"reading_timeout_s": "invalid_reading_timeout"},
        ),
    ],
)
async def test_options_refuse_bad_limits(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    changes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    meter = http_meter_entry(tariff)
    await setup_entries(hass, tariff, meter)
    before = dict(meter.options)
    result = await hass.config_entries.options.async_init(meter.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**before, **changes}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert meter.options == before


async def test_options_tariff_deleted_meanwhile(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    spare = fixed_tariff_entry("Spare")
    meter = http_meter_entry(tariff)
    await setup_entries(hass, tariff, spare, meter)
    result = await hass.config_entries.options.async_init(meter.entry_id)
    await hass.config_entries.async_remove(spare.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**meter.options, "tariff": spare.entry_id}
    )
    assert result["errors"] == {"tariff": "tariff_missing"}


async def test_options_without_a_tariff_in_the_currency(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """With no tariff in the meter's currency left, the options say so."""
    meter = http_meter_entry(tariff)
    await setup_entries(hass, tariff, meter)
    await hass.config_entries.async_remove(tariff.entry_id)
    result = await hass.config_entries.options.async_init(meter.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_tariffs"
