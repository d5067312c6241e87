"""Octopus Energy (UK): tariff codes, agreements, rates, Economy 7, gas, bills.

Pure rules of the Octopus REST API's data, with the instants passed in:

* :func:`parse_tariff_code` - ``E-1R-AGILE-24-10-01-C`` is the product
  ``AGILE-24-10-01`` in region ``C``, one register (``2R``: day/night, Economy 7);
  some codes come without the ``E-1R-`` prefix;
* :func:`agreements_in_force` - which agreement (tariff) applies to each part of a
  time range; an agreement can change in the middle of a day;
* :func:`rate_intervals` - rate rows (pence, newest first, open-ended for fixed
  tariffs) as :class:`~.prices.PriceInterval` in pounds, with or without VAT, for
  one payment method;
* :func:`economy7_intervals` - day and night rates laid over the night window;
* :func:`gas_kwh` - an SMETS2 meter's m³ as kWh;
* :func:`hourly_totals` - half-hourly consumption priced and summed per hour, the
  shape of Home Assistant's long-term statistics; :func:`whole_days` keeps the
  whole local days of them, :func:`with_standing_charge` spreads each day's
  standing charge over its half-hours;
* :func:`backfill_pages` - a range of days in pages of whole local days;
* :func:`rates_published` - whether a day's rates are out for every agreement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
import re
from typing import Final

from .hours import HOUR, HourTotal
from .periods import day_hours, local_midnight
from .prices import IntervalSchedule, PriceInterval, PriceSchedule

# m³ to kWh: volume correction factor and the conversion of MJ to kWh.
GAS_VOLUME_CORRECTION: Final = 1.02264
MJ_PER_KWH: Final = 3.6
DEFAULT_CALORIFIC_VALUE: Final = 38.8  # MJ/m³
PENCE_PER_POUND: Final = 100
HALF_HOUR: Final = timedelta(minutes=30)

# The prefix of a tariff code: fuel and registers (``1R``, ``2R``, ``FLAT2R``).
_PREFIX_REGISTERS = re.compile(r"(?:FLAT)?([12])R")
_ANY_REGISTERS = re.compile(r"[A-Z]*[0-9]+R")
_REGION = re.compile(r"[A-P]")
_PART = re.compile(r"[A-Z0-9]+")
BUSINESS_PREFIX: Final = "BUS"
_ACCOUNT_NUMBER = re.compile(r"^A-[0-9A-Z]{8}$")


class OctopusDataError(ValueError):
    """Data that does not follow the API's documented shapes."""


@dataclass(frozen=True, slots=True)
class TariffCode:
    """A tariff code taken apart."""

    code: str
    fuel: str  # "E" electricity, "G" gas
    registers: int  # 2 for day/night (Economy 7)
    product: str
    region: str | None  # business tariffs have none

    @property
    def is_economy7(self) -> bool:
        """Return True for a two-register (day/night) electricity tariff."""
        return self.fuel == "E" and self.registers == 2


def parse_tariff_code(code: str) -> TariffCode:
    """Return the parts of ``code``; raise OctopusDataError if it is not one.

    The shapes the API uses: ``E-1R-AGILE-24-10-01-C`` (fuel, registers, product,
    region), ``E-2R-…`` and ``E-FLAT2R-…`` (day and night registers), codes
    without the fuel and registers (``V2G-EXPORT-12M-FIXED-22-12-01-C``: one
    electricity register), and business codes without a region
    (``BUS-PANELP-12M-FIXED-SEPTEMBER2029``: the code is the product's).
    """
    parts = code.strip().upper().split("-")
    if not all(_PART.fullmatch(part) for part in parts):
        raise OctopusDataError(f"not a tariff code: {code!r}")
    fuel, registers = "E", 1
    if len(parts) > 2 and parts[0] in ("E", "G") and _ANY_REGISTERS.fullmatch(parts[1]):
        prefix = _PREFIX_REGISTERS.fullmatch(parts[1])
        if prefix is None:  # registers of a kind not known here (3R)
            raise OctopusDataError(f"not a tariff code: {code!r}")
        fuel, registers = parts[0], int(prefix[1])
        parts = parts[2:]
    if len(parts) >= 2 and _REGION.fullmatch(parts[-1]):
        return TariffCode(code, fuel, registers, "-".join(parts[:-1]), parts[-1])
    if len(parts) >= 2 and parts[0] == BUSINESS_PREFIX:
        return TariffCode(code, fuel, registers, "-".join(parts), None)
    raise OctopusDataError(f"not a tariff code: {code!r}")


