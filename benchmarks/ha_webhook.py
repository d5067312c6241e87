"""The Home Assistant half of benchmarks/webhook_ingest.py (run by it under pytest).

Posts the same readings, over loopback TCP with aiohttp's client, to:

* an HTTP meter of this integration, through Home Assistant's HTTP server and
  webhook component (JSON parsed, checked, counted, priced, entities updated);
* a plain aiohttp application whose handler only parses the JSON and answers (the
  floor: what any HTTP endpoint costs).

Each is measured for sequential posts (one device after another) and for a flood
(``CONCURRENCY`` posts in flight at once), with 1 and with 50 stations.

Then ``NEW_IDS`` posts each from a new station id (a device with a typo, or a
hostile one) to a meter with the default maximum of stations, and, in the same run,
to one whose maximum takes every id (up to ``NEW_IDS``; what the meter did before it
had a maximum): answers, devices and entities made, time per post.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from datetime import timedelta
import json
import os
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util.json import json_loads
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

import custom_components.utility_cost  # noqa: F401 - puts this repository's integration first

from .ha_run import bench_tariff, save_results, wall_clock

WEBHOOK_ID = "bench-webhook"
CONCURRENCY = 10
NEW_IDS = 300
RESULTS: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def integrations(enable_custom_integrations: None, socket_enabled: None) -> None:
    """Allow this repository's integration and loopback sockets."""


@pytest.fixture(scope="module", autouse=True)
def write_results() -> Generator[None]:
    """Write what was measured, for webhook_ingest.py."""
    yield
    save_results(RESULTS)


def readings() -> int:
    """Return how many readings to post per measurement."""
    return int(os.environ.get("BENCH_READINGS", "2000"))


def bodies(count: int, stations: int) -> list[bytes]:
    """Return ``count`` readings spread round-robin over ``stations``."""
    return [
        json.dumps(
            {"watts": round(100 + (i * 37) % 2900, 1), "station_id": 1 + i % stations}
        ).encode()
        for i in range(count)
    ]


async def post_all(
    client: TestClient,
    url: str,
    payloads: list[bytes],
    concurrency: int,
    on_batch: Any = None,
) -> float:
    """Post every payload, ``concurrency`` at a time; return the seconds spent."""
    headers = {"Content-Type": "application/json"}

    async def post(payload: bytes) -> None:
        async with client.post(url, data=payload, headers=headers) as response:
            assert response.status == 200, await response.text()
            await response.read()

    begin = wall_clock()
    for start in range(0, len(payloads), concurrency):
        await asyncio.gather(*(post(p) for p in payloads[start : start + concurrency]))
        if on_batch is not None:
            on_batch()
    return wall_clock() - begin


async def test_floor(aiohttp_client: Any) -> None:
    """A plain aiohttp handler that only parses the JSON."""

    async def handler(request: web.Request) -> web.Response:
        body = json_loads(await request.read())
        return web.json_response({"station_id": body["station_id"]})

    app = web.Application()
    app.router.add_post("/reading", handler)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        for stations in (1, 50):
            payloads = bodies(readings(), stations)
            for mode, concurrency in (("sequential", 1), ("flood", CONCURRENCY)):
                await post_all(client, "/reading", payloads[:50], concurrency)  # warm
                spent = await post_all(client, "/reading", payloads, concurrency)
                RESULTS[f"floor {stations} {mode}"] = {
                    "seconds": spent,
                    "readings": len(payloads),
                }
    finally:
        await client.close()


def _meter(stations: int, max_stations: int | None = None) -> MockConfigEntry:
    options: dict[str, Any] = {
        "tariff": "bench_tariff",
        "max_watts": 50_000,
        "reading_timeout_s": 3600,
        "allow_remote": False,
    }
    if max_stations is not None:
        options["max_stations"] = max_stations
    return MockConfigEntry(
        domain="utility_cost",
        title=f"Bench {stations}",
        entry_id=f"bench_meter_{stations}",
        data={"entry_type": "http_meter", "webhook_id": WEBHOOK_ID, "currency": "EUR"},
        options=options,
    )


