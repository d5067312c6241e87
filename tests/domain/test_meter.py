"""The meter: readings in; energy, cost, periods and sessions out."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.utility_cost.domain.energy import EnergySlice
from custom_components.utility_cost.domain.meter import Meter, MeterUpdate
from custom_components.utility_cost.domain.periods import Period
from custom_components.utility_cost.domain.prices import (
    FixedTariff,
    IntervalSchedule,
    PriceInterval,
)
from custom_components.utility_cost.domain.sessions import Session, SessionRules
from custom_components.utility_cost.domain.units import SourceKind

TZ = ZoneInfo("Europe/London")
RULES = SessionRules(on_threshold_w=5, min_duration=timedelta(seconds=60))
T0 = datetime(2026, 6, 1, 9, 55, tzinfo=UTC)
FLAT = FixedTariff(0.25, TZ)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_power_meter_session_energy_and_cost() -> None:
    meter = Meter(SourceKind.POWER, TZ, RULES, FLAT)
    meter.reading(at(0), 0)
    meter.reading(at(30), 2000)
    meter.tick(at(90))
    update = meter.reading(at(150), 0)
    # 2 kW for 120 s = 2 * 120 / 3600 kWh = 1/15 kWh; at 0.25 = 1/60.
    expected = Session(at(30), at(150), pytest.approx(1 / 15), pytest.approx(1 / 60))
    assert update.session == expected
    assert meter.ledger.lifetime.energy_kwh == pytest.approx(1 / 15)
    assert meter.ledger.lifetime.cost == pytest.approx(1 / 60)
    assert meter.ledger.periods[Period.DAY].energy_kwh == pytest.approx(1 / 15)


def test_power_meter_prices_each_hour_at_its_own_price() -> None:
    hourly = IntervalSchedule(
        PriceInterval(at(300) + timedelta(hours=h), at(300) + timedelta(hours=h + 1), p)
        for h, p in enumerate([0.10, 0.40])
    )
    meter = Meter(SourceKind.POWER, TZ, RULES, hourly)
    meter.reading(at(300), 1000)
    for minute in range(1, 121):
        meter.tick(at(300 + 60 * minute))
    # 1 kWh in each hour: 0.10 + 0.40.
    assert meter.ledger.lifetime.energy_kwh == pytest.approx(2.0)
    assert meter.ledger.lifetime.cost == pytest.approx(0.50)


def test_negative_power_counts_as_zero_and_is_flagged() -> None:
    meter = Meter(SourceKind.POWER, TZ, RULES, FLAT)
    assert meter.reading(at(0), -40).negative
    meter.tick(at(3600))
    assert meter.ledger.lifetime.energy_kwh == 0


def test_unavailable_power_stops_accrual() -> None:
    meter = Meter(SourceKind.POWER, TZ, RULES, FLAT)
    meter.reading(at(0), 1000)
    for minute in range(1, 30):
        meter.tick(at(60 * minute))
    meter.reading(at(1800), None)  # half an hour at 1 kW is counted
    meter.tick(at(7200))
    assert meter.reading(at(7200), 1000).booked is False
    assert meter.ledger.lifetime.energy_kwh == pytest.approx(0.5)


def test_energy_meter_counts_deltas_and_finds_sessions_from_mean_power() -> None:
    meter = Meter(SourceKind.ENERGY, TZ, RULES, FLAT)
    assert not meter.reading(at(0), 10.0).booked  # baseline
    meter.reading(at(600), 10.2)  # 0.2 kWh in 10 min = 1200 W: running
    meter.reading(at(1200), 10.4)
    update = meter.reading(at(1800), 10.4)  # nothing in the last 10 min
    assert update.session == Session(
        at(0), at(1200), pytest.approx(0.4), pytest.approx(0.1)
    )
    assert meter.ledger.lifetime.energy_kwh == pytest.approx(0.4)
    assert meter.reading(at(1900), None) == MeterUpdate()
    assert meter.reading(at(2000), -1).negative


def test_energy_meter_restart_books_the_downtime_delta_once() -> None:
    meter = Meter(SourceKind.ENERGY, TZ, RULES, FLAT)
    meter.reading(at(0), 50.0)
    meter.reading(at(60), 50.5)
    saved = meter.as_dict()
    # Home Assistant is down for an hour while the meter counts 1.5 kWh more.
    restored = Meter.from_dict(saved, SourceKind.ENERGY, TZ, RULES, FLAT)
    restored.reading(at(3660), 52.0)
    restored.reading(at(3660), 52.0)  # the same state again adds nothing
    assert restored.ledger.lifetime.energy_kwh == pytest.approx(2.0)
    assert restored.ledger.lifetime.cost == pytest.approx(0.5)


def test_power_meter_restart_extrapolates_nothing_and_keeps_the_session() -> None:
    meter = Meter(SourceKind.POWER, TZ, RULES, FLAT)
    meter.reading(at(0), 1000)
    meter.tick(at(600))
    saved = meter.as_dict()
    restored = Meter.from_dict(saved, SourceKind.POWER, TZ, RULES, FLAT)
    restored.reading(at(4200), 1000)  # an hour later, still running
    restored.tick(at(4800))
    update = restored.reading(at(4800), 0)
    # 10 min before the restart + 10 min after: 2 x 1000 W x 600 s = 1/3 kWh.
    assert restored.ledger.lifetime.energy_kwh == pytest.approx(1 / 3)
    assert update.session is not None
    assert update.session.start == at(0)
    assert update.session.energy_kwh == pytest.approx(1 / 3)


def test_new_source_or_kind_drops_the_energy_baseline() -> None:
    meter = Meter(SourceKind.ENERGY, TZ, RULES, FLAT)
    meter.reading(at(0), 1000.0)
    saved = meter.as_dict()
    other = Meter.from_dict(
        saved, SourceKind.ENERGY, TZ, RULES, FLAT, same_source=False
    )
    other.reading(at(60), 5.0)  # a new meter's first value is only its baseline
    assert other.ledger.lifetime.energy_kwh == 0
    power = Meter.from_dict(saved, SourceKind.POWER, TZ, RULES, FLAT)
    assert power.counter.value_kwh is None


def test_tick_rolls_periods_at_midnight() -> None:
    meter = Meter(SourceKind.POWER, TZ, RULES, FLAT)
    meter.reading(at(0), 100)
    meter.reading(at(60), 0)
    assert meter.ledger.periods[Period.DAY].energy_kwh > 0
    midnight = datetime(2026, 6, 1, 23, 0, 1, tzinfo=UTC)  # 00:00:01 BST
    meter.tick(midnight)
    assert meter.ledger.periods[Period.DAY].energy_kwh == 0
    assert meter.ledger.periods[Period.DAY].start == datetime(2026, 6, 2, tzinfo=TZ)


def test_unpriced_energy_is_flagged() -> None:
    meter = Meter(SourceKind.POWER, TZ, RULES, None)
    meter.reading(at(0), 100)
    update = meter.reading(at(60), 100)
    assert update.booked
    assert update.unpriced
    assert meter.ledger.unpriced_kwh > 0


def test_energy_readings_at_the_same_instant_are_booked_without_a_session() -> None:
    meter = Meter(SourceKind.ENERGY, TZ, RULES, FLAT)
    meter.reading(at(0), 1.0)
    update = meter.reading(at(0), 1.5)
    assert update.booked
    assert meter.sessions.current is None
    assert meter.ledger.lifetime.cost == pytest.approx(0.125)


def test_a_silence_longer_than_max_hold_is_skipped() -> None:
    # A host that booted with an old clock: the next tick comes "three days later".
    meter = Meter(SourceKind.POWER, TZ, RULES, FLAT, max_hold=timedelta(minutes=10))
    meter.reading(at(0), 2000)
    meter.tick(at(600))  # exactly max_hold: accrued
    update = meter.tick(at(600) + timedelta(days=3))
    assert update.skipped == timedelta(days=3)
    assert not update.booked
    assert meter.ledger.lifetime.energy_kwh == pytest.approx(2 * 600 / 3600)
    # Accrual goes on from the new time.
    meter.tick(at(600) + timedelta(days=3, minutes=1))
    assert meter.ledger.lifetime.energy_kwh == pytest.approx(2 * 660 / 3600)
    # A reading after a silence reports it too.
    later = at(600) + timedelta(days=4)
    assert meter.reading(later, 0).skipped == timedelta(days=1, minutes=-1)


def test_running_can_be_given_instead_of_derived_from_power() -> None:
    # A plug whose switch is on draws only 2 W (below the threshold): still a session.
    meter = Meter(SourceKind.POWER, TZ, RULES, FLAT)
    meter.reading(at(0), 2, running=True)
    meter.tick(at(60))
    update = meter.reading(at(120), 0, running=False)
    assert update.session is not None
    assert update.session.duration == timedelta(seconds=120)


def test_a_measured_meter_estimates_then_settles() -> None:
    """A plug's power estimates; its own measurement replaces the estimate."""
    meter = Meter(SourceKind.POWER, TZ, RULES, FLAT, measured=True)
    meter.reading(at(0), 1000, running=True)
    for minute in range(1, 31):
        meter.tick(at(60 * minute))
    assert meter.figures().energy_kwh == pytest.approx(0.5)
    assert meter.ledger.lifetime.energy_kwh == 0  # nothing settled yet
    # The plug measured 0.4 kWh for the first quarter-hour and 0.2 for the second.
    assert meter.settle(
        [
            EnergySlice(at(0), at(900), 0.4),
            EnergySlice(at(900), at(1800), 0.2),
        ],
        at(1800),
    )
    figures = meter.figures()
    assert figures.energy_kwh == pytest.approx(0.6)
    assert figures.cost == pytest.approx(0.15)
    # Nothing new: no change.
    assert not meter.settle([], at(1800))


