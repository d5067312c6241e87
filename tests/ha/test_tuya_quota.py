"""A Tuya account's API quota in Home Assistant: entities, stops, readings, portal."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from http import HTTPStatus
from itertools import pairwise
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.utility_cost.const import DOMAIN
from tests.fakes.tuya_cloud import ACCESS_ID, FakeTuyaCloud

from .conftest import (
    PORTAL_COOKIE,
    advance,
    api_calls,
    portal_options,
    setup_entries,
    state_value,
    tuya_entry,
)

QUOTA_KEY = "utility_cost.tuya_quota.tuya_account"


@pytest.fixture
def account(fake_tuya: FakeTuyaCloud, tariff: MockConfigEntry) -> MockConfigEntry:
    """Return the standard account with the default quota (26,000 a month)."""
    return tuya_entry(fake_tuya, tariff)


async def _reading(hass: HomeAssistant, entry: MockConfigEntry, **reading: Any) -> None:
    await hass.services.async_call(
        DOMAIN,
        "set_quota_reading",
        {"config_entry_id": entry.entry_id, **reading},
        blocking=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_quota_entities(
    hass: HomeAssistant, tariff: MockConfigEntry, account: MockConfigEntry
) -> None:
    """The account's device shows the quota: nothing known but our own calls."""
    await setup_entries(hass, tariff, account)
    # Set-up cost a token, 2 pages of devices, 3 specifications and 3 questions of
    # what the products offer (statistics of 2 products, the project's logs).
    assert state_value(hass, "sensor.tuya_cloud_0001_api_calls_by_home_assistant") == 9
    # Remaining: the others are taken to have spent, pro rata, what the
    # no-information plan leaves them (26,000 - 839 safety calls - 13,000 ours):
    # 11 days 9 hours of 31 days (09:00 UTC).
    assumed_others = 12_161 * (11 * 24 + 9) // (31 * 24)
    assert assumed_others == 4_462
    assert (
        state_value(hass, "sensor.tuya_cloud_0001_api_calls_remaining")
        == 26_000 - 9 - assumed_others
    )
    assert (
        hass.states.get("sensor.tuya_cloud_0001_api_calls_by_other_clients").state
        == STATE_UNKNOWN
    )
    assert hass.states.get("sensor.tuya_cloud_0001_quota_source").state == "estimate"
    assert hass.states.get("sensor.tuya_cloud_0001_quota_status").state == "stale"
    assert (
        hass.states.get("sensor.tuya_cloud_0001_quota_reset").state
        == "2026-02-01T00:00:00+00:00"
    )
    # Nothing known of the others: half the cap, 13,000 calls, over the 19 days 15
    # hours left (planned at start); a refresh costs 2 calls, and 1 to read a plug's
    # measured energy.
    seconds_left = (19 * 24 + 15) * 3600
    assert state_value(hass, "sensor.tuya_cloud_0001_poll_interval") == round(
        3 * seconds_left / 13_000
    )


async def test_a_reading_plans_from_what_is_left(
    hass: HomeAssistant, tariff: MockConfigEntry, account: MockConfigEntry
) -> None:
    """A manual reading of the used calls shows the others' share and a new rate."""
    await setup_entries(hass, tariff, account)
    await _reading(hass, account, used=6_009, remaining=19_991)
    assert hass.states.get("sensor.tuya_cloud_0001_quota_source").state == "manual"
    assert hass.states.get("sensor.tuya_cloud_0001_quota_status").state == "ok"
    # 6,009 used, 9 of them ours: the others made 6,000 in 11 days 9 hours.
    assert (
        state_value(hass, "sensor.tuya_cloud_0001_api_calls_by_other_clients") == 6_000
    )
    assert state_value(hass, "sensor.tuya_cloud_0001_api_calls_remaining") == 19_991


