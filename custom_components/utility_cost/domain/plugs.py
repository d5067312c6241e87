"""Smart plugs: what a plug's data points say, in watts, volts, amperes and kWh.

Plugs (Tuya categories ``cz`` socket, ``pc`` strip, ``kg`` switch) report switches
``switch``, ``switch_1..n`` and ``switch_usb1..n`` and, when they meter,
``cur_power``, ``cur_voltage`` and ``cur_current`` as integers with a decimal scale
from the product's cloud specification (value / 10**scale). Some products'
specifications are wrong; their scales are corrected here, from a table of products
known to be wrong and from what :mod:`.plausibility` learned of a product.

Energy: ``add_ele`` is what the plug counted itself. Most Wi-Fi plugs report the
*increment* since their previous report; Zigbee plugs (sub-devices of a gateway) and
some others report a *running total*; a specification may say which
(``report_type: sum`` is increments). Bidirectional plugs report the energy they
exported as ``pro_add_ele``. :func:`energy_point` decides how a product's counter is
read; :class:`CounterFollower` turns its successive reports into energy slices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
import math
import re
from typing import Any, Final

from .energy import RESET_FRACTION, EnergySlice

PLUG_CATEGORIES: Final = frozenset({"cz", "pc", "kg"})
POWER: Final = "cur_power"
VOLTAGE: Final = "cur_voltage"
CURRENT: Final = "cur_current"
ENERGY: Final = "add_ele"
EXPORTED: Final = "pro_add_ele"
ENERGY_STATUS: Final = "energy_status"
_SWITCH: Final = re.compile(r"^switch(?:_(usb)?(\d+))?$")

# The scales most plugs use, for a product whose specification is not known (yet).
DEFAULT_SCALES: Final[Mapping[str, int]] = {
    POWER: 1,
    VOLTAGE: 1,
    CURRENT: 0,
    ENERGY: 3,
    EXPORTED: 3,
}
DEFAULT_UNITS: Final[Mapping[str, str]] = {
    POWER: "W",
    VOLTAGE: "V",
    CURRENT: "mA",
    ENERGY: "kWh",
    EXPORTED: "kWh",
}

# Products whose cloud specification gives the wrong scale, with the right ones.
# Each comes from a public report of values ten times too high with the cloud's.
SCALE_OVERRIDES: Final[Mapping[str, Mapping[str, int]]] = {
    # "Mini Smart Plug" (cz): power and voltage in 0.1 units, declared as scale 0
    # (home-assistant-libs/tuya-device-handlers#265).
    "qxJSyTLEtX5WrzA9": {POWER: 1, VOLTAGE: 1},
    # WP30 "Power Monitoring Strip" (pc): power in 0.1 W, declared as scale 0
    # (tuya/tuya-home-assistant#938).
    "7hBwPPNdDP1xHrWv": {POWER: 1},
}

# A counter whose range reaches this far counts a lifetime, not an increment.
TOTAL_COUNTER_RANGE: Final = 10_000_000


@dataclass(frozen=True, slots=True)
class Scale:
    """How to read one metered data point: value / 10**scale, in ``unit``."""

    scale: int
    unit: str

    def value(self, raw: Any) -> float | None:
        """Return the scaled value, or None if ``raw`` is not a finite number."""
        if isinstance(raw, str):
            try:
                raw = float(raw)
            except ValueError:
                return None
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return None
        value = raw / 10**self.scale
        return value if math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class PointSpec:
    """What a product's specification says of one data point."""

    scale: int
    unit: str | None = None
    maximum: int | None = None
    report_type: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Serialise the data point (for the store and the diagnostics)."""
        return {
            "scale": self.scale,
            "unit": self.unit,
            "max": self.maximum,
            "report_type": self.report_type,
        }

    @classmethod
    def from_dict(cls, point: Any) -> PointSpec:
        """Read :meth:`as_dict`'s form, or ``[scale, unit]`` (older stores)."""
        if isinstance(point, list | tuple):
            return cls(int(point[0]), point[1])
        return cls(
            int(point["scale"]),
            point.get("unit"),
            point.get("max"),
            point.get("report_type"),
        )


