"""The Home Assistant half of benchmarks/octopus_import.py (run by it under pytest).

Years of half-hourly consumption (``BENCH_YEARS``, default one: 17,520 rows) of the
fake Octopus API's import meter and its Agile rates, fetched with this integration's
client, priced per half-hour (domain/octopus.py) and imported as hourly statistics
into a real recorder (statistics.py): once with the largest page the API allows and
once with its default page of 100 rows, in one run.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from datetime import timedelta
import os
from typing import Any

import aiohttp
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from benchmarks.ha_run import save_results, wall_clock
from custom_components.utility_cost.api.octopus import (
    ELECTRICITY,
    MAX_PAGE_SIZE,
    STANDARD_UNIT_RATES,
    OctopusClient,
)
from custom_components.utility_cost.domain.octopus import hourly_totals, rate_intervals
from custom_components.utility_cost.domain.prices import IntervalSchedule
from custom_components.utility_cost.statistics import (
    async_import_hours,
    meter_statistics,
)
from tests.fakes.octopus import (
    AGILE,
    AGILE_PRODUCT,
    API_KEY,
    DEFAULT_PAGE_SIZE,
    IMPORT_MPAN,
    IMPORT_SERIAL,
    FakeOctopus,
)

RESULTS: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """Start the recorder; allow this repository's integration and loopback."""


@pytest.fixture(scope="module", autouse=True)
def write_results() -> Generator[None]:
    """Write what was measured, for octopus_import.py."""
    yield
    save_results(RESULTS)


@pytest.fixture
async def octopus() -> AsyncGenerator[FakeOctopus]:
    """Serve the fake API."""
    fake = FakeOctopus()
    await fake.start()
    yield fake
    await fake.stop()


def years() -> int:
    """Return how many years of history to import (``BENCH_YEARS``, default 1)."""
    return int(os.environ.get("BENCH_YEARS", "1"))


@pytest.mark.parametrize("page_size", [MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE])
async def test_import_history(
    hass: HomeAssistant, octopus: FakeOctopus, page_size: int
) -> None:
    """Fetch, price and import the history; record the time of each part."""
    end = octopus.data_until
    start = end - timedelta(days=365 * years())
    stats = meter_statistics(
        f"octopus_{IMPORT_MPAN}_{IMPORT_SERIAL}{page_size}", "Bench", "GBP"
    )
    async with aiohttp.ClientSession() as session:
        client = OctopusClient(session, API_KEY, base_url=octopus.api_url)
        begin = wall_clock()
        rows = await client.consumption(
            ELECTRICITY, IMPORT_MPAN, IMPORT_SERIAL, start, end, page_size=page_size
        )
        rates = await client.rates(
            AGILE_PRODUCT,
            AGILE,
            fuel=ELECTRICITY,
            kind=STANDARD_UNIT_RATES,
            period_from=start,
            period_to=end,
        )
        fetched = wall_clock()
    schedule = IntervalSchedule(
        rate_intervals(rates, include_vat=True, payment_method=None, until=end)
    )
    hours = hourly_totals(rows, schedule, gas_cv=None)
    priced = wall_clock()
    written = await async_import_hours(hass, stats, hours)
    await async_wait_recording_done(hass)
    imported = wall_clock()
    RESULTS[str(page_size)] = {
        "engine": get_instance(hass).dialect_name,
        "years": years(),
        "rows": len(rows),
        "hours": written,
        "statistics_rows": 2 * written,
        "requests": client.requests_made,
        "consumption_requests": sum(
            1 for path, _ in octopus.requests if path.endswith("/consumption/")
        ),
        "fetch_s": fetched - begin,
        "price_s": priced - fetched,
        "import_s": imported - priced,
        "kwh": sum(h.kwh for h in hours),
        "cost": sum(h.cost or 0 for h in hours),
    }
