"""HTTP meters: readings POSTed through Home Assistant's real HTTP stack."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import timedelta
import json
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.utility_cost.const import (
    CONF_MAX_STATIONS,
    DOMAIN,
    EVENT_SESSION_ENDED,
)
from custom_components.utility_cost.metering.sensor import METER_SENSORS

from .conftest import (
    HTTP_METER_WEBHOOK_ID,
    advance,
    http_meter_entry,
    publish,
    setup_entries,
    shown_cost,
    state_value,
)

URL = f"/api/webhook/{HTTP_METER_WEBHOOK_ID}"
type ClientFactory = Callable[[], Awaitable[TestClient]]


@pytest.fixture
def meter(tariff: MockConfigEntry) -> MockConfigEntry:
    """Return the HTTP meter "House", priced at 0.25 EUR/kWh.

    Its reading timeout is an hour, so that hand-computed sequences can space their
    readings widely.
    """
    return http_meter_entry(tariff, reading_timeout_s=3600)


@pytest.fixture
async def client(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    meter: MockConfigEntry,
    hass_client_no_auth: ClientFactory,
) -> TestClient:
    """Set up the meter and return a client of Home Assistant's HTTP server."""
    await setup_entries(hass, tariff, meter)
    return await hass_client_no_auth()


async def _post(client: TestClient, body: Any) -> ClientResponse:
    return await client.post(URL, json=body)


def _meter_states(hass: HomeAssistant) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        state.entity_id: (state.state, dict(state.attributes))
        for state in hass.states.async_all("sensor")
        if "station" in state.entity_id
    }


async def test_readings_make_energy_and_cost(
    hass: HomeAssistant, client: TestClient, freezer: FrozenDateTimeFactory
) -> None:
    """1 kW for 30 min, then 2 kW for 30 min: 1.5 kWh, 0.375 EUR at 0.25."""
    response = await _post(client, {"watts": 1000, "station_id": 1})
    assert response.status == 200
    assert await response.json() == {
        "station_id": 1,
        "watts": 1000.0,
        "timestamp": "2026-01-12T09:00:00+00:00",
    }
    await hass.async_block_till_done()
    assert state_value(hass, "sensor.house_station_1_power") == 1000
    assert state_value(hass, "sensor.house_station_1_energy") == 0

    await advance(hass, freezer, timedelta(minutes=30))
    await _post(client, {"watts": 2000, "station_id": 1})
    await advance(hass, freezer, timedelta(minutes=30))
    await _post(client, {"watts": 0, "station_id": 1})
    await publish(hass, freezer)

    assert state_value(hass, "sensor.house_station_1_energy") == 1.5
    assert state_value(hass, "sensor.house_station_1_cost") == 0.375
    assert state_value(hass, "sensor.house_station_1_energy_today") == 1.5
    assert state_value(hass, "sensor.house_station_1_power") == 0


async def test_buffered_readings_with_timestamps(
    hass: HomeAssistant, client: TestClient, freezer: FrozenDateTimeFactory
) -> None:
    """A device that buffers sends its readings later, each at its own time."""
    freezer.tick(timedelta(hours=1))
    for minute, watts in ((0, 600), (20, 1200), (40, 0)):
        response = await _post(
            client,
            {
                "watts": watts,
                "station_id": 7,
                "timestamp": f"2026-01-12T10:{minute:02d}:00+01:00",
            },
        )
        assert response.status == 200
    # Epoch seconds work too: 09:50 UTC.
    response = await _post(
        client, {"watts": 3000, "station_id": 7, "timestamp": 1768211400}
    )
    assert response.status == 200
    await publish(hass, freezer)
    # 600 W x 20 min + 1200 W x 20 min = 0.2 + 0.4 kWh; then 0 W for 10 minutes.
    assert state_value(hass, "sensor.house_station_7_energy") == 0.6
    # Going back before the last reading is refused: that time is counted.
    response = await _post(
        client, {"watts": 5, "station_id": 7, "timestamp": "2026-01-12T09:45:00Z"}
    )
    assert response.status == 400
    assert "older than station 7's last reading" in (await response.json())["error"]


async def test_stations_appear_as_they_post(
    hass: HomeAssistant,
    client: TestClient,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    meter: MockConfigEntry,
) -> None:
    """Each new station gets its device and sensors with its first reading."""
    assert not dr.async_entries_for_config_entry(device_registry, meter.entry_id)
    for station in (1, 2, 31):
        await _post(client, {"watts": 100 * station, "station_id": station})
    await hass.async_block_till_done()
    devices = dr.async_entries_for_config_entry(device_registry, meter.entry_id)
    assert sorted(d.name for d in devices) == [
        "House station 1",
        "House station 2",
        "House station 31",
    ]
    assert state_value(hass, "sensor.house_station_31_power") == 3100
    entities = er.async_entries_for_config_entry(entity_registry, meter.entry_id)
    # Power and the sensors of a tracked sensor, per station.
    assert len(entities) == 3 * (1 + len(METER_SENSORS))
    assert (
        entity_registry.async_get("sensor.house_station_2_cost").unique_id
        == "http_house_station_2_cost"
    )


