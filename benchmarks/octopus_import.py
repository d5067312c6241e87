"""A year of Octopus consumption into Home Assistant's statistics.

Runs ``benchmarks/ha_octopus_import.py`` under Home Assistant's test harness (a real
recorder, the fake Octopus API on loopback) and prints the time of each part, the
statistics rows written and the requests made, with the largest page the API allows
(25,000 rows, what this integration asks for) against the API's default page of
100 rows, in one run; then a backfill of 90 days alone and behind 180 imported
days, written at once (as the backfill does) or per 30-day page (as it did).

Run: ``.venv/bin/python benchmarks/octopus_import.py`` (about half a minute).
"""

from __future__ import annotations

from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ha_run import run_ha_half


def main() -> None:
    """Measure and print the table."""
    results = run_ha_half("ha_octopus_import.py", {})
    lines = [
        (
            "| page size | consumption rows | requests (consumption) | fetch s "
            "| price s | import s | total s | statistics rows | kWh | cost GBP |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    backfill = results.pop("backfill", {})
    for size, row in sorted(results.items(), key=lambda item: -int(item[0])):
        total = row["fetch_s"] + row["price_s"] + row["import_s"]
        lines.append(
            f"| {int(size):,} | {row['rows']:,} | {row['requests']} "
            f"({row['consumption_requests']}) | {row['fetch_s']:.2f} | "
            f"{row['price_s']:.2f} | {row['import_s']:.2f} | {total:.2f} | "
            f"{row['statistics_rows']:,} | {row['kwh']:,.2f} | {row['cost']:,.2f} |"
        )
    lines += [
        "",
        "| backfill of 90 days | days of history after it | seconds | vs alone |",
        "|---|---:|---:|---:|",
    ]
    alone = backfill.get("alone", {}).get("seconds")
    for mode in ("alone", "behind_once", "behind_per_page"):
        if mode not in backfill:
            continue
        row = backfill[mode]
        ratio = f"{row['seconds'] / alone:.1f}x" if alone else "-"
        lines.append(
            f"| {mode.replace('_', ' ')} | {row['behind_days']} | "
            f"{row['seconds']:.2f} | {ratio} |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
