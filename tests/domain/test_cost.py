"""Splitting energy at price boundaries."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.utility_cost.domain.cost import CostPiece, Pricer
from custom_components.utility_cost.domain.energy import EnergySlice
from custom_components.utility_cost.domain.prices import (
    FixedTariff,
    IntervalSchedule,
    PriceInterval,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


HOURLY = IntervalSchedule(
    [
        PriceInterval(utc(2026, 5, 1, 10), utc(2026, 5, 1, 11), 0.20),
        PriceInterval(utc(2026, 5, 1, 11), utc(2026, 5, 1, 12), 0.30),
        # 12:00-13:00 unpublished
        PriceInterval(utc(2026, 5, 1, 13), utc(2026, 5, 1, 14), 0.10),
    ]
)


def test_slice_inside_one_segment_is_one_piece() -> None:
    pricer = Pricer(HOURLY)
    pieces = pricer.price(
        EnergySlice(utc(2026, 5, 1, 10, 5), utc(2026, 5, 1, 10, 6), 0.02)
    )
    assert pieces == [
        CostPiece(utc(2026, 5, 1, 10, 5), utc(2026, 5, 1, 10, 6), 0.02, 0.20)
    ]
    assert pieces[0].cost == pytest.approx(0.004)


def test_slice_is_split_exactly_at_the_price_change() -> None:
    # 1 kWh used evenly 10:30-11:30: 0.5 kWh at 0.20 + 0.5 kWh at 0.30 = 0.25.
    pieces = Pricer(HOURLY).price(
        EnergySlice(utc(2026, 5, 1, 10, 30), utc(2026, 5, 1, 11, 30), 1.0)
    )
    assert [(p.energy_kwh, p.price) for p in pieces] == [(0.5, 0.20), (0.5, 0.30)]
    assert sum(p.cost for p in pieces) == pytest.approx(0.25)


def test_unknown_prices_count_energy_but_not_cost() -> None:
    # 3 kWh evenly 11:00-14:00: 1 at 0.30, 1 unpriced, 1 at 0.10.
    pieces = Pricer(HOURLY).price(
        EnergySlice(utc(2026, 5, 1, 11), utc(2026, 5, 1, 14), 3.0)
    )
    assert [p.price for p in pieces] == [0.30, None, 0.10]
    assert [p.energy_kwh for p in pieces] == pytest.approx([1.0, 1.0, 1.0])
    assert sum(p.cost for p in pieces) == pytest.approx(0.40)
    assert pieces[1].cost == 0


def test_pieces_always_add_up_to_the_slice() -> None:
    energy = EnergySlice(utc(2026, 5, 1, 10, 0, 7), utc(2026, 5, 1, 13, 59, 53), 0.7)
    pieces = Pricer(HOURLY).price(energy)
    assert sum(p.energy_kwh for p in pieces) == energy.energy_kwh
    assert pieces[0].start == energy.start
    assert pieces[-1].end == energy.end


def test_instant_slice_is_priced_at_its_instant() -> None:
    at = utc(2026, 5, 1, 11, 15)
    assert Pricer(HOURLY).price(EnergySlice(at, at, 2.0)) == [
        CostPiece(at, at, 2.0, 0.30)
    ]


def test_open_ended_schedule_and_missing_schedule() -> None:
    fixed = Pricer(FixedTariff(0.25, ZoneInfo("UTC")))
    energy = EnergySlice(utc(2026, 5, 1), utc(2026, 5, 3), 4.0)
    assert fixed.price(energy) == [CostPiece(energy.start, energy.end, 4.0, 0.25)]
    nothing = Pricer(None)
    assert nothing.price(energy) == [CostPiece(energy.start, energy.end, 4.0, None)]


def test_switching_schedule_forgets_the_cached_segment() -> None:
    pricer = Pricer(HOURLY)
    at = utc(2026, 5, 1, 10, 30)
    assert pricer.price(EnergySlice(at, at + timedelta(minutes=1), 1))[0].price == 0.20
    pricer.set_schedule(
        IntervalSchedule([PriceInterval(utc(2026, 5, 1, 10), utc(2026, 5, 1, 11), 0.5)])
    )
    assert pricer.price(EnergySlice(at, at + timedelta(minutes=1), 1))[0].price == 0.5
