"""Shared fixtures: a tariff, a tracked power sensor, and Home Assistant around them."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
import math
from typing import Any
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    CONF_TOKEN,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.utility_cost.const import (
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_ALLOW_REMOTE,
    CONF_BANDS,
    CONF_BASE_URL,
    CONF_CURRENCY,
    CONF_DATA_CENTER,
    CONF_ENTRY_TYPE,
    CONF_FIXED_WATTS,
    CONF_IGNORED_DEVICES,
    CONF_INCLUDE_HTTP_METERS,
    CONF_MAX_STATIONS,
    CONF_MAX_WATTS,
    CONF_MIN_SESSION_S,
    CONF_MONTHLY_CAP,
    CONF_ON_THRESHOLD_W,
    CONF_PRICE,
    CONF_READING_TIMEOUT_S,
    CONF_SOURCE,
    CONF_SOURCE_KIND,
    CONF_STANDING_CHARGE,
    CONF_TARIFF,
    CONF_ZONE,
    DOMAIN,
    METER_SAVE_DELAY_S,
    EntryType,
)
from tests.fakes.esios import FakeEsios
from tests.fakes.fixtures import PORTAL_COOKIE
from tests.fakes.octopus import ACCOUNT, API_KEY, FakeOctopus
from tests.fakes.tuya_cloud import (
    ACCESS_ID as TUYA_ACCESS_ID,
    ACCESS_SECRET as TUYA_ACCESS_SECRET,
    FakeTuyaCloud,
)

POWER_SOURCE = "sensor.washer_power"
ENERGY_SOURCE = "sensor.washer_meter"
POWER_ATTRS = {ATTR_UNIT_OF_MEASUREMENT: "W", ATTR_DEVICE_CLASS: "power"}
ENERGY_ATTRS = {ATTR_UNIT_OF_MEASUREMENT: "kWh", ATTR_DEVICE_CLASS: "energy"}
# A Monday in winter (CET, UTC+1) at 10:00 local time.
START = "2026-01-12T09:00:00+00:00"
# A night band as a fixed tariff stores it: 0.10/kWh from 22:00 to 07:00, every day.
NIGHT_BAND: dict[str, Any] = {
    "band_name": "Night",
    "price": 0.10,
    "start": "22:00:00",
    "end": "07:00:00",
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the recorder, so it can run on another database."""
    for item in items:
        if "recorder_mock" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.recorder)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    enable_custom_integrations: None,
) -> Generator[None]:
    """Load this repository's integration in every test."""
    return


async def use_madrid_time(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Put Home Assistant in Madrid (EUR), on a known Monday morning."""
    await hass.config.async_set_time_zone("Europe/Madrid")
    hass.config.currency = "EUR"
    freezer.move_to(START)


@pytest.fixture(autouse=True)
async def madrid_time(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Run every test in Madrid, starting on a known Monday morning."""
    await use_madrid_time(hass, freezer)


def fixed_tariff_entry(
    title: str = "Home",
    price: float = 0.25,
    *,
    currency: str = "EUR",
    bands: list[dict[str, Any]] | None = None,
    standing_charge: float | None = None,
) -> MockConfigEntry:
    """Return a fixed tariff entry."""
    options: dict[str, Any] = {CONF_PRICE: price, CONF_BANDS: bands or []}
    if standing_charge is not None:
        options[CONF_STANDING_CHARGE] = standing_charge
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        entry_id=f"tariff_{title.casefold()}",
        unique_id=f"fixed_tariff_{title.casefold()}",
        data={CONF_ENTRY_TYPE: EntryType.FIXED_TARIFF, CONF_CURRENCY: currency},
        options=options,
    )


def tracked_entry(
    tariff: MockConfigEntry,
    source: str = POWER_SOURCE,
    kind: str = "power",
    *,
    title: str = "Washer",
    on_threshold_w: float = 5,
    min_session_s: float = 60,
) -> MockConfigEntry:
    """Return a tracked-sensor entry priced by ``tariff``."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        entry_id=f"tracked_{title.casefold()}",
        unique_id=source,
        data={
            CONF_ENTRY_TYPE: EntryType.TRACKED_SENSOR,
            CONF_SOURCE: source,
            CONF_SOURCE_KIND: kind,
            CONF_CURRENCY: tariff.data[CONF_CURRENCY],
        },
        options={
            CONF_TARIFF: tariff.entry_id,
            CONF_ON_THRESHOLD_W: on_threshold_w,
            CONF_MIN_SESSION_S: min_session_s,
        },
    )


def household_entry(
    title: str = "Household", *, include_http_meters: bool = False
) -> MockConfigEntry:
    """Return the household totals' entry."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        entry_id="household",
        unique_id=EntryType.HOUSEHOLD,
        data={CONF_ENTRY_TYPE: EntryType.HOUSEHOLD},
        options={CONF_INCLUDE_HTTP_METERS: include_http_meters},
    )


