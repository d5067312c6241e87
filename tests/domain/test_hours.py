"""Measured energy per UTC hour, as it is written to long-term statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.utility_cost.domain.cost import CostPiece
from custom_components.utility_cost.domain.hours import HourlyTotals, hour_start

T = datetime(2026, 1, 12, 9, tzinfo=UTC)
H = timedelta(hours=1)


def test_a_piece_across_hours_is_split_by_time() -> None:
    hours = HourlyTotals()
    # 0.3 kWh from 09:40 to 10:10 at 0.2 per kWh: two thirds before 10:00.
    hours.add(
        [CostPiece(T + timedelta(minutes=40), T + timedelta(minutes=70), 0.3, 0.2)]
    )
    due = hours.due(T + 2 * H)
    assert [h.start for h in due] == [T, T + H]
    assert due[0].kwh == pytest.approx(0.2)
    assert due[1].kwh == pytest.approx(0.1)
    assert due[0].cost == pytest.approx(0.04)
    # Only complete hours are due.
    assert [h.start for h in hours.due(T + H + timedelta(minutes=59))] == [T]


def test_an_unpriced_piece_makes_its_hour_unpriced() -> None:
    hours = HourlyTotals()
    hours.add([CostPiece(T, T + timedelta(minutes=10), 0.1, 0.25)])
    hours.add(
        [CostPiece(T + timedelta(minutes=10), T + timedelta(minutes=20), 0.1, None)]
    )
    (hour,) = hours.due(T + H)
    assert hour.kwh == pytest.approx(0.2)
    assert hour.cost is None


def test_written_hours_are_due_again_only_when_they_change() -> None:
    hours = HourlyTotals()
    hours.add([CostPiece(T, T + timedelta(minutes=30), 0.5, 0.1)])
    hours.written(hours.due(T + H), T + H)
    assert hours.due(T + 2 * H) == []
    # A late report corrects the hour: it is written again, whole.
    hours.add([CostPiece(T + timedelta(minutes=50), T + H, 0.1, 0.1)])
    (hour,) = hours.due(T + 2 * H)
    assert hour.kwh == pytest.approx(0.6)
    # Kept eight days after writing, then forgotten.
    hours.written([hour], T + timedelta(days=9))
    assert hours.energy == {}


def test_hours_that_used_nothing_are_covered_once() -> None:
    hours = HourlyTotals()
    hours.add([CostPiece(T, T + timedelta(minutes=5), 0.2, 0.1)])
    hours.cover(T + timedelta(minutes=5), T + 3 * H + timedelta(minutes=1))
    due = hours.due(T + 4 * H)
    assert [(h.start, h.kwh, h.cost) for h in due] == [
        (T, pytest.approx(0.2), pytest.approx(0.02)),
        (T + H, 0.0, 0.0),
        (T + 2 * H, 0.0, 0.0),
        (T + 3 * H, 0.0, 0.0),
    ]
    hours.written(due, T + 4 * H)
    hours.cover(T, T + 4 * H)  # already known: not written again
    assert hours.due(T + 4 * H) == []


def test_round_trip() -> None:
    hours = HourlyTotals()
    hours.add([CostPiece(T, T + 2 * H, 1.0, None)])
    hours.written(hours.due(T + H), T + H)
    restored = HourlyTotals.from_dict(hours.as_dict())
    assert restored == hours
    assert hour_start(T + timedelta(minutes=59, seconds=59)) == T
