"""The quota budget: formulas against hand-computed values, the bucket, the state."""

from datetime import UTC, datetime, timedelta
import math

import pytest

from custom_components.utility_cost.domain.quota import (
    COMMAND_RESERVE,
    MIN_RATE,
    CloudAnswer,
    QuotaBudget,
    QuotaSettings,
    QuotaSource,
    QuotaStatus,
    SteadyClock,
    period_bounds,
    safety_calls,
)

SETTINGS = QuotaSettings(monthly_cap=26_000)
# 10 November 00:00 UTC: 9 days into a 30-day period, 21 days (1,814,400 s) left.
NOW = datetime(2026, 11, 10, tzinfo=UTC)
LEFT = 21 * 86_400


def test_safety_calls() -> None:
    # max(ceil(3 % of cap), ceil(cap / 31))
    assert safety_calls(26_000) == 839  # 780 vs 838.7
    assert safety_calls(1_000) == 33  # 30 vs 32.3
    assert safety_calls(100_000_000) == 3_225_807  # 3,000,000 vs 3,225,806.5


def test_period_bounds() -> None:
    assert period_bounds(NOW, 1) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    # Before this month's reset day: the period started last month.
    assert period_bounds(NOW, 15) == (
        datetime(2026, 10, 15, tzinfo=UTC),
        datetime(2026, 11, 15, tzinfo=UTC),
    )
    # A reset on the 31st is on the 30th in November and April.
    assert period_bounds(datetime(2026, 12, 1, tzinfo=UTC), 31) == (
        datetime(2026, 11, 30, tzinfo=UTC),
        datetime(2026, 12, 31, tzinfo=UTC),
    )
    assert period_bounds(datetime(2026, 12, 31, 5, tzinfo=UTC), 31)[1] == datetime(
        2027, 1, 31, tzinfo=UTC
    )
    assert period_bounds(datetime(2027, 1, 3, tzinfo=UTC), 5)[0] == datetime(
        2026, 12, 5, tzinfo=UTC
    )


def test_no_information_uses_the_conservative_own_cap() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    view = budget.view
    # The others are taken to have spent, pro rata, what the plan leaves them:
    # 9 of 30 days of 26,000 - 839 safety calls - 13,000 ours, 3,648.3 calls.
    assert view.remaining_calls == 26_000 - 3_648
    assert view.other_calls is None
    assert view.safety_calls == 839
    assert view.seconds_left == LEFT
    assert view.global_target_rps == pytest.approx((22_352 - 839) / LEFT)
    # min(0.5 x 26,000, configured) = 13,000 calls over what is left of the period
    assert view.planned_rps == pytest.approx(13_000 / LEFT)
    assert budget.rate == pytest.approx(13_000 / LEFT)
    assert budget.refresh_interval(NOW, 1) == timedelta(seconds=LEFT / 13_000)
    assert budget.source is QuotaSource.ESTIMATE
    assert budget.status(NOW) is QuotaStatus.STALE
    configured = QuotaBudget.new(QuotaSettings(monthly_cap=26_000, own_cap=5_000), NOW)
    assert configured.rate == pytest.approx(5_000 / LEFT)


def test_projection_of_the_other_clients() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.record_calls(NOW, 1_000)
    budget.add_reading(NOW, QuotaSource.PORTAL, remaining=20_000, used=6_000)
    view = budget.view
    # Others used 6,000 - 1,000 = 5,000 in 9 days: 5,000 / 777,600 calls/s, which
    # projected over the 21 days left is 11,666.7 calls. Safe: 20,000 - 839.
    projected = 5_000 / (9 * 86_400) * LEFT
    # The reading may be a day late: the day before it is kept in reserve, our
    # 1,000 calls of 9 days at their pace (111.1) and the others' (555.6).
    assert view.lag_reserve == 667
    assert view.planned_rps == pytest.approx((20_000 - 839 - 667 - projected) / LEFT)
    assert view.other_calls == 5_000
    assert view.remaining_calls == 20_000
    # Smoothed from the first rate (13,000 over the period): 0.3 new + 0.7 old.
    assert budget.rate == pytest.approx(0.3 * view.planned_rps + 0.7 * 13_000 / LEFT)
    assert budget.status(NOW) is QuotaStatus.OK
    assert budget.source is QuotaSource.PORTAL
    # Six hours later, with 100 more of our calls, the estimate moves on.
    later = NOW + timedelta(hours=6)
    budget.record_calls(later, 100)
    budget.recompute(later)
    others_since = 5_000 / (9 * 86_400) * 6 * 3600
    assert budget.view.remaining_calls == int(20_000 - 100 - others_since)


