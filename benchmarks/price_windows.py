"""PVPC prices: parsing a day, the price figures and the cheapest windows.

Side by side in one run, on the same payloads (the fixture day 2026-01-12 and the
next day, 48 hours):

1. parsing a day's payload (public archive and token API) into hourly EUR/kWh,
   with ``api.esios.parse_archive``/``parse_indicator`` and with the ``aiopvpc``
   library's parsers;
2. the price figures at an instant: current price, today's lowest and highest,
   with ``domain.outlook`` pieces and with ``aiopvpc.prices.
   make_price_sensor_attributes`` (which computes more: every hour as an attribute,
   positions, ratios); and the whole outlook this integration computes (also the
   next price, tomorrow's figures, the cheapest hours and window);
3. the cheapest contiguous window of N = 1..6 hours over the 48 hours, with
   ``domain.windows.cheapest_window`` (exact on any interval lengths) and a plain
   sliding sum over the hourly list (only right when every interval is an hour).
   ``aiopvpc`` has nothing that finds windows.

Every row checks that the answers agree. Needs the benchmark requirements
(``scripts/setup --benchmark``). Run: ``.venv/bin/python benchmarks/price_windows.py``.
"""

from __future__ import annotations

import argparse
import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import sys
import timeit
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiopvpc.parser import (
    extract_prices_from_esios_public,
    extract_prices_from_esios_token,
)
from aiopvpc.prices import make_price_sensor_attributes

from custom_components.utility_cost.api.esios import (
    parse_archive,
    parse_indicator,
)
from custom_components.utility_cost.domain.outlook import (
    AutomationSettings,
    tariff_outlook,
)
from custom_components.utility_cost.domain.periods import LocalDay
from custom_components.utility_cost.domain.prices import IntervalSchedule
from custom_components.utility_cost.domain.pvpc import Zone
from custom_components.utility_cost.domain.windows import (
    cheapest_window,
    known_segments,
    price_stats,
)
from tests.fakes.esios import (
    FIXTURE_DAY,
    archive_payload,
    generated_mwh,
)

MADRID = ZoneInfo("Europe/Madrid")
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "esios"
# 10:30 local on the fixture day (aiopvpc needs the hour itself as a key).
AT = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)
HOUR_AT = AT.replace(minute=0)


@dataclass
class Row:
    """A measured way of answering, its time per call and its answer."""

    task: str
    implementation: str
    seconds: float
    answer: Any


def per_call(function: Any, repeat: int) -> float:
    """Return the best time per call of ``function`` over 5 runs of ``repeat``."""
    return min(timeit.repeat(function, number=repeat, repeat=5)) / repeat


def parse_rows(repeat: int) -> list[Row]:
    """Parse the fixture day's archive and token payloads, both ways."""
    archive = json.loads((FIXTURES / f"archive_{FIXTURE_DAY}.json").read_text())
    indicator = json.loads(
        (FIXTURES / f"indicator_1001_{FIXTURE_DAY}.json").read_text()
    )
    ours_archive = parse_archive(archive, FIXTURE_DAY, Zone.PENINSULA)
    theirs_archive = extract_prices_from_esios_public(archive, "PCB", MADRID)
    ours_token = parse_indicator(indicator, FIXTURE_DAY, Zone.PENINSULA, (8741,))
    # aiopvpc's token parser takes the payload apart: give each call a copy.
    copies = [copy.deepcopy(indicator) for _ in range(5 * repeat + 1)]
    theirs_token = extract_prices_from_esios_token(
        copies.pop(), "PVPC", "Península", MADRID
    )

    def prices(intervals: list[Any]) -> list[tuple[datetime, float]]:
        return [(i.start, round(i.price, 5)) for i in intervals]

    def their_prices(response: Any) -> list[tuple[datetime, float]]:
        series = next(iter(response.series.values()))
        return sorted((at, round(price, 5)) for at, price in series.items())

    return [
        Row(
            "parse archive (24 h)",
            "utility_cost",
            per_call(
                lambda: parse_archive(archive, FIXTURE_DAY, Zone.PENINSULA), repeat
            ),
            prices(ours_archive),
        ),
        Row(
            "parse archive (24 h)",
            "aiopvpc",
            per_call(
                lambda: extract_prices_from_esios_public(archive, "PCB", MADRID), repeat
            ),
            their_prices(theirs_archive),
        ),
        Row(
            "parse token API (24 h x 5 zones)",
            "utility_cost",
            per_call(
                lambda: parse_indicator(
                    indicator, FIXTURE_DAY, Zone.PENINSULA, (8741,)
                ),
                repeat,
            ),
            prices(ours_token),
        ),
        Row(
            "parse token API (24 h x 5 zones)",
            "aiopvpc",
            per_call(
                lambda: extract_prices_from_esios_token(
                    copies.pop(), "PVPC", "Península", MADRID
                ),
                repeat,
            ),
            their_prices(theirs_token),
        ),
    ]


