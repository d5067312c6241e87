"""An Octopus Energy account: its flows, its meters' history in statistics, faults."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
import logging
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.recorder import get_instance
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_get_persistent_notifications,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.utility_cost.const import DOMAIN
from tests.fakes.octopus import (
    ACCOUNT,
    AGILE,
    AGILE_FROM,
    AGILE_OUTGOING,
    API_KEY,
    BUSINESS,
    ECONOMY7,
    EXPORT_MPAN,
    EXPORT_SERIAL,
    FLAT2R,
    GAS_MPRN,
    GAS_SERIAL,
    IMPORT_MPAN,
    IMPORT_SERIAL,
    FakeOctopus,
    agile_pence,
    consumption_kwh,
    outgoing_pence,
)

from .conftest import (
    POWER_ATTRS,
    advance,
    fixed_tariff_entry,
    octopus_entry,
    publish,
    shown_cost,
    tracked_entry,
)

# The recorder starts first (tests/recorder.py).
from .recorder import auto_enable_custom_integrations, madrid_time  # noqa: F401

IMPORT_ID = f"utility_cost:octopus_{IMPORT_MPAN}_{IMPORT_SERIAL.lower()}"
EXPORT_ID = f"utility_cost:octopus_{EXPORT_MPAN}_{EXPORT_SERIAL.lower()}"
GAS_ID = f"utility_cost:octopus_{GAS_MPRN}_{GAS_SERIAL.lower()}"
HALF_HOUR = timedelta(minutes=30)
TODAY = datetime(2026, 1, 12, tzinfo=UTC)  # UK midnight in winter


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)


async def _sums(hass: HomeAssistant, statistic_id: str) -> list[dict[str, Any]]:
    await async_wait_recording_done(hass)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        TODAY - timedelta(days=60),
        None,
        {statistic_id},
        "hour",
        None,
        {"sum", "state"},
    )
    return list(rows.get(statistic_id, []))


def _agile_day_cost(day: datetime) -> float:
    """The import meter's cost of a UK day on Agile, from the fake's own formulas."""
    total = 0.0
    for i in range(48):
        at = day + i * HALF_HOUR
        # Each half-hour: its kWh times its rate, not rounded to a penny.
        total += consumption_kwh(at, "import") * round(agile_pence(at) * 1.05, 4) / 100
    return total


# --- config flow ----------------------------------------------------------------


async def _start(hass: HomeAssistant, advanced: bool = True) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER, "show_advanced_options": advanced}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "octopus"}
    )


async def test_account_added(hass: HomeAssistant, octopus: FakeOctopus) -> None:
    result = await _start(hass)
    assert result["step_id"] == "octopus"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "api_key": f" {API_KEY} ",
            "account_number": "a-1b2c3d4e",
            "base_url": octopus.api_url + "/",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Octopus {ACCOUNT}"
    assert result["data"] == {
        "entry_type": "octopus",
        "account_number": ACCOUNT,
        "api_key": API_KEY,
        "base_url": octopus.api_url,
        "currency": "GBP",
    }
    assert result["result"].unique_id == ACCOUNT
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


@pytest.mark.parametrize(
    ("answers", "failure", "errors"),
    [
        (
            {"account_number": "12345"},
            None,
            {"account_number": "invalid_account_number"},
        ),
        (
            {"account_number": "A-00000000"},
            None,
            {"account_number": "account_not_found"},
        ),
        ({"api_key": "sk_live_wrong"}, None, {"base": "invalid_octopus_key"}),
        ({}, 503, {"base": "octopus_unreachable"}),
        ({"base_url": "ftp://nowhere"}, None, {"base_url": "invalid_url"}),
    ],
)
async def test_account_form_errors(
    hass: HomeAssistant,
    octopus: FakeOctopus,
    answers: dict[str, str],
    failure: int | None,
    errors: dict[str, str],
) -> None:
    if failure is not None:
        octopus.fail(failure)
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "api_key": API_KEY,
            "account_number": ACCOUNT,
            "base_url": octopus.api_url,
            **answers,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_account_only_once(hass: HomeAssistant, octopus: FakeOctopus) -> None:
    await _setup(hass, octopus_entry(octopus))
    result = await _start(hass, advanced=False)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_key": API_KEY, "account_number": ACCOUNT}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_refused_key_asks_for_a_new_one(
    hass: HomeAssistant, octopus: FakeOctopus
) -> None:
    entry = octopus_entry(octopus, key="sk_live_old")
    await _setup(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"api_key": "sk_live_still_wrong"}
    )
    assert result["errors"] == {"base": "invalid_octopus_key"}
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"api_key": API_KEY}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["api_key"] == API_KEY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize("advanced", [True, False])
async def test_reconfigure(
    hass: HomeAssistant, octopus: FakeOctopus, advanced: bool
) -> None:
    entry = octopus_entry(octopus)
    await _setup(hass, entry)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={
            "source": "reconfigure",
            "entry_id": entry.entry_id,
            "show_advanced_options": advanced,
        },
    )
    assert result["step_id"] == "reconfigure_octopus"
    answer = {"api_key": "sk_live_wrong"}
    if advanced:
        answer["base_url"] = octopus.api_url
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    assert result["errors"] == {"base": "invalid_octopus_key"}
    if advanced:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**answer, "base_url": "nowhere"}
        )
        assert result["errors"] == {"base_url": "invalid_url"}
    answer["api_key"] = API_KEY
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["base_url"] == octopus.api_url


# --- history --------------------------------------------------------------------


async def test_history_is_imported_with_its_cost(
    hass: HomeAssistant, octopus: FakeOctopus
) -> None:
    """30 days of every meter, priced at the agreement in force, in statistics."""
    entry = octopus_entry(octopus)
    await _setup(hass, entry)
    assert entry.state is ConfigEntryState.LOADED

    rows = await _sums(hass, f"{IMPORT_ID}_consumption")
    assert len(rows) == 30 * 24
    start = TODAY - timedelta(days=30)
    expected = sum(
        consumption_kwh(start + i * HALF_HOUR, "import") for i in range(30 * 48)
    )
    assert rows[-1]["sum"] == pytest.approx(expected)
    # The last day is all Agile; its cost is the half-hours' exact costs.
    cost = await _sums(hass, f"{IMPORT_ID}_cost")
    day_cost = cost[-1]["sum"] - cost[-25]["sum"]
    assert day_cost == pytest.approx(_agile_day_cost(TODAY - timedelta(days=1)))
    # The day the tariff changed at 14:30: Economy 7 (day rate 31.5p after 07:30
    # UTC) until then, Agile after.
    change_day = datetime(2026, 1, 10, tzinfo=UTC)
    hour = next(
        r for r in cost if r["start"] == (change_day + timedelta(hours=13)).timestamp()
    )
    kwh = sum(
        consumption_kwh(change_day + timedelta(hours=13) + i * HALF_HOUR, "import")
        for i in range(2)
    )
    assert hour["state"] == pytest.approx(kwh * 0.315, abs=1e-6)
    # Export and gas (SMETS2: m3 to kWh at 38.8 MJ/m3).
    export = await _sums(hass, f"{EXPORT_ID}_consumption")
    assert export[-1]["sum"] > 0
    gas = await _sums(hass, f"{GAS_ID}_consumption")
    assert gas[0]["state"] == pytest.approx(
        (consumption_kwh(start, "gas") + consumption_kwh(start + HALF_HOUR, "gas"))
        * 1.02264
        * 38.8
        / 3.6,
        rel=1e-4,
    )

    state = hass.states.get(
        f"sensor.octopus_electricity_{IMPORT_MPAN}_previous_day_consumption"
    )
    assert state is not None
    assert float(state.state) == pytest.approx(
        sum(
            consumption_kwh(TODAY - timedelta(days=1) + i * HALF_HOUR, "import")
            for i in range(48)
        ),
        abs=0.001,
    )
    assert state.attributes["day"] == "2026-01-11"
    cost_state = hass.states.get(
        f"sensor.octopus_electricity_{IMPORT_MPAN}_previous_day_cost"
    )
    assert float(cost_state.state) == pytest.approx(
        _agile_day_cost(TODAY - timedelta(days=1)), abs=0.01
    )
    assert cost_state.attributes["standing_charge"] == pytest.approx(0.4725)
    assert hass.states.get(
        f"sensor.octopus_electricity_{IMPORT_MPAN}_data_up_to"
    ).state == ("2026-01-12T00:00:00+00:00")
    assert float(
        hass.states.get(
            f"sensor.octopus_electricity_{IMPORT_MPAN}_standing_charge"
        ).state
    ) == pytest.approx(0.4725)


async def test_catch_up_imports_only_new_days(
    hass: HomeAssistant, octopus: FakeOctopus, freezer: FrozenDateTimeFactory
) -> None:
    entry = octopus_entry(octopus)
    await _setup(hass, entry)
    before = (await _sums(hass, f"{IMPORT_ID}_consumption"))[-1]["sum"]
    octopus.requests.clear()
    # The next day's data arrives; the next run a day later imports that day only.
    octopus.data_until += timedelta(days=1)
    await advance(hass, freezer, timedelta(days=1))
    rows = await _sums(hass, f"{IMPORT_ID}_consumption")
    assert len(rows) == 31 * 24
    added = sum(consumption_kwh(TODAY + i * HALF_HOUR, "import") for i in range(48))
    assert rows[-1]["sum"] == pytest.approx(before + added)
    consumption = [q for path, q in octopus.requests if path.endswith("/consumption/")]
    assert {q["period_from"] for q in consumption} == {"2026-01-12T00:00:00Z"}


async def test_busy_api_backs_off_and_keeps_what_was_imported(
    hass: HomeAssistant, octopus: FakeOctopus, freezer: FrozenDateTimeFactory
) -> None:
    """Without Retry-After the interval doubles; the history sensors stay."""
    entry = octopus_entry(octopus)
    await _setup(hass, entry)
    coordinator = entry.runtime_data
    sensor = f"sensor.octopus_electricity_{IMPORT_MPAN}_previous_day_consumption"
    shown = hass.states.get(sensor).state
    octopus.fail(429, '{"detail": "Request was throttled."}', times=5)
    octopus.data_until += timedelta(days=1)
    for expected in (60, 120):
        await advance(hass, freezer, coordinator.update_interval)
        assert not coordinator.last_update_success
        assert coordinator.update_interval == timedelta(minutes=expected)
    # What was imported did not change: the figures stay, and say why they wait.
    assert hass.states.get(sensor).state == shown
    assert (
        hass.states.get(
            f"sensor.octopus_electricity_{IMPORT_MPAN}_standing_charge"
        ).state
        == "0.4725"
    )
    freshness = hass.states.get(f"sensor.octopus_electricity_{IMPORT_MPAN}_data_up_to")
    assert freshness.state == "2026-01-12T00:00:00+00:00"
    assert freshness.attributes["last_error"] == "too many requests"
    assert (
        freshness.attributes["next_attempt"]
        == (dt_util.utcnow() + timedelta(minutes=120)).isoformat()
    )
    assert len(await _sums(hass, f"{IMPORT_ID}_consumption")) == 30 * 24
    diagnostics = coordinator.diagnostics()
    assert diagnostics["failures_in_a_row"] == 2
    assert diagnostics["last_error"] == "too many requests"


async def test_too_many_requests_waits_as_long_as_asked(
    hass: HomeAssistant, octopus: FakeOctopus, freezer: FrozenDateTimeFactory
) -> None:
    """Retry-After is honoured (not sooner, not the doubling guess), then it goes on."""
    entry = octopus_entry(octopus, meters=[f"gas_{GAS_MPRN}_{GAS_SERIAL}"])
    await _setup(hass, entry)
    coordinator = entry.runtime_data
    octopus.fail(429, headers={"Retry-After": "900"}, path_contains="-unit-rates/")
    await advance(hass, freezer, coordinator.update_interval)
    assert not coordinator.last_update_success
    assert coordinator.update_interval == timedelta(minutes=15)
    octopus.requests.clear()
    await advance(hass, freezer, timedelta(minutes=14))
    assert octopus.requests == []
    await advance(hass, freezer, timedelta(minutes=1))
    assert coordinator.last_update_success
    assert coordinator.update_interval == timedelta(minutes=30)
    assert len(await _sums(hass, f"{GAS_ID}_consumption")) == 30 * 24
    freshness = hass.states.get(f"sensor.octopus_gas_{GAS_MPRN}_data_up_to")
    assert "next_attempt" not in freshness.attributes


async def test_a_malformed_page_stops_the_import_cleanly(
    hass: HomeAssistant, octopus: FakeOctopus, caplog: pytest.LogCaptureFixture
) -> None:
    octopus.fail(
        200, '{"results": [{"consumption": "x"}]}', path_contains="/consumption/"
    )
    entry = octopus_entry(octopus)
    await _setup(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert "the import stopped" in caplog.text
    assert await _sums(hass, f"{IMPORT_ID}_consumption") == []


async def test_only_chosen_meters(hass: HomeAssistant, octopus: FakeOctopus) -> None:
    key = f"gas_{GAS_MPRN}_{GAS_SERIAL}"
    entry = octopus_entry(octopus, meters=[key], gas_smets2=False)
    await _setup(hass, entry)
    assert list(entry.runtime_data.data) == [key]
    gas = await _sums(hass, f"{GAS_ID}_consumption")
    start = TODAY - timedelta(days=30)
    # SMETS1: the rows are kWh already.
    assert gas[0]["state"] == pytest.approx(
        consumption_kwh(start, "gas") + consumption_kwh(start + HALF_HOUR, "gas"),
        abs=1e-6,
    )
    assert await _sums(hass, f"{IMPORT_ID}_consumption") == []


async def test_options(hass: HomeAssistant, octopus: FakeOctopus) -> None:
    entry = octopus_entry(octopus)
    await _setup(hass, entry)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "octopus"
    answer = {
        "meters": [f"electricity_{IMPORT_MPAN}_{IMPORT_SERIAL}"],
        "payment_method": "non_direct_debit",
        "include_vat": False,
        "include_standing_charge": True,
        "night_start": "0:0",
        "night_end": "7:00",
        "night_utc": False,
        "gas_calorific_value": 60,
        "gas_smets2": True,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], answer
    )
    assert result["errors"] == {"gas_calorific_value": "invalid_calorific_value"}
    answer["gas_calorific_value"] = 39.2
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], answer
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "meters": [f"electricity_{IMPORT_MPAN}_{IMPORT_SERIAL}"],
        "payment_method": "non_direct_debit",
        "include_vat": False,
        "include_standing_charge": True,
        "night_start": "00:00:00",
        "night_end": "07:00:00",
        "night_utc": False,
        "gas_calorific_value": 39.2,
        "gas_smets2": True,
    }
    await hass.async_block_till_done()
    assert list(entry.runtime_data.data) == [
        f"electricity_{IMPORT_MPAN}_{IMPORT_SERIAL}"
    ]


async def test_options_need_the_account(
    hass: HomeAssistant, octopus: FakeOctopus
) -> None:
    octopus.fail(503, times=10)
    entry = octopus_entry(octopus)
    await _setup(hass, entry)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "account_not_loaded"


async def test_imported_statistics_pass_energy_validation(
    hass: HomeAssistant, octopus: FakeOctopus, hass_ws_client: WebSocketGenerator
) -> None:
    assert await async_setup_component(hass, "energy", {})
    await _setup(hass, octopus_entry(octopus))
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "energy/save_prefs",
            "energy_sources": [
                {
                    "type": "grid",
                    "flow_from": [
                        {
                            "stat_energy_from": f"{IMPORT_ID}_consumption",
                            "stat_cost": f"{IMPORT_ID}_cost",
                            "entity_energy_price": None,
                            "number_energy_price": None,
                        }
                    ],
                    "flow_to": [],
                    "cost_adjustment_day": 0,
                },
                {
                    "type": "gas",
                    "stat_energy_from": f"{GAS_ID}_consumption",
                    "stat_cost": f"{GAS_ID}_cost",
                    "entity_energy_price": None,
                    "number_energy_price": None,
                },
            ],
        }
    )
    assert (await client.receive_json())["success"]
    await client.send_json_auto_id({"type": "energy/validate"})
    result = await client.receive_json()
    assert result["success"]
    assert result["result"]["energy_sources"] == [[], []]


async def test_diagnostics_without_the_key(
    hass: HomeAssistant, octopus: FakeOctopus, hass_client: ClientSessionGenerator
) -> None:
    entry = octopus_entry(octopus)
    await _setup(hass, entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert API_KEY not in str(diagnostics)
    # Three meters, keyed without their point numbers and serials (see
    # tests/test_secrets.py for every identifier).
    meters = diagnostics["octopus"]["meters"]
    assert len(meters) == 3
    assert not any(IMPORT_MPAN in key or GAS_SERIAL in key for key in meters)
    (gas,) = (meter for key, meter in meters.items() if key.startswith("gas_"))
    assert gas["last_day"] == "2026-01-11"


# --- backfill ---------------------------------------------------------------------


async def _backfill(hass: HomeAssistant, **data: Any) -> None:
    await hass.services.async_call(
        DOMAIN,
        "octopus_backfill",
        {"config_entry_id": "octopus_account", **data},
        blocking=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


async def test_backfill_imports_older_history(
    hass: HomeAssistant, octopus: FakeOctopus
) -> None:
    """Older history goes before the imported days; their sums move up."""
    entry = octopus_entry(
        octopus, meters=[f"electricity_{IMPORT_MPAN}_{IMPORT_SERIAL}"]
    )
    await _setup(hass, entry)
    before = (await _sums(hass, f"{IMPORT_ID}_consumption"))[-1]["sum"]
    events = async_capture_events(hass, "utility_cost_octopus_backfill_finished")
    await _backfill(hass, from_date="2025-11-01", to_date="2025-12-12")
    rows = await _sums(hass, f"{IMPORT_ID}_consumption")
    first = datetime(2025, 11, 1, tzinfo=UTC)
    added = sum(
        consumption_kwh(first + i * HALF_HOUR, "import") for i in range(42 * 48)
    )
    assert rows[-1]["sum"] == pytest.approx(before + added)
    assert events[0].data == {
        "entry_id": "octopus_account",
        "from_date": "2025-11-01",
        "to_date": "2025-12-12",
        "hours": 42 * 24,
        "error": None,
        "meters": {
            f"electricity_{IMPORT_MPAN}_{IMPORT_SERIAL}": {
                "days_imported": 42,
                "no_data": [],
                "no_rates": [],
            }
        },
    }
    notifications = async_get_persistent_notifications(hass)
    message = notifications["utility_cost_octopus_backfill_octopus_account"]["message"]
    assert message == (
        "Imported 1008 hours of history from 2025-11-01 to 2025-12-12.\n"
        f"- Octopus electricity {IMPORT_MPAN}: 42 days imported "
        "(2025-11-01 to 2025-12-12)."
    )
    # The sensors still show the newest day, not the backfilled one.
    state = hass.states.get(
        f"sensor.octopus_electricity_{IMPORT_MPAN}_previous_day_consumption"
    )
    assert state.attributes["day"] == "2026-01-11"


UK = ZoneInfo("Europe/London")


def _reference_day(day: date) -> tuple[float, float]:
    """The import meter's kWh and cost (with the standing charge) of a UK day.

    Computed here from the fake's published figures, not by the code under test:
    every UTC half-hour of the UK day (46, 48 or 50 of them), Economy 7 (night
    12.6p from 00:30 to 07:30 UTC, day 31.5p) before the switch to Agile, the
    standing charge of the agreement in force (52.5p, then 47.25p per day) for
    its share of the day's half-hours.
    """
    start = datetime.combine(day, time(0), UK).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), UK).astimezone(UTC)
    slots = int((end - start) / HALF_HOUR)
    kwh = cost = 0.0
    for i in range(slots):
        at = start + i * HALF_HOUR
        used = consumption_kwh(at, "import")
        if at < AGILE_FROM:
            night = time(0, 30) <= at.time() < time(7, 30)
            pence, standing = (12.6 if night else 31.5), 52.5
        else:
            pence, standing = round(agile_pence(at) * 1.05, 4), 47.25
        kwh += used
        cost += used * pence / 100 + standing / 100 / slots
    return kwh, cost


async def test_a_year_across_both_clock_changes_adds_up(
    hass: HomeAssistant, octopus: FakeOctopus
) -> None:
    """Every UK day of a backfill behind the imported month, against a reference.

    2025-01-01 to 2026-01-11 (yesterday): both clock changes of 2025 (days of 23
    and 25 hours), a day Octopus has a half-hour missing for, and the day the
    tariff switches at 14:30 from Economy 7 to Agile, standing charge included.
    """
    gap = datetime(2025, 6, 15, 11, 30, tzinfo=UTC)
    octopus.missing = [(gap, gap + HALF_HOUR)]
    entry = octopus_entry(
        octopus,
        meters=[f"electricity_{IMPORT_MPAN}_{IMPORT_SERIAL}"],
        include_standing_charge=True,
    )
    await _setup(hass, entry)
    events = async_capture_events(hass, "utility_cost_octopus_backfill_finished")
    await _backfill(hass, from_date="2025-01-01")

    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2024, 12, 1, tzinfo=UTC),
        None,
        {f"{IMPORT_ID}_consumption", f"{IMPORT_ID}_cost"},
        "hour",
        None,
        {"sum", "state"},
    )
    shown: dict[str, dict[date, float]] = {}
    for kind in ("consumption", "cost"):
        series = rows[f"{IMPORT_ID}_{kind}"]
        # Every sum is the running total of the hours' states.
        total = 0.0
        for row in series:
            total += row["state"]
            assert row["sum"] == pytest.approx(total, abs=1e-5)
        by_day: dict[date, float] = defaultdict(float)
        for row in series:
            by_day[datetime.fromtimestamp(row["start"], UK).date()] += row["state"]
        shown[kind] = by_day
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(376)]
    assert days[-1] == date(2026, 1, 11)
    expected_days = [day for day in days if day != date(2025, 6, 15)]
    assert sorted(shown["consumption"]) == expected_days
    for day in expected_days:
        kwh, cost = _reference_day(day)
        assert shown["consumption"][day] == pytest.approx(kwh, abs=1e-6), day
        assert shown["cost"][day] == pytest.approx(cost, abs=1e-5), day
    hours_of = defaultdict(int)
    for row in rows[f"{IMPORT_ID}_consumption"]:
        hours_of[datetime.fromtimestamp(row["start"], UK).date()] += 1
    assert hours_of[date(2025, 3, 30)] == 23
    assert hours_of[date(2025, 10, 26)] == 25
    # The event and the notification say exactly what was imported and what not.
    meter = events[0].data["meters"][f"electricity_{IMPORT_MPAN}_{IMPORT_SERIAL}"]
    assert meter == {
        "days_imported": 375,
        "no_data": [["2025-06-15", "2025-06-15"]],
        "no_rates": [],
    }
    message = async_get_persistent_notifications(hass)[
        "utility_cost_octopus_backfill_octopus_account"
    ]["message"]
    assert message.endswith(
        "375 days imported (2025-01-01 to 2025-06-14, 2025-06-16 to 2026-01-11); "
        "no consumption at Octopus for 2025-06-15."
    )


async def test_the_month_after_a_clock_change_is_whole_days(
    hass: HomeAssistant, octopus: FakeOctopus, freezer: FrozenDateTimeFactory
) -> None:
    """The import looks back 30 UK days, not 30 times 24 hours, in summer time too."""
    freezer.move_to(datetime(2026, 4, 10, 9, tzinfo=UTC))
    octopus.data_until = datetime(2026, 4, 9, 23, tzinfo=UTC)  # UK midnight
    await _setup(hass, octopus_entry(octopus, meters=[f"gas_{GAS_MPRN}_{GAS_SERIAL}"]))
    rows = await _sums(hass, f"{GAS_ID}_consumption")
    # 11 March to 9 April: 30 UK days, one of 23 hours (29 March).
    assert len(rows) == 30 * 24 - 1
    assert rows[0]["start"] == datetime(2026, 3, 11, tzinfo=UTC).timestamp()


async def test_backfill_that_fails_says_so(
    hass: HomeAssistant, octopus: FakeOctopus
) -> None:
    entry = octopus_entry(octopus, meters=[f"gas_{GAS_MPRN}_{GAS_SERIAL}"])
    await _setup(hass, entry)
    events = async_capture_events(hass, "utility_cost_octopus_backfill_finished")
    octopus.fail(500, path_contains="/consumption/", times=2)
    await _backfill(hass, from_date="2025-10-01")
    assert events[0].data["hours"] == 0
    assert events[0].data["to_date"] == "2026-01-11"
    assert events[0].data["error"] == "HTTP 500"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"from_date": "2026-01-01", "to_date": "2026-01-12"}, "before today"),
        ({"from_date": "2026-01-05", "to_date": "2026-01-01"}, "first day is after"),
        ({"from_date": "soon"}, "from_date is not a day"),
        ({"from_date": "2026-01-01", "to_date": "2026-02-30"}, "to_date is not a day"),
        ({"from_date": 20260101}, "from_date is not a day"),
        ({"from_date": "2026-01-01T00:00:00"}, "from_date is not a day"),
        (
            {"from_date": "2026-01-01", "config_entry_id": "nope"},
            "nope is not an Octopus Energy account",
        ),
    ],
)
async def test_backfill_refuses_bad_input(
    hass: HomeAssistant, octopus: FakeOctopus, data: dict[str, Any], message: str
) -> None:
    await _setup(hass, octopus_entry(octopus, meters=[]))
    with pytest.raises(ServiceValidationError, match=message):
        await _backfill(hass, **data)


async def test_backfill_needs_the_account_loaded(
    hass: HomeAssistant, octopus: FakeOctopus
) -> None:
    octopus.fail(503, times=10)
    await _setup(hass, octopus_entry(octopus))
    with pytest.raises(ServiceValidationError, match="is not loaded"):
        await _backfill(hass, from_date="2026-01-01")


async def test_meters_without_data(hass: HomeAssistant, octopus: FakeOctopus) -> None:
    """A meter the API has no consumption for, or whose data is not there yet."""
    octopus.fail(404, path_contains=f"/{IMPORT_SERIAL}/consumption/", times=2)
    # The export meter's agreement ended: no standing charge now.
    point = octopus.account["properties"][1]["electricity_meter_points"][1]
    point["agreements"][0]["valid_to"] = "2026-01-01T00:00:00Z"
    # Gas data stops 5 hours into the first day: no whole day yet.
    octopus.data_until = TODAY - timedelta(days=30) + timedelta(hours=5)
    entry = octopus_entry(octopus)
    await _setup(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert await _sums(hass, f"{IMPORT_ID}_consumption") == []
    assert await _sums(hass, f"{GAS_ID}_consumption") == []
    assert (
        hass.states.get(f"sensor.octopus_export_{EXPORT_MPAN}_standing_charge").state
        == "unknown"
    )
    # No recent data says so, for each meter concerned, until data arrives.
    issues = ir.async_get(hass)
    gas_key = f"gas_{GAS_MPRN}_{GAS_SERIAL}"
    issue = issues.async_get_issue(DOMAIN, f"octopus_no_data_octopus_account_{gas_key}")
    assert issue is not None
    assert issue.translation_placeholders == {
        "meter": f"Octopus gas {GAS_MPRN}",
        "days": "30",
        "since": "-",
    }
    assert hass.states.get(f"sensor.octopus_gas_{GAS_MPRN}_data_up_to").state == (
        "unknown"
    )
    octopus.data_until = TODAY
    await entry.runtime_data.async_refresh()
    await async_wait_recording_done(hass)
    assert not issues.async_get_issue(
        DOMAIN, f"octopus_no_data_octopus_account_{gas_key}"
    )
    assert len(await _sums(hass, f"{GAS_ID}_consumption")) == 30 * 24


async def test_removing_the_account_keeps_its_statistics(
    hass: HomeAssistant, octopus: FakeOctopus
) -> None:
    tariff = fixed_tariff_entry()
    tariff.add_to_hass(hass)
    washer = tracked_entry(tariff)
    washer.add_to_hass(hass)
    entry = octopus_entry(octopus, meters=[f"gas_{GAS_MPRN}_{GAS_SERIAL}"])
    await _setup(hass, entry)
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert len(await _sums(hass, f"{GAS_ID}_consumption")) == 30 * 24
    # What another tariff prices is not concerned.
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"tariff_missing_{washer.entry_id}"
    )


async def test_each_meter_has_the_price_entities(
    hass: HomeAssistant, octopus: FakeOctopus, freezer: FrozenDateTimeFactory
) -> None:
    """Agile's half-hourly rate, the cheap-time entities and tomorrow's event."""
    events = async_capture_events(hass, "utility_cost_prices_published")
    await _setup(hass, octopus_entry(octopus))
    device = f"octopus_electricity_{IMPORT_MPAN}"
    now = datetime(2026, 1, 12, 9, tzinfo=UTC)
    current = hass.states.get(f"sensor.{device}_current_price")
    assert current.attributes["unit_of_measurement"] == "GBP/kWh"
    assert float(current.state) == pytest.approx(
        round(agile_pence(now) * 1.05, 4) / 100
    )
    assert current.attributes["rate"] == "standard"
    assert len(current.attributes["today"]) == 48
    # At 09:00 Agile's rates are published up to 23:00 UK time (Madrid's midnight).
    assert current.attributes["tomorrow"] == []
    assert hass.states.get(f"sensor.{device}_next_price_change").state == (
        "2026-01-12T09:30:00+00:00"
    )
    assert hass.states.get(f"binary_sensor.{device}_in_cheapest_window") is not None
    assert hass.states.get(f"number.{device}_cheapest_hours").state == "3"
    # The export's fixed rate and the gas rate have theirs too.
    assert float(
        hass.states.get(f"sensor.octopus_export_{EXPORT_MPAN}_current_price").state
    ) == pytest.approx(0.1575)
    assert float(
        hass.states.get(f"sensor.octopus_gas_{GAS_MPRN}_current_price").state
    ) == pytest.approx(0.063)
    # The fixed rates are out for tomorrow; Agile's are not yet.
    agile_name = f"Octopus electricity {IMPORT_MPAN}"
    assert agile_name not in {event.data["tariff"] for event in events}
    assert len(events) == 2
    # Agile publishes at 16:00 UK time: the next refresh after it tells.
    await advance(hass, freezer, timedelta(hours=7, minutes=30))
    published = {event.data["tariff"]: event.data for event in events}
    agile = published[agile_name]
    assert agile["day"] == "2026-01-13"
    assert agile["currency"] == "GBP"
    assert agile["cheapest_window"]["hours"] == 3
    # Days are Home Assistant's (Madrid here): rates known until 23:00 UK time
    # cover Madrid's tomorrow.
    current = hass.states.get(f"sensor.{device}_current_price")
    assert len(current.attributes["tomorrow"]) == 48
    await advance(hass, freezer, timedelta(hours=1))
    assert len(events) == 3  # once per meter, not again at the next refresh


async def test_economy7_rates_on_the_clock(
    hass: HomeAssistant, octopus: FakeOctopus
) -> None:
    """Before the change to Agile, the import meter was on Economy 7."""
    octopus.account["properties"][1]["electricity_meter_points"][0]["agreements"] = [
        {
            "tariff_code": "E-2R-VAR-22-11-01-C",
            "valid_from": "2023-07-01T00:00:00Z",
            "valid_to": None,
        }
    ]
    await _setup(hass, octopus_entry(octopus, include_vat=False))
    current = hass.states.get(f"sensor.octopus_electricity_{IMPORT_MPAN}_current_price")
    assert float(current.state) == pytest.approx(0.30)
    assert current.attributes["rate"] == "day"
    assert (
        hass.states.get(
            f"sensor.octopus_electricity_{IMPORT_MPAN}_next_price_change"
        ).state
        == "2026-01-13T00:30:00+00:00"
    )


async def test_a_tracked_sensor_priced_by_a_meter(
    hass: HomeAssistant, octopus: FakeOctopus, freezer: FrozenDateTimeFactory
) -> None:
    """An appliance priced at the import meter's Agile rate, chosen in the flow."""
    await _setup(hass, octopus_entry(octopus))
    hass.states.async_set("sensor.kettle_power", "2000", POWER_ATTRS)
    tariff_id = f"octopus_account/electricity_{IMPORT_MPAN}_{IMPORT_SERIAL}"
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "tracked_sensor"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"source": "sensor.kettle_power", "tariff": tariff_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    kettle = result["result"]
    assert kettle.options["tariff"] == tariff_id
    assert kettle.data["currency"] == "GBP"
    await hass.async_block_till_done()
    await advance(hass, freezer, timedelta(minutes=30))
    hass.states.async_set("sensor.kettle_power", "0", POWER_ATTRS)
    await publish(hass, freezer)
    rate = round(agile_pence(datetime(2026, 1, 12, 9, tzinfo=UTC)) * 1.05, 4) / 100
    cost = hass.states.get("sensor.kettle_power_cost")
    assert cost.attributes["unit_of_measurement"] == "GBP"
    # 2 kW for 30 minutes = 1 kWh at the half-hour's rate.
    assert float(cost.state) == shown_cost(1.0 * rate)
    # Deleting the account leaves the kettle without a tariff: a repair says so.
    await hass.config_entries.async_remove("octopus_account")
    await hass.async_block_till_done()
    issues = ir.async_get(hass)
    assert issues.async_get_issue(DOMAIN, f"tariff_missing_{kettle.entry_id}")


