"""A cloud project's monthly API quota, shared with clients we do not see.

The cloud counts every call of every client of a project (Access ID) against one
monthly quota and reports nothing of it through the API. :class:`QuotaBudget` keeps
what is known — our own calls, and readings of the remaining or used calls (from the
portal, or entered by the user) — and turns it into the rate at which we may call:

* ``safety_calls = max(ceil(3 % of cap), ceil(cap / 31))`` are never planned for;
* ``remaining_safe = max(0, remaining - safety_calls)`` and the global target rate
  ``remaining_safe / seconds_left`` spread what is left evenly over the period;
* our share: with a fresh reading of the used calls, what is left after projecting
  the other clients' rate (over the last day of readings, not since the period's
  start: a client that ramps up or bursts early is followed within a day) and our
  commands' rate to the period's end; otherwise a fixed fraction (0.7) of the global
  rate; with no reading at all, a conservative own cap (``min(share * cap,
  configured)``, half the cap unless configured) spread over the period;
* a reading may lag: the portal's counters can be up to a day behind, so the calls
  of the day before a reading (ours and the others', at their rates) are kept in
  reserve too, and a reading in a period's first day that counts more than that
  period can have seen is the previous period's (it is ignored);
* a reading older than 12 hours decays towards the no-information rate;
* targets are smoothed (EWMA, alpha 0.3), also across a period's reset (a new period
  starts on the no-information rate and readings move it from there); a rate-limit
  answer (1110) halves the rate down to a floor, and each successful refresh after
  it gives back a step (two of them undo one halving), so that one answer costs
  minutes, not the hours to the next recompute; a busy cloud (1111) changes nothing;
  the throttle is kept across restarts; an exhausted quota stops all calls until
  the period resets or a reading says calls remain.

A token bucket (``burst = max(1, 60 * rate)``, plus a small reserve) paces polling;
it refills with the time elapsed since its last refill, measured on a clock that
does not jump (:meth:`QuotaBudget.clock_stepped` moves the bucket's last refill with
a wall-clock step, so a step neither fills nor stalls it): a refresh goes when the
bucket holds its calls (:meth:`QuotaBudget.ready_at` says when that is, so a refresh
is never due before it can be paid). Calls that are not polling (tokens,
specifications, discovering what a product offers, user commands) count against the
month but not against the bucket, so that they never silence polling; commands have
their own reserve in the monthly plan (their recent rate, projected), which polling
never plans to spend. A command is refused only when the month's quota is used up or
the plan has expired. The bucket's tokens survive a restart (a restart mints none).
A period never rolls back: a wall clock before what the budget has seen
(:meth:`QuotaBudget.seen_until`) is a wrong clock, not an earlier month. Everything takes the time
as an argument; :meth:`as_dict` and :meth:`from_dict` carry the state across
restarts, and :meth:`assume_spent` is what a lost state is taken to have spent.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import math
from typing import Any, Final

STATE_VERSION: Final = 1
DEFAULT_MONTHLY_CAP: Final = 26_000
DEFAULT_MESSAGE_CAP: Final = 68_000
DEFAULT_SHARE: Final = 0.7
CONSERVATIVE_FRACTION: Final = 0.5
SAFETY_FRACTION: Final = 0.03
EWMA_ALPHA: Final = 0.3
RECOMPUTE_EVERY: Final = timedelta(hours=6)
STALE_AFTER: Final = timedelta(hours=12)
MIN_RATE: Final = 1 / 3600  # one call an hour: the floor of halving
# A step of the clock larger than this is a clock change; smaller ones are instants
# a caller read a little earlier (at the start of a refresh that took a while).
CLOCK_STEP: Final = timedelta(minutes=15)
# What a successful refresh gives back of a throttle: two undo one halving.
THROTTLE_RECOVERY: Final = math.sqrt(2)
MIN_INTERVAL: Final = timedelta(seconds=60)
COMMAND_RESERVE: Final = 2.0  # tokens a refresh leaves in the bucket
# A refresh due within this many seconds of refill is due now (timer jitter).
READY_SLACK_S: Final = 5.0
# How far behind a reading may be: the calls of this long before it may be missing.
READING_LAG: Final = timedelta(hours=24)
# The other clients' rate is the one between the latest reading and the oldest one
# within this window (at least MIN_WINDOW_SPAN apart; else since the period start).
OTHERS_WINDOW: Final = timedelta(hours=24)
MIN_WINDOW_SPAN: Final = timedelta(hours=3)
# Commands' rate: their calls this period over at least this long.
COMMAND_RATE_SPAN: Final = timedelta(days=1)


class QuotaSource(StrEnum):
    """Where the latest knowledge of the remaining calls comes from."""

    PORTAL = "portal"
    MANUAL = "manual"
    ESTIMATE = "estimate"


class QuotaStatus(StrEnum):
    """How the budget stands."""

    OK = "ok"
    THROTTLED = "throttled"
    STALE = "stale"
    EXHAUSTED = "exhausted"


class SteadyClock:
    """Tells a step of the wall clock from the passing of time.

    Fed the wall clock and a steady (monotonic) clock at each check, it returns how
    far the wall clock moved beyond the time that passed since the last check.
    """

    def __init__(self, wall: datetime, steady: float) -> None:
        """Start from one reading of both clocks."""
        self._wall = wall
        self._steady = steady

    def step(self, wall: datetime, steady: float) -> timedelta:
        """Return the wall clock's step since the last check (0: none)."""
        passed = timedelta(seconds=steady - self._steady)
        moved = wall - self._wall
        self._wall, self._steady = wall, steady
        step = moved - passed
        return step if abs(step) > CLOCK_STEP else timedelta(0)