async def test_reading_validation(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    washer: MockConfigEntry,
) -> None:
    """Bad readings are refused with a reason and change nothing."""
    await setup_entries(hass, tariff, account, washer)
    cases = [
        ({"config_entry_id": "nope", "remaining": 1}, "is not a Tuya cloud account"),
        ({"config_entry_id": washer.entry_id, "remaining": 1}, "is not a Tuya"),
        ({"config_entry_id": account.entry_id}, "Give the remaining calls"),
        ({"config_entry_id": account.entry_id, "remaining": -1}, "cannot be negative"),
        (
            {"config_entry_id": account.entry_id, "used": 26_001},
            "more than the monthly",
        ),
        ({"config_entry_id": account.entry_id, "remaining": 30_000}, "more than the"),
        ({"config_entry_id": account.entry_id, "remaining": True}, "whole number"),
        ({"config_entry_id": account.entry_id, "remaining": 12.5}, "whole number"),
        ({"config_entry_id": account.entry_id, "used": "lots"}, "whole number"),
        ({"config_entry_id": account.entry_id, "used": float("inf")}, "whole number"),
        ({"config_entry_id": account.entry_id, "used": [1]}, "whole number"),
    ]
    for data, message in cases:
        with pytest.raises(ServiceValidationError, match=message):
            await hass.services.async_call(
                DOMAIN, "set_quota_reading", data, blocking=True
            )
    assert hass.states.get("sensor.tuya_cloud_0001_quota_source").state == "estimate"
    await hass.config_entries.async_unload(account.entry_id)
    with pytest.raises(ServiceValidationError, match="is not loaded"):
        await _reading(hass, account, remaining=1)


