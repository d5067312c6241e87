"""Household figures: sums of meters, each period over the meters already in it."""

from __future__ import annotations

from datetime import UTC, datetime

from custom_components.utility_cost.domain.household import household_figures
from custom_components.utility_cost.domain.ledger import Shown
from custom_components.utility_cost.domain.meter import EMPTY_FIGURES, MeterFigures
from custom_components.utility_cost.domain.periods import Period

YESTERDAY = datetime(2026, 1, 11, 23, tzinfo=UTC)
TODAY = datetime(2026, 1, 12, 23, tzinfo=UTC)
MONTH = datetime(2025, 12, 31, 23, tzinfo=UTC)


def _figures(
    energy: float, cost: float, day: Shown, month: Shown, unpriced: float = 0.0
) -> MeterFigures:
    periods = {period: Shown(0.0, 0.0) for period in Period}
    periods[Period.DAY] = day
    periods[Period.MONTH] = month
    return MeterFigures(energy, cost, periods, None, unpriced)


def test_sums_and_the_latest_period() -> None:
    """A meter still in yesterday counts in the month and lifetime, not today."""
    rolled = _figures(10.0, 2.5, Shown(0.5, 0.1, TODAY), Shown(4.0, 1.0, MONTH))
    not_yet = _figures(3.0, 0.9, Shown(1.2, 0.3, YESTERDAY), Shown(2.0, 0.6, MONTH))
    total = household_figures([rolled, not_yet])
    assert total.energy_kwh == 13.0
    assert total.cost == 3.4
    assert total.periods[Period.DAY] == Shown(0.5, 0.1, TODAY)
    assert total.periods[Period.MONTH] == Shown(6.0, 1.6, MONTH)
    assert total.last_session is None


def test_a_meter_without_a_period_start_adds_nothing_to_it() -> None:
    """A meter that has shown nothing yet has no start; it adds nothing."""
    used = _figures(1.0, 0.2, Shown(1.0, 0.2, TODAY), Shown(1.0, 0.2, MONTH), 0.5)
    total = household_figures([used, EMPTY_FIGURES])
    assert total.periods[Period.DAY] == Shown(1.0, 0.2, TODAY)
    assert total.unpriced_kwh == 0.5


def test_no_meters_is_nothing() -> None:
    total = household_figures([])
    assert total.energy_kwh == total.cost == 0
    assert all(shown == Shown(0, 0, None) for shown in total.periods.values())