async def _set_up_tariff(hass: HomeAssistant) -> None:
    await hass.config.async_set_time_zone("Europe/Madrid")
    hass.config.currency = "EUR"
    tariff = bench_tariff()
    tariff.add_to_hass(hass)
    # The integration depends on the webhook component, which brings the HTTP server.
    assert await hass.config_entries.async_setup(tariff.entry_id)
    await hass.async_block_till_done()


async def test_new_station_ids(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Posts from ever new ids: the default maximum against taking them all."""
    await _set_up_tariff(hass)
    client = await hass_client_no_auth()
    url = f"/api/webhook/{WEBHOOK_ID}"
    headers = {"Content-Type": "application/json"}
    for label, max_stations in (("default maximum", None), ("every id", NEW_IDS)):
        meter = _meter(NEW_IDS, max_stations)
        meter.add_to_hass(hass)
        assert await hass.config_entries.async_setup(meter.entry_id)
        await hass.async_block_till_done()
        statuses: dict[int, int] = {}
        last_tenth: list[float] = []
        begin = wall_clock()
        for station in range(1, NEW_IDS + 1):
            sent = wall_clock()
            body = json.dumps({"watts": 100, "station_id": station})
            async with client.post(url, data=body, headers=headers) as response:
                statuses[response.status] = statuses.get(response.status, 0) + 1
                await response.read()
            await hass.async_block_till_done()
            if station > NEW_IDS * 9 // 10:
                last_tenth.append(wall_clock() - sent)
        spent = wall_clock() - begin
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), meter.entry_id)
        entities = er.async_entries_for_config_entry(er.async_get(hass), meter.entry_id)
        RESULTS[f"new ids {label}"] = {
            "posts": NEW_IDS,
            "answered 200": statuses.get(200, 0),
            "answered 400": statuses.get(400, 0),
            "devices": len(devices),
            "entities": len(entities),
            "seconds": spent,
            "ms per post, last tenth": 1000 * sum(last_tenth) / len(last_tenth),
        }
        assert await hass.config_entries.async_unload(meter.entry_id)
        await hass.config_entries.async_remove(meter.entry_id)
        await hass.async_block_till_done()


async def test_http_meter(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An HTTP meter of this integration, through Home Assistant's HTTP stack."""
    await _set_up_tariff(hass)
    client = await hass_client_no_auth()
    url = f"/api/webhook/{WEBHOOK_ID}"
    for stations in (1, 50):
        meter = _meter(stations, max_stations=stations)
        meter.add_to_hass(hass)
        assert await hass.config_entries.async_setup(meter.entry_id)
        await hass.async_block_till_done()
        payloads = bodies(readings(), stations)
        # Every station exists before measuring: a new station's entities are a
        # one-off cost.
        await post_all(client, url, payloads[: max(stations, 50)], 1)
        await hass.async_block_till_done()

        def tick() -> None:
            freezer.tick(timedelta(seconds=1))

        for mode, concurrency in (("sequential", 1), ("flood", CONCURRENCY)):
            spent = await post_all(client, url, payloads, concurrency, tick)
            begin = wall_clock()
            await hass.async_block_till_done()
            spent += wall_clock() - begin
            RESULTS[f"utility_cost {stations} {mode}"] = {
                "seconds": spent,
                "readings": len(payloads),
                "stations": len(meter.runtime_data.data.stations),
                "energy_kwh": sum(
                    s.runtime.meter.ledger.lifetime.energy_kwh
                    for s in meter.runtime_data.data.stations.values()
                ),
            }
        assert await hass.config_entries.async_unload(meter.entry_id)
        await hass.config_entries.async_remove(meter.entry_id)
        await hass.async_block_till_done()
