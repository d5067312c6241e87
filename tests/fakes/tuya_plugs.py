"""Appliances and plug firmware for the fake Tuya cloud: the ground truth.

An :class:`Appliance` draws power in blocks of constant power (a kettle's boil, a
fridge's compressor cycle, a PC's busy hour). A plug's :class:`Firmware` measures it
as common Tuya metering plugs (BL0937 and similar chips) do and reports what the
cloud then keeps and pushes:

* ``cur_power`` (with ``cur_current`` and ``cur_voltage``) when the power moved by
  10 % or more since the last report, and as a heartbeat every 30 minutes; a power
  at or below 3 W is not resolved and reads 0 W;
* ``add_ele``, the energy counted since the previous report, every few minutes, in
  whole units of the data point's scale (0.001 kWh); the remainder waits for the
  next report. Zigbee plugs and some others report a running total instead.

Nothing here is tuned to the integration: the reports follow the devices' documented
behaviour (``../shared/design.md`` §4), and :meth:`Appliance.energy_kwh` is the exact
energy an appliance used, computed from its blocks alone, against which every
benchmark and test compares what the integration shows.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
import math
import random
from typing import Literal

HOUR = 3600.0
DAY = 24 * HOUR


@dataclass(frozen=True, slots=True)
class Block:
    """Constant power from ``start`` to ``end`` (epoch seconds)."""

    start: float
    end: float
    watts: float


@dataclass
class Appliance:
    """What an appliance draws: ``base_w`` outside its blocks, each block's power in it.

    Blocks do not overlap and are sorted by start.
    """

    kind: str
    blocks: list[Block] = field(default_factory=list)
    base_w: float = 0.0
    power_factor: float = 0.95

    def __post_init__(self) -> None:
        """Index the blocks for lookups."""
        self.blocks.sort(key=lambda b: b.start)
        self._starts = [b.start for b in self.blocks]

    def power_at(self, t: float) -> float:
        """Return the power drawn at ``t``."""
        index = bisect_right(self._starts, t) - 1
        if index >= 0 and t < self.blocks[index].end:
            return self.blocks[index].watts
        return self.base_w

    def next_change(self, t: float) -> float:
        """Return the first instant after ``t`` at which the power changes."""
        index = bisect_right(self._starts, t) - 1
        if index >= 0 and t < self.blocks[index].end:
            return self.blocks[index].end
        following = index + 1
        return (
            self.blocks[following].start if following < len(self.blocks) else math.inf
        )

    def energy_kwh(self, start: float, end: float) -> float:
        """Return the exact energy drawn from ``start`` to ``end`` (relay always on)."""
        total = 0.0
        t = start
        while t < end:
            stop = min(self.next_change(t), end)
            total += self.power_at(t) * (stop - t) / 3_600_000
            t = stop
        return total


@dataclass
class Firmware:
    """How a plug measures and reports; the defaults are those of most Wi-Fi plugs.

    ``power_scale`` and ``voltage_scale`` are the decimals the plug really sends
    (0.1 W, 0.1 V); its cloud specification may say otherwise. ``energy_kind`` is
    whether ``add_ele`` is the increment since the last report or a running total.
    """

    power_scale: int = 1
    voltage_scale: int = 1
    energy_scale: int = 3
    change_fraction: float = 0.10
    deadband_w: float = 3.0
    heartbeat_s: float = 1800.0
    energy_period_s: float = 300.0
    energy_kind: Literal["increment", "total"] = "increment"
    volts: float = 230.0


# --- a household's appliances, deterministic for a seed ---------------------------


def _blocks(
    rng: random.Random,
    start: float,
    end: float,
    *,
    on: tuple[float, float],
    off: tuple[float, float],
    watts: tuple[float, float],
) -> list[Block]:
    """Alternate on-blocks and off-gaps of random lengths (minutes) over a span."""
    blocks: list[Block] = []
    t = start + rng.uniform(*off) * 60
    while t < end:
        length = rng.uniform(*on) * 60
        blocks.append(Block(t, min(end, t + length), round(rng.uniform(*watts), 1)))
        t += length + rng.uniform(*off) * 60
    return blocks


def _at_times(
    start: float,
    times_h: list[float],
    minutes: float,
    watts: float,
) -> list[Block]:
    return [
        Block(start + h * HOUR, start + h * HOUR + minutes * 60, watts) for h in times_h
    ]


def household(start: float, seed: int = 7) -> list[Appliance]:
    """Return a day (from ``start``) of 22 appliances that switch in 1-60 min blocks.

    Short, strong loads (a kettle, a microwave, a toaster) that sparse polls miss;
    cycling ones (a fridge, a freezer, a heater); varying ones (a PC, a TV); steady
    ones (a router, lamps); and a standby load below what a plug's power resolves.
    """
    rng = random.Random(seed)
    end = start + DAY
    return [
        Appliance("kettle", _at_times(start, [6.6, 8.1, 12.4, 15.9, 19.3], 2.5, 2100)),
        Appliance(
            "microwave",
            _at_times(start, [7.2, 12.9, 13.1, 19.8], 3.0, 1150),
            base_w=1.5,
        ),
        Appliance("toaster", _at_times(start, [7.0, 7.05], 2.0, 900)),
        Appliance(
            "fridge",
            _blocks(rng, start, end, on=(8, 18), off=(15, 35), watts=(85, 120)),
            base_w=1.0,
        ),
        Appliance(
            "freezer",
            _blocks(rng, start, end, on=(10, 25), off=(20, 50), watts=(70, 95)),
            base_w=1.0,
        ),
        Appliance(
            "desk PC",
            _blocks(
                rng,
                start + 8 * HOUR,
                start + 18 * HOUR,
                on=(5, 60),
                off=(1, 20),
                watts=(60, 260),
            ),
            base_w=2.0,
        ),
        Appliance(
            "TV",
            _blocks(
                rng,
                start + 18 * HOUR,
                start + 23 * HOUR,
                on=(10, 60),
                off=(1, 15),
                watts=(70, 140),
            ),
            base_w=0.8,
        ),
        Appliance(
            "washing machine",
            [
                Block(start + 10 * HOUR, start + 10 * HOUR + 12 * 60, 2050),
                Block(start + 10 * HOUR + 12 * 60, start + 10 * HOUR + 45 * 60, 180),
                Block(start + 10 * HOUR + 45 * 60, start + 10 * HOUR + 55 * 60, 480),
            ],
            base_w=1.2,
        ),
        Appliance(
            "dishwasher",
            [
                Block(start + 20 * HOUR, start + 20 * HOUR + 25 * 60, 1900),
                Block(start + 20 * HOUR + 25 * 60, start + 21 * HOUR, 90),
                Block(start + 21 * HOUR, start + 21 * HOUR + 20 * 60, 1700),
            ],
        ),
        Appliance(
            "heater",
            _blocks(
                rng,
                start + 6 * HOUR,
                start + 9 * HOUR,
                on=(3, 12),
                off=(2, 10),
                watts=(1900, 2100),
            )
            + _blocks(
                rng,
                start + 17 * HOUR,
                start + 22 * HOUR,
                on=(3, 12),
                off=(2, 10),
                watts=(1900, 2100),
            ),
            power_factor=1.0,
        ),
        Appliance("router", base_w=6.5, power_factor=0.6),
        Appliance("aquarium", base_w=23.0),
        Appliance(
            "floor lamp",
            _at_times(start, [18.5], 240, 11.0),
            power_factor=0.9,
        ),
        Appliance(
            "coffee machine",
            _at_times(start, [6.5, 7.1, 10.5, 14.2], 1.5, 1350),
            base_w=0.5,
        ),
        Appliance("phone charger", _at_times(start, [22.5], 120, 2.5), base_w=0.3),
        Appliance(
            "game console",
            _blocks(
                rng,
                start + 16 * HOUR,
                start + 21 * HOUR,
                on=(20, 60),
                off=(5, 30),
                watts=(90, 180),
            ),
            base_w=1.0,
        ),
        Appliance(
            "dehumidifier",
            _blocks(rng, start, end, on=(15, 45), off=(15, 60), watts=(180, 230)),
        ),
        Appliance(
            "printer",
            _at_times(start, [9.0, 11.3, 16.7], 1.0, 420),
            base_w=2.0,
        ),
        Appliance(
            "monitor",
            _blocks(
                rng,
                start + 8 * HOUR,
                start + 18 * HOUR,
                on=(20, 60),
                off=(1, 10),
                watts=(22, 35),
            ),
            base_w=0.4,
        ),
        Appliance(
            "hair dryer", _at_times(start, [7.4, 21.9], 4.0, 1800), power_factor=1.0
        ),
        Appliance(
            "immersion heater",
            [Block(start + 2 * HOUR, start + 4 * HOUR + 35 * 60, 3000)],
            power_factor=1.0,
        ),
        Appliance("speaker standby", base_w=2.2),
    ]
