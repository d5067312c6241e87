"""Cheapest hours and windows, against hand-computed answers and brute force."""

from datetime import UTC, datetime, time, timedelta
import random
from zoneinfo import ZoneInfo

import pytest

from custom_components.utility_cost.domain.prices import (
    Band,
    FixedTariff,
    PriceInterval,
)
from custom_components.utility_cost.domain.windows import (
    PriceStats,
    PriceWindow,
    TimeRange,
    cheapest_periods,
    cheapest_window,
    known_segments,
    merge_ranges,
    price_stats,
)
from tests.fakes.esios import FIXTURE_DAY_MWH

from .test_prices import hourly

MADRID = ZoneInfo("Europe/Madrid")
# Monday 2026-01-12 in Madrid (CET): local midnight is 23:00 UTC the day before.
MIDNIGHT = datetime(2026, 1, 11, 23, tzinfo=UTC)
# The fixtures' normal day: PVPC prices in EUR/MWh, hour by hour from midnight.
DAY_MWH = FIXTURE_DAY_MWH
DAY = hourly(MIDNIGHT, [mwh / 1000 for mwh in DAY_MWH]).intervals
HOUR = timedelta(hours=1)


def local(hour: float) -> datetime:
    """Return the instant ``hour`` hours after local midnight of the test day."""
    return MIDNIGHT + timedelta(hours=hour)


def test_stats_are_time_weighted() -> None:
    stats = price_stats(DAY)
    assert stats is not None
    assert stats.minimum == pytest.approx(0.094)
    assert stats.minimum_at == local(4)
    assert stats.maximum == pytest.approx(0.1901)
    assert stats.maximum_at == local(19)
    assert stats.average == pytest.approx(sum(DAY_MWH) / 24 / 1000)
    # A 2-hour segment weighs twice as much as a 1-hour one.
    uneven = [
        PriceInterval(local(0), local(2), 0.10),
        PriceInterval(local(2), local(3), 0.40),
    ]
    stats = price_stats(uneven)
    assert stats is not None
    assert stats.average == pytest.approx(0.20)
    assert price_stats([]) is None
    with pytest.raises(ValueError, match="no prices"):
        PriceStats.of([])


def test_cheapest_hours_of_the_day() -> None:
    # 94.00 at 04h, 95.10 at 03h, 96.80 at 14h.
    assert cheapest_periods(DAY, 3 * HOUR) == (
        TimeRange(local(3), local(5)),
        TimeRange(local(14), local(15)),
    )
    assert cheapest_periods(DAY, HOUR) == (TimeRange(local(4), local(5)),)


def test_cheapest_hours_take_the_start_of_a_long_segment() -> None:
    tariff = FixedTariff(
        0.30, MADRID, (Band("Night", 0.10, time(22), time(7), frozenset(range(7))),)
    )
    day = known_segments(tariff, MIDNIGHT, local(24))
    # 00:00-07:00 and 22:00-24:00 are the night band; the first 3 hours win.
    assert cheapest_periods(day, 3 * HOUR) == (TimeRange(local(0), local(3)),)
    # More than the band holds: all 9 night hours, then the earliest day hour.
    assert cheapest_periods(day, 10 * HOUR) == (
        TimeRange(local(0), local(8)),
        TimeRange(local(22), local(24)),
    )


def test_cheapest_hours_when_the_day_is_shorter_than_asked() -> None:
    assert cheapest_periods(DAY[:2], 3 * HOUR) == (TimeRange(local(0), local(2)),)


def test_cheapest_window_hand_computed() -> None:
    # From midnight: 02-05h sums 98.40 + 95.10 + 94.00 = 287.50.
    assert cheapest_window(DAY, MIDNIGHT, 3 * HOUR) == PriceWindow(
        local(2), local(5), pytest.approx(0.287500 / 3)
    )
    # From 10:00: 13-16h sums 98.25 + 96.80 + 104.30 = 299.35 (12-15h: 300.60).
    assert cheapest_window(DAY, local(10), 3 * HOUR) == PriceWindow(
        local(13), local(16), pytest.approx(0.29935 / 3)
    )
    # From 10:30 the same: a window starting mid-hour is never cheaper here.
    window = cheapest_window(DAY, local(10.5), 3 * HOUR)
    assert window is not None
    assert (window.start, window.end) == (local(13), local(16))
    # One hour: the cheapest hour still ahead.
    window = cheapest_window(DAY, local(10), HOUR)
    assert window is not None
    assert (window.start, window.end) == (local(14), local(15))


