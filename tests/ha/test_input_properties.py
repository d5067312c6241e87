"""Whatever a form or an action is given: a translated error or success, never a crash.

Hypothesis drives every step of the config, options and reconfigure flows and every
action with generated input: the shapes Home Assistant's selectors send, and what a
script, an API client or a typo sends instead (booleans for numbers, non-finite
numbers, huge and control-character strings, lists, mappings, missing fields).
Allowed outcomes are:

- a form again, each error a key this integration translates;
- an abort with a translated reason, or a created entry;
- Home Assistant's own schema error (``InvalidData`` for a flow, ``vol.Invalid``
  for an action) from one of its selectors (an entity, a select, a time, a config
  entry), naming a field of the step: the frontend shows it on that field;
- for an action, ``ServiceValidationError`` with a translated message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.exceptions import ServiceValidationError
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.utility_cost.const import DOMAIN, EntryType

from .conftest import HTTP_METER_WEBHOOK_ID, POWER_SOURCE

# The recorder starts first (tests/recorder.py): the Octopus account needs it.
from .recorder import auto_enable_custom_integrations, madrid_time  # noqa: F401

TRANSLATIONS = json.loads(
    (
        Path(__file__).parents[2]
        / "custom_components/utility_cost/translations/en.json"
    ).read_text(encoding="utf-8")
)

# Strings a user, a script or an attacker might type; entry ids and entity ids of
# the set-up below, so that some input gets past the first checks.
WORDS = [
    "",
    " ",
    "\x00",
    "Kitchen\nmeter",
    "x" * 100_000,
    "Home",
    "home",
    "New tariff",
    "7:00",
    "7:5",
    "1:2:3",
    "25:00",
    "07:00:00",
    "yes",
    "true",
    "nan",
    "inf",
    "-1",
    "1e400",
    "0.2",
    "2026-01-01",
    "2026-02-30",
    "A-1234ABCD",
    "EUR",
    "GBP",
    "peninsula",
    "direct_debit",
    "mon",
    POWER_SOURCE,
    "sensor.washer_energy",
    "sensor.house_station_1_power",
    "number.home_cheap_price_threshold",
    "number.home_cheapest_hours",
    "tariff_home",
    "tracked_washer",
    "tuya_account",
    "http_house",
    "octopus_account",
    "esios_peninsula",
    "ftp://example.invalid",
    HTTP_METER_WEBHOOK_ID,
]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=30),
    st.lists(st.sampled_from(WORDS[:30]), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)

# Each step a user can reach: (flow, how to reach it, the fields of its form).
CONFIG_STEPS = {
    "fixed_tariff": ["name", "price", "currency", "standing_charge"],
    "esios_tariff": ["zone", "token"],
    "tracked_sensor": ["source", "tariff", "name"],
    "tuya_account": ["access_id", "access_secret", "data_center", "tariff"],
    "http_meter": ["name", "tariff"],
    "octopus": ["api_key", "account_number"],
}
OPTIONS_STEPS: list[tuple[EntryType, str | None, list[str]]] = [
    (EntryType.FIXED_TARIFF, "prices", ["price", "standing_charge"]),
    (
        EntryType.FIXED_TARIFF,
        "add_band",
        ["band_name", "price", "start", "end", "days"],
    ),
    (EntryType.FIXED_TARIFF, "remove_band", ["bands"]),
    (EntryType.TRACKED_SENSOR, None, ["tariff", "on_threshold_w", "min_session_s"]),
    (
        EntryType.TUYA_ACCOUNT,
        "settings",
        [
            "tariff",
            "monthly_cap",
            "reset_day",
            "reset_hour",
            "message_cap",
            "unknown_share",
        ],
    ),
    (EntryType.TUYA_ACCOUNT, "devices", ["monitored_devices"]),
    (EntryType.TUYA_ACCOUNT, "fixed_watts", ["device", "watts", "standby_watts"]),
    (
        EntryType.TUYA_ACCOUNT,
        "portal",
        [
            "portal_url",
            "portal_cookie",
            "portal_remaining_pointer",
            "portal_used_pointer",
        ],
    ),
    (
        EntryType.HTTP_METER,
        None,
        ["tariff", "max_watts", "reading_timeout_s", "max_stations", "allow_remote"],
    ),
    (
        EntryType.OCTOPUS,
        None,
        [
            "meters",
            "payment_method",
            "include_vat",
            "include_standing_charge",
            "night_start",
            "night_end",
            "night_utc",
            "gas_calorific_value",
            "gas_smets2",
        ],
    ),
]
RECONFIGURE_STEPS: dict[EntryType, list[str]] = {
    EntryType.ESIOS_TARIFF: ["token"],
    EntryType.TRACKED_SENSOR: ["source"],
    EntryType.TUYA_ACCOUNT: ["data_center"],
    EntryType.OCTOPUS: ["api_key"],
}

HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


# An action's target: what YAML or the UI sends (a string or a list of them). Home
# Assistant's own entity-service schema raises TypeError on ``entity_id: false``
# (``number.set_value`` as well as ours): not this integration's to answer.
ENTITY_IDS = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=30),
    st.lists(st.sampled_from(WORDS), max_size=3),
)


def _inputs(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of the step's fields, each with any value."""
    return st.dictionaries(st.sampled_from(fields), VALUES, max_size=len(fields))


