"""Deterministic inputs shared by the benchmarks: a household power trace and prices.

The same seed always gives the same readings, so runs are comparable and the
results (kWh, cost) are reproducible to the last digit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
import math
import random

READING_INTERVAL = timedelta(seconds=5)
START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday


def hourly_price(hour_of_day: int, day: int = 0) -> float:
    """Return a price per kWh with a daily shape and a small daily drift."""
    shape = 0.20 + 0.08 * math.sin(2 * math.pi * (hour_of_day - 7) / 24)
    return round(shape + 0.01 * ((day * 7919 + hour_of_day * 104729) % 11) / 11, 5)


def power_trace(
    readings: int, seed: int = 42, start: datetime = START
) -> Iterator[tuple[datetime, float]]:
    """Yield (instant, watts) every 5 s: a fridge cycling plus a few appliances."""
    rng = random.Random(seed)
    at = start
    for index in range(readings):
        second = index * 5
        fridge = 90.0 if (second // 900) % 2 == 0 else 3.0
        kettle = 2000.0 if second % 7200 < 150 else 0.0
        oven = 1800.0 if second % 86400 in range(64800, 68400) else 0.0
        noise = rng.uniform(0, 4)
        yield at, round(fridge + kettle + oven + noise, 1)
        at += READING_INTERVAL