def _import_agreements(
    octopus: FakeOctopus, *agreements: tuple[str, str, str | None]
) -> None:
    point = octopus.account["properties"][1]["electricity_meter_points"][0]
    point["agreements"] = [
        {"tariff_code": code, "valid_from": start, "valid_to": end}
        for code, start, end in agreements
    ]


async def test_tariff_codes_of_the_real_shapes(
    hass: HomeAssistant, octopus: FakeOctopus
) -> None:
    """A business code without a region is priced; an unknown shape is a repair."""
    _import_agreements(octopus, (BUSINESS, "2023-07-01T00:00:00Z", None))
    gas = octopus.account["properties"][1]["gas_meter_points"][0]
    gas["agreements"][0]["tariff_code"] = "G-1R-MYSTERY"
    entry = octopus_entry(octopus)
    await _setup(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.last_update_success
    cost = await _sums(hass, f"{IMPORT_ID}_cost")
    energy = await _sums(hass, f"{IMPORT_ID}_consumption")
    assert len(cost) == 30 * 24
    assert cost[-1]["sum"] == pytest.approx(energy[-1]["sum"] * 0.21)
    # The gas meter's days are not imported without their cost; a repair says why.
    assert await _sums(hass, f"{GAS_ID}_consumption") == []
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"octopus_no_rates_octopus_account_gas_{GAS_MPRN}_{GAS_SERIAL}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {
        "meter": f"Octopus gas {GAS_MPRN}",
        "day": "2025-12-13",
        "tariffs": "G-1R-MYSTERY",
    }
    assert hass.states.get(f"sensor.octopus_gas_{GAS_MPRN}_current_price").state == (
        "unavailable"
    )
    # A backfill says which days had no rates.
    await _backfill(hass, from_date="2025-12-01", to_date="2025-12-02")
    message = async_get_persistent_notifications(hass)[
        "utility_cost_octopus_backfill_octopus_account"
    ]["message"]
    assert (
        f"- Octopus gas {GAS_MPRN}: 0 days imported; "
        "no rates for 2025-12-01 to 2025-12-02."
    ) in message