HTTP_METER_WEBHOOK_ID = "house-meter-webhook"


def http_meter_entry(
    tariff: MockConfigEntry,
    title: str = "House",
    *,
    max_watts: float = 50_000,
    reading_timeout_s: int = 300,
    allow_remote: bool = False,
    webhook_id: str = HTTP_METER_WEBHOOK_ID,
    max_stations: int | None = None,
) -> MockConfigEntry:
    """Return an HTTP meter entry priced by ``tariff``.

    Without ``max_stations`` the entry has no such option, as one made before it
    existed: the default applies.
    """
    extra = {} if max_stations is None else {CONF_MAX_STATIONS: max_stations}
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        entry_id=f"http_{title.casefold()}",
        unique_id=f"http_meter_{title.casefold()}",
        data={
            CONF_ENTRY_TYPE: EntryType.HTTP_METER,
            CONF_WEBHOOK_ID: webhook_id,
            CONF_CURRENCY: tariff.data[CONF_CURRENCY],
        },
        options={
            CONF_TARIFF: tariff.entry_id,
            CONF_MAX_WATTS: max_watts,
            CONF_READING_TIMEOUT_S: reading_timeout_s,
            CONF_ALLOW_REMOTE: allow_remote,
            **extra,
        },
    )


@pytest.fixture
def tariff() -> MockConfigEntry:
    """Return the default fixed tariff (0.25 EUR/kWh)."""
    return fixed_tariff_entry()


@pytest.fixture
def washer(tariff: MockConfigEntry) -> MockConfigEntry:
    """Return a tracked power sensor priced by the default tariff."""
    return tracked_entry(tariff)


async def setup_entries(hass: HomeAssistant, *entries: MockConfigEntry) -> None:
    """Add entries and set up the integration with them."""
    for entry in entries:
        entry.add_to_hass(hass)
    # Setting up the integration sets up every entry of it.
    assert await hass.config_entries.async_setup(entries[0].entry_id)
    await hass.async_block_till_done()


async def set_power(
    hass: HomeAssistant, watts: float | str, attrs: dict[str, Any] | None = None
) -> None:
    """Give the power source a new state now and let the integration see it."""
    hass.states.async_set(
        POWER_SOURCE, str(watts), POWER_ATTRS if attrs is None else attrs
    )
    await hass.async_block_till_done()


async def set_energy(
    hass: HomeAssistant, kwh: float | str, attrs: dict[str, Any] | None = None
) -> None:
    """Give the energy source a new state now and let the integration see it."""
    hass.states.async_set(
        ENERGY_SOURCE, str(kwh), ENERGY_ATTRS if attrs is None else attrs
    )
    await hass.async_block_till_done()


async def snapshot_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    config_entry_id: str,
    domain: str,
) -> None:
    """Snapshot the registry entries and states of an entry's entities of ``domain``.

    Like the test plugin's snapshot_platform, for entries that load several
    platforms (a tariff has sensors, binary sensors and numbers).
    """
    entries = [
        entry
        for entry in er.async_entries_for_config_entry(entity_registry, config_entry_id)
        if entry.domain == domain
    ]
    assert entries
    for entity_entry in entries:
        assert entity_entry == snapshot(name=f"{entity_entry.entity_id}-entry")
        assert entity_entry.disabled_by is None, "Please enable all entities."
        state = hass.states.get(entity_entry.entity_id)
        assert state, f"State not found for {entity_entry.entity_id}"
        assert state == snapshot(name=f"{entity_entry.entity_id}-state")


def state_value(hass: HomeAssistant, entity_id: str) -> float:
    """Return a numeric entity state."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return float(state.state)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create entities that are disabled by default as enabled."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


def shown_energy(kwh: float) -> float:
    """Return energy as a meter's state shows it: rounded down to the watt-hour."""
    return math.floor(kwh * 1000 + 1e-6) / 1000


def shown_cost(cost: float) -> float:
    """Return a cost as a meter's state shows it: to three decimals."""
    return round(cost, 3)


