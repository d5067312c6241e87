"""Smart plugs: what a plug's data points say, in watts, volts and amperes.

Plugs (Tuya categories ``cz`` socket, ``pc`` strip, ``kg`` switch) report switches
``switch`` or ``switch_1..n`` and, when they meter, ``cur_power``, ``cur_voltage``
and ``cur_current`` as integers with a decimal scale from the product's cloud
specification (value / 10**scale). Some products' specifications are wrong; their
scales are corrected here.

``add_ele`` (energy) is deliberately not read: it is the increment since the plug's
previous report, and reading it by polling loses or double-counts energy. Energy
comes from the power instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import math
import re
from typing import Any, Final

PLUG_CATEGORIES: Final = frozenset({"cz", "pc", "kg"})
POWER: Final = "cur_power"
VOLTAGE: Final = "cur_voltage"
CURRENT: Final = "cur_current"
_SWITCH: Final = re.compile(r"^switch(?:_(\d+))?$")

# The scales most plugs use, for a product whose specification is not known (yet).
DEFAULT_SCALES: Final[Mapping[str, int]] = {POWER: 1, VOLTAGE: 1, CURRENT: 0}
DEFAULT_UNITS: Final[Mapping[str, str]] = {POWER: "W", VOLTAGE: "V", CURRENT: "mA"}

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


@dataclass(frozen=True, slots=True)
class Scale:
    """How to read one metered data point: value / 10**scale, in ``unit``."""

    scale: int
    unit: str

    def value(self, raw: Any) -> float | None:
        """Return the scaled value, or None if ``raw`` is not a finite number."""
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return None
        value = raw / 10**self.scale
        return value if math.isfinite(value) else None


def plug_scales(
    product_id: str, specified: Mapping[str, tuple[int, str | None]] | None
) -> dict[str, Scale]:
    """Return the scales of a product's metered data points.

    ``specified`` maps codes to the (scale, unit) of the cloud specification, None
    while it is not known; the override table wins over both.
    """
    scales: dict[str, Scale] = {}
    overrides = SCALE_OVERRIDES.get(product_id, {})
    for code, default in DEFAULT_SCALES.items():
        scale, unit = (specified or {}).get(code, (default, None))
        scales[code] = Scale(overrides.get(code, scale), unit or DEFAULT_UNITS[code])
    return scales


def _outlet(code: str) -> int | None:
    """Return the outlet number of a switch code (0 for plain ``switch``)."""
    match = _SWITCH.match(code)
    return None if match is None else int(match.group(1) or 0)


def switch_codes(status: Mapping[str, Any]) -> list[str]:
    """Return the outlet switch codes of a status, in outlet order."""
    numbered = [(n, code) for code in status if (n := _outlet(code)) is not None]
    return [code for _, code in sorted(numbered)]


def is_plug(category: str, status: Mapping[str, Any]) -> bool:
    """Return True for a plug, strip or switch with at least one outlet."""
    return category in PLUG_CATEGORIES and bool(switch_codes(status))


def is_metering(status: Mapping[str, Any]) -> bool:
    """Return True if the plug reports its power."""
    return POWER in status


@dataclass(frozen=True, slots=True)
class FixedWatts:
    """The power of a plug that does not meter (or meters wrongly): on and standby."""

    watts: float
    standby_watts: float = 0.0


@dataclass(frozen=True, slots=True)
class PlugReading:
    """A plug's state at one poll."""

    switches: Mapping[str, bool]
    power_w: float | None
    voltage_v: float | None
    current_a: float | None

    @property
    def on(self) -> bool:
        """Return True if any outlet is on."""
        return any(self.switches.values())


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
        power = fixed.watts if any(switches.values()) else fixed.standby_watts
    return PlugReading(
        switches=switches,
        power_w=power,
        voltage_v=scales[VOLTAGE].value(status.get(VOLTAGE)),
        current_a=current,
    )