async def test_a_new_station_beyond_the_maximum_is_refused(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    hass_client_no_auth: ClientFactory,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A third station of a meter that allows two: 400, one warning, a repair.

    Known stations keep counting; a higher maximum in the options (which reloads
    the meter) clears the repair and lets the station in.
    """
    meter = http_meter_entry(tariff, max_stations=2)
    await setup_entries(hass, tariff, meter)
    client = await hass_client_no_auth()
    for station in (1, 2):
        assert (await _post(client, {"watts": 100, "station_id": station})).ok
    await hass.async_block_till_done()
    before = _meter_states(hass)
    for _ in range(3):
        response = await _post(client, {"watts": 300, "station_id": 37})
        assert response.status == 400
        assert await response.json() == {
            "error": "station 37 is not one of this meter's stations, and it "
            "already has 2: the most its options allow"
        }
    await hass.async_block_till_done()
    assert _meter_states(hass) == before
    ours = [r for r in caplog.records if r.name.startswith("custom_components")]
    warned = "House: readings of station 37 refused: the meter already has 2 "
    warned += "stations, the most its options allow"
    assert [r.getMessage() for r in ours if r.levelname == "WARNING"] == [warned]
    assert not any(HTTP_METER_WEBHOOK_ID in r.getMessage() for r in ours)
    issue = issue_registry.async_get_issue(
        DOMAIN, f"http_meter_stations_full_{meter.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "http_meter_stations_full"
    assert issue.translation_placeholders == {
        "name": "House",
        "station": "37",
        "max": "2",
    }
    # A known station still counts.
    assert (await _post(client, {"watts": 200, "station_id": 1})).ok
    await hass.async_block_till_done()
    assert state_value(hass, "sensor.house_station_1_power") == 200

    hass.config_entries.async_update_entry(
        meter, options={**meter.options, CONF_MAX_STATIONS: 3}
    )
    await hass.config_entries.async_reload(meter.entry_id)
    await hass.async_block_till_done()
    assert (
        issue_registry.async_get_issue(
            DOMAIN, f"http_meter_stations_full_{meter.entry_id}"
        )
        is None
    )
    assert (await _post(client, {"watts": 300, "station_id": 37})).ok
    await hass.async_block_till_done()
    assert state_value(hass, "sensor.house_station_37_power") == 300


async def test_an_older_meter_allows_16_stations(
    hass: HomeAssistant,
    client: TestClient,
    meter: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A meter made before the option existed gets the default of 16."""
    assert CONF_MAX_STATIONS not in meter.options
    statuses = [
        (await _post(client, {"watts": 10, "station_id": station})).status
        for station in range(1, 301)
    ]
    assert statuses == [200] * 16 + [400] * 284
    await hass.async_block_till_done()
    assert len(dr.async_entries_for_config_entry(device_registry, meter.entry_id)) == 16


async def test_removing_the_meter_removes_its_repair(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    hass_client_no_auth: ClientFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    meter = http_meter_entry(tariff, max_stations=1)
    await setup_entries(hass, tariff, meter)
    client = await hass_client_no_auth()
    await _post(client, {"watts": 10, "station_id": 1})
    assert (await _post(client, {"watts": 10, "station_id": 2})).status == 400
    issue_id = f"http_meter_stations_full_{meter.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    await hass.config_entries.async_remove(meter.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


BAD_BODIES: list[tuple[str, str]] = [
    ("", "the body is not JSON"),
    ("{watts: 1}", "the body is not JSON"),
    ('{"watts": NaN, "station_id": 1}', "the body is not JSON"),
    ('{"watts": Infinity, "station_id": 1}', "the body is not JSON"),
    ('{"watts": 1e400, "station_id": 1}', "the body is not JSON"),
    ("[1, 2]", "the body must be a JSON object"),
    ('{"station_id": 1}', "missing field: watts"),
    ('{"watts": 10}', "missing field: station_id"),
    ('{"watts": "10", "station_id": 1}', "watts must be a number"),
    ('{"watts": 10, "station_id": "1"}', "station_id must be an integer"),
    ('{"watts": 10, "station_id": 1, "volts": 230}', "unknown field: volts"),
    (
        json.dumps({"watts": 10, "station_id": 1, **{f"k{i}": i for i in range(300)}}),
        "unknown field: k0, k1, k10, k100, k101 and 295 more",
    ),
    ('{"watts": -1, "station_id": 1}', "watts cannot be negative"),
    ('{"watts": 50001, "station_id": 1}', "watts is above the maximum of 50000 W"),
    ('{"watts": 10, "station_id": 0}', "station_id must be from 1 to 2147483647"),
    (
        '{"watts": 10, "station_id": 1, "timestamp": "soon"}',
        "timestamp is not ISO 8601",
    ),
    (
        '{"watts": 10, "station_id": 1, "timestamp": "2026-01-12T09:01:00Z"}',
        "timestamp is in the future",
    ),
]


@pytest.mark.parametrize(("body", "error"), BAD_BODIES)
async def test_bad_input_is_refused_and_changes_nothing(
    hass: HomeAssistant, client: TestClient, body: str, error: str
) -> None:
    """Each mistake gets a 400 saying what is wrong; no station, no state moves."""
    await _post(client, {"watts": 500, "station_id": 1})
    await hass.async_block_till_done()
    before = _meter_states(hass)
    response = await client.post(
        URL, data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert await response.json() == {"error": error}
    await hass.async_block_till_done()
    assert _meter_states(hass) == before


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_over_4_kb_is_refused_unread(
    hass: HomeAssistant,
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
    chunked: bool,
) -> None:
    """413 without reading on, and no error or traceback in the log."""
    before = _meter_states(hass)
    body = json.dumps({"watts": 10, "station_id": 1, "pad": "x" * 20_000_000})

    async def chunks() -> AsyncGenerator[bytes]:
        for start in range(0, len(body), 65_536):
            yield body[start : start + 65_536].encode()

    response = await client.post(
        URL,
        data=chunks() if chunked else body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 413
    assert await response.json() == {"error": "the body is longer than 4096 bytes"}
    await hass.async_block_till_done()
    assert _meter_states(hass) == before
    assert "ERROR" not in caplog.text
    assert "Traceback" not in caplog.text
    # Our own line does not name the webhook (Home Assistant's access log does).
    ours = [r for r in caplog.records if r.name.startswith("custom_components")]
    assert ours
    assert not any(HTTP_METER_WEBHOOK_ID in r.getMessage() for r in ours)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
async def test_other_methods_are_not_allowed(
    hass: HomeAssistant, client: TestClient, method: str
) -> None:
    response = await client.request(method, URL, json={"watts": 1, "station_id": 1})
    assert response.status == 405
    assert not _meter_states(hass)


async def test_the_webhook_is_local_only_unless_allowed(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Remote posts are off by default; the option turns them on."""
    local = http_meter_entry(tariff)
    remote = http_meter_entry(
        tariff, "Garage", allow_remote=True, webhook_id="garage-webhook"
    )
    await setup_entries(hass, tariff, local, remote)
    ws = await hass_ws_client(hass)
    await ws.send_json({"id": 1, "type": "webhook/list"})
    hooks = {hook["webhook_id"]: hook for hook in (await ws.receive_json())["result"]}
    assert hooks[HTTP_METER_WEBHOOK_ID]["local_only"] is True
    assert hooks[HTTP_METER_WEBHOOK_ID]["allowed_methods"] == ["POST"]
    assert hooks["garage-webhook"]["local_only"] is False


async def test_a_silent_station_stops_counting(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    hass_client_no_auth: ClientFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After the timeout, the power is unavailable and nothing more is counted."""
    meter = http_meter_entry(tariff, reading_timeout_s=120)
    await setup_entries(hass, tariff, meter)
    client = await hass_client_no_auth()
    await _post(client, {"watts": 3000, "station_id": 1})
    await advance(hass, freezer, timedelta(minutes=10))
    assert hass.states.get("sensor.house_station_1_power").state == STATE_UNAVAILABLE
    # 3 kW for the 2 minutes of the timeout only.
    assert state_value(hass, "sensor.house_station_1_energy") == 0.1
    # The totals stay available; the next reading counts from then on.
    response = await _post(client, {"watts": 1000, "station_id": 1})
    assert response.status == 200
    await advance(hass, freezer, timedelta(seconds=90))
    await _post(client, {"watts": 0, "station_id": 1})
    await publish(hass, freezer)
    # 0.1 + 1 kW for 90 s = 0.025 kWh more.
    assert state_value(hass, "sensor.house_station_1_energy") == 0.125
    assert state_value(hass, "sensor.house_station_1_power") == 0


async def test_stations_and_totals_survive_a_restart(
    hass: HomeAssistant,
    client: TestClient,
    meter: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A reload keeps every station and its totals; power waits for a reading."""
    await _post(client, {"watts": 1200, "station_id": 1})
    await _post(client, {"watts": 600, "station_id": 2})
    await advance(hass, freezer, timedelta(minutes=30))
    await _post(client, {"watts": 0, "station_id": 1})
    await _post(client, {"watts": 0, "station_id": 2})
    await hass.async_block_till_done()

    assert await hass.config_entries.async_reload(meter.entry_id)
    await hass.async_block_till_done()

    assert state_value(hass, "sensor.house_station_1_energy") == 0.6
    assert state_value(hass, "sensor.house_station_2_energy") == 0.3
    assert state_value(hass, "sensor.house_station_2_cost") == shown_cost(0.075)
    assert hass.states.get("sensor.house_station_1_power").state == STATE_UNAVAILABLE
    # The last reading's time is kept too: nothing before it is taken again.
    response = await _post(
        client, {"watts": 5, "station_id": 1, "timestamp": "2026-01-12T09:10:00Z"}
    )
    assert response.status == 400
    await _post(client, {"watts": 2000, "station_id": 1})
    await advance(hass, freezer, timedelta(minutes=15))
    await _post(client, {"watts": 0, "station_id": 1})
    await publish(hass, freezer)
    assert state_value(hass, "sensor.house_station_1_energy") == 1.1


async def test_sessions_fire_the_event(
    hass: HomeAssistant, client: TestClient, freezer: FrozenDateTimeFactory
) -> None:
    """A station's run above 5 W for a minute or more is a session."""
    events = async_capture_events(hass, EVENT_SESSION_ENDED)
    await _post(client, {"watts": 2000, "station_id": 4})
    await advance(hass, freezer, timedelta(minutes=6))
    await _post(client, {"watts": 0, "station_id": 4})
    await hass.async_block_till_done()
    assert events == []  # announced once the finished session is written
    await publish(hass, freezer)
    assert len(events) == 1
    data = events[0].data
    assert data["name"] == "House station 4"
    assert data["source"] == "http:4"
    assert data["energy_kwh"] == pytest.approx(0.2)
    assert data["cost"] == pytest.approx(0.05)
    assert data["device_id"] is not None


async def test_a_station_device_can_be_deleted(
    hass: HomeAssistant,
    client: TestClient,
    meter: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Deleting a station forgets it; if it posts again it starts afresh."""
    await _post(client, {"watts": 100, "station_id": 9})
    await hass.async_block_till_done()
    device = device_registry.async_get_device({(DOMAIN, "http_house_station_9")})
    assert device is not None
    assert await async_setup_component(hass, "config", {})
    ws = await hass_ws_client(hass)
    await ws.send_json(
        {
            "id": 1,
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": meter.entry_id,
            "device_id": device.id,
        }
    )
    assert (await ws.receive_json())["success"]
    assert device_registry.async_get(device.id) is None
    assert meter.runtime_data.data.stations == {}
    await _post(client, {"watts": 100, "station_id": 9})
    await hass.async_block_till_done()
    assert "9" in meter.runtime_data.data.stations


async def test_only_stations_are_forgotten(
    hass: HomeAssistant, client: TestClient, meter: MockConfigEntry
) -> None:
    """An identifier that is no station's forgets nothing."""
    await _post(client, {"watts": 100, "station_id": 9})
    assert not meter.runtime_data.async_forget_stations(["http_house_station_8"])
    assert set(meter.runtime_data.data.stations) == {"9"}


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
READING_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "watts": JSON_VALUES
        | st.floats(min_value=-1e6, max_value=1e6)
        | st.integers(-10, 60_000),
        "station_id": JSON_VALUES | st.integers(-5, 2**32),
        "timestamp": JSON_VALUES
        | st.floats(min_value=0, max_value=2e9)
        | st.datetimes().map(lambda d: d.isoformat()),
    },
) | st.dictionaries(
    st.sampled_from(["watts", "station_id", "timestamp", "extra"]),
    JSON_VALUES,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=JSON_VALUES | READING_LIKE)
async def test_random_json_never_breaks_the_webhook(
    hass: HomeAssistant, client: TestClient, meter: MockConfigEntry, body: Any
) -> None:
    """Whatever JSON arrives: a 200 or a 400, and a 400 changes nothing."""
    before = _meter_states(hass)
    stations = set(meter.runtime_data.data.stations)
    response = await client.post(
        URL, data=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert response.status in (200, 400)
    payload = await response.json()
    await hass.async_block_till_done()
    if response.status == 400:
        assert set(payload) == {"error"}
        assert _meter_states(hass) == before
        assert set(meter.runtime_data.data.stations) == stations
    else:
        assert payload["station_id"] == body["station_id"]
