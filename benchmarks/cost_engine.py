"""Measure how fast and how exact the cost engine is.

Two tables from one run:

1. The domain layer alone: a year of 5-second power readings (6,307,200) priced at
   prices that change every hour, through :class:`Meter` (energy, cost split at
   price boundaries, calendar periods, sessions), against a plain left Riemann loop
   that only multiplies (the floor any implementation pays in Python).
2. Inside a running Home Assistant (the test harness): the same kind of readings,
   one week of them, fed as state changes to this integration's tracked sensor and to
   Home Assistant's own pair (the ``integration`` helper's left Riemann sensor feeding
   the energy component's cost sensor), both priced by the same hourly tariff.

Run: ``.venv/bin/python benchmarks/cost_engine.py`` (``--readings N`` and
``--ha-readings N`` shorten it).
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
import sys
import time
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ha_run import run_ha_half
from benchmarks.profiles import START, hourly_price, power_trace
from custom_components.utility_cost.domain.meter import Meter
from custom_components.utility_cost.domain.prices import (
    IntervalSchedule,
    PriceInterval,
)
from custom_components.utility_cost.domain.sessions import SessionRules
from custom_components.utility_cost.domain.units import SourceKind

YEAR_OF_READINGS = 365 * 24 * 720
WEEK_OF_READINGS = 7 * 24 * 720
TZ = ZoneInfo("Europe/Madrid")


def year_schedule(hours: int) -> IntervalSchedule:
    """Hourly prices for ``hours`` hours from the start of the trace."""
    return IntervalSchedule(
        PriceInterval(
            START + timedelta(hours=h),
            START + timedelta(hours=h + 1),
            hourly_price(h % 24, h // 24),
        )
        for h in range(hours)
    )


def run_meter(readings: int, schedule: IntervalSchedule) -> tuple[float, float, float]:
    """Feed the trace to a Meter; return (seconds, kWh, cost)."""
    meter = Meter(
        SourceKind.POWER, TZ, SessionRules(10, timedelta(minutes=1)), schedule
    )
    trace = list(power_trace(readings))
    begin = time.perf_counter()
    for at, watts in trace:
        meter.reading(at, watts)
    elapsed = time.perf_counter() - begin
    return elapsed, meter.ledger.lifetime.energy_kwh, meter.ledger.lifetime.cost


def run_plain_loop(readings: int) -> tuple[float, float, float]:
    """Run a plain left Riemann sum priced per hour (no periods, sessions, splits).

    Readings fall on a 5-second grid, so no interval straddles an hour and this
    loop is exact for this trace: it is the reference for the Meter's totals.
    """
    prices = [hourly_price(h % 24, h // 24) for h in range(readings // 720 + 2)]
    trace = list(power_trace(readings))
    begin = time.perf_counter()
    energy = cost = 0.0
    previous_at, previous_w = trace[0]
    for at, watts in trace[1:]:
        seconds = (at - previous_at).total_seconds()
        kwh = previous_w * seconds / 3_600_000
        hour = int((previous_at - START).total_seconds() // 3600)
        energy += kwh
        cost += kwh * prices[hour]
        previous_at, previous_w = at, watts
    elapsed = time.perf_counter() - begin
    return elapsed, energy, cost


def domain_table(readings: int) -> list[str]:
    """Table 1: the domain layer alone against the plain loop."""
    schedule = year_schedule(readings // 720 + 2)
    meter_s, meter_kwh, meter_cost = run_meter(readings, schedule)
    loop_s, loop_kwh, loop_cost = run_plain_loop(readings)
    return [
        f"Table 1 - domain layer, {readings:,} readings of 5 s, hourly prices",
        "",
        "| implementation | readings/s | total s | kWh | cost |",
        "|---|---:|---:|---:|---:|",
        (
            f"| Meter (periods, sessions, exact splits) | {readings / meter_s:,.0f} | "
            f"{meter_s:.2f} | {meter_kwh:.6f} | {meter_cost:.6f} |"
        ),
        (
            f"| plain left Riemann loop (floor) | {readings / loop_s:,.0f} | "
            f"{loop_s:.2f} | {loop_kwh:.6f} | {loop_cost:.6f} |"
        ),
        "",
        (
            f"Meter / plain loop time: {meter_s / loop_s:.1f}x; difference: "
            f"{meter_kwh - loop_kwh:+.3e} kWh, {meter_cost - loop_cost:+.3e} cost"
        ),
    ]


def home_assistant_table(readings: int) -> list[str]:
    """Table 2: run the Home Assistant half under the test harness, read its results."""
    results = run_ha_half("ha_state_changes.py", {"BENCH_READINGS": str(readings)})
    ours, core = results["utility_cost"], results["core"]
    per_ours = ours["seconds"] / ours["state_changes"] * 1e6
    per_core = core["seconds"] / core["state_changes"] * 1e6
    return [
        f"Table 2 - inside Home Assistant, {readings:,} power state changes (one week)",
        "",
        "| pipeline | us per state change | kWh | cost |",
        "|---|---:|---:|---:|",
        (
            f"| utility_cost tracked sensor (+ periods, sessions) | {per_ours:,.0f} | "
            f"{ours['kwh']:.6f} | {ours['cost']:.6f} |"
        ),
        (
            f"| core integration (left) + energy cost sensor | {per_core:,.0f} | "
            f"{core['kwh']:.6f} | {core['cost']:.6f} |"
        ),
        "",
        (
            f"utility_cost / core time: {per_ours / per_core:.2f}x; difference: "
            f"{ours['kwh'] - core['kwh']:+.6f} kWh, "
            f"{ours['cost'] - core['cost']:+.6f} cost"
        ),
        (
            "reference (plain loop over the same readings): "
            f"{results['reference_kwh']:.6f} kWh, {results['reference_cost']:.6f} cost"
        ),
    ]


def main() -> None:
    """Print both tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readings", type=int, default=YEAR_OF_READINGS)
    parser.add_argument("--ha-readings", type=int, default=WEEK_OF_READINGS)
    args = parser.parse_args()
    print("\n".join(domain_table(args.readings)), flush=True)
    print()
    print("\n".join(home_assistant_table(args.ha_readings)))


if __name__ == "__main__":
    main()