def test_remaining_without_used_takes_the_fixed_share() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.add_reading(NOW, QuotaSource.MANUAL, remaining=20_000)
    assert budget.view.planned_rps == pytest.approx(0.7 * (20_000 - 839) / LEFT)
    assert budget.view.other_calls is None
    assert budget.source is QuotaSource.MANUAL


def test_used_without_remaining() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.add_reading(NOW, QuotaSource.MANUAL, used=26_000 - 20_000)
    assert budget.view.remaining_calls == 20_000
    with pytest.raises(ValueError, match="remaining or the used"):
        budget.add_reading(NOW, QuotaSource.MANUAL)


def test_a_stale_reading_decays_towards_the_conservative_rate() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.add_reading(NOW, QuotaSource.PORTAL, remaining=26_000, used=0)
    fresh_target = (26_000 - 839) / LEFT  # nobody else called: all that is safe
    assert budget.view.planned_rps == pytest.approx(fresh_target)
    # 24 hours later the reading is 12 hours past stale: halfway to the floor.
    later = NOW + timedelta(hours=24)
    budget.recompute(later)
    left = LEFT - 86_400
    target = (26_000 - 839) / left
    floor = 13_000 / left
    assert budget.view.planned_rps == pytest.approx(floor + (target - floor) * 0.5)
    assert budget.status(later) is QuotaStatus.STALE


def test_rate_limits_halve_down_to_a_floor_and_recover_step_by_step() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    rate = budget.rate
    assert rate is not None
    budget.mark_rate_limited(NOW)
    assert budget.status(NOW) is QuotaStatus.THROTTLED
    assert budget.refresh_interval(NOW, 1) == timedelta(seconds=2 / rate)
    # Two successful refreshes undo one halving; a recompute does not by itself.
    budget.recompute(NOW + timedelta(hours=6))
    assert budget.throttle == 0.5
    budget.record_success(NOW)
    assert budget.throttle == pytest.approx(2**-0.5)
    budget.record_success(NOW)
    assert budget.throttle == 1.0
    assert budget.status(NOW) is not QuotaStatus.THROTTLED
    budget.record_success(NOW)
    assert budget.throttle == 1.0
    for _ in range(20):
        budget.mark_rate_limited(NOW)
    assert budget.refresh_interval(NOW, 1) == timedelta(seconds=1 / MIN_RATE)


def test_the_throttle_survives_a_restart() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.mark_rate_limited(NOW)
    restored = QuotaBudget.from_dict(budget.as_dict(), SETTINGS, NOW)
    assert restored.throttle == 0.5
    assert restored.status(NOW) is QuotaStatus.THROTTLED


def test_a_clock_that_goes_back_does_not_stop_the_bucket() -> None:
    """Ten minutes at +1 day, then back: refills go on from the true time."""
    budget = QuotaBudget.new(SETTINGS, NOW)
    rate = budget.rate
    assert rate is not None
    ahead = NOW + timedelta(days=1)
    assert budget.allow_refresh(ahead, 1)
    budget.record_calls(ahead, 1)
    back = NOW + timedelta(minutes=10)
    budget.record_calls(back, 0)
    # The bucket refills from the true time at its rate, not a day later.
    ready = budget.ready_at(back, 1)
    assert ready is not None
    assert ready - back <= timedelta(seconds=1 / rate) + timedelta(seconds=1)


def test_exhaustion_stops_until_a_reading_or_the_reset() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.mark_exhausted(NOW)
    assert budget.status(NOW) is QuotaStatus.EXHAUSTED
    assert not budget.allow_refresh(NOW, 1)
    assert not budget.allow_command(NOW)
    assert budget.refresh_interval(NOW, 1) == timedelta(hours=6)
    # A reading that says calls remain lifts it...
    budget.add_reading(NOW, QuotaSource.MANUAL, remaining=500)
    assert budget.status(NOW) is not QuotaStatus.EXHAUSTED
    budget.mark_exhausted(NOW)
    budget.add_reading(NOW, QuotaSource.MANUAL, used=26_000)
    assert budget.exhausted
    # ...and so does the next period.
    assert budget.allow_refresh(datetime(2026, 12, 1, tzinfo=UTC), 1)
    budget.mark_plan_expired(NOW)
    assert budget.status(NOW) is QuotaStatus.EXHAUSTED
    budget.mark_plan_expired(NOW, expired=False)
    assert budget.status(NOW) is not QuotaStatus.EXHAUSTED