def test_a_reading_valid_for_a_while_stops_the_estimate() -> None:
    meter = Meter(SourceKind.POWER, TZ, RULES, FLAT)
    meter.reading(at(0), 1200, valid_for=timedelta(minutes=5))
    for minute in range(1, 21):
        meter.tick(at(60 * minute))
    # 1.2 kW for the five minutes it was valid: 0.1 kWh.
    assert meter.figures().energy_kwh == pytest.approx(0.1)


def test_export_is_counted_apart_and_restored() -> None:
    meter = Meter(SourceKind.POWER, TZ, RULES, FLAT, measured=True)
    assert meter.figures().exported_kwh is None
    meter.add_export([EnergySlice(at(0), at(900), 0.3)], at(900))
    meter.add_export([], at(600))
    assert meter.figures().exported_kwh == pytest.approx(0.3)
    restored = Meter.from_dict(meter.as_dict(), SourceKind.POWER, TZ, RULES, FLAT)
    assert restored.export is not None
    assert restored.export.settled_to == at(900)
    assert restored.figures().exported_kwh == pytest.approx(0.3)
    assert restored.figures().energy_kwh == 0


def test_finished_sessions_wait_to_be_announced() -> None:
    """A finished session is kept until announced, across a restart too."""
    meter = Meter(SourceKind.POWER, TZ, RULES, FLAT)
    meter.reading(at(0), 2000)
    meter.reading(at(120), 0)
    assert len(meter.sessions.unannounced) == 1
    restored = Meter.from_dict(meter.as_dict(), SourceKind.POWER, TZ, RULES, FLAT)
    assert restored.sessions.unannounced == meter.sessions.unannounced
    restored.sessions.announced(list(restored.sessions.unannounced))
    assert restored.sessions.unannounced == []
    assert restored.sessions.last is not None
