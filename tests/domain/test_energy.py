"""Power integration and energy-meter following."""

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.utility_cost.domain.energy import (
    EnergyCounter,
    EnergySlice,
    PowerIntegrator,
)

T0 = datetime(2026, 5, 1, 10, tzinfo=UTC)


def test_left_riemann_holds_each_sample_until_the_next() -> None:
    integrator = PowerIntegrator()
    assert integrator.advance(T0) is None  # nothing held yet
    integrator.hold(T0, 1200)
    later = T0 + timedelta(minutes=30)
    energy = integrator.advance(later)
    # 1200 W for half an hour = 0.6 kWh
    assert energy == EnergySlice(T0, later, pytest.approx(0.6))
    assert energy is not None
    assert energy.power_w == pytest.approx(1200)
    assert energy.seconds == 1800
    assert integrator.advance(later) is None  # no time has passed


def test_unknown_power_stops_accrual_without_extrapolating() -> None:
    integrator = PowerIntegrator()
    integrator.hold(T0, 1000)
    integrator.hold(T0 + timedelta(minutes=1), None)
    # An hour of unknown power adds nothing...
    assert integrator.advance(T0 + timedelta(hours=1)) is None
    # ...and a new sample accrues from its own time only.
    integrator.hold(T0 + timedelta(hours=2), 500)
    energy = integrator.advance(T0 + timedelta(hours=3))
    assert energy is not None
    assert energy.start == T0 + timedelta(hours=2)
    assert energy.energy_kwh == pytest.approx(0.5)


def test_out_of_order_instants_are_ignored() -> None:
    integrator = PowerIntegrator()
    integrator.hold(T0, 1000)
    assert integrator.advance(T0 - timedelta(seconds=5)) is None
    assert integrator.since == T0
    integrator.hold(T0 - timedelta(seconds=10), 2000)
    assert integrator.since == T0


def test_counter_follows_deltas() -> None:
    counter = EnergyCounter()
    assert counter.advance(T0, 100.0) is None  # baseline only
    energy = counter.advance(T0 + timedelta(hours=1), 101.5)
    assert energy == EnergySlice(T0, T0 + timedelta(hours=1), pytest.approx(1.5))


def test_counter_reset_counts_the_new_cycle_from_zero() -> None:
    counter = EnergyCounter(100.0, T0)
    # Below 90 % of 100: the meter restarted and has counted 2 kWh since.
    energy = counter.advance(T0 + timedelta(hours=1), 2.0)
    assert energy is not None
    assert energy.energy_kwh == 2.0
    assert counter.value_kwh == 2.0


def test_counter_small_dip_is_ignored_and_not_counted_twice() -> None:
    counter = EnergyCounter(100.0, T0)
    assert counter.advance(T0 + timedelta(minutes=1), 95.0) is None
    assert counter.value_kwh == 100.0
    # Back to 101: only the 1 kWh above the old baseline is new.
    energy = counter.advance(T0 + timedelta(minutes=2), 101.0)
    assert energy is not None
    assert energy.energy_kwh == pytest.approx(1.0)
    assert energy.start == T0


def test_counter_reports_idle_time_as_an_empty_slice() -> None:
    counter = EnergyCounter(100.0, T0)
    energy = counter.advance(T0 + timedelta(minutes=5), 100.0)
    assert energy == EnergySlice(T0, T0 + timedelta(minutes=5), 0.0)
    assert counter.advance(T0 + timedelta(minutes=5), 100.0) is None


def test_counter_round_trip() -> None:
    counter = EnergyCounter(12.5, T0)
    assert EnergyCounter.from_dict(counter.as_dict()) == counter
    assert EnergyCounter.from_dict(EnergyCounter().as_dict()) == EnergyCounter()


def test_a_power_valid_for_a_while_is_not_held_beyond() -> None:
    """A polled power stops being accrued when it goes stale."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    integrator = PowerIntegrator()
    integrator.hold(t0, 600.0, until=t0 + timedelta(minutes=10))
    first = integrator.advance(t0 + timedelta(minutes=5))
    assert first is not None
    assert first.energy_kwh == pytest.approx(0.05)
    # Past the validity: counted up to it only, then nothing until a new sample.
    second = integrator.advance(t0 + timedelta(minutes=30))
    assert second is not None
    assert second.end == t0 + timedelta(minutes=10)
    assert second.energy_kwh == pytest.approx(0.05)
    assert integrator.advance(t0 + timedelta(minutes=40)) is None
    # A sample that expired before the previous accrual adds nothing.
    integrator.hold(t0 + timedelta(minutes=40), 600.0, until=t0)
    assert integrator.advance(t0 + timedelta(minutes=41)) is None
