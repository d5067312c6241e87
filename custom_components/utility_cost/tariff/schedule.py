"""A fixed tariff's schedule, read from its options (also while its entry is not loaded)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time, tzinfo
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.util import dt as dt_util

from ..const import (
    CONF_BAND_DAYS,
    CONF_BAND_END,
    CONF_BAND_NAME,
    CONF_BAND_START,
    CONF_BANDS,
    CONF_PRICE,
    WEEKDAYS,
)
from ..domain.prices import Band, FixedTariff


def band_from_options(band: Mapping[str, Any]) -> Band:
    """Build a domain band from its stored options."""
    return Band(
        name=str(band[CONF_BAND_NAME]),
        price=float(band[CONF_PRICE]),
        start=time.fromisoformat(band[CONF_BAND_START]),
        end=time.fromisoformat(band[CONF_BAND_END]),
        days=frozenset(WEEKDAYS.index(day) for day in band[CONF_BAND_DAYS]),
    )


def fixed_tariff_from_options(options: Mapping[str, Any], tz: tzinfo) -> FixedTariff:
    """Build the fixed tariff an entry's options describe."""
    return FixedTariff(
        price=float(options[CONF_PRICE]),
        tz=tz,
        bands=tuple(band_from_options(b) for b in options.get(CONF_BANDS, ())),
    )


def fixed_schedule(entry: ConfigEntry) -> FixedTariff:
    """Build the schedule of a fixed tariff entry from its options."""
    return fixed_tariff_from_options(entry.options, dt_util.get_default_time_zone())
