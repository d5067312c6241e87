"""A fixed tariff's outlook against its number of bands.

The outlook (current and next price, today's and tomorrow's figures, cheapest hours
and window: ``domain.outlook.tariff_outlook``) is computed at every price change. For
a fixed tariff of 0, 3, 24 and 96 bands (every day the same), in one run:

* the tariff as configured (``FixedTariff``): cold (a new tariff, as after a
  reload) and warm (the same tariff again, from scratch);
* the same prices as published intervals over the two days (``IntervalSchedule``),
  the baseline: what a tariff of that shape costs when nothing has to be searched;
* "next change": the outlook at the next price change given the previous one, as
  the tariff's coordinator computes it (the days' prices and today's cheapest
  hours are reused; the current price and the cheapest window are computed again).

Every row checks that both give the same current price, next change and cheapest
window. Run: ``.venv/bin/python benchmarks/outlook_bands.py`` (a few seconds).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
import sys
from time import perf_counter as time_now
import timeit
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.utility_cost.domain.outlook import (
    AutomationSettings,
    tariff_outlook,
)
from custom_components.utility_cost.domain.periods import LocalDay
from custom_components.utility_cost.domain.prices import (
    Band,
    FixedTariff,
    IntervalSchedule,
    PriceInterval,
    PriceSchedule,
)

TZ = ZoneInfo("Europe/Madrid")
AT = datetime(2026, 1, 12, 9, 7, tzinfo=UTC)
BASE = 0.2
SETTINGS = AutomationSettings(cheap_threshold=0.15, cheapest_hours=3)
EVERY_DAY = frozenset(range(7))


def bands(count: int) -> tuple[Band, ...]:
    """Return ``count`` bands of equal length covering the day, prices varying."""
    if count == 0:
        return ()
    step = 24 * 60 // count
    out = []
    for n in range(count):
        start, end = n * step, (n + 1) * step % (24 * 60)
        price = 0.1 + (n * 37 % count) / count * 0.2
        out.append(
            Band(
                f"b{n}",
                round(price, 4),
                time(start // 60, start % 60),
                time(end // 60, end % 60),
                EVERY_DAY,
            )
        )
    return tuple(out)


def as_intervals(tariff: FixedTariff) -> IntervalSchedule:
    """Return the tariff's segments over today and tomorrow as intervals."""
    today = LocalDay.containing(AT, TZ)
    end = LocalDay.containing(today.end, TZ).end
    intervals: list[PriceInterval] = []
    at = today.start
    while at < end:
        segment = tariff.segment_at(at)
        stop = min(segment.end or end, end)
        assert segment.price is not None
        intervals.append(PriceInterval(at, stop, segment.price, segment.label))
        at = stop
    return IntervalSchedule(intervals)


def outlook_ms(schedule: PriceSchedule, number: int) -> float:
    """Return the best mean time of an outlook of ``schedule`` (three repeats), ms."""
    best = min(
        timeit.repeat(
            lambda: tariff_outlook(schedule, AT, TZ, SETTINGS), number=number, repeat=3
        )
    )
    return best / number * 1000


def recompute_ms(schedule: PriceSchedule, number: int) -> float:
    """Return the time of the outlook at the next price change, as the coordinator.

    The previous outlook is given: the days' prices and today's cheapest hours
    come from it (the schedule did not change), the rest is computed again.
    """
    previous = tariff_outlook(schedule, AT, TZ, SETTINGS)
    at = previous.next_update
    best = min(
        timeit.repeat(
            lambda: tariff_outlook(schedule, at, TZ, SETTINGS, previous=previous),
            number=number,
            repeat=3,
        )
    )
    return best / number * 1000


def cold_outlook_ms(configured: tuple[Band, ...], number: int) -> float:
    """Return the mean time of a first outlook of a new tariff (built beforehand)."""
    best = float("inf")
    for _ in range(3):
        tariffs = [FixedTariff(BASE, TZ, configured) for _ in range(number)]
        begin = time_now()
        for tariff in tariffs:
            tariff_outlook(tariff, AT, TZ, SETTINGS)
        best = min(best, time_now() - begin)
    return best / number * 1000


def main() -> None:
    """Measure and print the table."""
    lines = [
        (
            "| bands | FixedTariff cold ms | FixedTariff warm ms | intervals ms "
            "| warm / intervals | next change ms | intervals next change ms "
            "| same answers |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for count in (0, 3, 24, 96):
        configured = bands(count)
        warm = FixedTariff(BASE, TZ, configured)
        intervals = as_intervals(warm)
        schedules: list[PriceSchedule] = [warm, intervals]
        answers = [tariff_outlook(s, AT, TZ, SETTINGS) for s in schedules]
        same = (
            answers[0].current.price == answers[1].current.price
            and answers[0].cheapest_window == answers[1].cheapest_window
            and (count == 0 or answers[0].current.end == answers[1].current.end)
        )
        number = 5 if count == 96 else 20
        cold_ms = cold_outlook_ms(configured, number)
        warm_ms = outlook_ms(warm, number)
        interval_ms = outlook_ms(intervals, number)
        next_ms = recompute_ms(warm, number)
        interval_next_ms = recompute_ms(intervals, number)
        lines.append(
            f"| {count} | {cold_ms:.2f} | {warm_ms:.2f} | {interval_ms:.2f} | "
            f"{warm_ms / interval_ms:.1f}x | {next_ms:.2f} | {interval_next_ms:.2f} "
            f"| {'yes' if same else 'NO'} |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
