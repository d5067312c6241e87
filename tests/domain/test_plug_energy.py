"""Where a plug's measured energy belongs in time, and how statistics map to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.utility_cost.domain.energy import EnergySlice
from custom_components.utility_cost.domain.plug_energy import (
    shaped,
    slot_slices,
    statistics_final_until,
    statistics_request,
)

T = datetime(2026, 1, 12, 9, tzinfo=UTC)
M = timedelta(minutes=1)
MADRID = ZoneInfo("Europe/Madrid")


def test_a_report_is_spread_as_the_power_seen() -> None:
    """A 20-minute report of a boil seen in its last 3 minutes belongs to them."""
    report = EnergySlice(T, T + 20 * M, 0.1)
    seen = [
        EnergySlice(T, T + 17 * M, 0.0),
        EnergySlice(T + 17 * M, T + 20 * M, 0.105),
    ]
    assert shaped(report, seen) == [EnergySlice(T + 17 * M, T + 20 * M, 0.1)]
    # Two stretches of power share it in proportion.
    seen = [
        EnergySlice(T, T + 10 * M, 0.01),
        EnergySlice(T + 10 * M, T + 20 * M, 0.03),
    ]
    parts = shaped(report, seen)
    assert [p.energy_kwh for p in parts] == pytest.approx([0.025, 0.075])
    assert sum(p.energy_kwh for p in parts) == pytest.approx(0.1)


@pytest.mark.parametrize(
    "seen",
    [
        [],  # nothing seen
        [EnergySlice(T, T + 20 * M, 0.0)],  # seen, at 0 W throughout
        [EnergySlice(T + 15 * M, T + 20 * M, 0.01)],  # a quarter of the span only
    ],
    ids=["nothing", "idle", "too_little"],
)
def test_without_a_shape_the_energy_is_spread_evenly(seen: list[EnergySlice]) -> None:
    report = EnergySlice(T, T + 20 * M, 0.1)
    assert shaped(report, seen) == [report]


def test_repeated_and_skipped_wall_clock_labels() -> None:
    # 25 October 2026: 02:00-02:59 happens twice in Madrid (00:00 and 01:00 UTC).
    (first, second) = slot_slices({"202610250200": 0.5}, MADRID)
    assert first == EnergySlice(
        datetime(2026, 10, 25, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 15, tzinfo=UTC),
        0.25,
    )
    assert second.start == datetime(2026, 10, 25, 1, tzinfo=UTC)
    assert second.energy_kwh == 0.25
    # 29 March 2026: 03:00 follows 01:59 (01:00 UTC).
    (after,) = slot_slices({"202603290300": 0.25}, MADRID)
    assert after.start == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_requests_stay_within_a_local_day() -> None:
    start = datetime(2026, 1, 12, 22, 30, tzinfo=UTC)  # 23:30 in Madrid
    end = datetime(2026, 1, 13, 1, 0, tzinfo=UTC)  # 02:00 the next day
    assert statistics_request(start, end, MADRID) == [
        ("202601122330", "202601122345"),
        ("202601130000", "202601130145"),
    ]


def test_a_slot_is_final_twenty_minutes_after_it_ended() -> None:
    assert statistics_final_until(T + 34 * M) == T
    assert statistics_final_until(T + 35 * M) == T + 15 * M
