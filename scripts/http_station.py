"""A simulated HTTP meter station: POSTs a household's power to a webhook.

It speaks what a seed-era meter did: ``{"watts": ..., "station_id": ...}`` every
few seconds (the power of ``benchmarks/profiles.power_trace``: a fridge cycling, a
kettle now and then, an oven in the evening). scripts/develop runs it for the demo's
HTTP meter; point it at any webhook to try one of your own:

    .venv/bin/python scripts/http_station.py --url http://127.0.0.1:8123/api/webhook/<id>

Refused readings are printed with the reason the webhook gave.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.profiles import READING_INTERVAL, power_trace


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


def main() -> None:
    """Post readings until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="the webhook's URL")
    parser.add_argument(
        "--url-file", type=Path, help="a file holding the URL (waited for)"
    )
    parser.add_argument("--stations", type=int, default=1, help="stations 1..N")
    args = parser.parse_args()
    url = args.url
    while url is None:
        if args.url_file is not None and args.url_file.exists():
            url = args.url_file.read_text().strip()
        else:
            time.sleep(1)
    interval = READING_INTERVAL.total_seconds()
    # Each station plays the trace from its own point, so they differ.
    traces = [power_trace(10**9, seed=station) for station in range(args.stations)]
    while True:
        for station, trace in enumerate(traces, start=1):
            _, watts = next(trace)
            status, answer = post(url, {"watts": watts, "station_id": station})
            if status != 200:
                print(f"http_station: {status} {answer}", flush=True)
        time.sleep(interval)


if __name__ == "__main__":
    main()