def test_rollover_starts_a_new_period() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.record_calls(NOW, 7_000)
    budget.add_reading(NOW, QuotaSource.PORTAL, remaining=10_000, used=16_000)
    assert budget.due(NOW + timedelta(hours=6))
    assert not budget.due(NOW + timedelta(hours=5))
    december = datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC)
    assert budget.due(december)
    budget.recompute(december)
    assert budget.our_calls == 0
    assert budget.reading is None
    assert budget.period_start == datetime(2026, 12, 1, tzinfo=UTC)
    assert budget.rate == pytest.approx(13_000 / (31 * 86_400 - 1))


def test_the_bucket_paces_refreshes_and_ignores_calls_that_are_not_polling() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    rate = budget.rate
    assert rate is not None
    assert budget.burst == 1.0  # 60 x 0.0072 calls/s is less than one call
    assert budget.tokens == 1.0 + COMMAND_RESERVE
    assert budget.allow_refresh(NOW, 1)
    budget.record_calls(NOW, 1)
    # The next refresh right away would eat the reserve: not yet...
    assert not budget.allow_refresh(NOW, 1)
    ready = budget.ready_at(NOW, 1)
    assert ready == NOW + timedelta(seconds=1 / rate)
    # ... and a timer that fires a few milliseconds early is not sent away.
    early = ready - timedelta(milliseconds=35)
    assert budget.allow_refresh(early, 1)
    # Commands, tokens and specifications count for the month, not the bucket:
    # however many, they never silence polling, and are refused only without calls.
    for _ in range(50):
        assert budget.allow_command(NOW)
        budget.record_calls(NOW, 1, paced=False)
    assert budget.our_calls == 51
    assert budget.ready_at(early, 1) == ready


def test_a_refresh_bigger_than_the_bucket_goes_when_it_is_full() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    assert budget.allow_refresh(NOW, 5)  # full: 3 tokens, 5 calls
    budget.record_calls(NOW, 5)
    assert not budget.allow_refresh(NOW, 5)


def test_round_trip_and_bad_states() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.record_calls(NOW, 1_234)
    budget.add_reading(NOW, QuotaSource.PORTAL, remaining=20_000, used=6_000)
    data = budget.as_dict()
    assert data["our_calls_this_month"] == 1_234
    assert data["source"] == "portal"
    assert data["safety_calls"] == 839
    assert data["period"] == "2026-11-01"
    restored = QuotaBudget.from_dict(data, SETTINGS, NOW + timedelta(minutes=5))
    assert restored.our_calls == 1_234
    assert restored.reading == budget.reading
    # In a later period, the counts start again.
    later = QuotaBudget.from_dict(data, SETTINGS, datetime(2026, 12, 2, tzinfo=UTC))
    assert later.our_calls == 0
    # A changed reset day keeps this period's calls in the new period.
    moved = QuotaBudget.from_dict(
        data, QuotaSettings(monthly_cap=26_000, reset_day=5), NOW
    )
    assert moved.period_start == datetime(2026, 11, 5, tzinfo=UTC)
    assert moved.our_calls == 1_234
    for bad in (
        {},
        {**data, "version": 99},
        {**data, "our_calls_this_month": "many"},
        {**data, "our_calls_this_month": -1},
        {**data, "reading": {"at": 3}},
    ):
        with pytest.raises(ValueError, match="quota state"):
            QuotaBudget.from_dict(bad, SETTINGS, NOW)
    empty = QuotaBudget.new(SETTINGS, NOW).as_dict()
    assert empty["stale_after_ts"] is None


def test_smoothing_and_nothing_to_halve_when_nothing_may_be_called() -> None:
    budget = QuotaBudget.new(QuotaSettings(monthly_cap=1_000), NOW)
    first = budget.rate
    assert first is not None
    budget.record_calls(NOW, 500)  # the conservative half is used up
    budget.recompute(NOW)
    assert budget.view.planned_rps == 0
    # Smoothed towards it, but never above what is safe: 1,000 - 500 ours - 140
    # assumed others (9 of 30 days of the 467 left to them) - 33 safety calls.
    assert 0.7 * first > 327 / LEFT
    assert budget.rate == pytest.approx(327 / LEFT)
    budget.rate = 0.0
    budget.mark_rate_limited(NOW)
    assert budget.throttle == 1.0
    assert budget.refresh_interval(NOW, 1) == timedelta(hours=6)


