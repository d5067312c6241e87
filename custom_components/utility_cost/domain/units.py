"""Unit conversions: every power becomes watts and every energy kilowatt-hours here."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

SECONDS_PER_HOUR: Final = 3600.0
WATTS_PER_KILOWATT: Final = 1000.0

_POWER_TO_W: Final[dict[str, float]] = {"W": 1.0, "kW": 1000.0}
_ENERGY_TO_KWH: Final[dict[str, float]] = {"Wh": 0.001, "kWh": 1.0, "MWh": 1000.0}

SUPPORTED_POWER_UNITS: Final = frozenset(_POWER_TO_W)
SUPPORTED_ENERGY_UNITS: Final = frozenset(_ENERGY_TO_KWH)


class SourceKind(StrEnum):
    """What a tracked source measures."""

    POWER = "power"
    ENERGY = "energy"


def source_kind_for_unit(unit: str | None) -> SourceKind | None:
    """Return the kind of quantity a unit measures, or None if it is not supported."""
    if unit in _POWER_TO_W:
        return SourceKind.POWER
    if unit in _ENERGY_TO_KWH:
        return SourceKind.ENERGY
    return None


def power_to_w(value: float, unit: str) -> float:
    """Convert a power reading in a supported unit to watts."""
    return value * _POWER_TO_W[unit]


def energy_to_kwh(value: float, unit: str) -> float:
    """Convert an energy reading in a supported unit to kilowatt-hours."""
    return value * _ENERGY_TO_KWH[unit]


def to_canonical(value: float, unit: str) -> float:
    """Convert a reading to watts (power units) or kilowatt-hours (energy units)."""
    if unit in _POWER_TO_W:
        return power_to_w(value, unit)
    return energy_to_kwh(value, unit)


def energy_kwh(power_w: float, seconds: float) -> float:
    """Energy in kWh drawn by a constant power over a duration."""
    return power_w * seconds / (WATTS_PER_KILOWATT * SECONDS_PER_HOUR)


def average_power_w(energy_kwh_: float, seconds: float) -> float:
    """Mean power in watts of an energy spread over a duration (0 for no duration)."""
    if seconds <= 0:
        return 0.0
    return energy_kwh_ * WATTS_PER_KILOWATT * SECONDS_PER_HOUR / seconds
