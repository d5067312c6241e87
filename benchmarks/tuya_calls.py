"""Tuya cloud requests per full refresh, this integration against the seed's way.

For 1, 5, 20, 21, 50 and 100 plugs on the fake cloud (which counts every request
it receives), one full refresh of every plug's status:

* this integration: the device list, which carries each device's status and online
  flag, 20 devices a page (``TuyaClient.devices``, what the coordinator calls);
* the seed's way: the device list, then one status request per device;
* for reference, the device list then the batch status endpoint (20 ids a call).

Also shown: what each way costs in a 31-day month at one refresh every 5 minutes,
against the trial's 26,000 calls. Run: ``.venv/bin/python benchmarks/tuya_calls.py``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import sys

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.utility_cost.api.tuya import TuyaClient
from tests.fakes.tuya_cloud import ACCESS_ID, ACCESS_SECRET, FakeTuyaCloud, socket

PLUG_COUNTS = (1, 5, 20, 21, 50, 100)
REFRESHES_PER_MONTH = 31 * 24 * 12  # one every 5 minutes
TRIAL_CALLS = 26_000


async def _count(cloud: FakeTuyaCloud, client: TuyaClient, way: str) -> int:
    """Return the requests one full refresh made (the token is already held)."""
    before = len(cloud.requests)
    devices = await client.devices()
    if way == "seed":
        for device in devices:
            await client.request("GET", f"/v1.0/iot-03/devices/{device.id}/status")
    elif way == "batch":
        ids = [device.id for device in devices]
        for start in range(0, len(ids), 20):
            await client.request(
                "GET",
                "/v1.0/iot-03/devices/status",
                {"device_ids": ",".join(ids[start : start + 20])},
            )
    return len(cloud.requests) - before


async def measure() -> list[tuple[int, int, int, int]]:
    """Return (plugs, this integration, seed, list + batch) requests per refresh."""
    rows = []
    async with aiohttp.ClientSession() as session:
        for plugs in PLUG_COUNTS:
            cloud = FakeTuyaCloud(
                [socket(f"plug{n:04d}", f"Plug {n}", 50.0) for n in range(plugs)]
            )
            await cloud.start()
            client = TuyaClient(session, ACCESS_ID, ACCESS_SECRET, cloud.base_url)
            await client.devices()  # obtain the token first
            counts = [
                await _count(cloud, client, way) for way in ("ours", "seed", "batch")
            ]
            rows.append((plugs, *counts))
            await cloud.stop()
    return rows


def main() -> None:
    """Print the table."""
    rows = asyncio.run(measure())
    print("Requests per full refresh of every plug (token excluded)\n")
    print(
        "| plugs | this integration | seed: list + 1 status each | list + batch status | seed / this |"
    )
    print("|---:|---:|---:|---:|---:|")
    for plugs, ours, seed, batch in rows:
        print(f"| {plugs} | {ours} | {seed} | {batch} | {seed / ours:.1f}x |")
    print(
        f"\nCalls in a 31-day month at one refresh every 5 minutes ({REFRESHES_PER_MONTH:,} refreshes)\n"
    )
    print("| plugs | this integration | seed | trial quota used by this / seed |")
    print("|---:|---:|---:|---:|")
    for plugs, ours, seed, _ in rows:
        print(
            f"| {plugs} | {ours * REFRESHES_PER_MONTH:,} | {seed * REFRESHES_PER_MONTH:,} |"
            f" {ours * REFRESHES_PER_MONTH / TRIAL_CALLS:.0%} / {seed * REFRESHES_PER_MONTH / TRIAL_CALLS:.0%} |"
        )


if __name__ == "__main__":
    main()
