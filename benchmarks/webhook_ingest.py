"""Readings per second that an HTTP meter accepts, end to end.

Runs ``benchmarks/ha_webhook.py`` under Home Assistant's test harness (a real Home
Assistant HTTP server on loopback) and prints, for 1 and 50 stations, sequential
posts and a flood of concurrent ones:

* this integration's HTTP meter: Home Assistant's HTTP server and webhook component,
  the reading checked (domain/readings.py), counted, priced and its entities updated;
* the floor: the same readings posted to a plain aiohttp handler that only parses
  the JSON;

then 300 posts each from a new station id, to a meter with the default maximum of
stations and to one that takes every id (what it did before it had a maximum).

Run: ``.venv/bin/python benchmarks/webhook_ingest.py [--readings N]`` (default 2,000
per measurement, about a minute).
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ha_run import run_ha_half


def measure(readings: int) -> dict[str, dict[str, float]]:
    """Run the Home Assistant half under pytest; return what it measured."""
    return run_ha_half("ha_webhook.py", {"BENCH_READINGS": str(readings)})


def table(results: dict[str, dict[str, float]], readings: int) -> list[str]:
    """Return the comparison as a Markdown table."""
    lines = [
        f"{readings:,} readings per measurement, over loopback TCP",
        "",
        "| stations | posting | endpoint | readings/s | µs per reading | vs floor |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for stations in (1, 50):
        for mode in ("sequential", "flood"):
            floor = results[f"floor {stations} {mode}"]
            ours = results[f"utility_cost {stations} {mode}"]
            floor_rate = floor["readings"] / floor["seconds"]
            for name, row in (
                ("plain aiohttp (JSON only)", floor),
                ("HTTP meter", ours),
            ):
                rate = row["readings"] / row["seconds"]
                lines.append(
                    f"| {stations} | {mode} | {name} | {rate:,.0f} | "
                    f"{1e6 / rate:,.0f} | {rate / floor_rate:.2f}x |"
                )
    lines += [
        "",
        "Posts each from a new station id, one after another:",
        "",
        (
            "| meter | posts | 200 | 400 | devices | entities "
            "| ms per post (last tenth) |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label in ("default maximum", "every id"):
        row = results[f"new ids {label}"]
        lines.append(
            f"| {label} | {row['posts']:,.0f} | {row['answered 200']:,.0f} | "
            f"{row['answered 400']:,.0f} | {row['devices']:,.0f} | "
            f"{row['entities']:,.0f} | {row['ms per post, last tenth']:.1f} |"
        )
    return lines


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readings", type=int, default=2000)
    args = parser.parse_args()
    print("\n".join(table(measure(args.readings), args.readings)))


if __name__ == "__main__":
    main()
