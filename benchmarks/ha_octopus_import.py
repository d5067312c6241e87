"""The Home Assistant half of benchmarks/octopus_import.py (run by it under pytest).

Years of half-hourly consumption (``BENCH_YEARS``, default one: 17,520 rows) of the
fake Octopus API's import meter and its Agile rates, fetched with this integration's
client, priced per half-hour (domain/octopus.py) and imported as hourly statistics
into a real recorder (statistics.py): once with the largest page the API allows and
once with its default page of 100 rows, in one run. Then a backfill of 90 days:
alone, and behind 180 imported days written at once (as now) or per 30-day page (as
before, each page moving every newer hour).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from datetime import UTC, datetime, timedelta
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
from custom_components.utility_cost.domain.hours import HOUR, HourTotal
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


BEHIND_DAYS = 90
EXISTING_DAYS = 180
PAGE_DAYS = 30


def _hours(first: datetime, days: int) -> list[HourTotal]:
    return [HourTotal(first + i * HOUR, 0.5, 0.1) for i in range(days * 24)]


@pytest.mark.parametrize("mode", ["alone", "behind_once", "behind_per_page"])
async def test_backfill_behind_history(hass: HomeAssistant, mode: str) -> None:
    """90 days imported alone, or behind 180 imported days: at once or per page.

    ``behind_per_page`` is how the backfill wrote before (each 30-day page moved
    every newer hour again); ``behind_once`` is how it writes now.
    """
    stats = meter_statistics(f"octopus_backfill_{mode}", "Bench", "GBP")
    first = datetime(2025, 1, 1, tzinfo=UTC)
    older = _hours(first, BEHIND_DAYS)
    newer = _hours(first + timedelta(days=BEHIND_DAYS), EXISTING_DAYS)
    if mode != "alone":
        await async_import_hours(hass, stats, newer)
        await async_wait_recording_done(hass)
    begin = wall_clock()
    if mode == "behind_per_page":
        for page in range(0, len(older), PAGE_DAYS * 24):
            await async_import_hours(hass, stats, older[page : page + PAGE_DAYS * 24])
    else:
        await async_import_hours(hass, stats, older)
    await async_wait_recording_done(hass)
    RESULTS.setdefault("backfill", {})[mode] = {
        "days": BEHIND_DAYS,
        "behind_days": 0 if mode == "alone" else EXISTING_DAYS,
        "seconds": wall_clock() - begin,
    }