async def test_the_eve_of_a_switch_from_agile(
    hass: HomeAssistant, octopus: FakeOctopus, freezer: FrozenDateTimeFactory
) -> None:
    """Agile until 12:00 tomorrow, then a flat day/night tariff (FLAT2R).

    Tomorrow's prices are out only once Agile publishes at 16:00; the event then
    fires once, with both agreements' prices. The standing charge changes at
    12:00 itself, between two refreshes.
    """
    switch = "2026-01-13T12:00:00Z"
    _import_agreements(
        octopus,
        (ECONOMY7, "2023-07-01T00:00:00Z", "2026-01-10T14:30:00Z"),
        (AGILE, "2026-01-10T14:30:00Z", switch),
        (FLAT2R, switch, None),
    )
    freezer.move_to(datetime(2026, 1, 12, 9, 10, tzinfo=UTC))  # refreshes at :10, :40
    events = async_capture_events(hass, "utility_cost_prices_published")
    await _setup(
        hass,
        octopus_entry(octopus, meters=[f"electricity_{IMPORT_MPAN}_{IMPORT_SERIAL}"]),
    )
    await advance(hass, freezer, timedelta(hours=6, minutes=45))  # 15:55
    assert events == []
    await advance(hass, freezer, timedelta(minutes=30))
    assert len(events) == 1
    event = events[0].data
    assert event["day"] == "2026-01-13"
    morning = [
        round(agile_pence(datetime(2026, 1, 13, tzinfo=UTC) + i * HALF_HOUR) * 1.05, 4)
        / 100
        for i in range(24)
    ]
    # FLAT2R's day rate from 12:00 (its night starts at 00:30 UTC).
    assert event["max"] == pytest.approx(max(*morning, 0.294))
    assert event["min"] == pytest.approx(min(*morning, 0.294))
    await advance(hass, freezer, timedelta(hours=1))
    assert len(events) == 1

    charge = f"sensor.octopus_electricity_{IMPORT_MPAN}_standing_charge"
    freezer.move_to(datetime(2026, 1, 13, 11, 50, tzinfo=UTC))
    await advance(hass, freezer, timedelta(minutes=9, seconds=59))
    assert hass.states.get(charge).state == "0.4725"
    await advance(hass, freezer, timedelta(seconds=1))  # 12:00, no refresh then
    assert hass.states.get(charge).state == "0.504"