def plug_scales(
    product_id: str,
    specified: Mapping[str, PointSpec] | None,
    learned: Mapping[str, int] | None = None,
) -> dict[str, Scale]:
    """Return the scales of a product's metered data points.

    ``specified`` maps codes to the cloud specification (None while it is not
    known); ``learned`` holds corrections (powers of ten) that the plausibility
    checks established for the product. The override table wins over both.
    """
    scales: dict[str, Scale] = {}
    overrides = SCALE_OVERRIDES.get(product_id, {})
    for code, default in DEFAULT_SCALES.items():
        point = (specified or {}).get(code)
        scale = default if point is None else point.scale
        if code in overrides:
            scale = overrides[code]
        else:
            scale += (learned or {}).get(code, 0)
        unit = (point.unit if point is not None else None) or DEFAULT_UNITS[code]
        scales[code] = Scale(scale, unit)
    return scales


def _outlet(code: str) -> tuple[int, int] | None:
    """Return the order of a switch code: mains outlets first, then USB ones."""
    match = _SWITCH.match(code)
    if match is None:
        return None
    return (1 if match.group(1) else 0, int(match.group(2) or 0))


def switch_codes(status: Mapping[str, Any]) -> list[str]:
    """Return the switchable outlets of a status: mains outlets, then USB ones."""
    numbered = [(n, code) for code in status if (n := _outlet(code)) is not None]
    return [code for _, code in sorted(numbered)]


def mains_codes(status: Mapping[str, Any]) -> list[str]:
    """Return the outlets that feed what the plug meters (not its USB ports)."""
    return [code for code in switch_codes(status) if "usb" not in code]


def is_plug(category: str, status: Mapping[str, Any]) -> bool:
    """Return True for a plug, strip or switch with at least one outlet."""
    return category in PLUG_CATEGORIES and bool(switch_codes(status))


def is_metering(status: Mapping[str, Any]) -> bool:
    """Return True if the plug reports its power."""
    return POWER in status


def measures_energy(status: Mapping[str, Any]) -> bool:
    """Return True if the plug counts the energy it passes (``add_ele``)."""
    return ENERGY in status


@dataclass(frozen=True, slots=True)
class FixedWatts:
    """The power of a plug that does not meter (or meters wrongly): on and standby."""

    watts: float
    standby_watts: float = 0.0


@dataclass(frozen=True, slots=True)
class PlugReading:
    """A plug's state at one poll, as reported (scales applied, nothing judged)."""

    switches: Mapping[str, bool]
    power_w: float | None
    voltage_v: float | None
    current_a: float | None
    producing: bool = False

    @property
    def on(self) -> bool:
        """Return True if any outlet is on."""
        return any(self.switches.values())

    @property
    def mains_on(self) -> bool:
        """Return True if an outlet feeding the metered load is on."""
        return any(on for code, on in self.switches.items() if "usb" not in code)


def read_plug(
    status: Mapping[str, Any],
    scales: Mapping[str, Scale],
    fixed: FixedWatts | None = None,
) -> PlugReading:
    """Read a plug's status; ``fixed`` replaces its metered power if given."""
    switches = {code: status[code] is True for code in switch_codes(status)}
    current = scales[CURRENT].value(status.get(CURRENT))
    if current is not None and scales[CURRENT].unit == "mA":
        current /= 1000
    power = scales[POWER].value(status.get(POWER))
    if fixed is not None:
        mains = [on for code, on in switches.items() if "usb" not in code]
        power = fixed.watts if any(mains) else fixed.standby_watts
    return PlugReading(
        switches=switches,
        power_w=power,
        voltage_v=scales[VOLTAGE].value(status.get(VOLTAGE)),
        current_a=current,
        producing=status.get(ENERGY_STATUS) == "production",
    )


# --- the plug's own energy counter ------------------------------------------------


class CounterKind(StrEnum):
    """How a product's energy counter counts."""

    INCREMENT = "increment"  # the energy since the previous report
    TOTAL = "total"  # a running total


