"""A tariff's outlook: prices now and next, day figures, cheap flags and windows."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.utility_cost.domain.outlook import (
    AutomationSettings,
    tariff_outlook,
)
from custom_components.utility_cost.domain.prices import (
    Band,
    FixedTariff,
    IntervalSchedule,
    PriceInterval,
)
from custom_components.utility_cost.domain.windows import PriceWindow, TimeRange

from .test_prices import hourly
from .test_windows import DAY, DAY_MWH, local

MADRID = ZoneInfo("Europe/Madrid")
SETTINGS = AutomationSettings(cheap_threshold=0.1, cheapest_hours=3)
# The next day: the same prices, 10 EUR/MWh cheaper.
NEXT_DAY = hourly(local(24), [(mwh - 10) / 1000 for mwh in DAY_MWH]).intervals


def test_today_only() -> None:
    schedule = IntervalSchedule(DAY)
    seen = tariff_outlook(schedule, local(10.5), MADRID, SETTINGS)
    assert seen.current.price == pytest.approx(0.1354)
    assert seen.following is not None
    assert seen.following.start == local(11)
    assert seen.today is not None
    assert seen.today.intervals == tuple(DAY)
    assert seen.today.stats.minimum == pytest.approx(0.094)
    assert seen.tomorrow is None
    assert seen.cheapest_hours == (
        TimeRange(local(3), local(5)),
        TimeRange(local(14), local(15)),
    )
    assert not seen.in_cheapest_hours
    assert seen.cheapest_window == PriceWindow(
        local(13), local(16), pytest.approx(0.29935 / 3)
    )
    assert not seen.in_cheapest_window
    assert seen.cheap_now is False
    assert seen.next_update == local(11)


def test_tomorrow_widens_the_window_search() -> None:
    schedule = IntervalSchedule([*DAY, *NEXT_DAY])
    seen = tariff_outlook(schedule, local(21), MADRID, SETTINGS)
    assert seen.tomorrow is not None
    assert seen.tomorrow.stats.minimum == pytest.approx(0.084)
    # Tomorrow 02-05h: 287.50 - 30 = 257.50 EUR/MWh over three hours.
    assert seen.cheapest_window == PriceWindow(
        local(26), local(29), pytest.approx(0.2575 / 3)
    )
    # Today's cheapest hours are today's, whatever tomorrow holds.
    assert seen.cheapest_hours[0] == TimeRange(local(3), local(5))
    assert seen.next_update == local(22)


def test_a_running_window_is_kept() -> None:
    schedule = IntervalSchedule([*DAY, *NEXT_DAY])
    kept = PriceWindow(local(13), local(16), 0.09978)
    seen = tariff_outlook(schedule, local(14), MADRID, SETTINGS, keep_window=kept)
    assert seen.cheapest_window is kept
    assert seen.in_cheapest_window
    assert seen.in_cheapest_hours  # 14-15h is one of today's three cheapest
    assert seen.next_update == local(15)
    # Once it has ended, the search starts again from now.
    after = tariff_outlook(schedule, local(16), MADRID, SETTINGS, keep_window=kept)
    assert after.cheapest_window is not None
    assert after.cheapest_window.start == local(26)


def test_cheap_now_against_the_threshold() -> None:
    schedule = IntervalSchedule(DAY)
    at_four = local(4)
    assert tariff_outlook(schedule, at_four, MADRID, SETTINGS).cheap_now is True
    exact = AutomationSettings(cheap_threshold=0.094)
    assert tariff_outlook(schedule, at_four, MADRID, exact).cheap_now is True
    # Not set: automatic, today's average, and it follows the prices known.
    unset = AutomationSettings()
    average = sum(DAY_MWH) / len(DAY_MWH) / 1000  # 24 hourly prices
    seen = tariff_outlook(schedule, at_four, MADRID, unset)
    assert seen.cheap_threshold == pytest.approx(average, abs=1e-6)
    assert seen.cheap_now is (seen.current.price <= average)
    peak = max(DAY, key=lambda interval: interval.price)
    assert tariff_outlook(schedule, peak.start, MADRID, unset).cheap_now is False
    cheaper = IntervalSchedule(NEXT_DAY)
    tomorrow = tariff_outlook(cheaper, local(28), MADRID, unset)
    assert tomorrow.cheap_threshold == pytest.approx(average - 0.01, abs=1e-6)
    # Nothing known today: no threshold, no answer.
    empty = tariff_outlook(IntervalSchedule([]), at_four, MADRID, unset)
    assert empty.cheap_threshold is None
    assert empty.cheap_now is None
    assert tariff_outlook(schedule, at_four, MADRID, exact).cheap_threshold == 0.094


def test_no_price_known_now() -> None:
    seen = tariff_outlook(IntervalSchedule(DAY), local(30), MADRID, SETTINGS)
    assert seen.current.price is None
    assert seen.cheap_now is None
    assert seen.today is None
    assert seen.cheapest_hours == ()
    assert seen.cheapest_window is None
    assert not seen.in_cheapest_hours
    assert not seen.in_cheapest_window
    # Only the day's end is ahead.
    assert seen.next_update == local(48)


def test_fixed_tariff_outlook() -> None:
    tariff = FixedTariff(
        0.30, MADRID, (Band("Night", 0.10, time(22), time(7), frozenset(range(7))),)
    )
    seen = tariff_outlook(tariff, local(10), MADRID, SETTINGS)
    assert seen.today is not None
    assert [i.price for i in seen.today.intervals] == [0.10, 0.30, 0.10]
    assert seen.today.stats.average == pytest.approx((9 * 0.10 + 15 * 0.30) / 24)
    assert seen.tomorrow is not None  # a fixed tariff knows every day
    assert seen.cheapest_hours == (TimeRange(local(0), local(3)),)
    window = seen.cheapest_window
    assert window is not None
    assert (window.start, window.end) == (local(22), local(25))
    assert seen.cheap_now is False


def test_constant_tariff_is_always_in_its_window() -> None:
    seen = tariff_outlook(FixedTariff(0.25, MADRID), local(10.25), MADRID, SETTINGS)
    assert seen.in_cheapest_window
    assert seen.following is None
    assert seen.next_update == local(13.25)  # 3 hours from now, at the window end


def test_outlook_on_the_short_dst_day() -> None:
    # 29 March 2026: 23 hours in Madrid; local midnight is 23:00 UTC the day before.
    midnight = datetime(2026, 3, 28, 23, tzinfo=UTC)
    schedule = hourly(midnight, [0.1 + i / 1000 for i in range(23)])
    seen = tariff_outlook(schedule, midnight + timedelta(hours=5), MADRID, SETTINGS)
    assert seen.today is not None
    assert len(seen.today.intervals) == 23
    assert seen.today.day.end == datetime(2026, 3, 29, 22, tzinfo=UTC)


def test_each_change_of_a_day_from_the_previous_outlook_is_exact() -> None:
    """Reusing the previous outlook gives what computing from scratch gives.

    Walked change by change over two days (midnight included) of a 96-band tariff,
    then after a change of schedule and of settings, which must not be reused.
    """
    bands = tuple(
        Band(
            f"q{n}",
            round(0.1 + (n * 37 % 96) / 96 * 0.2, 4),
            time(n // 4, n % 4 * 15),
            time((n + 1) // 4 % 24, (n + 1) % 4 * 15),
            frozenset(range(7)),
        )
        for n in range(96)
    )
    tariff = FixedTariff(0.2, MADRID, bands)
    at = local(0)
    previous = tariff_outlook(tariff, at, MADRID, SETTINGS)
    while at < local(48):
        at = previous.next_update
        reused = tariff_outlook(tariff, at, MADRID, SETTINGS, previous=previous)
        assert reused == tariff_outlook(tariff, at, MADRID, SETTINGS)
        previous = reused
    other = FixedTariff(0.5, MADRID)
    assert tariff_outlook(other, at, MADRID, SETTINGS, previous=previous) == (
        tariff_outlook(other, at, MADRID, SETTINGS)
    )
    longer = AutomationSettings(cheap_threshold=0.1, cheapest_hours=5)
    assert tariff_outlook(tariff, at, MADRID, longer, previous=previous) == (
        tariff_outlook(tariff, at, MADRID, longer)
    )


def test_next_price_change_looks_past_equal_prices() -> None:
    """Two intervals at one price, then the end of what is known: no change known."""
    flat = IntervalSchedule(
        [
            PriceInterval(local(0), local(12), 0.2),
            PriceInterval(local(12), local(24), 0.2),
        ]
    )
    seen = tariff_outlook(flat, local(3), MADRID, SETTINGS)
    assert seen.next_change is None
    assert seen.following is not None
    assert seen.following.price == 0.2
    changing = IntervalSchedule(
        [*flat.intervals, PriceInterval(local(24), local(30), 0.1)]
    )
    assert tariff_outlook(changing, local(3), MADRID, SETTINGS).next_change == local(24)
    # No price now: no change to tell either.
    assert tariff_outlook(flat, local(40), MADRID, SETTINGS).next_change is None
    hours = tariff_outlook(IntervalSchedule(DAY), local(10.5), MADRID, SETTINGS)
    assert hours.next_change == local(11)


def test_export_prefers_the_highest_prices() -> None:
    """For a tariff that pays, the best hours and window are the dearest ones."""
    export = AutomationSettings(cheapest_hours=3, prefer_high=True)
    schedule = IntervalSchedule(DAY)
    seen = tariff_outlook(schedule, local(0), MADRID, export)
    # Reference by hand: the three dearest hours, and the dearest 3-hour run.
    prices = [mwh / 1000 for mwh in DAY_MWH]
    dearest = sorted(range(24), key=lambda hour: -prices[hour])[:3]
    in_hours = sorted(
        hour
        for hour in range(24)
        if any(r.contains(local(hour)) for r in seen.cheapest_hours)
    )
    assert in_hours == sorted(dearest)
    sums = [sum(prices[i : i + 3]) for i in range(22)]
    best = sums.index(max(sums))
    assert seen.cheapest_window == PriceWindow(
        local(best), local(best + 3), pytest.approx(max(sums) / 3)
    )
    # High now: at least today's average.
    peak = prices.index(max(prices))
    assert tariff_outlook(schedule, local(peak), MADRID, export).cheap_now is True
    low = prices.index(min(prices))
    assert tariff_outlook(schedule, local(low), MADRID, export).cheap_now is False
