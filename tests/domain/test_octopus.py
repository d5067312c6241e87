"""Octopus Energy's data: tariff codes, agreements, rates, Economy 7, gas, bills."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.utility_cost.domain.octopus import (
    Agreement,
    AgreementSpan,
    Consumption,
    HourTotal,
    NightWindow,
    OctopusDataError,
    RateRow,
    TariffCode,
    agreements_in_force,
    backfill_pages,
    clip_intervals,
    economy7_intervals,
    gas_kwh,
    hourly_totals,
    known_tariff,
    night_ranges,
    normalise_account_number,
    parse_tariff_code,
    rate_intervals,
    rates_published,
    whole_days,
    with_standing_charge,
)
from custom_components.utility_cost.domain.periods import describe_days
from custom_components.utility_cost.domain.prices import IntervalSchedule, PriceInterval

LONDON = ZoneInfo("Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "E-1R-AGILE-24-10-01-C",
            TariffCode("E-1R-AGILE-24-10-01-C", "E", 1, "AGILE-24-10-01", "C"),
        ),
        (
            "E-2R-VAR-22-11-01-A",
            TariffCode("E-2R-VAR-22-11-01-A", "E", 2, "VAR-22-11-01", "A"),
        ),
        (
            "G-1R-VAR-22-11-01-N",
            TariffCode("G-1R-VAR-22-11-01-N", "G", 1, "VAR-22-11-01", "N"),
        ),
        # Without the fuel and register prefix.
        (
            "AGILE-FLEX-22-11-25-H",
            TariffCode("AGILE-FLEX-22-11-25-H", "E", 1, "AGILE-FLEX-22-11-25", "H"),
        ),
        # Real codes from the Octopus Energy integration's tests (MIT,
        # BottlecapDave/HomeAssistant-OctopusEnergy, tests/unit/utils/
        # test_tariff_parts.py and test_is_day_night_tariff.py).
        (
            "G-1R-SUPER-GREEN-24M-21-07-30-A",
            TariffCode(
                "G-1R-SUPER-GREEN-24M-21-07-30-A",
                "G",
                1,
                "SUPER-GREEN-24M-21-07-30",
                "A",
            ),
        ),
        (
            "E-FLAT2R-SILVER-23-12-06-A",  # a flat day/night tariff: two registers
            TariffCode("E-FLAT2R-SILVER-23-12-06-A", "E", 2, "SILVER-23-12-06", "A"),
        ),
        (
            "V2G-EXPORT-12M-FIXED-22-12-01-C",
            TariffCode(
                "V2G-EXPORT-12M-FIXED-22-12-01-C",
                "E",
                1,
                "V2G-EXPORT-12M-FIXED-22-12-01",
                "C",
            ),
        ),
        (
            "E-1R-IOG-SMB-TOU-25-12-12-A",  # time of use on one register
            TariffCode(
                "E-1R-IOG-SMB-TOU-25-12-12-A", "E", 1, "IOG-SMB-TOU-25-12-12", "A"
            ),
        ),
        (
            "BUS-PANELP-12M-FIXED-SEPTEMBER2029",  # business: no region
            TariffCode(
                "BUS-PANELP-12M-FIXED-SEPTEMBER2029",
                "E",
                1,
                "BUS-PANELP-12M-FIXED-SEPTEMBER2029",
                None,
            ),
        ),
    ],
)
def test_tariff_codes(code: str, expected: TariffCode) -> None:
    assert parse_tariff_code(code) == expected


def test_economy7_is_two_registers_of_electricity() -> None:
    assert parse_tariff_code("E-2R-VAR-22-11-01-A").is_economy7
    assert not parse_tariff_code("E-1R-VAR-22-11-01-A").is_economy7
    assert not parse_tariff_code("G-1R-VAR-22-11-01-A").is_economy7
    assert parse_tariff_code("E-FLAT2R-SILVER-23-12-06-A").is_economy7


@pytest.mark.parametrize(
    "code",
    [
        "",
        "AGILE",
        "E-1R-AGILE-24-10-01",
        "E-3R-VAR-22-11-01-A",
        "E-1R-VAR-Z",
        "E-1R--VAR-A",
        "E 1R VAR A",
        "invalid-tariff-code",
    ],
)
def test_not_tariff_codes(code: str) -> None:
    with pytest.raises(OctopusDataError, match="not a tariff code"):
        parse_tariff_code(code)
    assert known_tariff(code) is None


def test_an_unknown_code_is_a_span_without_a_tariff() -> None:
    spans = agreements_in_force(
        [Agreement("SOMETHING-ELSE", utc(2026, 1, 1), None)],
        utc(2026, 1, 2),
        utc(2026, 1, 3),
    )
    assert [(s.code, s.tariff) for s in spans] == [("SOMETHING-ELSE", None)]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("A-1B2C3D4E", "A-1B2C3D4E"),
        (" a-1b2c3d4e ", "A-1B2C3D4E"),
        ("A-1B2C3D4", None),
        ("B-1B2C3D4E", None),
        ("A-HOLD0001", "A-HOLD0001"),  # letters beyond F: a real shape
        ("a-hold0001", "A-HOLD0001"),
        ("A-1B2C3D4-", None),
        ("1B2C3D4E", None),
    ],
)
def test_account_numbers(text: str, number: str | None) -> None:
    assert normalise_account_number(text) == number


AGREEMENTS = [
    # Newest last on purpose: order does not matter.
    Agreement("E-1R-AGILE-24-10-01-C", utc(2026, 3, 10, 14, 30), None),
    Agreement("E-1R-VAR-22-11-01-C", utc(2025, 1, 1), utc(2026, 3, 10, 14, 30)),
]


def test_an_agreement_change_mid_day_splits_the_day() -> None:
    spans = agreements_in_force(AGREEMENTS, utc(2026, 3, 10), utc(2026, 3, 11))
    assert [(s.start, s.end, s.tariff.product) for s in spans] == [
        (utc(2026, 3, 10), utc(2026, 3, 10, 14, 30), "VAR-22-11-01"),
        (utc(2026, 3, 10, 14, 30), utc(2026, 3, 11), "AGILE-24-10-01"),
    ]


def test_time_without_an_agreement_is_left_out() -> None:
    spans = agreements_in_force(AGREEMENTS, utc(2024, 12, 31), utc(2025, 1, 2))
    assert [(s.start, s.end) for s in spans] == [(utc(2025, 1, 1), utc(2025, 1, 2))]
    assert agreements_in_force(AGREEMENTS, utc(2024, 1, 1), utc(2024, 1, 2)) == []


def test_overlapping_agreements_are_bad_data() -> None:
    overlapping = [
        Agreement("E-1R-VAR-22-11-01-C", utc(2025, 1, 1), utc(2025, 6, 1)),
        Agreement("E-1R-AGILE-24-10-01-C", utc(2025, 5, 1), None),
    ]
    with pytest.raises(OctopusDataError, match="overlap"):
        agreements_in_force(overlapping, utc(2025, 1, 1), utc(2026, 1, 1))


def test_rates_newest_first_become_intervals_in_pounds() -> None:
    rows = [
        RateRow(20.0, 21.0, utc(2026, 1, 12, 10, 30), utc(2026, 1, 12, 11)),
        RateRow(-2.0, -2.1, utc(2026, 1, 12, 10), utc(2026, 1, 12, 10, 30)),
    ]
    assert rate_intervals(
        rows, include_vat=True, payment_method=None, until=utc(2027, 1, 1)
    ) == [
        PriceInterval(utc(2026, 1, 12, 10), utc(2026, 1, 12, 10, 30), -0.021),
        PriceInterval(utc(2026, 1, 12, 10, 30), utc(2026, 1, 12, 11), 0.21),
    ]
    without_vat = rate_intervals(
        rows, include_vat=False, payment_method=None, until=utc(2027, 1, 1)
    )
    assert [i.price for i in without_vat] == [-0.02, 0.2]


def test_open_ended_rates_are_cut_and_give_way_to_newer_ones() -> None:
    rows = [
        RateRow(30.0, 31.5, utc(2026, 2, 1), None, "DIRECT_DEBIT"),
        RateRow(33.0, 34.65, utc(2026, 2, 1), None, "NON_DIRECT_DEBIT"),
        RateRow(28.0, 29.4, utc(2025, 10, 1), None, "DIRECT_DEBIT"),
    ]
    intervals = rate_intervals(
        rows,
        include_vat=True,
        payment_method="DIRECT_DEBIT",
        until=utc(2026, 3, 1),
        label="standard",
    )
    assert intervals == [
        PriceInterval(utc(2025, 10, 1), utc(2026, 2, 1), 0.294, "standard"),
        PriceInterval(utc(2026, 2, 1), utc(2026, 3, 1), 0.315, "standard"),
    ]
    # A rate that starts after the horizon is not there yet.
    assert (
        rate_intervals(
            rows, include_vat=True, payment_method="DIRECT_DEBIT", until=utc(2025, 9, 1)
        )
        == []
    )


NIGHT_LOCAL = NightWindow(time(0, 0), time(7, 0), LONDON)
NIGHT_SMART = NightWindow(time(0, 30), time(7, 30), UTC)


def test_night_ranges_follow_local_time_across_dst() -> None:
    # 29 March 2026: the UK's clocks go forward at 01:00.
    assert night_ranges(NIGHT_LOCAL, utc(2026, 3, 28), utc(2026, 3, 30)) == [
        (utc(2026, 3, 28, 0), utc(2026, 3, 28, 7)),
        (utc(2026, 3, 29, 0), utc(2026, 3, 29, 6)),
        # 30 March, 00:00 BST.
        (utc(2026, 3, 29, 23), utc(2026, 3, 30, 0)),
    ]
    # A window past midnight, cut to the range.
    window = NightWindow(time(23, 0), time(6, 0), UTC)
    assert night_ranges(window, utc(2026, 1, 12, 3), utc(2026, 1, 13)) == [
        (utc(2026, 1, 12, 3), utc(2026, 1, 12, 6)),
        (utc(2026, 1, 12, 23), utc(2026, 1, 13)),
    ]


def test_economy7_lays_night_rates_over_the_window() -> None:
    day = [PriceInterval(utc(2026, 1, 1), utc(2026, 1, 3), 0.30)]
    night = [PriceInterval(utc(2026, 1, 1), utc(2026, 1, 3), 0.12)]
    intervals = economy7_intervals(day, night, NIGHT_SMART)
    assert [(i.start, i.end, i.price, i.label) for i in intervals] == [
        (utc(2026, 1, 1, 0), utc(2026, 1, 1, 0, 30), 0.30, "day"),
        (utc(2026, 1, 1, 0, 30), utc(2026, 1, 1, 7, 30), 0.12, "night"),
        (utc(2026, 1, 1, 7, 30), utc(2026, 1, 2, 0, 30), 0.30, "day"),
        (utc(2026, 1, 2, 0, 30), utc(2026, 1, 2, 7, 30), 0.12, "night"),
        (utc(2026, 1, 2, 7, 30), utc(2026, 1, 3), 0.30, "day"),
    ]
    assert economy7_intervals([], [], NIGHT_SMART) == []


def test_economy7_rate_changes_split_the_intervals() -> None:
    day = [
        PriceInterval(utc(2026, 1, 1), utc(2026, 1, 1, 12), 0.30),
        PriceInterval(utc(2026, 1, 1, 12), utc(2026, 1, 2), 0.32),
    ]
    night = [PriceInterval(utc(2026, 1, 1, 1), utc(2026, 1, 2), 0.12)]
    intervals = economy7_intervals(day, night, NIGHT_SMART)
    # Before the night rate is known, the night has no price.
    assert [(i.start, i.price) for i in intervals] == [
        (utc(2026, 1, 1, 0), 0.30),
        (utc(2026, 1, 1, 1), 0.12),
        (utc(2026, 1, 1, 7, 30), 0.30),
        (utc(2026, 1, 1, 12), 0.32),
    ]


def test_gas_conversion() -> None:
    assert gas_kwh(1.0, 38.8) == pytest.approx(11.0218, abs=1e-4)
    assert gas_kwh(0.0, 38.8) == 0


def _half_hours(start: datetime, count: int, kwh: float) -> list[Consumption]:
    step = timedelta(minutes=30)
    return [
        Consumption(start + i * step, start + (i + 1) * step, kwh) for i in range(count)
    ]


def test_hourly_totals_price_each_half_hour() -> None:
    prices = IntervalSchedule(
        [
            PriceInterval(utc(2026, 1, 12, 10), utc(2026, 1, 12, 10, 30), 0.20),
            PriceInterval(utc(2026, 1, 12, 10, 30), utc(2026, 1, 12, 11, 30), 0.10),
        ]
    )
    rows = _half_hours(utc(2026, 1, 12, 10), 4, 0.5)
    # The API sometimes repeats a row: it counts once.
    rows.append(rows[0])
    assert hourly_totals(rows, prices, gas_cv=None) == [
        HourTotal(utc(2026, 1, 12, 10), 1.0, 0.15),
        # 11:30 has no rate: the hour's cost is unknown, its energy is not.
        HourTotal(utc(2026, 1, 12, 11), 1.0, None),
    ]


def test_half_hour_costs_are_not_rounded_to_a_penny() -> None:
    """A day of small half-hours: rounding each to a penny would lose about 4 %."""
    prices = IntervalSchedule(
        [PriceInterval(utc(2026, 1, 12), utc(2026, 1, 13), 0.2512)]
    )
    totals = hourly_totals(
        _half_hours(utc(2026, 1, 12), 48, 0.234), prices, gas_cv=None
    )
    day_cost = sum(hour.cost or 0.0 for hour in totals)
    assert day_cost == pytest.approx(48 * 0.234 * 0.2512, abs=1e-5)
    # What penny rounding gave: 48 x round(0.23 x 25.12p) = 48 x 6p.
    assert abs(day_cost - 48 * 0.06) > 0.02


def test_hourly_totals_of_gas_in_cubic_metres() -> None:
    prices = IntervalSchedule([PriceInterval(utc(2026, 1, 1), utc(2026, 2, 1), 0.06)])
    totals = hourly_totals(
        _half_hours(utc(2026, 1, 12, 10), 2, 0.1), prices, gas_cv=38.8
    )
    kwh = gas_kwh(0.1, 38.8)
    assert totals == [
        HourTotal(utc(2026, 1, 12, 10), round(2 * kwh, 6), round(2 * kwh * 0.06, 6))
    ]


@pytest.mark.parametrize(
    ("local_day", "half_hours"),
    [("2026-03-29", 46), ("2026-10-25", 50), ("2026-01-12", 48)],
)
def test_uk_days_of_46_and_50_half_hours(local_day: str, half_hours: int) -> None:
    day = datetime.fromisoformat(local_day)
    start = day.replace(tzinfo=LONDON).astimezone(UTC)
    end = (day + timedelta(days=1)).replace(tzinfo=LONDON).astimezone(UTC)
    count = int((end - start) / timedelta(minutes=30))
    assert count == half_hours
    prices = IntervalSchedule([PriceInterval(start, end, 0.25)])
    totals = hourly_totals(_half_hours(start, count, 0.2), prices, gas_cv=None)
    assert len(totals) == half_hours // 2
    assert sum(t.kwh for t in totals) == pytest.approx(0.2 * half_hours)
    assert sum(t.cost or 0 for t in totals) == pytest.approx(0.05 * half_hours)


def test_economy7_merges_equal_neighbours() -> None:
    """Two rate rows at the same price read as one interval."""
    day = [
        PriceInterval(utc(2026, 1, 1, 8), utc(2026, 1, 1, 12), 0.30),
        PriceInterval(utc(2026, 1, 1, 12), utc(2026, 1, 1, 20), 0.30),
    ]
    assert economy7_intervals(day, [], NIGHT_SMART) == [
        PriceInterval(utc(2026, 1, 1, 8), utc(2026, 1, 1, 20), 0.30, "day")
    ]


def test_clip_intervals() -> None:

    intervals = [
        PriceInterval(utc(2026, 1, 1), utc(2026, 1, 3), 0.3, "day"),
        PriceInterval(utc(2026, 1, 3), utc(2026, 1, 4), 0.2),
    ]
    assert clip_intervals(intervals, utc(2026, 1, 2), utc(2026, 1, 3, 12)) == [
        PriceInterval(utc(2026, 1, 2), utc(2026, 1, 3), 0.3, "day"),
        PriceInterval(utc(2026, 1, 3), utc(2026, 1, 3, 12), 0.2),
    ]


@pytest.mark.parametrize(
    ("local_day", "hours"), [("2026-03-29", 23), ("2026-10-25", 25)]
)
def test_whole_days_on_clock_change_days(local_day: str, hours: int) -> None:
    day = datetime.fromisoformat(local_day)
    start = day.replace(tzinfo=LONDON).astimezone(UTC)
    totals = [HourTotal(start + timedelta(hours=i), 1.0, 0.2) for i in range(hours + 5)]
    # The day is whole; the 5 hours of the next day are not a day yet.
    assert whole_days(totals, LONDON) == {day.date(): totals[:hours]}
    # A day with a missing hour is not whole.
    assert whole_days(totals[:3] + totals[4:], LONDON) == {}
    # Hours that do not start at midnight are not a whole day either.
    assert whole_days(totals[1:], LONDON) == {}


def test_whole_days_keep_every_complete_day() -> None:
    """Every whole day counts: a day with a gap is left out, not those after it."""
    start = datetime(2026, 3, 28, tzinfo=LONDON).astimezone(UTC)
    hours = [
        HourTotal(start + timedelta(hours=i), 1.0, 0.1) for i in range(24 + 23 + 24)
    ]
    del hours[30]  # an hour of the 23-hour day (29 March) is missing
    days = whole_days(hours, LONDON)
    assert sorted(days) == [date(2026, 3, 28), date(2026, 3, 30)]
    assert len(days[date(2026, 3, 30)]) == 24


def test_backfill_pages_are_whole_local_days() -> None:
    assert backfill_pages(date(2026, 3, 1), date(2026, 4, 30), 30) == [
        (date(2026, 3, 1), date(2026, 3, 30)),
        (date(2026, 3, 31), date(2026, 4, 29)),
        (date(2026, 4, 30), date(2026, 4, 30)),
    ]
    assert backfill_pages(date(2026, 1, 2), date(2026, 1, 1), 30) == []


def test_days_described_as_runs() -> None:
    days = [date(2026, 3, d) for d in (1, 2, 3, 5, 9, 10)]
    assert describe_days(days) == (
        "2026-03-01 to 2026-03-03, 2026-03-05, 2026-03-09 to 2026-03-10"
    )
    assert describe_days([]) == ""


def _span(code: str, start: datetime, end: datetime) -> AgreementSpan:
    return AgreementSpan(start, end, code, known_tariff(code))


def test_rates_published_for_every_agreement_of_the_day() -> None:
    """The eve of a switch from a fixed tariff to Agile at 12:00 the next day."""
    day = utc(2026, 1, 13)
    switch = day + timedelta(hours=12)
    until = day + timedelta(hours=23)  # Agile's day-ahead rates end at 23:00
    spans = [
        _span("E-1R-VAR-22-11-01-C", day, switch),
        _span("E-1R-AGILE-24-10-01-C", switch, day + timedelta(days=1)),
    ]
    fixed = [PriceInterval(day, switch, 0.25)]
    # Before 16:00: only the fixed part is known, not a published day.
    assert not rates_published(fixed, spans, until)
    agile = [
        PriceInterval(
            switch + i * timedelta(minutes=30),
            switch + (i + 1) * timedelta(minutes=30),
            0.2,
        )
        for i in range(22)  # 12:00 to 23:00
    ]
    assert rates_published(fixed + agile, spans, until)
    # A gap in the half-hours is not published either.
    assert not rates_published(fixed + agile[:5] + agile[6:], spans, until)
    assert not rates_published(fixed, [], until)


def test_standing_charge_spread_pro_rata_over_the_day() -> None:
    """A switch at 14:30: each agreement's charge for its share of 48 half-hours."""
    day = utc(2026, 1, 10)
    switch = day + timedelta(hours=14, minutes=30)
    charges = IntervalSchedule(
        [
            PriceInterval(day - timedelta(days=1), switch, 0.48),
            PriceInterval(switch, day + timedelta(days=2), 0.96),
        ]
    )
    hours = [HourTotal(day + timedelta(hours=i), 1.0, 0.1) for i in range(24)]
    charged = with_standing_charge(hours, charges, LONDON)
    total = sum((h.cost or 0) for h in charged) - 2.4
    assert total == pytest.approx(0.48 * 29 / 48 + 0.96 * 19 / 48)
    # The hour of the switch has one half-hour of each.
    assert charged[14].cost == pytest.approx(0.1 + 0.48 / 48 + 0.96 / 48)
    # On the 23-hour day a charge is spread over 46 half-hours.
    spring = datetime(2026, 3, 29, tzinfo=LONDON).astimezone(UTC)
    flat = IntervalSchedule([PriceInterval(spring, spring + timedelta(days=1), 0.46)])
    short = [HourTotal(spring + timedelta(hours=i), 0.0, 0.0) for i in range(23)]
    assert sum(h.cost or 0 for h in with_standing_charge(short, flat, LONDON)) == (
        pytest.approx(0.46)
    )
    # No charge known (an export meter), or no cost known: nothing added.
    assert with_standing_charge(hours[:1], IntervalSchedule([]), LONDON) == hours[:1]
    unpriced = [HourTotal(day, 1.0, None)]
    assert with_standing_charge(unpriced, charges, LONDON) == unpriced


def test_an_hour_with_a_half_hour_missing_is_left_out() -> None:
    """It would be low: its day must not count as whole."""
    start = utc(2026, 6, 15, 11)
    prices = IntervalSchedule([PriceInterval(start, start + timedelta(hours=3), 0.2)])
    rows = _half_hours(start, 6, 0.1)
    del rows[1]  # 11:30
    totals = hourly_totals(rows, prices, gas_cv=None)
    assert [t.start for t in totals] == [utc(2026, 6, 15, 12), utc(2026, 6, 15, 13)]
