"""Readings that HTTP meters POST: checked before anything is counted.

A meter (a "station") sends ``{"watts": number, "station_id": integer}``, and may add
``"timestamp"`` (ISO 8601, or seconds since the epoch) when it sends readings it
buffered. :func:`parse_reading` turns such a body into a :class:`StationReading` or
raises :class:`InvalidReadingError` with a short message saying what is wrong; nothing
else about a rejected reading is looked at or kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import math
from typing import Any, Final

FIELD_WATTS: Final = "watts"
FIELD_STATION_ID: Final = "station_id"
FIELD_TIMESTAMP: Final = "timestamp"
FIELDS: Final = frozenset({FIELD_WATTS, FIELD_STATION_ID, FIELD_TIMESTAMP})

MIN_STATION_ID: Final = 1
MAX_STATION_ID: Final = 2**31 - 1  # a positive 32-bit integer, as in the seed's table
DEFAULT_MAX_WATTS: Final = 50_000.0
# A clock this much ahead of Home Assistant's is taken as "now", not as the future.
CLOCK_TOLERANCE: Final = timedelta(seconds=5)


# Unknown fields named in a refusal; the rest are counted (the answer stays short).
SHOWN_UNKNOWN: Final = 5


class InvalidReadingError(ValueError):
    """A reading that is refused; the message says why, for the sender."""


@dataclass(frozen=True, slots=True)
class StationReading:
    """A checked reading: a station's power at an instant (UTC)."""

    station_id: int
    watts: float
    at: datetime


def parse_reading(
    body: Any,
    now: datetime,
    *,
    max_watts: float,
    last_at: Callable[[int], datetime | None],
) -> StationReading:
    """Check ``body`` (decoded JSON) received at ``now``.

    ``last_at`` gives a station's latest counted instant (None for a new station): a
    reading may not go back before it (that time is already counted).
    """
    if not isinstance(body, dict):
        raise InvalidReadingError("the body must be a JSON object")
    unknown = [str(key) for key in body if key not in FIELDS]
    if unknown:
        named = ", ".join(sorted(unknown)[:SHOWN_UNKNOWN])
        more = len(unknown) - SHOWN_UNKNOWN
        raise InvalidReadingError(
            f"unknown field: {named}" + (f" and {more} more" if more > 0 else "")
        )
    station_id = _station_id(body)
    watts = _watts(body, max_watts)
    at = _timestamp(body.get(FIELD_TIMESTAMP), now)
    last = last_at(station_id)
    if last is not None and at < last:
        raise InvalidReadingError(
            f"timestamp is older than station {station_id}'s last reading"
            f" ({last.isoformat()})"
        )
    return StationReading(station_id, watts, at)


def _station_id(body: dict[str, Any]) -> int:
    if FIELD_STATION_ID not in body:
        raise InvalidReadingError("missing field: station_id")
    value = body[FIELD_STATION_ID]
    # bool is an int in Python, not in JSON.
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidReadingError("station_id must be an integer")
    if not MIN_STATION_ID <= value <= MAX_STATION_ID:
        raise InvalidReadingError(
            f"station_id must be from {MIN_STATION_ID} to {MAX_STATION_ID}"
        )
    return value


def _watts(body: dict[str, Any], max_watts: float) -> float:
    if FIELD_WATTS not in body:
        raise InvalidReadingError("missing field: watts")
    value = body[FIELD_WATTS]
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InvalidReadingError("watts must be a number")
    watts = float(value)
    if not math.isfinite(watts):
        raise InvalidReadingError("watts must be a finite number")
    if watts < 0:
        raise InvalidReadingError("watts cannot be negative")
    if watts > max_watts:
        raise InvalidReadingError(f"watts is above the maximum of {max_watts:g} W")
    return watts


def _timestamp(value: Any, now: datetime) -> datetime:
    """Return the reading's instant: the one given, or ``now``."""
    if value is None:
        return now
    if isinstance(value, bool):
        raise InvalidReadingError("timestamp must be ISO 8601 text or epoch seconds")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise InvalidReadingError("timestamp must be a finite number")
        try:
            at = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError) as err:
            raise InvalidReadingError("timestamp is out of range") from err
    elif isinstance(value, str):
        try:
            at = datetime.fromisoformat(value)
            # Without an offset, the time is UTC (a device has no time zone).
            at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        except (OverflowError, ValueError) as err:
            raise InvalidReadingError("timestamp is not ISO 8601") from err
    else:
        raise InvalidReadingError("timestamp must be ISO 8601 text or epoch seconds")
    if at > now + CLOCK_TOLERANCE:
        raise InvalidReadingError("timestamp is in the future")
    return min(at, now)
