"""Run the Home Assistant half of a benchmark under the test harness.

Benchmarks that measure inside Home Assistant put that half in a pytest module (it
needs the harness's ``hass`` and its frozen clock); the half writes what it
measured to the JSON file named by ``BENCH_RESULTS``, which this returns.
"""

from __future__ import annotations

from collections.abc import Sequence
import json
import os
from pathlib import Path
import subprocess
import sys
import tempfile
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def wall_clock() -> float:
    """Return a monotonic wall clock in seconds that freezegun does not freeze."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def bench_tariff(price: float = 0.25, bands: list[dict[str, Any]] | None = None) -> Any:
    """Return the fixed tariff (EUR) the Home Assistant halves price with."""
    from pytest_homeassistant_custom_component.common import (  # noqa: PLC0415
        MockConfigEntry,
    )

    return MockConfigEntry(
        domain="utility_cost",
        title="Bench tariff",
        entry_id="bench_tariff",
        data={"entry_type": "fixed_tariff", "currency": "EUR"},
        options={"price": price, "bands": bands or []},
    )


def save_results(results: dict[str, Any]) -> None:
    """Write a Home Assistant half's results where :func:`run_ha_half` reads them."""
    Path(os.environ.get("BENCH_RESULTS", "results.json")).write_text(
        json.dumps(results)
    )


def run_ha_half(
    module: str, settings: dict[str, str], args: Sequence[str] = ()
) -> dict[str, Any]:
    """Run ``benchmarks/<module>`` with ``settings`` in its environment.

    ``args`` go to pytest (``--dburl`` to run on another database, ``-k``).
    """
    with tempfile.TemporaryDirectory() as folder:
        results_file = Path(folder) / "results.json"
        env = {**os.environ, **settings, "BENCH_RESULTS": str(results_file)}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(ROOT / "benchmarks" / module),
                "-q",
                "-p",
                "no:cacheprovider",
                "--no-cov",
                "-o",
                "addopts=",
                *args,
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        results: dict[str, Any] = json.loads(results_file.read_text())
        return results
