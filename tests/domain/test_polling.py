"""The fixed-cap polling policy."""

from datetime import UTC, datetime, timedelta

from custom_components.utility_cost.domain.polling import FixedCapPolicy

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def test_half_the_cap_spread_over_31_days() -> None:
    policy = FixedCapPolicy()
    # 26,000 x 0.5 - 472 overhead = 12,528 refresh calls in 31 days (2,678,400 s):
    # one call every 213.8 s.
    assert policy.refresh_calls_per_month == 12_528
    interval = policy.refresh_interval(NOW, 1)
    assert interval == timedelta(seconds=2_678_400 / 12_528)
    assert policy.refresh_interval(NOW, 3) == timedelta(seconds=3 * 2_678_400 / 12_528)
    # Even at the rate it allows, a 31-day month stays under half the cap.
    refreshes = timedelta(days=31) // interval
    assert refreshes + policy.overhead_calls <= 13_000


def test_never_faster_than_the_minimum_and_never_free() -> None:
    generous = FixedCapPolicy(monthly_cap=10_000_000)
    assert generous.refresh_interval(NOW, 1) == timedelta(seconds=60)
    tiny = FixedCapPolicy(monthly_cap=100)
    assert tiny.refresh_calls_per_month == 1
    assert tiny.refresh_interval(NOW, 0) == timedelta(days=31)
