"""Checking the readings HTTP meters post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import math
import re
from typing import Any

import pytest

from custom_components.utility_cost.domain.readings import (
    CLOCK_TOLERANCE,
    DEFAULT_MAX_WATTS,
    MAX_STATION_ID,
    InvalidReadingError,
    StationReading,
    parse_reading,
)

NOW = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
LAST = {3: NOW - timedelta(minutes=1)}


def _parse(body: Any) -> StationReading:
    return parse_reading(body, NOW, max_watts=DEFAULT_MAX_WATTS, last_at=LAST.get)


def test_a_reading_without_timestamp_is_now() -> None:
    assert _parse({"watts": 1234.5, "station_id": 3}) == StationReading(3, 1234.5, NOW)
    assert _parse({"watts": 0, "station_id": 1}) == StationReading(1, 0.0, NOW)


@pytest.mark.parametrize(
    ("timestamp", "at"),
    [
        ("2026-01-12T09:59:30+01:00", NOW - timedelta(seconds=30)),
        ("2026-01-12T08:59:30Z", NOW - timedelta(seconds=30)),
        # Without an offset: UTC.
        ("2026-01-12T08:59:30", NOW - timedelta(seconds=30)),
        (NOW.timestamp() - 30, NOW - timedelta(seconds=30)),
        (int(NOW.timestamp()) - 30, NOW - timedelta(seconds=30)),
        # The same instant as the last reading is not going back.
        ("2026-01-12T08:59:00Z", NOW - timedelta(minutes=1)),
        # A clock slightly ahead is taken as now.
        (NOW.timestamp() + 2, NOW),
    ],
)
def test_timestamps(timestamp: Any, at: datetime) -> None:
    reading = _parse({"watts": 10, "station_id": 3, "timestamp": timestamp})
    assert reading.at == at
    assert reading.at.tzinfo is UTC


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ([1, 2], "the body must be a JSON object"),
        ("watts", "the body must be a JSON object"),
        (None, "the body must be a JSON object"),
        ({"station_id": 1}, "missing field: watts"),
        ({"watts": 1}, "missing field: station_id"),
        ({"watts": 1, "station_id": 1, "volts": 230}, "unknown field: volts"),
        ({"watts": "12", "station_id": 1}, "watts must be a number"),
        ({"watts": True, "station_id": 1}, "watts must be a number"),
        ({"watts": None, "station_id": 1}, "watts must be a number"),
        ({"watts": math.nan, "station_id": 1}, "watts must be a finite number"),
        ({"watts": math.inf, "station_id": 1}, "watts must be a finite number"),
        ({"watts": -0.5, "station_id": 1}, "watts cannot be negative"),
        ({"watts": 50_000.1, "station_id": 1}, "watts is above the maximum of 50000 W"),
        ({"watts": 1, "station_id": "1"}, "station_id must be an integer"),
        ({"watts": 1, "station_id": 1.0}, "station_id must be an integer"),
        ({"watts": 1, "station_id": False}, "station_id must be an integer"),
        ({"watts": 1, "station_id": 0}, "station_id must be from 1 to 2147483647"),
        (
            {"watts": 1, "station_id": MAX_STATION_ID + 1},
            "station_id must be from 1 to 2147483647",
        ),
        ({"watts": 1, "station_id": 1, "timestamp": "yesterday"}, "not ISO 8601"),
        (
            {"watts": 1, "station_id": 1, "timestamp": "0001-01-01T00:00+01:00"},
            "not ISO",
        ),
        ({"watts": 1, "station_id": 1, "timestamp": True}, "ISO 8601 text or epoch"),
        ({"watts": 1, "station_id": 1, "timestamp": [1]}, "ISO 8601 text or epoch"),
        ({"watts": 1, "station_id": 1, "timestamp": math.inf}, "a finite number"),
        ({"watts": 1, "station_id": 1, "timestamp": 1e20}, "out of range"),
        (
            {"watts": 1, "station_id": 1, "timestamp": "2026-01-12T09:00:10Z"},
            "timestamp is in the future",
        ),
        (
            {"watts": 1, "station_id": 3, "timestamp": "2026-01-12T08:58:59Z"},
            "older than station 3's last reading (2026-01-12T08:59:00+00:00)",
        ),
    ],
)
def test_bad_readings_say_why(body: Any, error: str) -> None:
    with pytest.raises(InvalidReadingError, match=re.escape(error)):
        _parse(body)


def test_the_maximum_is_the_callers() -> None:
    body = {"watts": 3001, "station_id": 1}
    with pytest.raises(InvalidReadingError, match="above the maximum of 3000 W"):
        parse_reading(body, NOW, max_watts=3000, last_at=LAST.get)
    assert parse_reading(body, NOW, max_watts=3001, last_at=LAST.get).watts == 3001


def test_future_tolerance_is_a_few_seconds() -> None:
    just = NOW + CLOCK_TOLERANCE
    assert (
        _parse({"watts": 1, "station_id": 1, "timestamp": just.timestamp()}).at == NOW
    )
