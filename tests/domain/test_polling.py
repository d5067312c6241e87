"""The coordinator's refresh decisions, on the quota budget."""

from datetime import UTC, datetime, timedelta

from custom_components.utility_cost.domain.polling import (
    PLAN_PROBE_EVERY,
    next_refresh_at,
    refresh_plan,
)
from custom_components.utility_cost.domain.quota import (
    MIN_INTERVAL,
    QuotaBudget,
    QuotaSettings,
)

NOW = datetime(2026, 11, 10, tzinfo=UTC)
SETTINGS = QuotaSettings(monthly_cap=26_000)


def test_a_refresh_reconciles_what_the_bucket_pays_for() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)  # 3 tokens: a burst of 1, 2 reserved
    # One page and 4 due plugs: one is reconciled (a third of the calls), 2 calls,
    # more than a burst: it goes when the bucket is full.
    assert refresh_plan(budget, NOW, 1, 4, forced=False) == 1
    # An empty bucket waits, unless the refresh is forced.
    budget.record_calls(NOW, 2)
    assert refresh_plan(budget, NOW, 1, 4, forced=False) is None
    assert refresh_plan(budget, NOW, 1, 4, forced=True) == 1
    budget.mark_plan_expired(NOW)
    assert refresh_plan(budget, NOW, 1, 0, forced=False) == 0  # the probe
    # A bucket of 60 tokens holding the list's 10 pages but not the 3 more for
    # reconciling: the list alone goes.
    big = QuotaBudget.new(QuotaSettings(monthly_cap=3_000_000), NOW)
    assert big.burst > 40
    big.tokens = 11.0  # (a refresh within 5 s of refill counts as paid: 4.2)
    assert refresh_plan(big, NOW, 10, 20, forced=False) == 0
    big.tokens = 16.0
    assert refresh_plan(big, NOW, 10, 20, forced=False) == 4


def test_the_next_refresh() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    rate = budget.rate
    assert rate is not None
    budget.record_calls(NOW, 1)  # the reserve is left: one call's refill to wait
    assert next_refresh_at(budget, NOW, 1, NOW) == NOW + timedelta(seconds=1 / rate)
    # Never within the minimum gap of the last refresh (nor the push's).
    budget.tokens = 3.0
    assert next_refresh_at(budget, NOW, 1, NOW) == NOW + MIN_INTERVAL
    pushed = next_refresh_at(budget, NOW, 1, NOW, timedelta(minutes=30))
    assert pushed == NOW + timedelta(minutes=30)
    # A last refresh a clock that went back left in the future holds nothing up.
    assert next_refresh_at(budget, NOW, 1, NOW + timedelta(days=1)) == NOW
    budget.mark_plan_expired(NOW)
    assert next_refresh_at(budget, NOW, 1, NOW) == NOW + PLAN_PROBE_EVERY
    budget.mark_plan_expired(NOW, expired=False)
    budget.mark_exhausted(NOW)
    assert next_refresh_at(budget, NOW, 1, NOW) is None