class CloudAnswer(StrEnum):
    """What the cloud answered a call, as far as the quota is concerned."""

    OK = "ok"
    RATE_LIMITED = "rate_limited"  # 1110: slow down
    BUSY = "busy"  # 1111: a transient server error, try again later
    QUOTA_EXHAUSTED = "quota_exhausted"  # 28841004: every client stops
    PLAN_EXPIRED = "plan_expired"  # 28841002


def safety_calls(monthly_cap: int) -> int:
    """Return the calls never planned for: 3 % of the cap, or a day's share."""
    return max(math.ceil(SAFETY_FRACTION * monthly_cap), math.ceil(monthly_cap / 31))


def period_bounds(
    at: datetime, reset_day: int, reset_hour: int = 0
) -> tuple[datetime, datetime]:
    """Return the quota period containing ``at``.

    A period resets at ``reset_hour``:00 UTC on ``reset_day`` (UTC has no clock
    changes to move it); a reset day past a month's end (e.g. the 31st in April) is
    that month's last day.
    """

    def reset_in(year: int, month: int) -> datetime:
        day = min(reset_day, calendar.monthrange(year, month)[1])
        return datetime(year, month, day, reset_hour, tzinfo=UTC)

    at = at.astimezone(UTC)
    this_month = reset_in(at.year, at.month)
    if at >= this_month:
        year, month = (at.year + 1, 1) if at.month == 12 else (at.year, at.month + 1)
        return this_month, reset_in(year, month)
    year, month = (at.year - 1, 12) if at.month == 1 else (at.year, at.month - 1)
    return reset_in(year, month), this_month


@dataclass(frozen=True, slots=True)
class QuotaSettings:
    """What the user configured."""

    monthly_cap: int = DEFAULT_MONTHLY_CAP
    reset_day: int = 1
    share: float = DEFAULT_SHARE
    own_cap: int | None = None  # a configured limit on our own calls, if any
    message_cap: int = DEFAULT_MESSAGE_CAP
    reset_hour: int = 0  # UTC
    unknown_share: float = CONSERVATIVE_FRACTION  # ours while nothing is known

    @property
    def conservative_cap(self) -> int:
        """Return our own calls a period when nothing is known of the others."""
        part = math.floor(self.unknown_share * self.monthly_cap)
        return part if self.own_cap is None else min(part, self.own_cap)

    def period(self, at: datetime) -> tuple[datetime, datetime]:
        """Return the quota period containing ``at``."""
        return period_bounds(at, self.reset_day, self.reset_hour)