def known_tariff(code: str) -> TariffCode | None:
    """Return the parts of ``code``, or None if it has a shape not known here."""
    try:
        return parse_tariff_code(code)
    except OctopusDataError:
        return None


def normalise_account_number(text: str) -> str | None:
    """Return ``A-XXXXXXXX`` (8 letters or digits, upper case), or None if not one.

    Real account numbers are not only hexadecimal (``A-HOLD0001``); what exists is
    for the API to say.
    """
    number = text.strip().upper()
    return number if _ACCOUNT_NUMBER.match(number) else None


@dataclass(frozen=True, slots=True)
class Agreement:
    """A tariff in force from ``valid_from`` until ``valid_to`` (None: open-ended)."""

    tariff_code: str
    valid_from: datetime
    valid_to: datetime | None


@dataclass(frozen=True, slots=True)
class AgreementSpan:
    """The part [start, end) of a range covered by one agreement.

    ``tariff`` is None when the code has a shape not known here: the span has no
    rates, and what it covers is not priced.
    """

    start: datetime
    end: datetime
    code: str
    tariff: TariffCode | None


def agreements_in_force(
    agreements: Iterable[Agreement], start: datetime, end: datetime
) -> list[AgreementSpan]:
    """Return the agreements that cover [start, end), in time order, cut to it.

    Time covered by no agreement is left out: there is no tariff to price it.
    """
    spans: list[AgreementSpan] = []
    for agreement in sorted(agreements, key=lambda a: a.valid_from):
        span_start = max(start, agreement.valid_from)
        span_end = end if agreement.valid_to is None else min(end, agreement.valid_to)
        if span_start < span_end:
            spans.append(
                AgreementSpan(
                    span_start,
                    span_end,
                    agreement.tariff_code,
                    known_tariff(agreement.tariff_code),
                )
            )
    for previous, following in pairwise(spans):
        if following.start < previous.end:
            raise OctopusDataError(
                f"agreements {previous.code} and {following.code} overlap"
            )
    return spans


@dataclass(frozen=True, slots=True)
class RateRow:
    """A row of a rates endpoint, in pence (per kWh, or per day for standing)."""

    value_exc_vat: float
    value_inc_vat: float
    valid_from: datetime
    valid_to: datetime | None
    payment_method: str | None = None


def rate_intervals(
    rows: Iterable[RateRow],
    *,
    include_vat: bool,
    payment_method: str | None,
    until: datetime,
    label: str | None = None,
) -> list[PriceInterval]:
    """Return the rates as intervals in pounds, open-ended ones cut at ``until``.

    Rows for another payment method are skipped (rows without one apply to all). A
    row that overlaps a newer one (rows come newest first) gives way to it.
    """
    intervals: list[PriceInterval] = []
    for row in sorted(rows, key=lambda r: r.valid_from, reverse=True):
        if (
            payment_method is not None
            and row.payment_method is not None
            and row.payment_method != payment_method
        ):
            continue
        end = until if row.valid_to is None else min(row.valid_to, until)
        if intervals:
            end = min(end, intervals[-1].start)
        if row.valid_from >= end:
            continue
        pence = row.value_inc_vat if include_vat else row.value_exc_vat
        intervals.append(
            PriceInterval(row.valid_from, end, pence / PENCE_PER_POUND, label)
        )
    intervals.reverse()
    return intervals


@dataclass(frozen=True, slots=True)
class NightWindow:
    """The Economy 7 night: ``start`` to ``end`` in ``tz`` (past midnight allowed)."""

    start: time
    end: time
    tz: tzinfo