async def publish(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let 30 seconds pass: meters write what they counted, then show it.

    A meter's entities show what its last write holds (written at most 30 s after a
    change), so that a crash can never undo a value that was recorded.
    """
    await advance(hass, freezer, timedelta(seconds=METER_SAVE_DELAY_S))


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Move the clock on, a minute at most at a time, running what falls due.

    Steps of a minute are what a running Home Assistant does: its timers fire at
    least that often, and a meter skips a longer silence as a clock jump.
    """
    step = timedelta(minutes=1)
    # What happened at this instant (a state just set) is handled at this instant.
    await hass.async_block_till_done()
    while delta > timedelta(0):
        freezer.tick(min(step, delta))
        delta -= step
        async_fire_time_changed(hass)
        # Coordinator refreshes run as background tasks; a cloud request in flight
        # must finish before the clock moves on, or its timeout would expire.
        await hass.async_block_till_done(wait_background_tasks=True)


def api_calls(cloud: FakeTuyaCloud) -> int:
    """Return the OpenAPI requests the cloud received (not the message service's)."""
    return sum(1 for _, path in cloud.requests if not path.startswith("/ws/"))


def tuya_entry(
    cloud: FakeTuyaCloud, tariff: MockConfigEntry, **options: Any
) -> MockConfigEntry:
    """Return a Tuya account entry talking to the fake cloud."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Tuya cloud 0001",
        entry_id="tuya_account",
        unique_id=TUYA_ACCESS_ID,
        data={
            CONF_ENTRY_TYPE: EntryType.TUYA_ACCOUNT,
            CONF_ACCESS_ID: TUYA_ACCESS_ID,
            CONF_ACCESS_SECRET: TUYA_ACCESS_SECRET,
            CONF_DATA_CENTER: "central_europe",
            CONF_BASE_URL: cloud.base_url,
            CONF_CURRENCY: tariff.data[CONF_CURRENCY],
        },
        options={
            CONF_TARIFF: tariff.entry_id,
            CONF_MONTHLY_CAP: 26_000,
            CONF_IGNORED_DEVICES: [],
            CONF_FIXED_WATTS: {},
            **options,
        },
    )


def esios_entry(
    esios: FakeEsios, zone: str = "peninsula", token: str | None = None
) -> MockConfigEntry:
    """Return a PVPC tariff entry reading from the fake ESIOS."""
    data: dict[str, Any] = {
        CONF_ENTRY_TYPE: EntryType.ESIOS_TARIFF,
        CONF_CURRENCY: "EUR",
        CONF_ZONE: zone,
        CONF_BASE_URL: esios.base_url,
    }
    if token is not None:
        data[CONF_TOKEN] = token
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"PVPC {zone}",
        entry_id=f"esios_{zone}",
        unique_id=f"esios_tariff_{zone}",
        data=data,
    )


def octopus_entry(
    fake: FakeOctopus, *, key: str = API_KEY, **options: Any
) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Octopus {ACCOUNT}",
        entry_id="octopus_account",
        unique_id=ACCOUNT,
        data={
            "entry_type": "octopus",
            "account_number": ACCOUNT,
            "api_key": key,
            "base_url": fake.api_url,
            "currency": "GBP",
        },
        options=options,
    )


def portal_options(url: str, cookie: str = PORTAL_COOKIE) -> dict[str, str]:
    return {
        "portal_url": url,
        "portal_cookie": cookie,
        "portal_remaining_pointer": "/result/left",
        "portal_used_pointer": "/result/used",
    }


@pytest.fixture
async def kinds(
    hass: HomeAssistant,
    fake_esios: FakeEsios,
    fake_tuya: FakeTuyaCloud,
    octopus: FakeOctopus,
    hass_client_no_auth: ClientSessionGenerator,
) -> dict[EntryType, MockConfigEntry]:
    """Set up one entry of every kind; the HTTP meter's first station posts.

    The Octopus account needs the recorder: a test module using this imports the
    recorder's fixtures (tests/recorder.py).
    """
    hass.states.async_set(
        "sensor.washer_power",
        "100",
        {"device_class": "power", "unit_of_measurement": "W"},
    )
    tariff = fixed_tariff_entry(bands=[NIGHT_BAND])
    entries = {
        EntryType.FIXED_TARIFF: tariff,
        EntryType.ESIOS_TARIFF: esios_entry(fake_esios),
        EntryType.TRACKED_SENSOR: tracked_entry(tariff),
        EntryType.TUYA_ACCOUNT: tuya_entry(fake_tuya, tariff),
        EntryType.HTTP_METER: http_meter_entry(tariff),
        EntryType.OCTOPUS: octopus_entry(octopus),
        EntryType.HOUSEHOLD: household_entry(),
    }
    await setup_entries(hass, *entries.values())
    client = await hass_client_no_auth()
    response = await client.post(
        f"/api/webhook/{HTTP_METER_WEBHOOK_ID}", json={"watts": 10, "station_id": 1}
    )
    assert response.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    return entries