def _call(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """An action's data: any value for each field, an entity id for the target."""
    values = {field: ENTITY_IDS if field == "entity_id" else VALUES for field in fields}
    return st.fixed_dictionaries({}, optional=values)


def _check(result: Any, flow: str, fields: list[str]) -> None:
    """Assert that a flow's answer is one a user can read."""
    if result["type"] is FlowResultType.FORM:
        errors = result.get("errors") or {}
        assert set(errors) <= {*fields, "base"}, errors
        for key in errors.values():
            assert key in TRANSLATIONS[flow]["error"], key
    elif result["type"] is FlowResultType.ABORT:
        assert result["reason"] in TRANSLATIONS[flow]["abort"], result["reason"]
    else:
        assert result["type"] in (FlowResultType.CREATE_ENTRY, FlowResultType.MENU)


async def _submit(
    hass: HomeAssistant,
    flow: str,
    result: Any,
    fields: list[str],
    data: st.DataObject,
) -> None:
    """Check the step shown, submit generated input to it, check the answer.

    Home Assistant's own schema error must name a field of the step. A flow left
    on a form is aborted, so that the next example starts afresh.
    """
    manager = (
        hass.config_entries.options if flow == "options" else hass.config_entries.flow
    )
    _check(result, flow, fields)
    if result["type"] is not FlowResultType.FORM:
        return
    user_input = data.draw(_inputs(fields))
    answer: Any = None
    refused: InvalidData | None = None
    try:
        answer = await manager.async_configure(result["flow_id"], user_input)
    except InvalidData as err:
        refused = err
    if refused is not None:
        assert set(refused.schema_errors) <= set(fields), refused.schema_errors
        manager.async_abort(result["flow_id"])
    else:
        _check(answer, flow, fields)
        if answer["type"] is FlowResultType.FORM:
            manager.async_abort(answer["flow_id"])
    await hass.async_block_till_done()


@pytest.mark.parametrize("step", list(CONFIG_STEPS))
@HYPOTHESIS
@given(data=st.data())
async def test_config_flow_steps_take_any_input(
    hass: HomeAssistant,
    kinds: dict[EntryType, MockConfigEntry],
    step: str,
    data: st.DataObject,
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    await _submit(hass, "config", result, CONFIG_STEPS[step], data)


@pytest.mark.parametrize(
    ("kind", "step", "fields"),
    OPTIONS_STEPS,
    ids=[f"{kind}-{step or 'form'}" for kind, step, _ in OPTIONS_STEPS],
)
@HYPOTHESIS
@given(data=st.data())
async def test_options_steps_take_any_input(
    hass: HomeAssistant,
    kinds: dict[EntryType, MockConfigEntry],
    kind: EntryType,
    step: str | None,
    fields: list[str],
    data: st.DataObject,
) -> None:
    options = hass.config_entries.options
    result = await options.async_init(kinds[kind].entry_id)
    if step is not None:
        result = await options.async_configure(
            result["flow_id"], {"next_step_id": step}
        )
    await _submit(hass, "options", result, fields, data)


@pytest.mark.parametrize("kind", list(RECONFIGURE_STEPS))
@HYPOTHESIS
@given(data=st.data())
async def test_reconfigure_steps_take_any_input(
    hass: HomeAssistant,
    kinds: dict[EntryType, MockConfigEntry],
    kind: EntryType,
    data: st.DataObject,
) -> None:
    result = await kinds[kind].start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    await _submit(hass, "config", result, RECONFIGURE_STEPS[kind], data)


ACTIONS: dict[str, list[str]] = {
    "set_quota_reading": ["config_entry_id", "remaining", "used"],
    "octopus_backfill": ["config_entry_id", "from_date", "to_date"],
    "automatic_threshold": ["entity_id"],
}


@pytest.mark.parametrize("action", [*ACTIONS, "number.set_value"])
@HYPOTHESIS
@given(data=st.data())
async def test_actions_take_any_input(
    hass: HomeAssistant,
    kinds: dict[EntryType, MockConfigEntry],
    action: str,
    data: st.DataObject,
) -> None:
    if action == "number.set_value":
        domain, service = "number", "set_value"
        fields = ["entity_id", "value"]
    else:
        domain, service = DOMAIN, action
        fields = ACTIONS[action]
    call = data.draw(_call(fields))
    refused: ServiceValidationError | None = None
    try:
        await hass.services.async_call(domain, service, call, blocking=True)
    except ServiceValidationError as err:
        refused = err
    except vol.Invalid:
        pass  # Home Assistant's own schema (an entity id, a config entry id)
    await hass.async_block_till_done(wait_background_tasks=True)
    if refused is not None and refused.translation_domain == DOMAIN:
        assert refused.translation_key in TRANSLATIONS["exceptions"], refused
    elif refused is not None:
        # Home Assistant's own, translated: number.set_value's range check.
        assert refused.translation_domain in ("homeassistant", "number"), refused