@dataclass(frozen=True, slots=True)
class EnergyPoint:
    """A product's energy data point: its code, scale and kind."""

    code: str
    scale: Scale
    kind: CounterKind

    def kwh(self, raw: Any) -> float | None:
        """Return a raw value in kWh (None if it is not a finite number)."""
        value = self.scale.value(raw)
        if value is None:
            return None
        if self.scale.unit.casefold() == "wh":
            value /= 1000
        return value


def counter_kind(spec: PointSpec | None, *, sub: bool) -> CounterKind:
    """Return how a counter counts, from what its product says of it.

    ``report_type: sum`` means increments. Otherwise a sub-device of a gateway (a
    Zigbee plug) or a range only a lifetime needs means a running total; what is
    left, most Wi-Fi plugs, reports increments.
    """
    if spec is not None and spec.report_type == "sum":
        return CounterKind.INCREMENT
    if sub or (
        spec is not None
        and spec.maximum is not None
        and spec.maximum >= TOTAL_COUNTER_RANGE
    ):
        return CounterKind.TOTAL
    return CounterKind.INCREMENT


def energy_point(
    code: str,
    scales: Mapping[str, Scale],
    spec: PointSpec | None,
    *,
    sub: bool,
    kind: CounterKind | None = None,
) -> EnergyPoint:
    """Return how to read a product's energy counter ``code``."""
    return EnergyPoint(code, scales[code], kind or counter_kind(spec, sub=sub))


# How far back an increment reaches when the previous report is not known.
UNKNOWN_START_SPAN: Final = timedelta(minutes=15)


@dataclass(slots=True)
class CounterFollower:
    """Follows a counter's reports and yields the energy between them.

    ``last_at`` is the instant of the last report counted; for a running total,
    ``last_total`` is its value then. A report at or before ``last_at`` has been
    counted (the same report delivered twice, or read from two sources) and is
    ignored. ``counted_to`` is an instant before which the energy was counted by
    other means (an estimate accepted as final): the part of a report's energy
    before it is left out.
    """

    point: EnergyPoint
    last_at: datetime | None = None
    last_total: float | None = None
    counted_to: datetime | None = None

    def follow(
        self, at: datetime, raw: Any, since: datetime | None = None
    ) -> EnergySlice | None:
        """Take a report; return the energy it says was used (None if nothing).

        ``since`` is where the counting starts for a first increment (the end of
        what was measured before); without it an increment reaches back
        ``UNKNOWN_START_SPAN``.
        """
        value = self.point.kwh(raw)
        if value is None or value < 0:
            return None
        previous = self.last_at
        if previous is not None and at <= previous:
            return None
        if self.point.kind is CounterKind.TOTAL:
            last_total, self.last_total = self.last_total, value
            self.last_at = at
            if last_total is None or previous is None:
                return None  # a first total only sets the baseline
            delta = (
                value - last_total
                if value >= last_total
                else value
                if value < RESET_FRACTION * last_total
                else 0.0
            )
            return self._after_counted(EnergySlice(previous, at, delta))
        self.last_at = at
        start = previous or since or at - UNKNOWN_START_SPAN
        start = min(start, at)
        return self._after_counted(EnergySlice(start, at, value))

    def _after_counted(self, energy: EnergySlice) -> EnergySlice:
        """Leave out the part of ``energy`` before ``counted_to`` (in proportion)."""
        counted = self.counted_to
        if counted is None or counted <= energy.start:
            return energy
        if counted >= energy.end:
            return EnergySlice(energy.end, energy.end, 0.0)
        share = (energy.end - counted) / (energy.end - energy.start)
        return EnergySlice(counted, energy.end, energy.energy_kwh * share)

    def as_dict(self) -> dict[str, Any]:
        """Serialise where the counter was followed to."""
        return {
            "last_at": self.last_at.isoformat() if self.last_at else None,
            "last_total": self.last_total,
            "counted_to": self.counted_to.isoformat() if self.counted_to else None,
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Continue from :meth:`as_dict`."""
        last_at = data.get("last_at")
        self.last_at = datetime.fromisoformat(last_at) if last_at else None
        total = data.get("last_total")
        self.last_total = None if total is None else float(total)
        counted = data.get("counted_to")
        self.counted_to = datetime.fromisoformat(counted) if counted else None
