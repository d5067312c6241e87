"""The Tuya cloud account's config, reauth, reconfigure and options flows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.utility_cost.const import (
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_BASE_URL,
    CONF_DATA_CENTER,
    CONF_FIXED_WATTS,
    CONF_IGNORED_DEVICES,
    CONF_MONTHLY_CAP,
    CONF_TARIFF,
    DOMAIN,
)
from tests.fakes.tuya_cloud import ACCESS_ID, ACCESS_SECRET, FakeTuyaCloud

from .conftest import api_calls, fixed_tariff_entry, setup_entries, tuya_entry


async def _start(hass: HomeAssistant, *, advanced: bool = True) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER, "show_advanced_options": advanced}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "tuya_account"}
    )


def _answer(
    cloud: FakeTuyaCloud, tariff: MockConfigEntry, **changes: Any
) -> dict[str, Any]:
    return {
        CONF_ACCESS_ID: ACCESS_ID,
        CONF_ACCESS_SECRET: ACCESS_SECRET,
        CONF_DATA_CENTER: "central_europe",
        CONF_TARIFF: tariff.entry_id,
        CONF_BASE_URL: cloud.base_url,
        **changes,
    }


async def test_account_created(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    """Credentials that list devices make an account, identified by Access ID."""
    tariff.add_to_hass(hass)
    result = await _start(hass)
    assert result["type"] is FlowResultType.FORM
    assert CONF_BASE_URL in result["data_schema"].schema
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _answer(fake_tuya, tariff, **{CONF_BASE_URL: fake_tuya.base_url + "/"}),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Tuya cloud 0001"
    assert result["result"].unique_id == ACCESS_ID
    # The form's own calls (a token and the device list's pages) are the
    # account's too.
    assert result["data"] == {
        "entry_type": "tuya_account",
        CONF_ACCESS_ID: ACCESS_ID,
        CONF_ACCESS_SECRET: ACCESS_SECRET,
        CONF_DATA_CENTER: "central_europe",
        CONF_BASE_URL: fake_tuya.base_url,
        "currency": "EUR",
        "flow_calls": 3,
    }
    assert result["options"] == {
        CONF_TARIFF: tariff.entry_id,
        CONF_MONTHLY_CAP: 26_000,
        CONF_IGNORED_DEVICES: [],
        CONF_FIXED_WATTS: {},
    }
    await hass.async_block_till_done()
    assert hass.states.get("switch.plug_1") is not None
    entry = result["result"]
    assert "flow_calls" not in entry.data  # counted once, into the quota
    # Every API call the cloud received, the form's included, is shown as ours.
    assert entry.runtime_data.quota.budget.our_calls == api_calls(fake_tuya)


async def test_base_url_is_for_advanced_users(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    tariff.add_to_hass(hass)
    result = await _start(hass, advanced=False)
    assert CONF_BASE_URL not in result["data_schema"].schema


async def test_no_tariff_no_account(hass: HomeAssistant) -> None:
    result = await _start(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_tariffs"


@pytest.mark.parametrize(
    ("inject", "error"),
    [
        ({"code": 1004}, "invalid_auth"),
        ({"code": 28841002}, "plan_expired"),
        ({"code": 28841004}, "quota_exhausted"),
        ({"code": 28841106}, "api_not_subscribed"),
        ({"http_status": 503}, "cannot_connect"),
        ({"code": 9999}, "unknown"),
    ],
)
async def test_cloud_errors(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    inject: dict[str, int],
    error: str,
) -> None:
    """Each answer of the cloud is explained; the form can be sent again."""
    tariff.add_to_hass(hass)
    fake_tuya.fail("associated-users", **inject)
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _answer(fake_tuya, tariff)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _answer(fake_tuya, tariff)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_wrong_secret_and_unreachable_cloud(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    tariff.add_to_hass(hass)
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _answer(fake_tuya, tariff, access_secret="wrong")
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _answer(fake_tuya, tariff, base_url="http://127.0.0.1:9")
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_form_errors(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    """A bad URL and a tariff deleted meanwhile are field errors."""
    spare = fixed_tariff_entry("Spare")
    tariff.add_to_hass(hass)
    spare.add_to_hass(hass)
    result = await _start(hass)
    await hass.config_entries.async_remove(spare.entry_id)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _answer(fake_tuya, spare, base_url="ftp://example.com"),
    )
    assert result["errors"] == {
        CONF_BASE_URL: "invalid_url",
        CONF_TARIFF: "tariff_missing",
    }
    # The secret is never shown back in the form.
    assert result["data_schema"].schema  # the form is shown again
    suggested = {
        str(key): key.description.get("suggested_value")
        for key in result["data_schema"].schema
        if key.description
    }
    assert ACCESS_SECRET not in suggested.values()


async def test_project_without_devices(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    """An app account not linked to the project is explained."""
    tariff.add_to_hass(hass)
    fake_tuya.devices.clear()
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _answer(fake_tuya, tariff)
    )
    assert result["errors"] == {"base": "no_devices"}


async def test_same_project_twice(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    tariff.add_to_hass(hass)
    tuya_entry(fake_tuya, tariff).add_to_hass(hass)
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _answer(fake_tuya, tariff)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauthentication(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    """A new secret is checked, saved and the account reloaded."""
    account = tuya_entry(fake_tuya, tariff)
    await setup_entries(hass, tariff, account)
    hass.config_entries.async_update_entry(
        account, data={**account.data, CONF_ACCESS_SECRET: "old"}
    )
    result = await account.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_ACCESS_ID: ACCESS_ID, CONF_ACCESS_SECRET: "still wrong"},
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_ACCESS_ID: ACCESS_ID, CONF_ACCESS_SECRET: ACCESS_SECRET},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert account.data[CONF_ACCESS_SECRET] == ACCESS_SECRET
    await hass.async_block_till_done()
    assert account.state is ConfigEntryState.LOADED


async def test_reauthentication_with_another_project(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    account = tuya_entry(fake_tuya, tariff)
    await setup_entries(hass, tariff, account)
    result = await account.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCESS_ID: "another", CONF_ACCESS_SECRET: "x"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


async def test_reconfigure_the_data_centre(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    """Moving to another address is checked before it is saved."""
    account = tuya_entry(fake_tuya, tariff)
    await setup_entries(hass, tariff, account)
    result = await account.start_reconfigure_flow(hass, show_advanced_options=True)
    assert result["step_id"] == "reconfigure_tuya"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_DATA_CENTER: "western_europe", CONF_BASE_URL: "http://127.0.0.1:9"},
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_DATA_CENTER: "western_europe", CONF_BASE_URL: "nonsense"},
    )
    assert result["errors"] == {CONF_BASE_URL: "invalid_url"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_DATA_CENTER: "western_europe", CONF_BASE_URL: fake_tuya.base_url},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert account.data[CONF_DATA_CENTER] == "western_europe"
    assert account.data[CONF_ACCESS_SECRET] == ACCESS_SECRET


async def test_reconfigure_without_advanced_options_drops_the_base_url(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Without a base URL the check goes to the data centre's own address."""
    account = tuya_entry(fake_tuya, tariff)
    account.add_to_hass(hass)
    # The data centre answers the token request with a server error.
    aioclient_mock.get("https://openapi.tuyain.com/v1.0/token", status=500)
    result = await account.start_reconfigure_flow(hass)
    assert CONF_BASE_URL not in result["data_schema"].schema
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_DATA_CENTER: "india"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert [str(call[1]) for call in aioclient_mock.mock_calls] == [
        "https://openapi.tuyain.com/v1.0/token?grant_type=1"
    ]
    assert fake_tuya.requests == []  # the old base URL was not asked
    assert account.data[CONF_BASE_URL] == fake_tuya.base_url  # nothing changed