@dataclass(frozen=True, slots=True)
class QuotaReading:
    """The remaining and/or used calls of the whole project at an instant."""

    at: datetime
    source: QuotaSource
    remaining: int | None
    used: int | None
    ours_at: int  # our own calls this period when it was read

    def as_dict(self) -> dict[str, Any]:
        """Serialise the reading."""
        return {
            "at": self.at.isoformat(),
            "source": self.source.value,
            "remaining": self.remaining,
            "used": self.used,
            "ours_at": self.ours_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuotaReading:
        """Restore a reading written by :meth:`as_dict`."""
        return cls(
            datetime.fromisoformat(data["at"]),
            QuotaSource(data["source"]),
            None if data.get("remaining") is None else int(data["remaining"]),
            None if data.get("used") is None else int(data["used"]),
            int(data["ours_at"]),
        )

    def counted(self, cap: int) -> int:
        """Return the calls it says were used (from the remaining if that is all)."""
        return self.used if self.used is not None else cap - (self.remaining or 0)

    def left(self, cap: int) -> int:
        """Return the calls it says remain (from the used if that is all)."""
        return self.remaining if self.remaining is not None else cap - (self.used or 0)

    def others(self) -> int | None:
        """Return the other clients' calls it shows (None: it has no used count)."""
        return None if self.used is None else max(0, self.used - self.ours_at)


@dataclass(slots=True)
class QuotaView:
    """The figures of the last recompute (what the entities and diagnostics show)."""

    remaining_calls: int
    used_calls: int
    other_calls: int | None  # None: not known
    safety_calls: int
    seconds_left: float
    global_target_rps: float
    planned_rps: float  # this recompute's target, before smoothing
    our_target_rps: float  # the smoothed rate we call at
    burst: float
    other_rps: float | None = None  # the other clients' projected rate
    command_rps: float = 0.0  # our commands' projected rate
    lag_reserve: int = 0  # calls kept for what a lagging reading may miss

    @classmethod
    def empty(cls) -> QuotaView:
        """Return the figures of a budget not computed yet."""
        return cls(0, 0, None, 0, 0.0, 0.0, 0.0, 0.0, 1.0)


@dataclass
class QuotaBudget:
    """The budget of one project: knowledge, rates, the bucket, and the counts."""

    settings: QuotaSettings
    period_start: datetime
    period_end: datetime
    our_calls: int = 0
    readings: list[QuotaReading] = field(default_factory=list)
    rate: float | None = None  # smoothed own rate (calls/s), None before any
    throttle: float = 1.0
    exhausted: bool = False
    plan_expired: bool = False
    tokens: float = 0.0
    tokens_at: datetime | None = None
    computed_at: datetime | None = None
    messages: int = 0  # messages of the message service received this period
    command_calls: int = 0  # our commands this period
    # The others' rate of the previous period: what a new period's first reading is
    # checked against (None: not known).
    prior_other_rps: float | None = None
    prior_command_rps: float = 0.0  # the commands' rate of the previous period
    ignored_at: datetime | None = None  # a reading taken as the previous period's
    assumed: bool = False  # our count is an assumption (the state was lost)
    # How far the clock was behind what the stored state had seen, at a restart.
    clock_behind: timedelta | None = None
    view: QuotaView = field(default_factory=QuotaView.empty, repr=False)

    @classmethod
    def new(cls, settings: QuotaSettings, now: datetime) -> QuotaBudget:
        """Start a budget at ``now`` with nothing known but the settings."""
        start, end = settings.period(now)
        budget = cls(settings, start, end)
        budget.recompute(now)
        budget.tokens = budget.capacity
        budget.tokens_at = now
        return budget

    @property
    def reading(self) -> QuotaReading | None:
        """Return the latest reading of this period (None: none)."""
        return self.readings[-1] if self.readings else None

    # --- knowledge ---------------------------------------------------------------

    def record_calls(
        self,
        now: datetime,
        calls: int = 1,
        *,
        paced: bool = True,
        command: bool = False,
    ) -> None:
        """Count calls we made; ``paced`` ones (polling) also take bucket tokens."""
        self._roll(now)
        self._refill(now)
        self.our_calls += calls
        if command:
            self.command_calls += calls
        if paced:
            self.tokens -= calls

    def record_messages(self, now: datetime, messages: int = 1) -> None:
        """Count messages the message service pushed to us."""
        self._roll(now)
        self.messages += messages

    def messages_allowed(self, now: datetime) -> bool:
        """Return True while the month's pushed messages stay under their cap.

        Pushes cannot be paced (the plugs decide when they report): they are used
        until the cap less the calls' margin (3 %), then turned off until the
        period resets, and energy comes from the other routes meanwhile.
        """
        self._roll(now)
        return self.messages < self.settings.message_cap * (1 - SAFETY_FRACTION)

    def add_reading(
        self,
        now: datetime,
        source: QuotaSource,
        remaining: int | None = None,
        used: int | None = None,
    ) -> bool:
        """Take a reading of the project's remaining and/or used calls.

        Return False if it was ignored: in a period's first day (``READING_LAG``), a
        reading that counts more than the period can have seen is the previous
        period's, still shown by a portal that lags or resets at another hour; and a
        portal reading that counts fewer calls than the last one did is a glitch
        (counts never go back within a period; the user's own readings are always
        taken, to correct a wrong one).
        """
        if remaining is None and used is None:
            raise ValueError("a reading needs the remaining or the used calls")
        self._roll(now)
        cap = self.settings.monthly_cap
        reading = QuotaReading(now, source, remaining, used, self.our_calls)
        counted = reading.counted(cap)
        if self._from_previous_period(now, counted) or (
            source is QuotaSource.PORTAL and counted < self._portal_counted()
        ):
            self.ignored_at = now
            return False
        self.ignored_at = None
        self.readings = [
            r for r in self.readings if now - r.at <= 2 * OTHERS_WINDOW and r.at < now
        ] + [reading]
        self.assumed = False
        if reading.left(cap) > 0:
            self.exhausted = False
        self.recompute(now)
        return True

    def _portal_counted(self) -> int:
        """Return the calls the latest portal reading of this period counted."""
        for reading in reversed(self.readings):
            if reading.source is QuotaSource.PORTAL:
                return reading.counted(self.settings.monthly_cap)
        return 0

    def _from_previous_period(self, now: datetime, counted: int) -> bool:
        since_start = now - self.period_start
        if since_start >= READING_LAG:
            return False
        others_rps = self.prior_other_rps
        if others_rps is None:
            others_rps = (
                self.settings.monthly_cap
                / (self.period_end - self.period_start).total_seconds()
            )
        # Twice the others' pace over the period so far and the lag, plus a margin.
        possible = (
            self.our_calls
            + 2 * others_rps * (since_start + READING_LAG).total_seconds()
            + safety_calls(self.settings.monthly_cap)
        )
        return counted > possible

    def assume_spent(self, now: datetime, rate: float | None) -> None:
        """Take the period's elapsed share as spent at ``rate`` (calls/s).

        For a state that was lost: our count restarts from what we would have
        spent at the last known rate (None: the no-information plan's), so that
        the rest of the period is not planned as if nothing had been called.
        """
        self._roll(now)
        if rate is None:
            rate = (
                self.settings.conservative_cap
                / (self.period_end - self.period_start).total_seconds()
            )
        elapsed = max(0.0, (now - self.period_start).total_seconds())
        self.our_calls = max(self.our_calls, math.ceil(rate * elapsed))
        self.assumed = True
        self.rate = None
        self.recompute(now)

    def mark_exhausted(self, now: datetime) -> None:
        """Stop until the period resets: the cloud said the quota is used up."""
        self._roll(now)
        self.exhausted = True
        self.recompute(now)

    def mark_plan_expired(self, now: datetime, expired: bool = True) -> None:
        """Stop (or, False, resume): the cloud said the plan has expired."""
        self.plan_expired = expired
        self.recompute(now)

    def mark_rate_limited(self, now: datetime) -> None:
        """Halve the rate: the cloud asked us to slow down (1110).

        Never below MIN_RATE (one call an hour), unless the rate already was. Each
        successful refresh then gives a step back (:meth:`record_success`).
        """
        base = self.rate or 0.0
        if base > 0:
            self.throttle = max(self.throttle / 2, min(1.0, MIN_RATE / base))

    def record_success(self, now: datetime) -> None:
        """Recover a step from a throttle, if any: a refresh went through."""
        self.throttle = min(1.0, self.throttle * THROTTLE_RECOVERY)

    def record_answer(self, now: datetime, answer: CloudAnswer) -> None:
        """Take what the cloud answered one of our calls (a refresh or a command)."""
        if answer is CloudAnswer.OK:
            if self.plan_expired:
                self.mark_plan_expired(now, expired=False)
            self.record_success(now)
        elif answer is CloudAnswer.RATE_LIMITED:
            self.mark_rate_limited(now)
        elif answer is CloudAnswer.QUOTA_EXHAUSTED:
            self.mark_exhausted(now)
        elif answer is CloudAnswer.PLAN_EXPIRED:
            self.mark_plan_expired(now)
        # BUSY: a transient server error; the month's plan is unchanged.

    # --- the clock -----------------------------------------------------------------

    def clock_stepped(self, now: datetime, step: timedelta) -> None:
        """Follow a step of the wall clock (``step`` ahead of the steady clock).

        The bucket's last refill moves with the clock, so that the time it counts
        is the steady clock's: a step ahead fills nothing, a step back stalls
        nothing.
        """
        if self.tokens_at is not None:
            self.tokens_at += step
        if self.computed_at is not None:
            self.computed_at = min(self.computed_at + step, now)

    def seen_until(self) -> datetime:
        """Return the latest instant this budget has seen (its clock's high mark)."""
        seen = [self.period_start]
        if self.computed_at is not None:
            seen.append(self.computed_at)
        if self.reading is not None:
            seen.append(self.reading.at)
        return max(seen)

    # --- rates ---------------------------------------------------------------------

    def due(self, now: datetime) -> bool:
        """Return True if a recompute is due (every 6 hours, or a new period)."""
        return (
            self.computed_at is None
            or now >= self.period_end
            or now - self.computed_at >= RECOMPUTE_EVERY
        )

    def _other_rps(self, latest: QuotaReading) -> float | None:
        """Return the others' rate over the window of readings (None: no used).

        Measured from the oldest reading of the last day (at least 3 hours back),
        else from the newest one before that, else from the period's start.
        """
        others = latest.others()
        if others is None:
            return None
        anchor_at, anchor_others = self.period_start, 0
        for reading in self.readings[:-1]:
            older = reading.others()
            if older is None or latest.at - reading.at < MIN_WINDOW_SPAN:
                continue
            anchor_at, anchor_others = reading.at, older
            if latest.at - reading.at <= OTHERS_WINDOW:
                break
        span = (latest.at - anchor_at).total_seconds()
        return max(0.0, others - anchor_others) / span if span > 0 else 0.0

    def _command_rps(self, now: datetime) -> float:
        """Return our commands' rate: this period's, over at least a day.

        Within a period's first day, last period's pace fills the rest of the day.
        """
        elapsed = max(0.0, (now - self.period_start).total_seconds())
        span = COMMAND_RATE_SPAN.total_seconds()
        prior = self.prior_command_rps * max(0.0, span - elapsed)
        return (self.command_calls + prior) / max(elapsed, span)

    def estimate(self, now: datetime) -> QuotaView:
        """Return the figures at ``now`` from what is known (changes nothing)."""
        settings = self.settings
        cap = settings.monthly_cap
        seconds_left = max(1.0, (self.period_end - now).total_seconds())
        safety = safety_calls(cap)
        reading = self.reading
        other_rps: float | None = None
        command_rps = self._command_rps(now)
        lag_reserve = 0
        period_s = (self.period_end - self.period_start).total_seconds()
        elapsed_share = min(1.0, max(0.0, 1 - seconds_left / period_s))
        if reading is None:
            remaining = max(0, cap - self.our_calls)
            # Not known, but the others are taken to have spent, pro rata, what the
            # no-information plan leaves them (less the safety calls).
            other_calls: int | None = None
            left_to_others = max(0, cap - safety - settings.conservative_cap)
            remaining -= min(remaining, math.floor(left_to_others * elapsed_share))
        else:
            since = max(0.0, (now - reading.at).total_seconds())
            other_rps = self._other_rps(reading)
            at_reading = reading.left(cap)
            others_since = (other_rps or 0.0) * since
            remaining = max(
                0,
                math.floor(
                    at_reading - (self.our_calls - reading.ours_at) - others_since
                ),
            )
            other_calls = (
                None
                if reading.used is None
                else max(0, cap - remaining - self.our_calls)
            )
            # What a reading a day late misses: our calls and the others' of the day
            # before it, at our pace of the period so far and the others' rate.
            into = (reading.at - self.period_start).total_seconds()
            lag_s = max(0.0, min(READING_LAG.total_seconds(), into))
            ours_lag = reading.ours_at * (lag_s / into) if into > 0 else 0.0
            lag_reserve = math.ceil(ours_lag + (other_rps or 0.0) * lag_s)
        remaining_safe = max(0, remaining - safety)
        global_rps = remaining_safe / seconds_left
        plannable = max(0.0, remaining_safe - lag_reserve)
        commands = command_rps * seconds_left
        conservative = (
            max(0, settings.conservative_cap - self.our_calls - commands) / seconds_left
        )
        if reading is None:
            target = min(conservative, max(0.0, plannable - commands) / seconds_left)
        elif other_rps is not None:
            projected_others = other_rps * seconds_left
            target = max(0.0, plannable - projected_others - commands) / seconds_left
        else:
            target = max(0.0, settings.share * plannable - commands) / seconds_left
        if reading is not None:
            age = now - reading.at
            if age > STALE_AFTER:
                floor = min(target, conservative)
                weight = 0.5 ** ((age - STALE_AFTER) / STALE_AFTER)
                target = floor + (target - floor) * weight
        return QuotaView(
            remaining_calls=remaining,
            used_calls=max(0, cap - remaining),
            other_calls=other_calls,
            safety_calls=safety,
            seconds_left=seconds_left,
            global_target_rps=global_rps,
            planned_rps=target,
            our_target_rps=self._effective_rate(),
            burst=self.burst,
            other_rps=other_rps,
            command_rps=command_rps,
            lag_reserve=lag_reserve,
        )

    def recompute(self, now: datetime) -> None:
        """Recompute the rate from what is known now (a throttle stays as it is)."""
        self._roll(now)
        view = self.estimate(now)
        self.rate = (
            view.planned_rps
            if self.rate is None
            else EWMA_ALPHA * view.planned_rps + (1 - EWMA_ALPHA) * self.rate
        )
        # Never above what is safe, whatever the smoothing remembers.
        self.rate = min(self.rate, view.global_target_rps)
        self.computed_at = now
        self.view = self.estimate(now)

    def _effective_rate(self) -> float:
        if self.exhausted or self.plan_expired:
            return 0.0
        return (self.rate or 0.0) * self.throttle

    @property
    def burst(self) -> float:
        """Return the tokens a burst of polling may take."""
        return max(1.0, 60 * self._effective_rate())

    @property
    def capacity(self) -> float:
        """Return the bucket's size: a burst, plus the commands' reserve."""
        return self.burst + COMMAND_RESERVE

    def refresh_interval(self, now: datetime, calls_per_refresh: int) -> timedelta:
        """Return the wait before a refresh costing ``calls_per_refresh`` calls.

        A stopped budget (exhausted, plan expired) waits for the recompute that may
        lift it.
        """
        rate = self._effective_rate()
        if rate <= 0:
            return RECOMPUTE_EVERY
        wait = timedelta(seconds=max(1, calls_per_refresh) / rate)
        return min(max(MIN_INTERVAL, wait), RECOMPUTE_EVERY)

    # --- the bucket ----------------------------------------------------------------

    def _refill(self, now: datetime) -> None:
        if self.tokens_at is not None and now > self.tokens_at:
            gained = (now - self.tokens_at).total_seconds() * self._effective_rate()
            self.tokens = min(self.capacity, self.tokens + gained)
        if self.tokens_at is None or now > self.tokens_at:
            self.tokens_at = now
        elif self.tokens_at - now > CLOCK_STEP:
            # The clock went back unnoticed: count from now. Waiting for it to catch
            # up with the last refill would stop the bucket for as long as it jumped.
            self.tokens_at = now

    def allow_refresh(self, now: datetime, calls: int) -> bool:
        """Return True if a refresh of ``calls`` calls may go now (keeping the reserve).

        A refresh the bucket can pay within ``READY_SLACK_S`` is allowed: timers fire
        a few milliseconds early, and skipping for that would double the interval.
        """
        self._roll(now)
        if self.exhausted or self.plan_expired:
            return False
        self._refill(now)
        slack = READY_SLACK_S * self._effective_rate() + 1e-9
        if calls > self.burst:
            # A bucket can never hold a refresh bigger than itself: let it drain.
            return self.tokens >= self.capacity - slack
        return self.tokens - calls >= COMMAND_RESERVE - slack

    def ready_at(self, now: datetime, calls: int) -> datetime | None:
        """Return when a refresh of ``calls`` calls can be paid (None: stopped)."""
        self._roll(now)
        rate = self._effective_rate()
        if self.exhausted or self.plan_expired or rate <= 0:
            return None
        self._refill(now)
        base = max(now, self.tokens_at or now)
        needed = (
            self.capacity if calls > self.burst else calls + COMMAND_RESERVE
        ) - self.tokens
        if needed <= 0:
            return base
        return base + timedelta(seconds=needed / rate)

    def allow_command(self, now: datetime) -> bool:
        """Return True if a user command may go now: whenever the month has calls."""
        self._roll(now)
        return not (self.exhausted or self.plan_expired)

    # --- status --------------------------------------------------------------------

    def status(self, now: datetime) -> QuotaStatus:
        """Return how the budget stands at ``now``."""
        if self.exhausted or self.plan_expired:
            return QuotaStatus.EXHAUSTED
        if self.throttle < 1.0:
            return QuotaStatus.THROTTLED
        if self.reading is None or now - self.reading.at > STALE_AFTER:
            return QuotaStatus.STALE
        return QuotaStatus.OK

    @property
    def source(self) -> QuotaSource:
        """Return where the latest knowledge comes from."""
        return QuotaSource.ESTIMATE if self.reading is None else self.reading.source

    def _roll(self, now: datetime) -> None:
        """Start a new period when ``now`` has passed the current one's end.

        Never backwards: a clock before the period's start is wrong (see
        :meth:`seen_until`), and counting from zero would spend the month twice.
        """
        if now < self.period_end:
            return
        period_s = (self.period_end - self.period_start).total_seconds()
        if (reading := self.reading) is not None and (
            rps := self._other_rps(reading)
        ) is not None:
            self.prior_other_rps = rps
        self.prior_command_rps = self.command_calls / period_s
        self.period_start, self.period_end = self.settings.period(now)
        self.our_calls = 0
        self.messages = 0
        self.command_calls = 0
        self.readings = []
        self.exhausted = False
        self.assumed = False
        self.ignored_at = None
        self.computed_at = None
        # Smoothing goes on from the no-information plan, not from last month's end.
        self.rate = self.estimate(now).planned_rps

    # --- persistence -----------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Serialise the state (the design's fields, and what continues it)."""
        view = self.view
        stale_after = None if self.reading is None else self.reading.at + STALE_AFTER
        return {
            "version": STATE_VERSION,
            "period": self.period_start.date().isoformat(),
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "updated_at_ts": self.computed_at.timestamp() if self.computed_at else None,
            "stale_after_ts": stale_after.timestamp() if stale_after else None,
            "source": self.source.value,
            "monthly_cap": self.settings.monthly_cap,
            "remaining_calls": view.remaining_calls,
            "used_calls": view.used_calls,
            "our_calls_this_month": self.our_calls,
            "command_calls_this_month": self.command_calls,
            "messages_this_month": self.messages,
            "safety_calls": view.safety_calls,
            "lag_reserve": view.lag_reserve,
            "seconds_left": view.seconds_left,
            "global_target_rps": view.global_target_rps,
            "our_target_rps": view.our_target_rps,
            "other_rps": view.other_rps,
            "command_rps": view.command_rps,
            "burst": self.burst,
            "rate": self.rate,
            "throttle": self.throttle,
            "exhausted": self.exhausted,
            "plan_expired": self.plan_expired,
            "assumed": self.assumed,
            "tokens": self.tokens,
            "tokens_at": self.tokens_at.isoformat() if self.tokens_at else None,
            "prior_other_rps": self.prior_other_rps,
            "prior_command_rps": self.prior_command_rps,
            "ignored_at": self.ignored_at.isoformat() if self.ignored_at else None,
            "reading": None if self.reading is None else self.reading.as_dict(),
            "readings": [reading.as_dict() for reading in self.readings],
        }

    @classmethod
    def restore(
        cls,
        data: Any,
        settings: QuotaSettings,
        now: datetime,
        *,
        ran_before: bool,
        last_rate: float | None,
    ) -> tuple[QuotaBudget, str | None]:
        """Continue a stored state, or start one; return it and what was wrong.

        A state that cannot be read, or none although the account ran before, is
        lost (the second item says how): the period so far is then taken as spent
        at ``last_rate`` (:meth:`assume_spent`).
        """
        problem: str | None = "no quota state" if ran_before else None
        if data is not None:
            try:
                return cls.from_dict(data, settings, now), None
            except ValueError as err:
                problem = str(err)
        budget = cls.new(settings, now)
        if problem is not None:
            budget.assume_spent(now, last_rate)
        return budget, problem

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], settings: QuotaSettings, now: datetime
    ) -> QuotaBudget:
        """Continue a budget written by :meth:`as_dict` (ValueError if it is not one).

        Our calls carry over within the same period; a new period starts afresh.
        The bucket continues from its stored tokens (a restart adds none).
        """
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError(f"not a quota state of version {STATE_VERSION}")
        try:
            readings = [QuotaReading.from_dict(r) for r in data.get("readings") or []]
            if data.get("reading") is not None:
                latest = QuotaReading.from_dict(data["reading"])
                readings = [r for r in readings if r.at < latest.at] + [latest]
            budget = cls(
                settings,
                datetime.fromisoformat(data["period_start"]),
                datetime.fromisoformat(data["period_end"]),
                our_calls=int(data["our_calls_this_month"]),
                readings=readings,
                rate=None if data.get("rate") is None else float(data["rate"]),
                throttle=min(1.0, max(0.0, float(data.get("throttle", 1.0)))),
                exhausted=bool(data.get("exhausted", False)),
                plan_expired=bool(data.get("plan_expired", False)),
                messages=int(data.get("messages_this_month", 0)),
                command_calls=int(data.get("command_calls_this_month", 0)),
                prior_other_rps=None
                if data.get("prior_other_rps") is None
                else float(data["prior_other_rps"]),
                prior_command_rps=float(data.get("prior_command_rps", 0.0)),
                assumed=bool(data.get("assumed", False)),
                computed_at=None
                if data.get("updated_at_ts") is None
                else datetime.fromtimestamp(float(data["updated_at_ts"]), UTC),
            )
            tokens = data.get("tokens")
            tokens_at = data.get("tokens_at")
            stored_tokens = (
                None
                if tokens is None or tokens_at is None
                else (float(tokens), datetime.fromisoformat(tokens_at))
            )
        except (KeyError, TypeError, AttributeError, ValueError) as err:
            raise ValueError(f"not a quota state: {err!r}") from err
        if (
            budget.our_calls < 0
            or budget.command_calls < 0
            or budget.period_end <= budget.period_start
        ):
            raise ValueError("not a quota state: impossible values")
        if (budget.period_start, budget.period_end) != settings.period(
            budget.period_start
        ):
            # The reset changed: the calls are kept, the period is recomputed.
            budget.period_start, budget.period_end = settings.period(now)
            budget.readings = [
                r for r in budget.readings if r.at >= budget.period_start
            ]
        behind = budget.seen_until() - now
        budget.clock_behind = behind if behind > CLOCK_STEP else None
        budget.recompute(now)
        budget.tokens = budget.capacity
        budget.tokens_at = now
        if stored_tokens is not None and stored_tokens[1] <= now:
            budget.tokens, budget.tokens_at = stored_tokens
            budget.tokens = min(budget.capacity, budget.tokens)
            budget._refill(now)
        return budget