def night_ranges(
    window: NightWindow, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Return the night periods that meet [start, end), cut to it (UTC instants)."""
    ranges: list[tuple[datetime, datetime]] = []
    day: date = start.astimezone(window.tz).date() - timedelta(days=1)
    last: date = end.astimezone(window.tz).date()
    while day <= last:
        night_start = _at(day, window.start, window.tz)
        night_end_day = day if window.end > window.start else day + timedelta(days=1)
        night_end = _at(night_end_day, window.end, window.tz)
        cut_start, cut_end = max(start, night_start), min(end, night_end)
        if cut_start < cut_end:
            ranges.append((cut_start, cut_end))
        day += timedelta(days=1)
    return ranges


def _at(day: date, moment: time, tz: tzinfo) -> datetime:
    """Return the UTC instant of a local wall-clock time on ``day``."""
    return datetime.combine(day, moment, tz).astimezone(UTC)


def economy7_intervals(
    day_rates: Sequence[PriceInterval],
    night_rates: Sequence[PriceInterval],
    window: NightWindow,
) -> list[PriceInterval]:
    """Return the day rates outside the night window and the night rates inside it."""
    day_schedule = IntervalSchedule(day_rates)
    night_schedule = IntervalSchedule(night_rates)
    if not day_rates and not night_rates:
        return []
    begin = min(r.start for r in (*day_rates, *night_rates))
    finish = max(r.end for r in (*day_rates, *night_rates))
    nights = night_ranges(window, begin, finish)
    cuts = sorted(
        {begin, finish}
        | {moment for night in nights for moment in night}
        | {r.start for r in (*day_rates, *night_rates)}
        | {r.end for r in (*day_rates, *night_rates)}
    )
    intervals: list[PriceInterval] = []
    for cut_start, cut_end in pairwise(cuts):
        is_night = any(n_start <= cut_start < n_end for n_start, n_end in nights)
        schedule, label = (
            (night_schedule, "night") if is_night else (day_schedule, "day")
        )
        price = schedule.segment_at(cut_start).price
        if price is None:
            continue
        if (
            intervals
            and intervals[-1].end == cut_start
            and intervals[-1].price == price
            and intervals[-1].label == label
        ):
            intervals[-1] = PriceInterval(intervals[-1].start, cut_end, price, label)
        else:
            intervals.append(PriceInterval(cut_start, cut_end, price, label))
    return intervals


def clip_intervals(
    intervals: Iterable[PriceInterval], start: datetime, end: datetime
) -> list[PriceInterval]:
    """Return the parts of ``intervals`` within [start, end)."""
    clipped = []
    for interval in intervals:
        begin, finish = max(interval.start, start), min(interval.end, end)
        if begin < finish:
            clipped.append(PriceInterval(begin, finish, interval.price, interval.label))
    return clipped


def gas_kwh(cubic_metres: float, calorific_value: float) -> float:
    """Return the kWh of ``cubic_metres`` of gas (SMETS2 meters report m³)."""
    return cubic_metres * GAS_VOLUME_CORRECTION * calorific_value / MJ_PER_KWH


@dataclass(frozen=True, slots=True)
class Consumption:
    """A row of a consumption endpoint: what a meter measured on [start, end)."""

    start: datetime
    end: datetime
    quantity: float  # kWh, or m³ for an SMETS2 gas meter


def hourly_totals(
    rows: Iterable[Consumption], prices: IntervalSchedule, *, gas_cv: float | None
) -> list[HourTotal]:
    """Return the rows summed per UTC hour, each row priced at its start.

    Each half-hour's cost is its consumption times its rate, unrounded: rounding
    each to a penny, as a bill's line might, made days 1-5 % low (the rounding of
    48 small amounts does not cancel out).

    Only hours the rows cover whole are returned: an hour with a half-hour missing
    would be low, so it is left out (and its day is then not whole).
    ``gas_cv``: the calorific value to convert m³ (None: the rows are in kWh).
    Duplicate rows (the API sometimes returns more than asked) count once.
    """
    seen: set[datetime] = set()
    energy: dict[datetime, float] = {}
    cost: dict[datetime, float | None] = {}
    covered: dict[datetime, timedelta] = {}
    for row in sorted(rows, key=lambda r: r.start):
        if row.start in seen:
            continue
        seen.add(row.start)
        kwh = row.quantity if gas_cv is None else gas_kwh(row.quantity, gas_cv)
        price = prices.segment_at(row.start).price
        hour = row.start.replace(minute=0, second=0, microsecond=0)
        energy[hour] = energy.get(hour, 0.0) + kwh
        covered[hour] = covered.get(hour, timedelta()) + (row.end - row.start)
        so_far = cost.get(hour, 0.0)
        cost[hour] = None if price is None or so_far is None else so_far + kwh * price
    return [
        HourTotal(
            hour,
            round(kwh, 6),
            None if (hour_cost := cost[hour]) is None else round(hour_cost, 6),
        )
        for hour, kwh in sorted(energy.items())
        if covered[hour] == HOUR
    ]


def whole_days(hours: Iterable[HourTotal], tz: tzinfo) -> dict[date, list[HourTotal]]:
    """Return, by local day, the hours of every day of ``hours`` that has them all.

    A local day has 23 or 25 hours on clock-change days; a day with any hour
    missing (consumption the API does not have) is left out. ``hours``: oldest
    first, one per hour.
    """
    by_day: dict[date, list[HourTotal]] = {}
    for hour in hours:
        by_day.setdefault(hour.start.astimezone(tz).date(), []).append(hour)
    return {
        day: day_hours
        for day, day_hours in by_day.items()
        if [hour.start for hour in day_hours] == _hours_of(day, tz)
    }


def _hours_of(day: date, tz: tzinfo) -> list[datetime]:
    midnight = local_midnight(day, tz)
    return [midnight + i * HOUR for i in range(day_hours(day, tz))]


def backfill_pages(first: date, last: date, days: int) -> list[tuple[date, date]]:
    """Return [first, last] cut in pages of at most ``days`` whole days (inclusive).

    Pages are in local days, not in 24-hour steps: a page that began at 23:00 or
    01:00 after a clock change would hold no whole day.
    """
    pages: list[tuple[date, date]] = []
    start = first
    while start <= last:
        end = min(start + timedelta(days=days - 1), last)
        pages.append((start, end))
        start = end + timedelta(days=1)
    return pages


def rates_published(
    intervals: Iterable[PriceInterval],
    spans: Iterable[AgreementSpan],
    until: datetime,
) -> bool:
    """Return True if ``intervals`` price every span without a gap up to ``until``.

    ``spans``: the agreements in force on a day; ``until``: how far that day's
    prices are published at once (Agile's day-ahead rates end at 23:00 UK time).
    A day with no agreement has nothing to publish.
    """
    ordered = sorted(intervals, key=lambda interval: interval.start)
    spans = list(spans)
    for span in spans:
        covered = span.start
        for interval in ordered:
            if interval.start <= covered < interval.end:
                covered = interval.end
        if covered < min(span.end, until):
            return False
    return bool(spans)


def with_standing_charge(
    hours: Iterable[HourTotal], charges: PriceSchedule, tz: tzinfo
) -> list[HourTotal]:
    """Return ``hours`` with each half-hour's share of its day's standing charge.

    The charge per day of the agreement in force at each half-hour is spread over
    the local day's half-hours (46, 48 or 50): on a day the tariff changes, each
    agreement's charge counts pro rata to its share of the day. A half-hour
    without a known charge (an export meter has none) adds nothing.
    """
    result: list[HourTotal] = []
    slots: dict[date, int] = {}
    for hour in hours:
        added = 0.0
        for half in (hour.start, hour.start + HALF_HOUR):
            day = half.astimezone(tz).date()
            if day not in slots:
                slots[day] = 2 * day_hours(day, tz)  # half-hours: 46, 48 or 50
            charge = charges.segment_at(half).price
            if charge is not None:
                added += charge / slots[day]
        cost = None if hour.cost is None else round(hour.cost + added, 6)
        result.append(HourTotal(hour.start, hour.kwh, cost))
    return result
