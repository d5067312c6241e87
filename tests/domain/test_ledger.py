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


# --- an estimate that measured energy replaces ------------------------------------


def utc(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 19, hour, minute, tzinfo=UTC)


def test_measured_energy_replaces_the_estimate_of_its_interval() -> None:
    """Settled + provisional is shown; settling swaps the estimate for the measure."""
    ledger = Ledger(MADRID)
    ledger.roll(utc(9))
    # An estimate of 0.5 kWh from 10:00 to 11:00 (UTC), at 0.20.
    ledger.add_provisional(CostPiece(utc(10), utc(11), 0.5, 0.20))
    lifetime, periods = ledger.shown()
    assert (lifetime.energy_kwh, lifetime.cost) == (0.5, pytest.approx(0.10))
    assert periods[Period.DAY].energy_kwh == 0.5
    # The plug measured 0.6 kWh for 10:00-10:30: it replaces the first half of the
    # estimate (0.25 kWh), which leaves 0.25 kWh estimated for 10:30-11:00.
    ledger.settle([CostPiece(utc(10), utc(10, 30), 0.6, 0.20)], utc(10, 30))
    lifetime, periods = ledger.shown()
    assert lifetime.energy_kwh == pytest.approx(0.85)
    assert lifetime.cost == pytest.approx(0.85 * 0.20)
    assert periods[Period.MONTH].energy_kwh == pytest.approx(0.85)
    assert ledger.lifetime.energy_kwh == pytest.approx(0.6)  # settled alone
    # An estimate for time already measured is dropped.
    ledger.add_provisional(CostPiece(utc(10), utc(10, 15), 1.0, 0.20))
    assert ledger.shown()[0].energy_kwh == pytest.approx(0.85)


def test_shown_energy_never_goes_down() -> None:
    """A measurement below the estimate is absorbed by what follows."""
    ledger = Ledger(MADRID)
    ledger.roll(utc(9))
    ledger.add_provisional(CostPiece(utc(10), utc(11), 1.0, 0.20))
    assert ledger.shown()[0].energy_kwh == 1.0
    # Measured: only 0.4 kWh in that hour. The total shown stays at 1.0 ...
    ledger.settle([CostPiece(utc(10), utc(11), 0.4, 0.20)], utc(11))
    lifetime, periods = ledger.shown()
    assert lifetime.energy_kwh == 1.0
    assert periods[Period.DAY].energy_kwh == 1.0
    # ... while its cost is what was measured, and until 0.6 kWh more are used.
    assert lifetime.cost == pytest.approx(0.08)
    ledger.add(CostPiece(utc(11), utc(12), 0.5, 0.20))
    assert ledger.shown()[0].energy_kwh == 1.0
    ledger.add(CostPiece(utc(12), utc(13), 0.5, 0.20))
    assert ledger.shown()[0].energy_kwh == pytest.approx(1.4)
    # The marks survive a restart.
    restored = Ledger.from_dict(ledger.as_dict(), MADRID)
    assert restored.shown()[0].energy_kwh == pytest.approx(1.4)


def test_a_new_day_starts_from_what_it_holds() -> None:
    """The high-water mark of a period belongs to that period only."""
    ledger = Ledger(MADRID)
    ledger.roll(utc(9))
    ledger.add_provisional(CostPiece(utc(21), utc(22), 1.0, 0.2))
    assert ledger.shown()[1][Period.DAY].energy_kwh == 1.0
    ledger.roll(datetime(2026, 11, 20, 0, 30, tzinfo=UTC))  # 01:30 in Madrid
    lifetime, periods = ledger.shown()
    assert periods[Period.DAY].energy_kwh == 0
    assert periods[Period.MONTH].energy_kwh == 1.0
    assert lifetime.energy_kwh == 1.0


def test_an_estimate_across_midnight_counts_in_today_for_its_part() -> None:
    ledger = Ledger(MADRID)
    ledger.roll(datetime(2026, 11, 19, 22, 59, tzinfo=UTC))
    # 22:30-23:30 UTC = 23:30-00:30 Madrid: half of it falls in the 20th.
    ledger.add_provisional(
        CostPiece(utc(22, 30), datetime(2026, 11, 19, 23, 30, tzinfo=UTC), 1.0, 0.2)
    )
    ledger.roll(datetime(2026, 11, 19, 23, 31, tzinfo=UTC))
    _, periods = ledger.shown()
    assert periods[Period.DAY].energy_kwh == pytest.approx(0.5)
    assert periods[Period.MONTH].energy_kwh == pytest.approx(1.0)


def test_an_estimate_accepted_as_final_is_settled() -> None:
    """Where no measurement will come, the estimate becomes the settled energy."""
    ledger = Ledger(MADRID)
    ledger.roll(utc(9))
    ledger.add_provisional(CostPiece(utc(10), utc(12), 2.0, 0.1))
    ledger.settle_estimate(utc(11))
    assert ledger.lifetime.energy_kwh == pytest.approx(1.0)
    assert ledger.settled_to == utc(11)
    assert [(p.start, p.end) for p in ledger.provisional] == [(utc(11), utc(12))]
    assert ledger.shown()[0].energy_kwh == pytest.approx(2.0)
    # A settlement before the last one changes nothing but books the correction.
    ledger.settle([CostPiece(utc(10), utc(10, 30), 0.1, 0.1)], utc(10, 30))
    assert ledger.settled_to == utc(11)
    assert ledger.lifetime.energy_kwh == pytest.approx(1.1)


def test_provisional_pieces_merge_and_survive_a_restart() -> None:
    ledger = Ledger(MADRID)
    ledger.roll(utc(9))
    ledger.add_provisional(CostPiece(utc(10), utc(10, 1), 0.1, 0.2))
    ledger.add_provisional(CostPiece(utc(10, 1), utc(10, 2), 0.1, 0.2))
    ledger.add_provisional(CostPiece(utc(10, 2), utc(10, 3), 0.1, None))
    assert len(ledger.provisional) == 2
    restored = Ledger.from_dict(ledger.as_dict(), MADRID)
    assert restored.provisional == ledger.provisional
    assert restored.shown()[0].energy_kwh == pytest.approx(0.3)


def test_the_estimate_keeps_its_shape() -> None:
    """Pieces of another power stay apart: they say when the energy was used."""
    ledger = Ledger(MADRID)
    ledger.roll(utc(9))
    ledger.add_provisional(CostPiece(utc(10), utc(10, 10), 0.0, 0.2))
    ledger.add_provisional(CostPiece(utc(10, 10), utc(10, 20), 0.3, 0.2))
    ledger.add_provisional(CostPiece(utc(10, 20), utc(10, 30), 0.3, 0.2))
    assert len(ledger.provisional) == 2
    shape = ledger.estimate_between(utc(10, 5), utc(10, 25))
    assert [(p.start, p.end) for p in shape] == [
        (utc(10, 5), utc(10, 10)),
        (utc(10, 10), utc(10, 25)),
    ]
    assert [p.energy_kwh for p in shape] == pytest.approx([0.0, 0.45])
