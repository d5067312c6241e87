"""A simulated HTTP meter station: POSTs a household's power to a webhook.

It speaks what a seed-era meter did: ``{"watts": ..., "station_id": ...}`` every
few seconds. On its own it plays ``benchmarks/profiles.power_trace`` (a fridge
cycling, a kettle now and then, an oven in the evening); point it at any webhook to
try one of your own:

    .venv/bin/python scripts/http_station.py --url http://127.0.0.1:8123/api/webhook/<id>

For the demo of scripts/develop it is the house's mains meter (``--house-of``): it
reads the power of every appliance Home Assistant knows (every power sensor but
the meter's own) and posts their sum plus the rest of the house (a base load and
the trace), so the house always draws at least what its appliances draw, as in a
real home, and the Energy dashboard's untracked consumption is never negative.

Refused readings are printed with the reason the webhook gave.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
import json
from pathlib import Path
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.profiles import READING_INTERVAL, power_trace

# What the rest of a house draws besides its appliances (a router, standby loads).
BASE_LOAD_W = 300.0
# The demo HTTP meter's own entities: not appliances.
OWN_ENTITIES = "sensor.house_meter_"
WATTS_PER = {"W": 1.0, "kW": 1000.0}


def post(url: str, body: dict[str, object]) -> tuple[int, str]:
    """POST ``body`` as JSON; return the status and the answer."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


class Appliances:
    """The power of the appliances of a Home Assistant, read over its REST API."""

    def __init__(self, url: str, auth_file: Path) -> None:
        """Read from ``url`` with the login the demo keeps in ``auth_file``."""
        self.url = url.rstrip("/")
        self.auth_file = auth_file
        self.token: str | None = None

    def _refresh(self) -> None:
        auth = json.loads(self.auth_file.read_text())
        data = urllib.parse.urlencode(
            {
                "grant_type": "refresh_token",
                "refresh_token": auth["refresh_token"],
                "client_id": auth["client_id"],
            }
        ).encode()
        request = urllib.request.Request(f"{self.url}/auth/token", data=data)
        with urllib.request.urlopen(request, timeout=10) as response:
            self.token = json.loads(response.read())["access_token"]

    def _states(self) -> list[dict[str, Any]]:
        for attempt in range(2):
            if self.token is None or attempt:
                self._refresh()
            request = urllib.request.Request(
                f"{self.url}/api/states",
                headers={"Authorization": f"Bearer {self.token}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return list(json.loads(response.read()))
            except urllib.error.HTTPError as err:
                if err.code != 401 or attempt:
                    raise
        raise AssertionError("unreachable")

    def watts(self) -> float:
        """Return the sum of every appliance's power now."""
        total = 0.0
        for state in self._states():
            attributes = state["attributes"]
            factor = WATTS_PER.get(attributes.get("unit_of_measurement", ""))
            if (
                attributes.get("device_class") != "power"
                or factor is None
                or state["entity_id"].startswith(OWN_ENTITIES)
            ):
                continue
            try:
                total += max(0.0, float(state["state"])) * factor
            except ValueError:
                continue  # unavailable or unknown: not drawing as far as we know
        return total


def wait_for_url(args: argparse.Namespace) -> str:
    """Return the webhook's URL, waiting for the file that holds it if need be."""
    while True:
        if args.url is not None:
            return str(args.url)
        if args.url_file is not None and args.url_file.exists():
            return str(args.url_file.read_text().strip())
        time.sleep(1)


def main() -> None:
    """Post readings until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="the webhook's URL")
    parser.add_argument(
        "--url-file", type=Path, help="a file holding the URL (waited for)"
    )
    parser.add_argument("--stations", type=int, default=1, help="stations 1..N")
    parser.add_argument(
        "--house-of",
        metavar="URL",
        help="be the mains meter of the Home Assistant at URL (needs --auth-file)",
    )
    parser.add_argument(
        "--auth-file", type=Path, help="the demo's login (scripts/demo.py writes it)"
    )
    args = parser.parse_args()
    if args.house_of and args.auth_file is None:
        parser.error("--house-of needs --auth-file")
    url = wait_for_url(args)
    interval = READING_INTERVAL.total_seconds()
    if args.house_of:
        appliances = Appliances(args.house_of, args.auth_file)
        rest = power_trace(10**9, seed=0)
        while True:
            _, other = next(rest)
            try:
                watts = BASE_LOAD_W + other + appliances.watts()
            except (urllib.error.URLError, OSError, KeyError, ValueError) as err:
                # Not a reading that would be wrong: none until the power is known.
                print(f"http_station: cannot read the appliances' power: {err}")
            else:
                status, answer = post(url, {"watts": round(watts, 1), "station_id": 1})
                if status != 200:
                    print(f"http_station: {status} {answer}", flush=True)
            time.sleep(interval)
    # Each station plays the trace from its own point, so they differ.
    traces: list[Iterator[tuple[Any, float]]] = [
        power_trace(10**9, seed=station) for station in range(args.stations)
    ]
    while True:
        for station, trace in enumerate(traces, start=1):
            _, watts = next(trace)
            status, answer = post(url, {"watts": watts, "station_id": station})
            if status != 200:
                print(f"http_station: {status} {answer}", flush=True)
        time.sleep(interval)


if __name__ == "__main__":
    main()
