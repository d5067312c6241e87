"""A day of Tuya plugs: the energy Home Assistant shows against what was used.

Runs ``benchmarks/ha_tuya_accuracy.py`` under Home Assistant's test harness (a
real recorder, the fake Tuya cloud on loopback, simulated appliances) once per kind
of cloud project, and prints, in one run:

* per device: the true energy of the day, what the polled power alone gave (the
  ``power`` project: the baseline), and what each project's route gave (the day's
  measured hours, once its last reports are in), with their errors;
* per project: calls, messages, the refresh gaps against the planned interval,
  and the commands refused.

Run: ``.venv/bin/python benchmarks/tuya_accuracy.py`` (``BENCH_HOURS=6`` for a
shorter day).
"""

from __future__ import annotations

import os
from pathlib import Path
import sys
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ha_run import run_ha_half

ROUTES = ("push", "statistics", "logs")


def _error(value: float | None, true: float) -> str:
    if value is None:
        return "-"
    if true < 0.001:
        return f"{(value - true) * 1000:+.1f} Wh"
    return f"{(value - true) / true * 100:+.1f} %"


def _measured(result: dict[str, Any], device: str) -> float | None:
    """Return the day's energy by the project's route (hours), else what was shown."""
    day = result["day"].get(device)
    return day if day is not None else result["shown"].get(device)


def main() -> None:
    """Measure and print the tables."""
    results = run_ha_half(
        "ha_tuya_accuracy.py", {"BENCH_HOURS": os.environ.get("BENCH_HOURS", "24")}
    )
    base = results["power"]
    names = base["names"]
    lines = [
        (
            f"Simulated day of {base['hours']:g} h, {len(names)} devices, cap 26,000"
            " calls a month."
        ),
        "",
        "| device | true kWh | power only | error | "
        + " | ".join(f"{route} | error" for route in ROUTES)
        + " |",
        "|---|---:|---:|---:|" + "---:|---:|" * len(ROUTES),
    ]
    totals = dict.fromkeys(("true", "power", *ROUTES), 0.0)
    worst = dict.fromkeys((*ROUTES, "power"), 0.0)  # relative, plugs of 0.1 kWh or more
    worst_wh = dict.fromkeys((*ROUTES, "power"), 0.0)  # absolute, every plug
    for device in base["metered"]:
        true = base["true"][device]
        power = base["shown"].get(device)
        cells = [names[device], f"{true:.3f}"]
        cells += ["-" if power is None else f"{power:.3f}", _error(power, true)]
        totals["true"] += true
        totals["power"] += power or 0.0
        _note(worst, worst_wh, "power", power, true)
        for route in ROUTES:
            value = _measured(results[route], device)
            source = results[route]["sources"].get(device, "-")
            cells += [
                "-" if value is None else f"{value:.3f} ({source})",
                _error(value, true),
            ]
            totals[route] += value or 0.0
            _note(worst, worst_wh, route, value, true)
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(
        f"| **all** | {totals['true']:.3f} | {totals['power']:.3f} | "
        f"{_error(totals['power'], totals['true'])} | "
        + " | ".join(
            f"{totals[route]:.3f} | {_error(totals[route], totals['true'])}"
            for route in ROUTES
        )
        + " |"
    )
    lines += [
        "",
        (
            "| project | calls | messages | planned interval s | mean gap s "
            "| worst gap s | commands | refused | worst plug error (≥ 0.1 kWh) "
            "| worst plug error (any) |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in (*ROUTES, "power"):
        row = results[kind]
        gaps = row["gaps"] or [0.0]
        lines.append(
            f"| {kind} | {row['calls']:,} | {row['messages']:,} | "
            f"{row['planned_mean_s']:.0f} | {sum(gaps) / len(gaps):.0f} | "
            f"{max(gaps):.0f} | {row['commands']} | {row['refused']} | "
            f"{worst[kind] * 100:.2f} % | {worst_wh[kind]:.1f} Wh |"
        )
    print("\n".join(lines))


def _note(
    worst: dict[str, float],
    worst_wh: dict[str, float],
    kind: str,
    value: float | None,
    true: float,
) -> None:
    """Keep the worst errors of a project: relative (0.1 kWh or more), and in Wh."""
    error = abs((value or 0.0) - true)
    worst_wh[kind] = max(worst_wh[kind], error * 1000)
    if true >= 0.1:
        worst[kind] = max(worst[kind], error / true)


if __name__ == "__main__":
    main()
