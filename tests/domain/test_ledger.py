"""Lifetime and calendar-period totals."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.utility_cost.domain.cost import CostPiece
from custom_components.utility_cost.domain.ledger import Ledger, PeriodTotals
from custom_components.utility_cost.domain.periods import (
    LocalDay,
    Period,
    period_start_date,
)

MADRID = ZoneInfo("Europe/Madrid")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=MADRID)


def test_period_starts() -> None:
    day = local(2026, 11, 19, 15).date()  # a Thursday
    assert period_start_date(Period.DAY, day) == day
    assert period_start_date(Period.WEEK, day).isoformat() == "2026-11-16"
    assert period_start_date(Period.MONTH, day).isoformat() == "2026-11-01"
    assert period_start_date(Period.YEAR, day).isoformat() == "2026-01-01"


def test_local_day_on_a_dst_day_has_23_hours() -> None:
    day = LocalDay.containing(local(2026, 3, 29, 12), MADRID)
    assert (day.end - day.start).total_seconds() == 23 * 3600
    assert day.start == datetime(2026, 3, 28, 23, tzinfo=UTC)


def test_piece_is_booked_in_lifetime_and_every_period() -> None:
    ledger = Ledger(MADRID)
    ledger.add(CostPiece(local(2026, 11, 19, 10), local(2026, 11, 19, 11), 2.0, 0.15))
    assert ledger.lifetime.energy_kwh == 2.0
    assert ledger.lifetime.cost == pytest.approx(0.30)
    assert ledger.periods[Period.DAY] == PeriodTotals(
        2.0, pytest.approx(0.30), local(2026, 11, 19)
    )
    assert ledger.periods[Period.WEEK].start == local(2026, 11, 16)
    assert ledger.periods[Period.MONTH].start == local(2026, 11, 1)
    assert ledger.periods[Period.YEAR].energy_kwh == 2.0


def test_piece_across_midnight_is_split_in_proportion_to_time() -> None:
    ledger = Ledger(MADRID)
    # 1 kWh from 23:30 to 00:30 across the month and year... on 31 December.
    ledger.add(
        CostPiece(local(2025, 12, 31, 23, 30), local(2026, 1, 1, 0, 30), 1.0, 0.2)
    )
    # The half after midnight is all that today, this month and this year hold.
    for period in (Period.DAY, Period.MONTH, Period.YEAR):
        assert ledger.periods[period].energy_kwh == pytest.approx(0.5)
        assert ledger.periods[period].cost == pytest.approx(0.1)
    assert ledger.periods[Period.YEAR].start == local(2026, 1, 1)
    # The week started on Monday 29 December, so it holds both halves.
    assert ledger.periods[Period.WEEK].energy_kwh == pytest.approx(1.0)
    assert ledger.lifetime.energy_kwh == pytest.approx(1.0)


def test_late_energy_for_a_closed_period_only_reaches_lifetime() -> None:
    ledger = Ledger(MADRID)
    ledger.add(CostPiece(local(2026, 11, 20, 9), local(2026, 11, 20, 10), 1.0, 0.2))
    ledger.add(CostPiece(local(2026, 11, 19, 9), local(2026, 11, 19, 10), 3.0, 0.2))
    assert ledger.lifetime.energy_kwh == 4.0
    assert ledger.periods[Period.DAY].energy_kwh == 1.0  # yesterday's 3 are not today's
    assert ledger.periods[Period.WEEK].energy_kwh == 4.0  # same week


def test_roll_starts_new_periods_without_consumption() -> None:
    ledger = Ledger(MADRID)
    ledger.add(CostPiece(local(2026, 11, 30, 9), local(2026, 11, 30, 10), 1.0, 0.2))
    ledger.roll(local(2026, 12, 1, 0, 0, 1))
    assert ledger.periods[Period.DAY] == PeriodTotals(0, 0, local(2026, 12, 1))
    assert ledger.periods[Period.MONTH] == PeriodTotals(0, 0, local(2026, 12, 1))
    # Monday 30 November started the week; 2026 is still the year.
    assert ledger.periods[Period.WEEK].energy_kwh == 1.0
    assert ledger.periods[Period.YEAR].energy_kwh == 1.0


def test_unpriced_energy_is_counted_apart() -> None:
    ledger = Ledger(MADRID)
    ledger.add(CostPiece(local(2026, 11, 19, 9), local(2026, 11, 19, 10), 1.5, None))
    assert ledger.unpriced_kwh == 1.5
    assert ledger.lifetime.cost == 0


def test_round_trip() -> None:
    ledger = Ledger(MADRID)
    ledger.add(CostPiece(local(2026, 11, 19, 9), local(2026, 11, 19, 10), 1.5, 0.2))
    ledger.add(CostPiece(local(2026, 11, 19, 10), local(2026, 11, 19, 11), 0.5, None))
    restored = Ledger.from_dict(ledger.as_dict(), MADRID)
    assert restored.as_dict() == ledger.as_dict()
    assert restored.periods == ledger.periods
