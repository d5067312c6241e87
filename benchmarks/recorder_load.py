"""What tracked sensors cost the recorder, against Home Assistant's own helpers.

Runs ``benchmarks/ha_recorder_load.py`` under Home Assistant's test harness with the
recorder on (statistics compiled every five minutes) on each database engine asked
for: 50 power sensors reporting every 5 s for an hour, alone, tracked by this
integration (the entities it enables by default), and fed to Home Assistant's
``integration`` helper plus a daily and a monthly ``utility_meter``. It prints, per
source change, the ``states`` rows and database bytes the pipeline added, and the
process's CPU time, against the sources-only run; memory per tracked sensor; the
long-term statistics per sensor; and what totals of all sensors add (the
household entry; three Sensor group sums over the helpers). Then, on each engine, five years of Octopus
half-hours imported as statistics (``ha_octopus_import.py``).

Run: ``.venv/bin/python benchmarks/recorder_load.py`` (about 10 minutes per engine;
``--sensors``, ``--readings`` shorten it). ``--dburl postgresql://...`` adds a
PostgreSQL run (a server you started; ``scripts/test`` shows how one is started).
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ha_run import run_ha_half

PIPELINES = {
    "utility_cost": "utility_cost tracked sensor (defaults)",
    "helpers": "integration + daily and monthly utility_meter",
}


LOAD_HEADER = [
    (
        "| engine | pipeline | states rows | DB bytes | short-term stat rows "
        "| CPU ms (total) | CPU ms (pipeline) | MiB per sensor | entities "
        "| long-term statistics |"
    ),
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
]


def load_rows(results: dict[str, Any]) -> tuple[list[str], str]:
    """Rows per pipeline (its cost above the sources-only run, per source change).

    Return the table rows and a line comparing the two pipelines.
    """
    base = results["sources"]
    rows: list[str] = []
    per: dict[str, dict[str, float]] = {}
    for name, label in PIPELINES.items():
        run = results[name]
        changes = run["source_changes"]
        sensors = run["sensors"]
        per[name] = {
            "rows": run["states_rows"] / changes,
            "bytes": (run["database_bytes"] - base["database_bytes"]) / changes,
            "cpu": run["cpu_s"] / changes * 1000,
            "pipeline_cpu": (run["cpu_s"] - base["cpu_s"]) / changes * 1000,
            "memory": (run["memory_bytes"] - base["memory_bytes"]) / sensors / 2**20,
        }
        figures = per[name]
        rows.append(
            f"| {run['engine']} | {label} | {figures['rows']:.3f} | "
            f"{figures['bytes']:,.0f} | {run['statistics_rows'] / changes:.3f} | "
            f"{figures['cpu']:.3f} | {figures['pipeline_cpu']:.3f} | "
            f"{figures['memory']:.3f} | {run['entities'] / sensors:.1f} | "
            f"{run['statistics'] / sensors:.1f} |"
        )
    ours, helpers = per["utility_cost"], per["helpers"]
    summary = (
        f"{base['engine']}: utility_cost / helpers: rows "
        f"{ours['rows'] / helpers['rows']:.2f}x, bytes "
        f"{ours['bytes'] / helpers['bytes']:.2f}x, CPU (total) "
        f"{ours['cpu'] / helpers['cpu']:.2f}x, CPU (pipeline) "
        f"{ours['pipeline_cpu'] / helpers['pipeline_cpu']:.2f}x, memory "
        f"{ours['memory'] / helpers['memory']:.2f}x "
        f"({base['source_changes']:,} source changes per run)"
    )
    return rows, summary


TOTALS_HEADER = [
    (
        "| engine | totals | entities | states rows per hour | rows per source"
        " change | CPU ms per source change |"
    ),
    "|---|---|---:|---:|---:|---:|",
]
TOTALS = {
    # name: (run with totals, run without, label)
    "household": ("household", "utility_cost", "household entry (energy + cost)"),
    "groups": ("helpers_totals", "helpers", "3 Sensor group sums (energy only)"),
}


def totals_rows(results: dict[str, Any]) -> list[str]:
    """Return what the totals add to their pipeline: entities, rows and CPU."""
    rows = []
    for with_totals, without, label in TOTALS.values():
        run, base = results[with_totals], results[without]
        changes = run["source_changes"]
        hours = changes / run["sensors"] * 5 / 3600
        added_rows = run["states_rows"] - base["states_rows"]
        rows.append(
            f"| {run['engine']} | {label} | {run['entities'] - base['entities']} | "
            f"{added_rows / hours:,.0f} | {added_rows / changes:.4f} | "
            f"{(run['cpu_s'] - base['cpu_s']) / changes * 1000:.4f} |"
        )
    return rows


def octopus_row(results: dict[str, Any]) -> str:
    """One engine's five years of Octopus statistics."""
    row = next(iter(results.values()))
    total = row["fetch_s"] + row["price_s"] + row["import_s"]
    return (
        f"| {row['engine']} | {row['years']} | {row['rows']:,} | "
        f"{row['statistics_rows']:,} | {row['fetch_s']:.2f} | {row['price_s']:.2f} "
        f"| {row['import_s']:.2f} | {total:.2f} |"
    )


def main() -> None:
    """Measure on each engine and print both tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sensors", type=int, default=50)
    parser.add_argument("--readings", type=int, default=720)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--dburl", action="append", default=[])
    args = parser.parse_args()
    settings = {
        "BENCH_SENSORS": str(args.sensors),
        "BENCH_READINGS": str(args.readings),
    }
    engines: list[list[str]] = [[]] + [
        ["--dburl", url, "--drop-existing-db"] for url in args.dburl
    ]
    load = list(LOAD_HEADER)
    summaries: list[str] = []
    octopus = [
        (
            "| engine | years | half-hours | statistics rows | fetch s | price s "
            "| import s | total s |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    totals = list(TOTALS_HEADER)
    for engine in engines:
        results = run_ha_half("ha_recorder_load.py", settings, engine)
        rows, summary = load_rows(results)
        load.extend(rows)
        summaries.append(summary)
        totals.extend(totals_rows(results))
        octopus.append(
            octopus_row(
                run_ha_half(
                    "ha_octopus_import.py",
                    {"BENCH_YEARS": str(args.years)},
                    [*engine, "-k", "25000"],
                )
            )
        )
    print(
        f"Table 1 - {args.sensors} power sensors at 5 s for {args.readings * 5 / 60:.0f}"
        " min, per source change",
        "",
        *load,
        "",
        *summaries,
        "",
        "Table 2 - what totals of all the sensors add, against the same pipeline"
        " without them",
        "",
        *totals,
        "",
        f"Table 3 - {args.years} years of Octopus half-hours into the statistics",
        "",
        *octopus,
        sep="\n",
    )


if __name__ == "__main__":
    main()
