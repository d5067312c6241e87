"""Price schedules: fixed tariffs with bands (DST included) and published intervals."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.utility_cost.domain.outlook import (
    AutomationSettings,
    TariffOutlook,
    tariff_outlook,
)
from custom_components.utility_cost.domain.prices import (
    Band,
    FixedTariff,
    IntervalSchedule,
    PriceInterval,
    PriceSchedule,
    PriceSegment,
    overlapping_bands,
    segments_between,
)

MADRID = ZoneInfo("Europe/Madrid")
ALL_DAYS = frozenset(range(7))
WEEKDAYS = frozenset(range(5))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def outlook(schedule: PriceSchedule, at: datetime) -> TariffOutlook:
    return tariff_outlook(schedule, at, MADRID, AutomationSettings())


def night_tariff(start: time = time(22), end: time = time(7)) -> FixedTariff:
    return FixedTariff(0.30, MADRID, (Band("Night", 0.10, start, end, ALL_DAYS),))


def test_constant_tariff_is_one_unbounded_segment() -> None:
    tariff = FixedTariff(0.25, MADRID)
    assert tariff.is_constant
    assert tariff.segment_at(utc(2026, 5, 1, 12)) == PriceSegment(None, None, 0.25)
    assert outlook(tariff, utc(2026, 5, 1, 12)).following is None


def test_band_that_equals_base_price_changes_nothing() -> None:
    tariff = FixedTariff(
        0.25, MADRID, (Band("Same", 0.25, time(1), time(2), ALL_DAYS),)
    )
    # The label differs, so the band is still a segment of its own.
    assert not tariff.is_constant
    # 23:30 UTC is 01:30 CEST.
    assert tariff.segment_at(utc(2026, 5, 1, 23, 30)).label == "Same"


def test_day_and_night_segments() -> None:
    tariff = night_tariff()
    # 2026-03-10 is in CET (UTC+1): day runs 07:00-22:00 local = 06:00-21:00 UTC.
    day = tariff.segment_at(utc(2026, 3, 10, 11))
    assert day == PriceSegment(utc(2026, 3, 10, 6), utc(2026, 3, 10, 21), 0.30, None)
    night = tariff.segment_at(utc(2026, 3, 10, 22))
    assert night == PriceSegment(
        utc(2026, 3, 10, 21), utc(2026, 3, 11, 6), 0.10, "Night"
    )
    seen = outlook(tariff, utc(2026, 3, 10, 11))
    assert (seen.current, seen.following) == (day, night)


def test_boundaries_are_inclusive_at_start() -> None:
    tariff = night_tariff()
    assert tariff.segment_at(utc(2026, 3, 10, 21)).price == 0.10
    assert tariff.segment_at(utc(2026, 3, 10, 20, 59, 59)).price == 0.30


def test_band_days_are_the_days_it_starts() -> None:
    # Monday-only night band: Monday 22:00 to Tuesday 07:00, nothing on Tuesday night.
    tariff = FixedTariff(
        0.30, MADRID, (Band("Night", 0.10, time(22), time(7), frozenset({0})),)
    )
    assert tariff.segment_at(utc(2026, 3, 10, 5)).price == 0.10  # Tue 06:00 local
    assert tariff.segment_at(utc(2026, 3, 10, 22)).price == 0.30  # Tue 23:00 local
    # From Tuesday 07:00 local the next change is the next Monday 22:00 local.
    segment = tariff.segment_at(utc(2026, 3, 10, 12))
    assert segment.start == utc(2026, 3, 10, 6)
    assert segment.end == utc(2026, 3, 16, 21)


def test_whole_day_bands_merge_across_midnight() -> None:
    weekend = FixedTariff(
        0.30, MADRID, (Band("Weekend", 0.12, time(0), time(0), frozenset({5, 6})),)
    )
    # Saturday 2026-03-14 00:00 CET to Monday 2026-03-16 00:00 CET.
    assert weekend.segment_at(utc(2026, 3, 14, 12)) == PriceSegment(
        utc(2026, 3, 13, 23), utc(2026, 3, 15, 23), 0.12, "Weekend"
    )


def test_three_periods_with_weekday_rules() -> None:
    tariff = FixedTariff(
        0.20,
        MADRID,
        (
            Band("Peak", 0.35, time(10), time(14), WEEKDAYS),
            Band("Peak evening", 0.35, time(18), time(22), WEEKDAYS),
            Band("Valley", 0.08, time(0), time(8), ALL_DAYS),
        ),
    )
    wednesday = datetime(2026, 3, 11, tzinfo=MADRID)
    prices = [
        tariff.segment_at(wednesday + timedelta(hours=h)).price for h in range(24)
    ]
    assert (
        prices
        == [0.08] * 8 + [0.20] * 2 + [0.35] * 4 + [0.20] * 4 + [0.35] * 4 + [0.20] * 2
    )
    saturday = datetime(2026, 3, 14, 12, tzinfo=MADRID)
    assert tariff.segment_at(saturday).price == 0.20


def test_spring_forward_band_in_the_skipped_hour_starts_at_the_transition() -> None:
    # 2026-03-29: Madrid jumps from 02:00 CET to 03:00 CEST at 01:00 UTC, so a band
    # from 02:30 starts at the jump itself and ends at 05:00 CEST = 03:00 UTC.
    tariff = night_tariff(time(2, 30), time(5))
    assert tariff.segment_at(utc(2026, 3, 29, 1, 30)) == PriceSegment(
        utc(2026, 3, 29, 1), utc(2026, 3, 29, 3), 0.10, "Night"
    )
    # Just before the jump (01:59 CET) it is still the base price.
    assert tariff.segment_at(utc(2026, 3, 29, 0, 59)).price == 0.30
    assert tariff.segment_at(utc(2026, 3, 29, 0, 59)).end == utc(2026, 3, 29, 1)


def test_fall_back_band_in_the_repeated_hour_happens_twice() -> None:
    # 2026-10-25: Madrid goes back from 03:00 CEST to 02:00 CET at 01:00 UTC. A band
    # 00:00-02:30 local: cheap from 22:00Z (00:00 CEST) to 00:30Z (02:30 CEST), base
    # until the clock goes back at 01:00Z, cheap again until 01:30Z (02:30 CET).
    tariff = night_tariff(time(0), time(2, 30))
    assert tariff.segment_at(utc(2026, 10, 24, 23)) == PriceSegment(
        utc(2026, 10, 24, 22), utc(2026, 10, 25, 0, 30), 0.10, "Night"
    )
    assert tariff.segment_at(utc(2026, 10, 25, 0, 45)) == PriceSegment(
        utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1), 0.30, None
    )
    assert tariff.segment_at(utc(2026, 10, 25, 1, 10)) == PriceSegment(
        utc(2026, 10, 25, 1), utc(2026, 10, 25, 1, 30), 0.10, "Night"
    )


def test_segments_between_clips_to_the_range() -> None:
    tariff = night_tariff()
    pieces = list(segments_between(tariff, utc(2026, 3, 10, 20), utc(2026, 3, 10, 23)))
    assert pieces == [
        PriceSegment(utc(2026, 3, 10, 20), utc(2026, 3, 10, 21), 0.30, None),
        PriceSegment(utc(2026, 3, 10, 21), utc(2026, 3, 10, 23), 0.10, "Night"),
    ]


def test_overlapping_bands_are_found_and_refused() -> None:
    night = Band("Night", 0.1, time(22), time(7), ALL_DAYS)
    morning = Band("Morning", 0.2, time(6), time(9), frozenset({2}))
    evening = Band("Evening", 0.2, time(18), time(22), ALL_DAYS)
    assert overlapping_bands([night, evening]) is None
    assert overlapping_bands([night, morning]) == (night, morning)
    with pytest.raises(ValueError, match="overlap"):
        FixedTariff(0.3, MADRID, (night, morning))


def hourly(first: datetime, prices: list[float]) -> IntervalSchedule:
    return IntervalSchedule(
        PriceInterval(first + timedelta(hours=i), first + timedelta(hours=i + 1), price)
        for i, price in enumerate(prices)
    )


def test_interval_schedule_segments_and_gaps() -> None:
    start = utc(2026, 3, 10)
    schedule = hourly(start, [0.1, 0.2, 0.3])
    assert schedule.segment_at(utc(2026, 3, 10, 1, 30)) == PriceSegment(
        utc(2026, 3, 10, 1), utc(2026, 3, 10, 2), 0.2
    )
    assert schedule.segment_at(utc(2026, 3, 9, 23)) == PriceSegment(None, start, None)
    assert schedule.segment_at(utc(2026, 3, 10, 5)) == PriceSegment(
        utc(2026, 3, 10, 3), None, None
    )
    assert outlook(schedule, utc(2026, 3, 10, 5)).following is None


def test_interval_schedule_gap_between_intervals() -> None:
    schedule = IntervalSchedule(
        [
            PriceInterval(utc(2026, 1, 1, 0), utc(2026, 1, 1, 1), 0.1),
            PriceInterval(utc(2026, 1, 1, 3), utc(2026, 1, 1, 4), 0.2),
        ]
    )
    assert schedule.segment_at(utc(2026, 1, 1, 2)) == PriceSegment(
        utc(2026, 1, 1, 1), utc(2026, 1, 1, 3), None
    )


def test_interval_schedule_refuses_overlaps_and_empty_intervals() -> None:
    with pytest.raises(ValueError, match="overlap"):
        IntervalSchedule(
            [
                PriceInterval(utc(2026, 1, 1, 0), utc(2026, 1, 1, 2), 0.1),
                PriceInterval(utc(2026, 1, 1, 1), utc(2026, 1, 1, 3), 0.2),
            ]
        )
    with pytest.raises(ValueError, match="ends before"):
        IntervalSchedule([PriceInterval(utc(2026, 1, 1, 1), utc(2026, 1, 1, 1), 0.1)])
