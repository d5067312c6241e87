"""Kill a real Home Assistant at random instants; count what its meters lose or double.

A real Home Assistant process (``scripts/run_hass.py``, its own configuration in a
temporary folder, the recorder on SQLite) tracks two sources with this
integration, priced by a fixed tariff: a power sensor and an energy meter of the
same appliance, whose states this script posts every second through the REST API
(an appliance switching between off, standby and two loads every 8 to 90 s; the
meter's kWh is the exact integral of that power). The process is stopped at least
``--lives`` times at random instants, gracefully (SIGTERM) or with ``kill -9``, and
started again. The script watches, through the websocket API, every state the
entities publish and every ``utility_cost_session_ended`` event.

Per stop it prints: the energy the power-sourced meter lost (the exact integral of
what was posted while Home Assistant ran, minus what it restored), the last value
published before the stop against the value restored (restored must never be
lower: the recorder has the published one), and the events seen. At the end, after
a graceful stop: both entities' states against the exact references, their
recorder statistics sums against their states, the log's "not strictly
increasing" warnings, and whether any session was announced twice or overlaps
another.

Run: ``.venv/bin/python benchmarks/crash_restart.py`` (about 25 minutes;
``--lives`` and ``--seed`` change it); the test requirements suffice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import dataclass, field
import itertools
import json
import os
from pathlib import Path
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from demo import DOMAIN, HomeAssistantApi  # noqa: E402

from custom_components.utility_cost.const import METER_SAVE_DELAY_S  # noqa: E402

POWER_SOURCE = "sensor.bench_power"
ENERGY_SOURCE = "sensor.bench_meter"
POWER_ATTRS = {"unit_of_measurement": "W", "device_class": "power"}
ENERGY_ATTRS = {
    "unit_of_measurement": "kWh",
    "device_class": "energy",
    "state_class": "total_increasing",
}
# The tracked sensors' lifetime energy entities (named after their entries).
POWER_ENERGY = "sensor.bench_power_meter_energy"
METER_ENERGY = "sensor.bench_energy_meter_energy"
LOADS_W = (0.0, 0.0, 4.0, 650.0, 2100.0)
CONFIGURATION = """
homeassistant:
  name: Crash bench
  time_zone: Europe/Madrid
  currency: EUR
  unit_system: metric
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
config:
onboarding:
websocket_api:
recorder:
logger:
  default: warning
"""


def free_port() -> int:
    """Return a loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Appliance:
    """The schedule: a power that switches at random, and its exact energy."""

    rng: random.Random
    power_w: float = 0.0
    switch_at: float = 0.0
    energy_kwh: float = 0.0  # exact, over all time (what the meter reports)
    seen_kwh: float = 0.0  # exact, while Home Assistant was taking readings
    last: float | None = None  # when the power was last posted
    running: bool = False  # Home Assistant is taking readings

    def advance(self, now: float) -> None:
        """Integrate up to ``now``; switch if it is time."""
        if self.last is not None:
            kwh = self.power_w * (now - self.last) / 3_600_000
            self.energy_kwh += kwh
            if self.running:
                self.seen_kwh += kwh
        self.last = now
        if now >= self.switch_at:
            self.power_w = self.rng.choice(LOADS_W)
            self.switch_at = now + self.rng.uniform(8, 90)


@dataclass
class Life:
    """One run of Home Assistant, from its start to its stop."""

    number: int
    how: str = ""
    restored_power_kwh: float = 0.0
    restored_meter_kwh: float = 0.0
    published_power_kwh: float = 0.0  # the last value published before the stop
    published_meter_kwh: float = 0.0
    exact_power_kwh: float = 0.0  # the exact energy seen, at the stop
    sessions: int = 0


@dataclass
class Watch:
    """What the websocket showed: the last published states and the sessions."""

    published: dict[str, float] = field(default_factory=dict)
    sessions: list[dict[str, Any]] = field(default_factory=list)