async def test_exhausted_quota_stops_polling_until_a_reading(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """28841004: unavailable, a repair with the reset date, and no more calls."""
    await setup_entries(hass, tariff, account)
    fake_tuya.calls_left = 0
    await advance(hass, freezer, timedelta(minutes=15))
    assert hass.states.get("switch.plug_1").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.tuya_cloud_0001_quota_status").state == "exhausted"
    issue = issue_registry.async_get_issue(DOMAIN, "tuya_quota_exhausted_tuya_account")
    assert issue is not None
    assert issue.translation_placeholders == {
        "name": "Tuya cloud 0001",
        "reset": "2026-02-01 01:00",  # local time in Madrid
    }
    calls = api_calls(fake_tuya)
    await advance(hass, freezer, timedelta(hours=13))
    assert api_calls(fake_tuya) == calls  # nothing is asked of a used-up quota
    fake_tuya.calls_left = None
    await _reading(hass, account, remaining=2_000)
    assert hass.states.get("switch.plug_1").state == STATE_ON
    assert (
        issue_registry.async_get_issue(DOMAIN, "tuya_quota_exhausted_tuya_account")
        is None
    )


async def test_exhausted_quota_resumes_when_the_period_resets(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entries(hass, tariff, account)
    fake_tuya.calls_left = 0
    await advance(hass, freezer, timedelta(minutes=15))
    assert hass.states.get("switch.plug_1").state == STATE_UNAVAILABLE
    fake_tuya.calls_left = None
    freezer.move_to("2026-01-31T23:59:00+00:00")
    await advance(hass, freezer, timedelta(minutes=2))
    assert hass.states.get("switch.plug_1").state == STATE_ON
    assert hass.states.get("sensor.tuya_cloud_0001_quota_reset").state == (
        "2026-03-01T00:00:00+00:00"
    )
    # The new period counts from zero: the refresh that resumed cost a new token
    # (the last one expired meanwhile), 2 pages, asking again what the products
    # offer (a week has passed: statistics of 2 products, the project's logs), and
    # reading one plug's energy from its device logs.
    assert state_value(hass, "sensor.tuya_cloud_0001_api_calls_by_home_assistant") == 7


async def test_expired_plan_is_probed_every_15_minutes(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """28841002: one probe every 15 minutes; back within 15 minutes of a renewal."""
    await setup_entries(hass, tariff, account)
    fake_tuya.fail("associated-users", code=28841002, times=None)
    await advance(hass, freezer, timedelta(minutes=15))
    assert hass.states.get("switch.plug_1").state == STATE_UNAVAILABLE
    assert issue_registry.async_get_issue(DOMAIN, "tuya_plan_expired_tuya_account")
    calls = fake_tuya.count("associated-users")
    await advance(hass, freezer, timedelta(hours=2))
    assert fake_tuya.count("associated-users") == calls + 8  # one probe a quarter
    fake_tuya.injections.clear()  # the plan was renewed
    await advance(hass, freezer, timedelta(minutes=15))
    assert hass.states.get("switch.plug_1").state == STATE_ON
    assert not issue_registry.async_get_issue(DOMAIN, "tuya_plan_expired_tuya_account")


async def test_expired_plan_is_probed_at_once_on_reload_and_on_a_reading(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The repair says to reload once the plan is renewed: that works at once."""
    await setup_entries(hass, tariff, account)
    fake_tuya.fail("associated-users", code=28841002, times=None)
    await advance(hass, freezer, timedelta(minutes=15))
    assert account.runtime_data.quota.budget.plan_expired
    fake_tuya.injections.clear()
    await hass.config_entries.async_reload(account.entry_id)
    await hass.async_block_till_done()
    assert not account.runtime_data.quota.budget.plan_expired
    assert hass.states.get("switch.plug_1").state == STATE_ON
    assert not issue_registry.async_get_issue(DOMAIN, "tuya_plan_expired_tuya_account")
    # A reading probes at once too.
    fake_tuya.fail("associated-users", code=28841002, times=1)
    account.runtime_data.quota.budget.mark_plan_expired(dt_util.utcnow())
    await _reading(hass, account, remaining=20_000)
    assert not account.runtime_data.quota.budget.plan_expired or (
        fake_tuya.count("associated-users") > 0
    )
    await advance(hass, freezer, timedelta(minutes=15))
    assert not account.runtime_data.quota.budget.plan_expired


async def test_throttled_after_a_rate_limit(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One 1110 halves the rate; each successful refresh gives back a step."""
    await setup_entries(hass, tariff, account)
    coordinator = account.runtime_data
    budget = coordinator.quota.budget
    interval = coordinator.planned_interval
    fake_tuya.fail("associated-users", code=1110)
    await advance(hass, freezer, interval)
    assert not coordinator.last_update_success
    assert hass.states.get("sensor.tuya_cloud_0001_quota_status").state == "throttled"
    assert coordinator.planned_interval.total_seconds() == pytest.approx(
        2 * interval.total_seconds(), rel=0.01
    )
    assert budget.throttle == 0.5
    # Two successful refreshes later (not at the 6-hourly recompute): back.
    await advance(hass, freezer, 3 * coordinator.planned_interval)
    assert coordinator.last_update_success
    assert budget.throttle == 1.0
    assert hass.states.get("sensor.tuya_cloud_0001_quota_status").state != "throttled"
    assert coordinator.planned_interval.total_seconds() == pytest.approx(
        interval.total_seconds(), rel=0.05
    )


async def test_a_busy_cloud_is_not_a_rate_limit(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """1111 (system busy): that refresh fails, the rate stays, the next one goes."""
    await setup_entries(hass, tariff, account)
    coordinator = account.runtime_data
    interval = coordinator.planned_interval
    fake_tuya.fail("associated-users", code=1111)
    await advance(hass, freezer, interval)
    assert not coordinator.last_update_success
    assert coordinator.quota.budget.throttle == 1.0
    assert hass.states.get("sensor.tuya_cloud_0001_quota_status").state != "throttled"
    await advance(hass, freezer, coordinator.planned_interval)
    assert coordinator.last_update_success


async def test_our_calls_survive_a_restart(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    await setup_entries(hass, tariff, account)
    await hass.config_entries.async_reload(account.entry_id)
    await hass.async_block_till_done()
    # 9 calls at the first set-up, 2 pages + 1 token at the second (specifications
    # and what the products offer are kept).
    assert state_value(hass, "sensor.tuya_cloud_0001_api_calls_by_home_assistant") == 12
    await hass.config_entries.async_unload(account.entry_id)
    assert hass_storage[QUOTA_KEY]["data"]["budget"]["our_calls_this_month"] == 12


@pytest.mark.parametrize(
    "stored",
    [
        {"budget": {"version": 1, "period_start": "garbage"}},
        {"budget": "nonsense"},
        None,
    ],
)
async def test_a_lost_quota_state_is_a_repair_issue(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    hass_storage: dict[str, Any],
    issue_registry: ir.IssueRegistry,
    stored: dict[str, Any] | None,
) -> None:
    """A quota state missing after a run, or unreadable, falls back and says so."""
    hass_storage["utility_cost.tuya.tuya_account"] = {
        "version": 1,
        "minor_version": 1,
        "key": "utility_cost.tuya.tuya_account",
        "data": {"specs": {}, "devices": [], "meters": {}},
    }
    if stored is not None:
        hass_storage[QUOTA_KEY] = {
            "version": 1,
            "minor_version": 1,
            "key": QUOTA_KEY,
            "data": stored,
        }
    await setup_entries(hass, tariff, account)
    issue_id = "tuya_quota_state_lost_tuya_account"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert hass.states.get("sensor.tuya_cloud_0001_quota_source").state == "estimate"
    await _reading(hass, account, remaining=20_000)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_first_run_needs_no_repair(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    await setup_entries(hass, tariff, account)
    assert not issue_registry.issues


async def test_commands_are_never_refused_while_calls_remain(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Twelve switchings in a row all go, and polling keeps its pace."""
    await setup_entries(hass, tariff, account)
    coordinator = account.runtime_data
    for _ in range(12):
        await hass.services.async_call(
            "switch", "toggle", {"entity_id": "switch.plug_1"}, blocking=True
        )
    assert fake_tuya.count("commands") == 12
    assert state_value(hass, "sensor.tuya_cloud_0001_api_calls_by_home_assistant") == 21
    # They counted for the month, not against polling: the next refresh comes on
    # time, as planned before them.
    planned = coordinator.planned_interval
    pages = fake_tuya.count("associated-users")
    await advance(hass, freezer, planned + timedelta(minutes=1))
    assert fake_tuya.count("associated-users") == pages + 2
    # With the quota used up, a command says so (and when it resets).
    coordinator.quota.budget.mark_exhausted(dt_util.utcnow())
    with pytest.raises(HomeAssistantError, match="Too many commands"):
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": "switch.plug_1"}, blocking=True
        )


async def test_a_command_the_cloud_asks_to_slow_down_is_sent_again(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entries(hass, tariff, account)
    fake_tuya.fail("commands", code=1110, times=1)
    task = hass.async_create_task(
        hass.services.async_call(
            "switch", "turn_off", {"entity_id": "switch.plug_1"}, blocking=True
        )
    )
    # Refused, then a second later sent again: let that second pass.
    for _ in range(10_000):
        if task.done():
            break
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=1))
        await asyncio.sleep(0)
    await task
    assert fake_tuya.count("commands") == 2
    assert fake_tuya.devices["plug0001"].status["switch_1"] is False


async def test_refreshes_come_when_planned_and_none_is_skipped(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """At the default cap: each refresh at its planned time, set-up or not.

    Set-up spent 9 calls; none of that silences polling: the first refresh comes a
    device list's worth of calls later. From the first hour on, each refresh also
    reads one plug's measured energy (its device logs): the plan includes that.
    Over three hours the gaps are what was planned (to the test's 20 s steps).
    """
    await setup_entries(hass, tariff, account)
    coordinator = account.runtime_data
    budget = coordinator.quota.budget
    rate = budget.rate
    assert rate is not None
    pages = fake_tuya.count("associated-users")
    await advance(hass, freezer, timedelta(seconds=2 / rate + 20))
    assert fake_tuya.count("associated-users") == pages + 2
    await advance(hass, freezer, timedelta(hours=1))
    planned = coordinator.planned_interval.total_seconds()
    assert planned == pytest.approx(3 / rate)  # 2 pages + 1 plug's logs
    times: list[datetime] = [coordinator.last_refresh or dt_util.utcnow()]
    pages = fake_tuya.count("associated-users")
    end = dt_util.utcnow() + timedelta(hours=3)
    while dt_util.utcnow() < end:
        await advance(hass, freezer, timedelta(seconds=20))
        count = fake_tuya.count("associated-users")
        if count > pages:
            times.append(dt_util.utcnow())
            pages = count
    gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
    assert len(gaps) >= int(3 * 3600 / planned) - 1
    assert max(gaps) <= planned * 1.1 + 20
    assert min(gaps) >= planned * 0.9 - 20
    # The sensors show what was achieved, and when the last refresh was.
    assert state_value(hass, "sensor.tuya_cloud_0001_poll_interval") == pytest.approx(
        sum(gaps) / len(gaps), rel=0.1
    )
    last = hass.states.get("sensor.tuya_cloud_0001_last_refresh")
    assert last is not None
    assert coordinator.last_refresh is not None
    assert dt_util.parse_datetime(last.state) == coordinator.last_refresh.replace(
        microsecond=0
    )


async def test_a_reading_that_raises_the_rate_takes_effect_at_once(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Half the cap is planned without readings; a reading that says more is left
    plans a shorter interval, and the next refresh comes by it, not the old one."""
    await setup_entries(hass, tariff, account)
    coordinator = account.runtime_data
    before = coordinator.planned_interval
    await advance(hass, freezer, timedelta(minutes=2))
    await _reading(hass, account, used=9, remaining=25_991)
    after = coordinator.planned_interval
    assert after < before * 0.9  # smoothed: part of the new rate at once
    pages = fake_tuya.count("associated-users")
    await advance(hass, freezer, after + timedelta(minutes=1))
    assert fake_tuya.count("associated-users") > pages


async def test_the_form_calls_count_as_ours(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    """An account made by the form starts with the form's calls counted."""
    entry = tuya_entry(fake_tuya, tariff)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, "flow_calls": 3})
    await setup_entries(hass, tariff)
    assert state_value(hass, "sensor.tuya_cloud_0001_api_calls_by_home_assistant") == 12
    assert "flow_calls" not in entry.data


async def test_other_clients_of_the_access_id_are_listed(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    other = MockConfigEntry(
        domain="xtend_tuya", title="Xtend Tuya", data={"access_id": ACCESS_ID}
    )
    other.add_to_hass(hass)
    MockConfigEntry(
        domain="tuya", title="Unrelated", data={"user_code": "x"}
    ).add_to_hass(hass)
    await setup_entries(hass, tariff, account)
    diagnostics: Any = await get_diagnostics_for_config_entry(
        hass, hass_client, account
    )
    assert diagnostics["tuya"]["other_clients_of_the_access_id"] == [
        {"domain": "xtend_tuya", "title": "Xtend Tuya", "entry_id": other.entry_id}
    ]
    quota = diagnostics["tuya"]["quota"]
    assert quota["source"] == "estimate"
    assert quota["monthly_cap"] == 26_000
    assert quota["portal"] is None


# --- the portal ------------------------------------------------------------------------


async def _read_by_portal(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud, url: str
) -> MockConfigEntry:
    """Set up the account with the portal, once its first reading is in."""
    account = tuya_entry(fake_tuya, tariff, **portal_options(url))
    await setup_entries(hass, tariff, account)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.tuya_cloud_0001_quota_source").state == "portal"
    return account


async def test_portal_readings(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    portal: tuple[str, list[str]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The portal is read at start and then every 6 hours."""
    url, cookies = portal
    account = await _read_by_portal(hass, tariff, fake_tuya, url)
    assert state_value(hass, "sensor.tuya_cloud_0001_api_calls_remaining") == 12_000
    await advance(hass, freezer, timedelta(hours=5, minutes=59))
    assert len(cookies) == 1
    await advance(hass, freezer, timedelta(minutes=1))
    assert len(cookies) == 2
    # A failure is not retried before the next 6 hours either.
    account.runtime_data.quota.portal._cookie = "session=expired"
    await advance(hass, freezer, timedelta(hours=6))
    assert len(cookies) == 3
    assert hass.states.get("sensor.tuya_cloud_0001_quota_source").state == "portal"
    await advance(hass, freezer, timedelta(hours=3))
    assert len(cookies) == 3
    # A restart soon after does not read it again.
    await hass.config_entries.async_reload(account.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(cookies) == 3


async def test_expired_portal_session_asks_for_a_new_cookie(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    portal: tuple[str, list[str]],
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A login page instead of data: a repair that takes the new cookie."""
    url, cookies = portal
    account = tuya_entry(fake_tuya, tariff, **portal_options(url, "session=old"))
    assert await async_setup_component(hass, "repairs", {})
    await setup_entries(hass, tariff, account)
    await hass.async_block_till_done(wait_background_tasks=True)
    issue = issue_registry.async_get_issue(DOMAIN, "tuya_portal_failed_tuya_account")
    assert issue is not None
    assert issue.is_fixable
    assert len(cookies) == 1
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": "tuya_portal_failed_tuya_account"},
    )
    flow = await response.json()
    assert flow["step_id"] == "cookie"
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}",
        json={"portal_cookie": PORTAL_COOKIE},
    )
    assert response.status == HTTPStatus.OK
    await hass.async_block_till_done(wait_background_tasks=True)
    assert account.options["portal_cookie"] == PORTAL_COOKIE
    # Reloaded with it: read again at once, and the issue is gone.
    assert len(cookies) == 2
    assert (
        issue_registry.async_get_issue(DOMAIN, "tuya_portal_failed_tuya_account")
        is None
    )
    assert hass.states.get("sensor.tuya_cloud_0001_quota_source").state == "portal"


async def testportal_options(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    portal: tuple[str, list[str]],
) -> None:
    """The portal step checks the page before it saves; empty removes it."""
    url, _ = portal
    account = tuya_entry(fake_tuya, tariff)
    await setup_entries(hass, tariff, account)

    async def submit(**answer: str) -> dict[str, Any]:
        result = await hass.config_entries.options.async_init(account.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "portal"}
        )
        return await hass.config_entries.options.async_configure(
            result["flow_id"], answer
        )

    assert (await submit(portal_url="ftp://x"))["errors"] == {
        "portal_url": "invalid_url"
    }
    result = await submit(portal_url=url, portal_cookie=PORTAL_COOKIE)
    assert result["errors"] == {"base": "pointer_required"}
    result = await submit(
        portal_url=url, portal_cookie=PORTAL_COOKIE, portal_remaining_pointer="result"
    )
    assert result["errors"] == {"base": "invalid_pointer"}
    result = await submit(**portal_options(url, "session=old"))
    assert result["errors"] == {"base": "portal_failed"}
    result = await submit(**portal_options(url))
    assert result["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert account.options["portal_url"] == url
    result = await submit(portal_url="")
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert "portal_url" not in account.options
    assert "portal_cookie" not in account.options


async def test_after_a_failure_a_skipped_refresh_keeps_plugs_unavailable(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Stale values are not shown as fresh: after a failure, skipping still fails."""
    await setup_entries(hass, tariff, account)
    fake_tuya.fail("associated-users", http_status=502, times=None)
    await advance(hass, freezer, timedelta(minutes=30))
    assert hass.states.get("switch.plug_1").state == STATE_UNAVAILABLE
    fake_tuya.injections.clear()
    coordinator = account.runtime_data
    # Commands spend what the next refresh needed...
    for _ in range(3):
        await coordinator.async_switch("plug0002", "switch_1", False)
    await coordinator.async_refresh()
    # ...so it is skipped, and the plugs stay unavailable until one is made.
    assert coordinator.last_exception is not None
    assert "Waiting for the API quota" in str(coordinator.last_exception)
    assert hass.states.get("switch.plug_1").state == STATE_UNAVAILABLE


async def test_portal_repair_of_a_removed_account(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    portal: tuple[str, list[str]],
    hass_client: ClientSessionGenerator,
) -> None:
    url, _ = portal
    account = tuya_entry(fake_tuya, tariff, **portal_options(url, "session=old"))
    assert await async_setup_component(hass, "repairs", {})
    await setup_entries(hass, tariff, account)
    await hass.async_block_till_done(wait_background_tasks=True)
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": "tuya_portal_failed_tuya_account"},
    )
    flow = await response.json()
    await hass.config_entries.async_remove(account.entry_id)
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"portal_cookie": "x"}
    )
    result = await response.json()
    assert result["type"] == "abort"
    assert result["reason"] == "entry_removed"


async def test_diagnostics_leave_out_the_portal_session(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    portal: tuple[str, list[str]],
    hass_client: ClientSessionGenerator,
) -> None:
    """The portal's cookie is a logged-in session: it never reaches diagnostics."""
    url, _ = portal
    account = tuya_entry(fake_tuya, tariff, **portal_options(url))
    await setup_entries(hass, tariff, account)
    diagnostics: Any = await get_diagnostics_for_config_entry(
        hass, hass_client, account
    )
    assert PORTAL_COOKIE not in str(diagnostics)
    assert diagnostics["entry"]["options"]["portal_cookie"] == "**REDACTED**"


async def test_a_lost_count_is_taken_as_spent_at_the_last_pace(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    hass_storage: dict[str, Any],
) -> None:
    """The account's own store kept the pace: the period so far counts as spent."""
    hass_storage["utility_cost.tuya.tuya_account"] = {
        "version": 1,
        "minor_version": 1,
        "key": "utility_cost.tuya.tuya_account",
        "data": {"specs": {}, "devices": [], "meters": {}, "quota_rate": 0.01},
    }
    await setup_entries(hass, tariff, account)
    # 11 days 9 hours into January at 0.01 calls/s: 9,828 calls, and the start's.
    assumed = round(0.01 * (11 * 86_400 + 9 * 3_600))
    assert assumed == 9_828
    ours = state_value(hass, "sensor.tuya_cloud_0001_api_calls_by_home_assistant")
    assert ours == assumed + api_calls(fake_tuya)
    budget = account.runtime_data.quota.budget
    assert budget.assumed
    diagnostics = account.runtime_data.quota.diagnostics(dt_util.utcnow())
    assert diagnostics["assumed"] is True


async def test_a_jump_of_the_clock_is_a_repair_and_does_not_stop_polling(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Ten minutes at +1 day, then back: a repair, and refreshes go on as planned."""
    steady = [0.0]
    await setup_entries(hass, tariff, account)
    quota = account.runtime_data.quota
    quota.steady = lambda: steady[0]  # the steady clock, driven by the test
    quota.check_clock(dt_util.utcnow())
    pages = fake_tuya.count("associated-users")
    freezer.tick(timedelta(days=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, "tuya_clock_jumped_tuya_account")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["step"] == "+1440"
    # A minute later (the steady clock's), the wall clock is back a day. (The
    # test's timers run on the frozen clock: fire the minute tick due then.)
    freezer.tick(timedelta(days=-1))
    steady[0] += 60
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(days=1, minutes=1))
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, "tuya_clock_jumped_tuya_account")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["step"] == "-1441"

    def tick(delta: timedelta) -> None:
        steady[0] += delta.total_seconds()

    # Back on time, polling goes on at its pace (not a day later).
    planned = account.runtime_data.planned_interval
    for _ in range(int((planned + timedelta(minutes=2)).total_seconds() // 60)):
        tick(timedelta(minutes=1))
        await advance(hass, freezer, timedelta(minutes=1))
    assert fake_tuya.count("associated-users") > pages


async def test_the_portal_is_read_at_the_reset_and_last_periods_count_left_out(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    portal: tuple[str, list[str]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Right after the reset the portal still shows 14,000 used: not this period's."""
    url, cookies = portal
    account = await _read_by_portal(hass, tariff, fake_tuya, url)
    freezer.move_to("2026-01-31T23:58:00+00:00")
    await advance(hass, freezer, timedelta(minutes=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    read = len(cookies)
    await advance(hass, freezer, timedelta(minutes=2))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(cookies) == read + 1  # read at the reset
    assert hass.states.get("sensor.tuya_cloud_0001_quota_source").state == "estimate"
    budget = account.runtime_data.quota.budget
    assert budget.ignored_at is not None
    assert budget.reading is None


async def test_the_reset_hour_and_the_share_without_readings(
    hass: HomeAssistant, tariff: MockConfigEntry, fake_tuya: FakeTuyaCloud
) -> None:
    account = tuya_entry(
        fake_tuya, tariff, reset_day=15, reset_hour=8, unknown_share=80
    )
    await setup_entries(hass, tariff, account)
    assert hass.states.get("sensor.tuya_cloud_0001_quota_reset").state == (
        "2026-01-15T08:00:00+00:00"
    )
    budget = account.runtime_data.quota.budget
    assert budget.settings.conservative_cap == 20_800  # 80 % of 26,000


async def test_a_command_refused_for_quota_stops_polling(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The cloud's "quota used up" answer to a command holds for polling too."""
    await setup_entries(hass, tariff, account)
    fake_tuya.fail("commands", code=28841004)
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": "switch.plug_1"}, blocking=True
        )
    assert account.runtime_data.quota.budget.exhausted
    assert (
        issue_registry.async_get_issue(DOMAIN, "tuya_quota_exhausted_tuya_account")
        is not None
    )
    assert account.runtime_data.quota.budget.command_calls == 1


async def test_the_refresh_pays_for_every_device_listed(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    account: MockConfigEntry,
    fake_tuya: FakeTuyaCloud,
) -> None:
    """Devices that are not plugs are listed too: the pages count them."""
    await setup_entries(hass, tariff, account)
    coordinator = account.runtime_data
    assert coordinator.listed == len(fake_tuya.devices)
    assert coordinator.calls_per_refresh == -(-len(fake_tuya.devices) // 20)