def two_days() -> IntervalSchedule:
    """Return the fixture day and the generated day after it (48 hours)."""
    tomorrow = FIXTURE_DAY + timedelta(days=1)
    today = parse_archive(
        json.loads((FIXTURES / f"archive_{FIXTURE_DAY}.json").read_text()),
        FIXTURE_DAY,
        Zone.PENINSULA,
    )
    following = parse_archive(
        archive_payload(tomorrow, generated_mwh(tomorrow)), tomorrow, Zone.PENINSULA
    )
    return IntervalSchedule([*today, *following])


def figure_rows(repeat: int) -> list[Row]:
    """Compute the price now and today's lowest and highest, both ways."""
    schedule = two_days()
    hourly = {i.start: i.price for i in schedule.intervals}
    settings = AutomationSettings(cheap_threshold=0.12, cheapest_hours=3)

    def ours() -> tuple[float | None, float, float]:
        current = schedule.segment_at(AT)
        day = LocalDay.containing(AT, MADRID)
        stats = price_stats(known_segments(schedule, day.start, day.end))
        assert stats is not None
        return current.price, stats.minimum, stats.maximum

    def theirs() -> tuple[float, float, float]:
        attributes = make_price_sensor_attributes("PVPC", hourly, HOUR_AT, MADRID)
        return (
            hourly[HOUR_AT],
            attributes["min_price"],
            attributes["max_price"],
        )

    def whole() -> tuple[float | None, float, float]:
        outlook = tariff_outlook(schedule, AT, MADRID, settings)
        assert outlook.today is not None
        return (
            outlook.current.price,
            outlook.today.stats.minimum,
            outlook.today.stats.maximum,
        )

    return [
        Row(
            "current, today's min and max",
            "utility_cost",
            per_call(ours, repeat),
            ours(),
        ),
        Row(
            "current, today's min and max",
            "aiopvpc (all attributes)",
            per_call(theirs, repeat),
            theirs(),
        ),
        Row(
            "current, today's min and max",
            "utility_cost whole outlook",
            per_call(whole, repeat),
            whole(),
        ),
    ]


def window_rows(repeat: int) -> list[Row]:
    """Find the cheapest 1 to 6 hour windows of the 48 hours, both ways."""
    schedule = two_days()
    intervals = list(schedule.intervals)
    start = intervals[0].start
    prices = [i.price for i in intervals]
    rows = []
    for hours in range(1, 7):
        duration = timedelta(hours=hours)

        def ours(duration: timedelta = duration) -> tuple[datetime, float]:
            window = cheapest_window(intervals, start, duration)
            assert window is not None
            return window.start, round(window.average_price, 9)

        def sliding(hours: int = hours) -> tuple[datetime, float]:
            best, best_at = None, 0
            for first in range(len(prices) - hours + 1):
                total = sum(prices[first : first + hours])
                if best is None or total < best - 1e-12:
                    best, best_at = total, first
            assert best is not None
            return start + timedelta(hours=best_at), round(best / hours, 9)

        rows.append(
            Row(
                f"cheapest {hours} h window of 48 h",
                "utility_cost",
                per_call(ours, repeat),
                ours(),
            )
        )
        rows.append(
            Row(
                f"cheapest {hours} h window of 48 h",
                "hourly sliding sum",
                per_call(sliding, repeat),
                sliding(),
            )
        )
    return rows


def print_table(rows: list[Row]) -> int:
    """Print the rows, each against the first of its task; return disagreements."""
    print("| task | implementation | µs per call | vs utility_cost | same answer |")
    print("|---|---|---:|---:|---|")
    reference: dict[str, Row] = {}
    disagreements = 0
    for row in rows:
        first = reference.setdefault(row.task, row)
        ratio = row.seconds / first.seconds
        same = row.answer == first.answer
        disagreements += not same
        print(
            f"| {row.task} | {row.implementation} | {row.seconds * 1e6:,.1f} "
            f"| {ratio:.2f}x | {'-' if row is first else 'yes' if same else 'NO'} |"
        )
    return disagreements


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    rows = [
        *parse_rows(args.repeat),
        *figure_rows(args.repeat),
        *window_rows(args.repeat),
    ]
    if print_table(rows):
        sys.exit("some implementations disagree")


if __name__ == "__main__":
    main()