class Bench:
    """Start, feed, watch and stop Home Assistant."""

    def __init__(self, folder: Path, seed: int) -> None:
        """Prepare a configuration in ``folder``."""
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (folder / "custom_components").mkdir(parents=True)
        (folder / "custom_components" / DOMAIN).symlink_to(
            ROOT / "custom_components" / DOMAIN
        )
        (folder / "configuration.yaml").write_text(CONFIGURATION.format(port=self.port))
        self.log = (folder / "run.log").open("ab")
        self.process: subprocess.Popen[bytes] | None = None
        self.api = HomeAssistantApi(self.url)
        self.appliance = Appliance(random.Random(seed))
        self.watch = Watch()

    def start(self) -> None:
        """Start Home Assistant and wait until it answers and is logged in."""
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "scripts" / "run_hass.py"),
                "-c",
                str(self.folder),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.api.wait_until_up(180)
        self.api.token = None
        if (self.folder / ".storage" / "onboarding").exists():
            self.api.log_in()
        else:
            self.api.onboard()

    def stop(self, how: str) -> None:
        """Stop Home Assistant: ``graceful`` (SIGTERM, waited for) or ``kill``."""
        assert self.process is not None
        if how == "kill":
            self.process.send_signal(signal.SIGKILL)
        else:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)
        self.process = None

    def post_sources(self, session_up: bool) -> None:
        """Post the power and the meter's energy now."""
        appliance = self.appliance
        appliance.running = session_up
        self.api.request(
            "POST",
            f"/api/states/{POWER_SOURCE}",
            {"state": str(appliance.power_w), "attributes": POWER_ATTRS},
        )
        self.api.request(
            "POST",
            f"/api/states/{ENERGY_SOURCE}",
            {"state": f"{appliance.energy_kwh:.6f}", "attributes": ENERGY_ATTRS},
        )

    def create_entries(self) -> None:
        """Add the tariff and the two tracked sensors through the config flow."""
        tariff = self.api.flow(
            "flow",
            DOMAIN,
            {"next_step_id": "fixed_tariff"},
            {"name": "Bench tariff", "price": 0.25, "currency": "EUR"},
        )
        tariff_id = tariff["result"]["entry_id"]
        for source, name in (
            (POWER_SOURCE, "Bench power meter"),
            (ENERGY_SOURCE, "Bench energy meter"),
        ):
            self.api.flow(
                "flow",
                DOMAIN,
                {"next_step_id": "tracked_sensor"},
                {"source": source, "tariff": tariff_id, "name": name},
            )

    def state(self, entity_id: str) -> float | None:
        """Return an entity's numeric state, None if it has none."""
        try:
            return float(self.api.request("GET", f"/api/states/{entity_id}")["state"])
        except (ValueError, KeyError, OSError):
            return None

    def wait_for(self, entity_id: str, timeout_s: float = 120) -> float:
        """Wait until an entity has a numeric state; return it."""
        deadline = time.monotonic() + timeout_s
        while (value := self.state(entity_id)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(entity_id)
            time.sleep(0.5)
        return value


async def watch_websocket(bench: Bench, ready: asyncio.Event) -> None:
    """Follow published states and session events until cancelled."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{bench.url}/api/websocket") as ws,
    ):
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": bench.api.token})
        await ws.receive_json()
        await ws.send_json(
            {"id": 1, "type": "subscribe_events", "event_type": "state_changed"}
        )
        await ws.send_json(
            {
                "id": 2,
                "type": "subscribe_events",
                "event_type": "utility_cost_session_ended",
            }
        )
        ready.set()
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            if data.get("type") != "event":
                continue
            event = data["event"]
            if event["event_type"] == "utility_cost_session_ended":
                bench.watch.sessions.append(event["data"])
                continue
            new = event["data"].get("new_state") or {}
            if new.get("entity_id") in (POWER_ENERGY, METER_ENERGY):
                with contextlib.suppress(ValueError):
                    bench.watch.published[new["entity_id"]] = float(new["state"])


async def feed(bench: Bench, seconds: float) -> None:
    """Post the sources every second for ``seconds`` (blocking calls in a thread)."""
    end = time.monotonic() + seconds
    loop = asyncio.get_running_loop()
    while time.monotonic() < end:
        now = time.monotonic()
        bench.appliance.advance(now)
        await loop.run_in_executor(None, bench.post_sources, True)
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - now)))


async def live(bench: Bench, life: Life, seconds: float, first: bool) -> None:
    """Run one life: start, check what was restored, feed, stop."""
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, bench.start)
    if first:
        # The sources exist (at 0 W and 0 kWh) before the entries that track them.
        await loop.run_in_executor(None, bench.post_sources, False)
        await loop.run_in_executor(None, bench.create_entries)
    life.restored_power_kwh = await loop.run_in_executor(
        None, bench.wait_for, POWER_ENERGY
    )
    life.restored_meter_kwh = await loop.run_in_executor(
        None, bench.wait_for, METER_ENERGY
    )
    # Until something newer is published, the restored values are what is shown.
    bench.watch.published = {
        POWER_ENERGY: life.restored_power_kwh,
        METER_ENERGY: life.restored_meter_kwh,
    }
    ready = asyncio.Event()
    watcher = asyncio.create_task(watch_websocket(bench, ready))
    await asyncio.wait_for(ready.wait(), 30)
    sessions_before = len(bench.watch.sessions)
    # Time passes off the schedule between two lives: what was used meanwhile is
    # the energy meter's to count, not the power sensor's.
    bench.appliance.running = False
    bench.appliance.advance(time.monotonic())
    await feed(bench, seconds)
    bench.appliance.advance(time.monotonic())
    life.exact_power_kwh = bench.appliance.seen_kwh
    life.published_power_kwh = bench.watch.published.get(POWER_ENERGY, 0.0)
    life.published_meter_kwh = bench.watch.published.get(METER_ENERGY, 0.0)
    await loop.run_in_executor(None, bench.stop, life.how)
    bench.appliance.running = False
    watcher.cancel()
    life.sessions = len(bench.watch.sessions) - sessions_before


def statistics_check(folder: Path, entity_id: str) -> tuple[int, float, float]:
    """Return the short-term statistics rows, and how far sum and state drift apart.

    The recorder's sum starts at 0 at its first row, so ``state - sum`` is the first
    state and must stay so: a meter reset read into a dip would lower it. Return
    (rows, the spread of ``state - sum`` over the rows, the last row's sum growth
    against its state growth).
    """
    with sqlite3.connect(folder / "home-assistant_v2.db") as db:
        rows = db.execute(
            "SELECT s.state, s.sum FROM statistics_short_term s JOIN statistics_meta m"
            " ON s.metadata_id = m.id WHERE m.statistic_id = ? ORDER BY s.start_ts",
            (entity_id,),
        ).fetchall()
    if not rows:
        return 0, float("nan"), float("nan")
    offsets = [state - total for state, total in rows]
    grown = (rows[-1][1] - rows[0][1]) - (rows[-1][0] - rows[0][0])
    return len(rows), max(offsets) - min(offsets), grown


async def run(lives: int, seed: int) -> None:
    """Run the lives and print the tables."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        bench = Bench(folder, seed)
        results: list[Life] = []
        for number in range(lives):
            life = Life(number + 1, how=rng.choice(("kill", "kill", "graceful")))
            await live(bench, life, rng.uniform(15, 75), first=number == 0)
            results.append(life)
            print(
                f"life {life.number}: {life.how}, restored {life.restored_power_kwh:.4f}"
                f" kWh, published {life.published_power_kwh:.4f}",
                flush=True,
            )
        # A last life: what the last stop restored, then a graceful stop.
        final = Life(lives + 1, how="graceful")
        await live(bench, final, 30, first=False)
        # Start once more: the power meter's restored total; then one reading of
        # the energy meter, which books what it counted since its last write.
        bench.start()
        power_state = bench.wait_for(POWER_ENERGY)
        bench.appliance.advance(time.monotonic())
        bench.post_sources(False)
        await asyncio.sleep(METER_SAVE_DELAY_S + 5)
        meter_state = bench.wait_for(METER_ENERGY)
        bench.stop("graceful")
        report(results, final, bench, (power_state, meter_state))


def report(
    results: list[Life],
    final: Life,
    bench: Bench,
    states: tuple[float, float],
) -> None:
    """Print the per-stop table and the summary (``states``: power, meter now)."""
    power_state, meter_state = states
    folder = bench.folder
    log = (folder / "run.log").read_text(errors="replace")
    print(
        "| stop | how | power meter lost Wh | published kWh | restored kWh "
        "| restored >= published | sessions |"
    )
    print("|---:|---|---:|---:|---:|:---:|---:|")
    # Each stop's loss: what was exact at it, less what the next start restored,
    # less what earlier stops already lost.
    losses: list[tuple[str, float]] = []
    deficit = 0.0
    for before, after in itertools.pairwise([*results, final]):
        lost = (before.exact_power_kwh - after.restored_power_kwh) * 1000 - deficit
        deficit += lost
        losses.append((before.how, lost))
        kept = after.restored_power_kwh + 5e-4 >= before.published_power_kwh and (
            after.restored_meter_kwh + 5e-4 >= before.published_meter_kwh
        )
        print(
            f"| {before.number} | {before.how} | {lost:.2f} | "
            f"{before.published_power_kwh:.3f} | {after.restored_power_kwh:.3f} | "
            f"{'yes' if kept else 'NO'} | {before.sessions} |"
        )
    exact_meter = bench.appliance.energy_kwh
    seen = {(s["name"], s["start"]) for s in bench.watch.sessions}
    twice = len(bench.watch.sessions) - len(seen)
    overlaps = 0
    for name in {s["name"] for s in bench.watch.sessions}:
        spans = sorted(
            (s["start"], s["end"]) for s in bench.watch.sessions if s["name"] == name
        )
        overlaps += sum(1 for a, b in itertools.pairwise(spans) if b[0] < a[1])
    kills = sum(1 for life in results if life.how == "kill")
    kill_losses = [lost for how, lost in losses if how == "kill"]
    graceful_losses = [lost for how, lost in losses if how == "graceful"]
    print()
    print(f"{len(results)} stops ({kills} kill -9, {len(results) - kills} graceful)")
    print(
        f"power meter: state {power_state:.4f} kWh, exact while running "
        f"{final.exact_power_kwh:.4f} kWh; lost per kill mean "
        f"{sum(kill_losses) / max(1, len(kill_losses)):.2f} Wh, worst "
        f"{max(kill_losses, default=0):.2f} Wh (bound: {METER_SAVE_DELAY_S} s at "
        f"{max(LOADS_W):.0f} W = {METER_SAVE_DELAY_S * max(LOADS_W) / 3600:.1f} Wh); "
        f"per graceful stop worst {max(graceful_losses, default=0):.2f} Wh"
    )
    print(
        f"energy meter: state {meter_state:.4f} kWh, exact {exact_meter:.4f} kWh "
        f"(difference {1000 * (meter_state - exact_meter):+.2f} Wh)"
    )
    for entity_id, state in ((POWER_ENERGY, power_state), (METER_ENERGY, meter_state)):
        rows, spread, grown = statistics_check(folder, entity_id)
        print(
            f"{entity_id}: state {state:.4f} kWh; {rows} short-term statistics rows, "
            f"sum grew {grown * 1000:+.3f} Wh more than the state "
            f"(spread of state - sum: {spread * 1000:.3f} Wh)"
        )
    print(
        f'log lines "not strictly increasing": {log.count("not strictly increasing")}'
    )
    print(
        f"sessions announced: {len(bench.watch.sessions)}, twice: {twice}, "
        f"overlapping: {overlaps}"
    )


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lives", type=int, default=22)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    asyncio.run(run(args.lives, args.seed))


if __name__ == "__main__":
    main()