def test_the_others_are_projected_from_the_last_day_of_readings() -> None:
    """A client that ramps up is followed within a day, not averaged since the 1st."""
    budget = QuotaBudget.new(SETTINGS, NOW)
    # 9 days at 100 calls a day, then a client spending 2,000 a day.
    budget.add_reading(NOW, QuotaSource.PORTAL, used=900)
    day = NOW + timedelta(days=1)
    budget.add_reading(day, QuotaSource.PORTAL, used=2_900)
    assert budget.view.other_rps == pytest.approx(2_000 / 86_400)
    # A reading only an hour after is too close to measure a rate against, and
    # there is none other in the last day: the newest one before it is the anchor.
    budget.add_reading(day + timedelta(hours=1), QuotaSource.PORTAL, used=2_983)
    assert budget.view.other_rps == pytest.approx(2_083 / 90_000)
    # With one in the last day (and 3 hours back), the oldest such is.
    budget.add_reading(day + timedelta(hours=6), QuotaSource.PORTAL, used=3_400)
    assert budget.view.other_rps == pytest.approx(500 / (6 * 3_600))
    # Without a reading in the window the rate is the period's so far.
    lone = QuotaBudget.new(SETTINGS, NOW)
    lone.add_reading(NOW, QuotaSource.PORTAL, used=900)
    assert lone.view.other_rps == pytest.approx(900 / (9 * 86_400))


def test_a_burst_of_the_others_is_forgotten_after_a_day() -> None:
    budget = QuotaBudget.new(SETTINGS, datetime(2026, 11, 1, tzinfo=UTC))
    for hours, used in ((12, 5_000), (24, 5_000), (36, 5_000), (42, 5_000)):
        at = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=hours)
        budget.add_reading(at, QuotaSource.PORTAL, used=used)
    # 5,000 calls in the first 12 hours, none since: the window says none.
    assert budget.view.other_rps == 0


def test_a_reading_of_the_last_period_after_the_reset_is_ignored() -> None:
    december = datetime(2026, 12, 1, 2, tzinfo=UTC)
    budget = QuotaBudget.new(SETTINGS, december)
    # Two hours after the reset the portal still shows November's count.
    assert not budget.add_reading(december, QuotaSource.PORTAL, used=25_100)
    assert budget.reading is None
    assert budget.ignored_at == december
    # One that the period can have seen is taken.
    assert budget.add_reading(december, QuotaSource.PORTAL, used=300)
    assert budget.reading is not None
    assert budget.ignored_at is None
    # After the first day, any reading is this period's.
    later = december + timedelta(days=1)
    assert budget.add_reading(later, QuotaSource.PORTAL, used=25_100)


def test_commands_have_their_own_reserve() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.add_reading(NOW, QuotaSource.PORTAL, remaining=26_000, used=0)
    polling_alone = budget.view.planned_rps
    # 900 commands in 9 days: 100 a day, kept for the 21 days left.
    budget.record_calls(NOW, 900, paced=False, command=True)
    budget.add_reading(NOW, QuotaSource.PORTAL, remaining=25_100, used=900)
    assert budget.view.command_rps == pytest.approx(100 / 86_400)
    assert budget.command_calls == 900
    assert budget.tokens == 1.0 + COMMAND_RESERVE  # commands take no tokens
    reserve = 100 * 21
    lag = budget.view.lag_reserve
    assert budget.view.planned_rps == pytest.approx(
        (25_100 - 839 - lag - reserve) / LEFT
    )
    assert budget.view.planned_rps < polling_alone
    # In a new period the commands' pace carries over for its first day.
    december = datetime(2026, 12, 1, tzinfo=UTC)
    budget.recompute(december)
    assert budget.command_calls == 0
    assert budget.view.command_rps == pytest.approx(900 / (30 * 86_400))


def test_a_lost_state_is_taken_as_spent_at_the_last_rate() -> None:
    rate = 0.01  # calls/s: 864 a day
    budget, problem = QuotaBudget.restore(
        None, SETTINGS, NOW, ran_before=True, last_rate=rate
    )
    assert problem == "no quota state"
    assert budget.assumed
    assert budget.our_calls == math.ceil(rate * 9 * 86_400)  # 7,776
    # Without a rate, at the no-information plan's: half the cap over 30 days.
    budget, _ = QuotaBudget.restore(
        {"version": 1}, SETTINGS, NOW, ran_before=True, last_rate=None
    )
    assert budget.our_calls == 13_000 * 9 // 30
    # A first start has nothing to assume.
    budget, problem = QuotaBudget.restore(
        None, SETTINGS, NOW, ran_before=False, last_rate=rate
    )
    assert problem is None
    assert budget.our_calls == 0
    # A reading ends the assumption.
    budget.add_reading(NOW, QuotaSource.MANUAL, remaining=20_000)
    assert not budget.assumed


