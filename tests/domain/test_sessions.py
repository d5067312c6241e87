"""On→off session detection."""

from datetime import UTC, datetime, timedelta

from custom_components.utility_cost.domain.sessions import (
    Session,
    SessionDetector,
    SessionRules,
)

T0 = datetime(2026, 5, 1, 10, tzinfo=UTC)
RULES = SessionRules(on_threshold_w=10, min_duration=timedelta(minutes=2))


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def test_session_opens_above_threshold_and_closes_at_or_below() -> None:
    assert not RULES.running(10)  # at the threshold: not running
    assert RULES.running(10.1)
    detector = SessionDetector(RULES)
    assert detector.level(minutes(0), False) is None
    assert detector.current is None
    assert detector.level(minutes(1), True) is None
    detector.accrue(minutes(4), 0.075, 0.015)
    assert detector.level(minutes(4), True) is None  # still running
    detector.accrue(minutes(6), 0.05, 0.01)
    finished = detector.level(minutes(6), False)
    assert finished == Session(minutes(1), minutes(6), 0.125, 0.025)
    assert finished is not None
    assert finished.duration == timedelta(minutes=5)
    assert detector.last == finished
    assert detector.current is None


def test_short_sessions_are_dropped() -> None:
    detector = SessionDetector(RULES)
    detector.level(minutes(0), True)
    detector.accrue(minutes(1), 0.01, 0.002)
    assert detector.level(minutes(1), False) is None
    assert detector.last is None


def test_session_ends_at_the_last_accrued_instant() -> None:
    # The source was lost at minute 5 and came back off at minute 60: the session
    # ends at minute 5, not 60.
    detector = SessionDetector(RULES)
    detector.level(minutes(0), True)
    detector.accrue(minutes(5), 0.04, 0.01)
    finished = detector.level(minutes(60), False)
    assert finished is not None
    assert finished.end == minutes(5)


def test_accrue_without_session_does_nothing() -> None:
    detector = SessionDetector(RULES)
    detector.accrue(minutes(1), 1, 1)
    assert detector.current is None


def test_round_trip_keeps_open_and_last_session() -> None:
    detector = SessionDetector(RULES)
    detector.level(minutes(0), True)
    detector.accrue(minutes(3), 0.02, 0.004)
    detector.level(minutes(3), False)
    detector.level(minutes(10), True)
    detector.accrue(minutes(11), 0.01, 0.002)
    restored = SessionDetector.from_dict(detector.as_dict(), RULES)
    assert restored == detector
    assert SessionDetector.from_dict({}, RULES) == SessionDetector(RULES)