def test_cheapest_window_may_start_now_mid_segment() -> None:
    prices = [
        PriceInterval(local(0), local(1), 0.10),
        PriceInterval(local(1), local(2), 0.50),
    ]
    window = cheapest_window(prices, local(0.5), timedelta(minutes=30))
    assert window == PriceWindow(local(0.5), local(1), pytest.approx(0.10))


def test_cheapest_window_may_end_mid_segment() -> None:
    # Expensive, cheap, then long and middling: the best 90 minutes start with the
    # cheap hour and take half an hour of the next segment.
    prices = [
        PriceInterval(local(0), local(1), 0.90),
        PriceInterval(local(1), local(2), 0.10),
        PriceInterval(local(2), local(6), 0.20),
    ]
    window = cheapest_window(prices, local(0), timedelta(minutes=90))
    assert window is not None
    assert (window.start, window.end) == (local(1), local(2.5))
    assert window.average_price == pytest.approx((0.10 + 0.5 * 0.20) / 1.5)


def test_cheapest_window_does_not_cross_a_gap() -> None:
    prices = [
        PriceInterval(local(0), local(2), 0.10),
        PriceInterval(local(3), local(4), 0.05),
        PriceInterval(local(4), local(5), 0.50),
    ]
    window = cheapest_window(prices, local(0), 2 * HOUR)
    assert window is not None
    assert (window.start, window.end) == (local(0), local(2))
    assert cheapest_window(prices, local(0), 3 * HOUR) is None
    assert cheapest_window(prices, local(1), 2 * HOUR) == PriceWindow(
        local(3), local(5), pytest.approx(0.275)
    )


def test_cheapest_window_ties_go_to_the_earliest() -> None:
    flat = hourly(MIDNIGHT, [0.2] * 6).intervals
    window = cheapest_window(flat, local(1.25), 2 * HOUR)
    assert window is not None
    assert window.start == local(1.25)


def test_cheapest_window_with_negative_prices() -> None:
    prices = hourly(MIDNIGHT, [0.05, -0.02, -0.03, 0.01, 0.2]).intervals
    window = cheapest_window(prices, MIDNIGHT, 2 * HOUR)
    assert window == PriceWindow(local(1), local(3), pytest.approx(-0.025))


def test_cheapest_window_needs_a_duration() -> None:
    with pytest.raises(ValueError, match="some time"):
        cheapest_window(DAY, MIDNIGHT, timedelta(0))


def test_cheapest_window_matches_brute_force() -> None:
    """Every minute as a start, on random prices: the candidates miss nothing."""
    rng = random.Random(20260112)
    for _ in range(40):
        lengths = [rng.choice((15, 30, 60, 90)) for _ in range(30)]
        prices: list[PriceInterval] = []
        cursor = MIDNIGHT
        for minutes in lengths:
            end = cursor + timedelta(minutes=minutes)
            prices.append(PriceInterval(cursor, end, round(rng.uniform(-0.05, 0.4), 4)))
            cursor = end
        duration = timedelta(minutes=rng.choice((30, 60, 150, 180, 360)))
        earliest = MIDNIGHT + timedelta(minutes=rng.randrange(0, 600))
        window = cheapest_window(prices, earliest, duration)
        assert window is not None

        def cost(
            start: datetime,
            duration: timedelta = duration,
            prices: list[PriceInterval] = prices,
        ) -> float:
            end = start + duration
            return sum(
                p.price
                * max(0.0, (min(p.end, end) - max(p.start, start)).total_seconds())
                for p in prices
            )

        best = min(
            cost(earliest + timedelta(minutes=m))
            for m in range(
                int((cursor - duration - earliest).total_seconds() // 60) + 1
            )
        )
        seconds = duration.total_seconds()
        assert window.average_price * seconds == pytest.approx(best, abs=1e-9)
        assert cost(window.start) == pytest.approx(best, abs=1e-9)


def test_merge_ranges_joins_touching_ones() -> None:
    assert merge_ranges(
        [
            TimeRange(local(3), local(4)),
            TimeRange(local(1), local(2)),
            TimeRange(local(2), local(3)),
        ]
    ) == (TimeRange(local(1), local(4)),)
    assert TimeRange(local(1), local(3)).duration == 2 * HOUR