async def test_stopping_during_a_backfill_is_quiet(
    hass: HomeAssistant, octopus: FakeOctopus, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant stops while pages are being fetched: no error, no traceback."""
    entry = octopus_entry(
        octopus, meters=[f"electricity_{IMPORT_MPAN}_{IMPORT_SERIAL}"]
    )
    await _setup(hass, entry)
    await hass.services.async_call(
        DOMAIN,
        "octopus_backfill",
        {"config_entry_id": "octopus_account", "from_date": "2024-01-01"},
        blocking=True,
    )
    caplog.clear()
    await hass.async_stop()
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == [], [r.getMessage() for r in problems]


async def test_automation_entities_where_they_mean_something(
    hass: HomeAssistant, octopus: FakeOctopus
) -> None:
    """Export on Agile Outgoing: its best (dearest) times; flat gas: none at all."""
    export = octopus.account["properties"][1]["electricity_meter_points"][1]
    export["agreements"][0]["tariff_code"] = AGILE_OUTGOING
    await _setup(hass, octopus_entry(octopus))
    gas = f"octopus_gas_{GAS_MPRN}"
    assert hass.states.get(f"binary_sensor.{gas}_cheap_now") is None
    assert hass.states.get(f"number.{gas}_cheapest_hours") is None
    # The gas rate is known to the end of what was fetched: no change is known.
    assert hass.states.get(f"sensor.{gas}_next_price_change").state == "unknown"
    assert float(hass.states.get(f"sensor.{gas}_current_price").state) == 0.063

    device = f"octopus_export_{EXPORT_MPAN}"
    assert hass.states.get(f"binary_sensor.{device}_cheap_now") is None
    window = hass.states.get(f"binary_sensor.{device}_in_best_export_window")
    # Reference: the dearest 3 hours from now (09:00 UTC) within the rates
    # published up to 23:00.
    now = datetime(2026, 1, 12, 9, tzinfo=UTC)
    averages = {
        now + k * HALF_HOUR: sum(
            outgoing_pence(now + (k + i) * HALF_HOUR) for i in range(6)
        )
        / 6
        / 100
        for k in range(23)
    }
    best = max(averages, key=lambda start: (averages[start], -start.timestamp()))
    assert window.attributes["start"] == best
    assert window.attributes["average_price"] == pytest.approx(averages[best], abs=1e-6)
    high = hass.states.get(f"binary_sensor.{device}_high_export_price_now")
    assert high.attributes["threshold_automatic"] is True
    assert (high.state == "on") == (
        high.attributes["price"] >= high.attributes["threshold"]
    )
    assert hass.states.get(f"number.{device}_best_export_hours").state == "3"
