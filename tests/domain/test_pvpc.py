"""PVPC zones, 2.0TD toll periods, computed holidays and the publication rhythm."""

from datetime import UTC, date, datetime, timedelta

import pytest

from custom_components.utility_cost.domain.periods import day_hours
from custom_components.utility_cost.domain.pvpc import (
    CANARY_TZ,
    PENINSULAR_TZ,
    RETRY_DELAYS,
    Zone,
    local_day,
    national_holidays,
    next_check,
    publication_time,
    retry_delay,
    toll_period,
    wanted_days,
)


def madrid(*args: int) -> datetime:
    return datetime(*args, tzinfo=PENINSULAR_TZ).astimezone(UTC)


def test_holidays_are_computed_for_any_year() -> None:
    assert national_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 1, 6),
        date(2026, 5, 1),
        date(2026, 8, 15),
        date(2026, 10, 12),
        date(2026, 11, 1),
        date(2026, 12, 6),
        date(2026, 12, 8),
        date(2026, 12, 25),
    }
    # No table that ends: the library this replaces failed with KeyError: 2026.
    assert date(2139, 12, 8) in national_holidays(2139)
    # Good Friday has no fixed date: a working day for the toll.
    assert date(2026, 4, 3) not in national_holidays(2026)


@pytest.mark.parametrize(
    ("hour", "period"),
    [
        (0, "P3"),
        (7, "P3"),
        (8, "P2"),
        (9, "P2"),
        (10, "P1"),
        (13, "P1"),
        (14, "P2"),
        (17, "P2"),
        (18, "P1"),
        (21, "P1"),
        (22, "P2"),
        (23, "P2"),
    ],
)
def test_working_day_periods(hour: int, period: str) -> None:
    # Monday 12 January 2026.
    assert toll_period(madrid(2026, 1, 12, hour, 30), Zone.PENINSULA) == period
    assert toll_period(madrid(2026, 1, 12, hour, 30), Zone.BALEARES) == period


@pytest.mark.parametrize(
    ("hour", "period"),
    [(7, "P3"), (8, "P2"), (10, "P2"), (11, "P1"), (15, "P2"), (19, "P1"), (23, "P2")],
)
def test_ceuta_and_melilla_hours(hour: int, period: str) -> None:
    assert toll_period(madrid(2026, 1, 12, hour), Zone.CEUTA) == period
    assert toll_period(madrid(2026, 1, 12, hour), Zone.MELILLA) == period


def test_weekends_and_holidays_are_valley_all_day() -> None:
    assert toll_period(madrid(2026, 1, 10, 19), Zone.PENINSULA) == "P3"  # Saturday
    assert toll_period(madrid(2026, 1, 11, 12), Zone.PENINSULA) == "P3"  # Sunday
    assert (
        toll_period(madrid(2026, 1, 6, 12), Zone.PENINSULA) == "P3"
    )  # Tuesday, Epiphany
    assert toll_period(madrid(2026, 1, 7, 12), Zone.PENINSULA) == "P1"  # the day after
    assert toll_period(madrid(2026, 4, 3, 12), Zone.PENINSULA) == "P1"  # Good Friday


def test_canary_periods_follow_the_canary_clock() -> None:
    # 09:30 UTC in January: 10:30 in Madrid (P1), 09:30 in the Canaries (P2).
    at = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)
    assert toll_period(at, Zone.PENINSULA) == "P1"
    assert toll_period(at, Zone.CANARIAS) == "P2"
    # 23:30 UTC on Monday: Tuesday in Madrid, still Monday in the Canaries.
    late = datetime(2026, 1, 12, 23, 30, tzinfo=UTC)
    assert local_day(late, Zone.PENINSULA) == date(2026, 1, 13)
    assert local_day(late, Zone.CANARIAS) == date(2026, 1, 12)


def test_dst_days_have_23_and_25_hours() -> None:
    assert day_hours(date(2026, 1, 12), PENINSULAR_TZ) == 24
    assert day_hours(date(2026, 3, 29), PENINSULAR_TZ) == 23
    assert day_hours(date(2026, 10, 25), PENINSULAR_TZ) == 25
    assert day_hours(date(2026, 10, 25), CANARY_TZ) == 25


def test_publication_is_the_evening_before_in_madrid() -> None:
    assert publication_time(date(2026, 1, 13)) == madrid(2026, 1, 12, 20, 30)
    # In summer (CEST) that is 18:30 UTC.
    assert publication_time(date(2026, 7, 2)) == datetime(
        2026, 7, 1, 18, 30, tzinfo=UTC
    )


def test_wanted_days() -> None:
    today, tomorrow = date(2026, 1, 12), date(2026, 1, 13)
    morning = madrid(2026, 1, 12, 10)
    evening = madrid(2026, 1, 12, 20, 30)
    assert wanted_days(morning, Zone.PENINSULA, set()) == [today]
    assert wanted_days(morning, Zone.PENINSULA, {today}) == []
    assert wanted_days(evening, Zone.PENINSULA, {today}) == [tomorrow]
    assert wanted_days(evening, Zone.PENINSULA, set()) == [today, tomorrow]
    assert wanted_days(evening, Zone.PENINSULA, {today, tomorrow}) == []


def test_next_check_is_publication_then_midnight() -> None:
    assert next_check(madrid(2026, 1, 12, 10), Zone.PENINSULA) == madrid(
        2026, 1, 12, 20, 30
    )
    assert next_check(madrid(2026, 1, 12, 21), Zone.PENINSULA) == madrid(2026, 1, 13)
    # The Canary day ends an hour after Madrid's.
    assert next_check(madrid(2026, 1, 12, 21), Zone.CANARIAS) == madrid(2026, 1, 13, 1)


def test_retry_delays_grow_and_stop_growing() -> None:
    assert retry_delay(1) == timedelta(minutes=2)
    assert retry_delay(2) < retry_delay(3)
    assert retry_delay(99) == RETRY_DELAYS[-1] == timedelta(minutes=30)
    assert retry_delay(0) == retry_delay(1)