# --- options -------------------------------------------------------------------------


async def _options(
    hass: HomeAssistant, entry: MockConfigEntry, step: str
) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "devices", "fixed_watts", "portal"]
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": step}
    )


async def test_settings(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    """The tariff and the monthly cap can change; the budget follows."""
    cheap = fixed_tariff_entry("Cheap", 0.1)
    spare = fixed_tariff_entry("Spare")
    account = tuya_entry(fake_tuya, tariff)
    await setup_entries(hass, tariff, cheap, spare, account)
    result = await _options(hass, account, "settings")
    await hass.config_entries.async_remove(spare.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_TARIFF: spare.entry_id,
            CONF_MONTHLY_CAP: 10,
            "reset_day": 2.5,
            "reset_hour": 24,
            "message_cap": -1,
            "unknown_share": 0,
        },
    )
    assert result["errors"] == {
        CONF_TARIFF: "tariff_missing",
        CONF_MONTHLY_CAP: "invalid_cap",
        "reset_day": "invalid_reset_day",
        "reset_hour": "invalid_reset_hour",
        "message_cap": "invalid_cap",
        "unknown_share": "invalid_share",
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_TARIFF: cheap.entry_id,
            CONF_MONTHLY_CAP: 52_000,
            "reset_day": 15,
            "reset_hour": 7.5,
            "message_cap": 200_000,
            "unknown_share": float("nan"),
        },
    )
    assert result["errors"] == {
        "reset_hour": "invalid_reset_hour",
        "unknown_share": "invalid_share",
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_TARIFF: cheap.entry_id,
            CONF_MONTHLY_CAP: 52_000,
            "reset_day": 15,
            "reset_hour": 8,
            "message_cap": 200_000,
            "unknown_share": 90,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert account.options[CONF_TARIFF] == cheap.entry_id
    assert account.options[CONF_MONTHLY_CAP] == 52_000
    assert account.options["reset_day"] == 15
    assert account.runtime_data.quota.settings.monthly_cap == 52_000
    assert account.runtime_data.quota.budget.period_end == datetime(
        2026, 1, 15, 8, tzinfo=UTC
    )
    assert account.runtime_data.quota.settings.unknown_share == 0.9
    assert account.runtime_data.quota.settings.message_cap == 200_000


async def test_settings_without_tariffs(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    account = tuya_entry(fake_tuya, tariff)
    await setup_entries(hass, tariff, account)
    await hass.config_entries.async_remove(tariff.entry_id)
    result = await _options(hass, account, "settings")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_tariffs"


async def test_monitored_plugs(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    """Deselected plugs are ignored; plugs gone from the account keep their choice."""
    account = tuya_entry(fake_tuya, tariff, ignored_devices=["plug0002", "gone0001"])
    await setup_entries(hass, tariff, account)
    result = await _options(hass, account, "devices")
    assert result["step_id"] == "devices"
    found = set(account.runtime_data.data.found)
    keep = found - {"plug0001", "strip0005"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"monitored_devices": sorted(keep)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert account.options[CONF_IGNORED_DEVICES] == [
        "gone0001",
        "plug0001",
        "strip0005",
    ]
    assert hass.states.get("switch.plug_1") is None
    assert hass.states.get("switch.plug_2") is not None


async def test_fixed_watts(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    """Fixed watts are set per plug; zero removes them."""
    account = tuya_entry(fake_tuya, tariff)
    await setup_entries(hass, tariff, account)
    result = await _options(hass, account, "fixed_watts")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"device": "switch0006", "watts": -5, "standby_watts": "x"}
    )
    assert result["errors"] == {
        "watts": "invalid_watts",
        "standby_watts": "invalid_watts",
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"device": "switch0006", "watts": 40, "standby_watts": 1}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert account.options[CONF_FIXED_WATTS] == {
        "switch0006": {"watts": 40, "standby_watts": 1}
    }
    assert hass.states.get("sensor.switch_6_energy") is not None
    result = await _options(hass, account, "fixed_watts")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"device": "switch0006", "watts": 0}
    )
    await hass.async_block_till_done()
    assert account.options[CONF_FIXED_WATTS] == {}


@pytest.mark.parametrize("step", ["devices", "fixed_watts"])
async def test_plug_options_need_a_loaded_account(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud, step: str
) -> None:
    account = tuya_entry(fake_tuya, tariff)
    await setup_entries(hass, tariff, account)
    await hass.config_entries.async_unload(account.entry_id)
    result = await _options(hass, account, step)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_plugs"


async def test_a_new_tariff_clears_the_missing_tariff_repair(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    issue_registry: ir.IssueRegistry,
) -> None:
    """As for the other meters: the account's options pick a tariff, the issue goes."""
    spare = fixed_tariff_entry("Spare", 0.2)
    account = tuya_entry(fake_tuya, tariff)
    await setup_entries(hass, tariff, spare, account)
    await hass.config_entries.async_remove(tariff.entry_id)
    await hass.async_block_till_done()
    issue_id = "tariff_missing_tuya_account"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    result = await _options(hass, account, "settings")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_TARIFF: spare.entry_id,
            CONF_MONTHLY_CAP: 26_000,
            "reset_day": 1,
            "reset_hour": 0,
            "message_cap": 68_000,
            "unknown_share": 50,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    # Removing the account takes its issues with it.
    await hass.config_entries.async_remove(spare.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    await hass.config_entries.async_remove(account.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
