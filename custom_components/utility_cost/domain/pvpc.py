"""Spain's PVPC: zones, the 2.0TD toll periods and when prices are published.

* Zones: REE publishes the PVPC for five geographical zones. Prices are given per
  hour of the day in peninsular time; the Canary Islands apply them to the same hours
  of their own clock, one hour behind.
* Toll periods of the 2.0TD access toll (CNMC Circular 3/2020): P3 (valle) all day
  on Saturdays, Sundays, 6 January and the national holidays of fixed date that
  cannot be moved to another day; otherwise P3 from 00:00 to 08:00, and P1 (punta)
  and P2 (llano) by hour, with different hours in Ceuta and Melilla. The holidays
  are computed from that rule for any year (Good Friday has no fixed date, so it is
  not one of them).
* Publication: the next day's prices appear in the evening, about 20:15-20:30
  Europe/Madrid; fetching is retried with a growing delay until they do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from typing import Final
from zoneinfo import ZoneInfo

from .periods import local_midnight

PENINSULAR_TZ: Final = ZoneInfo("Europe/Madrid")
CANARY_TZ: Final = ZoneInfo("Atlantic/Canary")

# After this peninsular time the next day's prices are expected.
PUBLICATION_TIME: Final = time(20, 30)
# Delays between attempts while a fetch fails or the prices are not out yet.
RETRY_DELAYS: Final = (
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=20),
    timedelta(minutes=30),
)


class Zone(StrEnum):
    """A PVPC zone."""

    PENINSULA = "peninsula"
    CANARIAS = "canarias"
    BALEARES = "baleares"
    CEUTA = "ceuta"
    MELILLA = "melilla"


@dataclass(frozen=True, slots=True)
class ZoneFacts:
    """What identifies a zone in REE's data, and its clock."""

    geo_id: int  # in the indicator API
    archive_column: str  # in the public daily archive
    tz: ZoneInfo
    ceuta_melilla: bool  # the 2.0TD hours of Ceuta and Melilla differ


ZONES: Final[dict[Zone, ZoneFacts]] = {
    Zone.PENINSULA: ZoneFacts(8741, "PCB", PENINSULAR_TZ, ceuta_melilla=False),
    Zone.CANARIAS: ZoneFacts(8742, "PCB", CANARY_TZ, ceuta_melilla=False),
    Zone.BALEARES: ZoneFacts(8743, "PCB", PENINSULAR_TZ, ceuta_melilla=False),
    Zone.CEUTA: ZoneFacts(8744, "CYM", PENINSULAR_TZ, ceuta_melilla=True),
    Zone.MELILLA: ZoneFacts(8745, "CYM", PENINSULAR_TZ, ceuta_melilla=True),
}
# Indicators published for the whole country carry this geo id.
SPAIN_GEO_ID: Final = 3

# (month, day) of the national holidays of fixed date that are never moved, plus
# 6 January, which the circular names although regions may move it.
_FIXED_HOLIDAYS: Final = (
    (1, 1),  # Año Nuevo
    (1, 6),  # Epifanía del Señor
    (5, 1),  # Fiesta del Trabajo
    (8, 15),  # Asunción de la Virgen
    (10, 12),  # Fiesta Nacional de España
    (11, 1),  # Todos los Santos
    (12, 6),  # Día de la Constitución
    (12, 8),  # Inmaculada Concepción
    (12, 25),  # Navidad
)

# Hours (local, 0-23) of P2 on working days from 08:00; the others from 08:00 are P1.
_P2_HOURS: Final = frozenset({8, 9, 14, 15, 16, 17, 22, 23})
_P2_HOURS_CEUTA_MELILLA: Final = frozenset({8, 9, 10, 15, 16, 17, 18, 23})
_VALLEY_UNTIL: Final = 8


@cache
def national_holidays(year: int) -> frozenset[date]:
    """Return the days of ``year`` that are P3 all day as national holidays."""
    return frozenset(date(year, month, day) for month, day in _FIXED_HOLIDAYS)


def toll_period(at: datetime, zone: Zone) -> str:
    """Return the 2.0TD period ("P1", "P2" or "P3") in force at ``at``."""
    info = ZONES[zone]
    local = at.astimezone(info.tz)
    day = local.date()
    if (
        day.weekday() >= 5
        or day in national_holidays(day.year)
        or local.hour < _VALLEY_UNTIL
    ):
        return "P3"
    p2 = _P2_HOURS_CEUTA_MELILLA if info.ceuta_melilla else _P2_HOURS
    return "P2" if local.hour in p2 else "P1"


def local_day(at: datetime, zone: Zone) -> date:
    """Return the zone's calendar day at ``at``."""
    return at.astimezone(ZONES[zone].tz).date()


def publication_time(day: date) -> datetime:
    """Return when the prices of ``day`` are expected: the evening before (UTC)."""
    evening = datetime.combine(day - timedelta(days=1), PUBLICATION_TIME)
    return evening.replace(tzinfo=PENINSULAR_TZ).astimezone(UTC)


def retry_delay(failures: int) -> timedelta:
    """Return how long to wait after ``failures`` failed attempts in a row (>= 1)."""
    return RETRY_DELAYS[min(max(failures, 1), len(RETRY_DELAYS)) - 1]


def wanted_days(now: datetime, zone: Zone, known: set[date]) -> list[date]:
    """Return the days whose prices should be fetched now.

    Today's if they are missing; tomorrow's once they are expected and missing.
    """
    today = local_day(now, zone)
    tomorrow = today + timedelta(days=1)
    wanted = [] if today in known else [today]
    if tomorrow not in known and now >= publication_time(tomorrow):
        wanted.append(tomorrow)
    return wanted


def next_check(now: datetime, zone: Zone) -> datetime:
    """Return when, with nothing missing now, to look again.

    The next local midnight (a new today) or tomorrow's publication, whichever
    comes first.
    """
    today = local_day(now, zone)
    tomorrow = today + timedelta(days=1)
    midnight = local_midnight(tomorrow, ZONES[zone].tz)
    published = publication_time(tomorrow)
    if published <= now:
        return midnight
    return min(midnight, published)