def test_a_restart_mints_no_tokens() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.record_calls(NOW, 3)  # the bucket is empty
    restored = QuotaBudget.from_dict(budget.as_dict(), SETTINGS, NOW)
    assert restored.tokens == pytest.approx(0.0)
    # It refilled for the time it was down, at its rate.
    later = QuotaBudget.from_dict(
        budget.as_dict(), SETTINGS, NOW + timedelta(seconds=100)
    )
    assert later.rate is not None
    assert later.tokens == pytest.approx(100 * later.rate)


def test_a_step_of_the_clock_neither_fills_nor_stalls_the_bucket() -> None:
    clock = SteadyClock(NOW, 1_000.0)
    assert clock.step(NOW + timedelta(minutes=1), 1_060.0) == timedelta(0)
    # A day ahead in a minute: a step of a day less that minute.
    ahead = NOW + timedelta(days=1, minutes=2)
    step = clock.step(ahead, 1_120.0)
    assert step == timedelta(days=1)
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.record_calls(NOW, 3)
    budget.clock_stepped(ahead, step)
    budget.allow_refresh(ahead, 1)
    rate = budget.rate
    assert rate is not None
    assert budget.tokens == pytest.approx(-0.0 + 120 * rate)
    # Small differences are jitter, not steps.
    assert clock.step(ahead + timedelta(minutes=10), 1_720.0) == timedelta(0)


def test_a_period_never_rolls_back() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.record_calls(NOW, 5_000)
    data = budget.as_dict()
    # Booting with a clock a month behind: the count is kept, the clock said wrong.
    october = datetime(2026, 10, 20, tzinfo=UTC)
    restored = QuotaBudget.from_dict(data, SETTINGS, october)
    assert restored.our_calls == 5_000
    assert restored.period_start == datetime(2026, 11, 1, tzinfo=UTC)
    assert restored.clock_behind == NOW - october
    restored.record_calls(october, 1)
    assert restored.our_calls == 5_001
    assert QuotaBudget.from_dict(data, SETTINGS, NOW).clock_behind is None


def test_the_reset_hour_and_the_no_information_share() -> None:
    settings = QuotaSettings(reset_day=15, reset_hour=8, unknown_share=0.9)
    assert settings.period(datetime(2027, 2, 15, 7, 59, tzinfo=UTC)) == (
        datetime(2027, 1, 15, 8, tzinfo=UTC),
        datetime(2027, 2, 15, 8, tzinfo=UTC),
    )
    assert settings.period(datetime(2027, 2, 15, 8, tzinfo=UTC))[1] == datetime(
        2027, 3, 15, 8, tzinfo=UTC
    )
    assert settings.conservative_cap == 23_400
    budget = QuotaBudget.new(settings, datetime(2027, 2, 15, 8, tzinfo=UTC))
    assert budget.rate == pytest.approx(23_400 / (28 * 86_400))


def test_the_answers_of_the_cloud() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    budget.record_answer(NOW, CloudAnswer.BUSY)
    assert budget.throttle == 1.0
    budget.record_answer(NOW, CloudAnswer.RATE_LIMITED)
    assert budget.throttle == 0.5
    budget.record_answer(NOW, CloudAnswer.OK)
    assert budget.throttle == pytest.approx(2**-0.5)
    budget.record_answer(NOW, CloudAnswer.PLAN_EXPIRED)
    assert budget.plan_expired
    budget.record_answer(NOW, CloudAnswer.OK)
    assert not budget.plan_expired
    budget.record_answer(NOW, CloudAnswer.QUOTA_EXHAUSTED)
    assert budget.exhausted


def test_a_portal_count_that_goes_back_is_a_glitch() -> None:
    budget = QuotaBudget.new(SETTINGS, NOW)
    assert budget.add_reading(NOW, QuotaSource.PORTAL, used=6_000)
    later = NOW + timedelta(hours=6)
    assert not budget.add_reading(later, QuotaSource.PORTAL, used=0)
    assert not budget.add_reading(later, QuotaSource.PORTAL, remaining=26_000)
    reading = budget.reading
    assert reading is not None
    assert reading.used == 6_000
    # The user's own reading corrects whatever came before.
    assert budget.add_reading(later, QuotaSource.MANUAL, used=5_000)
    assert budget.add_reading(later, QuotaSource.PORTAL, used=6_100)
