"""A cloud project's monthly API quota, shared with clients we do not see.

The cloud counts every call of every client of a project (Access ID) against one
monthly quota and reports nothing of it through the API. :class:`QuotaBudget` keeps
what is known — our own calls, and readings of the remaining or used calls (from the
portal, or entered by the user) — and turns it into the rate at which we may call:

* ``safety_calls = max(ceil(3 % of cap), ceil(cap / 31))`` are never planned for;
* ``remaining_safe = max(0, remaining - safety_calls)`` and the global target rate
  ``remaining_safe / seconds_left`` spread what is left evenly over the period;
* our share: with a fresh reading of the used calls, what is left after projecting
  the other clients' observed rate to the period's end; otherwise a fixed fraction
  (0.7) of the global rate; with no reading at all, a conservative own cap
  (``min(0.5 * cap, configured)``) spread over the period;
* a reading older than 12 hours decays towards the no-information rate;
* targets are smoothed (EWMA, alpha 0.3); a rate-limit answer (1110) halves the
  rate down to a floor, and each successful refresh after it gives back a step
  (two of them undo one halving), so that one answer costs minutes, not the hours
  to the next recompute; the throttle is kept across restarts; an exhausted quota
  stops all calls until the period resets or a reading says calls remain.

A token bucket (``burst = max(1, 60 * rate)``, plus a small reserve) paces polling;
it refills with the time elapsed since its last refill, and a clock that goes back
restarts that count instead of stalling the bucket until the clock catches up:
a refresh goes when the bucket holds its calls (:meth:`QuotaBudget.ready_at` says
when that is, so a refresh is never due before it can be paid). Calls that are not
polling (tokens, specifications, discovering what a product offers, user commands)
count against the month but not against the bucket, so that they never silence
polling; the monthly plan, recomputed from what is left, absorbs them. A command is
refused only when the month's quota is used up or the plan has expired. Everything
takes the time as an argument; :meth:`as_dict` and :meth:`from_dict` carry the state
across restarts.
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
# A step back of the clock larger than this restarts the bucket's count; smaller
# ones are instants a caller read a little earlier (at the start of a refresh that
# took a while), not a clock change, and add nothing.
CLOCK_STEP: Final = timedelta(minutes=15)
# What a successful refresh gives back of a throttle: two undo one halving.
THROTTLE_RECOVERY: Final = math.sqrt(2)
MIN_INTERVAL: Final = timedelta(seconds=60)
COMMAND_RESERVE: Final = 2.0  # tokens a refresh leaves in the bucket
# A refresh due within this many seconds of refill is due now (timer jitter).
READY_SLACK_S: Final = 5.0


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


def safety_calls(monthly_cap: int) -> int:
    """Return the calls never planned for: 3 % of the cap, or a day's share."""
    return max(math.ceil(SAFETY_FRACTION * monthly_cap), math.ceil(monthly_cap / 31))


def period_bounds(at: datetime, reset_day: int) -> tuple[datetime, datetime]:
    """Return the quota period containing ``at``: resets at 00:00 UTC on reset_day.

    A reset day past a month's end (e.g. the 31st in April) is that month's last day.
    """

    def reset_in(year: int, month: int) -> datetime:
        day = min(reset_day, calendar.monthrange(year, month)[1])
        return datetime(year, month, day, tzinfo=UTC)

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

    @property
    def conservative_cap(self) -> int:
        """Return our own calls a period when nothing is known of the others."""
        half = math.floor(CONSERVATIVE_FRACTION * self.monthly_cap)
        return half if self.own_cap is None else min(half, self.own_cap)


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
    reading: QuotaReading | None = None
    rate: float | None = None  # smoothed own rate (calls/s), None before any
    throttle: float = 1.0
    exhausted: bool = False
    plan_expired: bool = False
    tokens: float = 0.0
    tokens_at: datetime | None = None
    computed_at: datetime | None = None
    messages: int = 0  # messages of the message service received this period
    view: QuotaView = field(default_factory=QuotaView.empty, repr=False)

    @classmethod
    def new(cls, settings: QuotaSettings, now: datetime) -> QuotaBudget:
        """Start a budget at ``now`` with nothing known but the settings."""
        start, end = period_bounds(now, settings.reset_day)
        budget = cls(settings, start, end)
        budget.recompute(now)
        budget.tokens = budget.capacity
        budget.tokens_at = now
        return budget

    # --- knowledge ---------------------------------------------------------------

    def record_calls(
        self, now: datetime, calls: int = 1, *, paced: bool = True
    ) -> None:
        """Count calls we made; ``paced`` ones (polling) also take bucket tokens."""
        self._roll(now)
        self._refill(now)
        self.our_calls += calls
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
    ) -> None:
        """Take a reading of the project's remaining and/or used calls."""
        if remaining is None and used is None:
            raise ValueError("a reading needs the remaining or the used calls")
        self._roll(now)
        self.reading = QuotaReading(now, source, remaining, used, self.our_calls)
        known_remaining = (
            remaining
            if remaining is not None
            else (self.settings.monthly_cap - (used or 0))
        )
        if known_remaining > 0:
            self.exhausted = False
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

    # --- rates ---------------------------------------------------------------------

    def due(self, now: datetime) -> bool:
        """Return True if a recompute is due (every 6 hours, or a new period)."""
        return (
            self.computed_at is None
            or now >= self.period_end
            or now - self.computed_at >= RECOMPUTE_EVERY
        )

    def estimate(self, now: datetime) -> QuotaView:
        """Return the figures at ``now`` from what is known (changes nothing)."""
        settings = self.settings
        cap = settings.monthly_cap
        seconds_left = max(1.0, (self.period_end - now).total_seconds())
        safety = safety_calls(cap)
        reading = self.reading
        other_rps: float | None = None
        if reading is None:
            remaining = max(0, cap - self.our_calls)
            other_calls: int | None = None
        else:
            since = max(0.0, (now - reading.at).total_seconds())
            if reading.used is not None:
                others_then = max(0, reading.used - reading.ours_at)
                elapsed = (reading.at - self.period_start).total_seconds()
                other_rps = others_then / elapsed if elapsed > 0 else 0.0
            at_reading = (
                reading.remaining
                if reading.remaining is not None
                else cap - (reading.used or 0)
            )
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
        remaining_safe = max(0, remaining - safety)
        global_rps = remaining_safe / seconds_left
        conservative = max(0, settings.conservative_cap - self.our_calls) / seconds_left
        if reading is None:
            target = min(conservative, global_rps)
        elif other_rps is not None:
            projected_others = other_rps * seconds_left
            target = max(0.0, remaining_safe - projected_others) / seconds_left
        else:
            target = settings.share * global_rps
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
            # The clock went back: count from now. Waiting for it to catch up with
            # the last refill would stop the bucket for as long as it jumped.
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
        """Start a new period when ``now`` has left the current one."""
        if now < self.period_end and now >= self.period_start:
            return
        self.period_start, self.period_end = period_bounds(now, self.settings.reset_day)
        self.our_calls = 0
        self.messages = 0
        self.reading = None
        self.exhausted = False
        self.rate = None
        self.computed_at = None

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
            "messages_this_month": self.messages,
            "safety_calls": view.safety_calls,
            "seconds_left": view.seconds_left,
            "global_target_rps": view.global_target_rps,
            "our_target_rps": view.our_target_rps,
            "burst": self.burst,
            "rate": self.rate,
            "throttle": self.throttle,
            "exhausted": self.exhausted,
            "plan_expired": self.plan_expired,
            "reading": None if self.reading is None else self.reading.as_dict(),
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], settings: QuotaSettings, now: datetime
    ) -> QuotaBudget:
        """Continue a budget written by :meth:`as_dict` (ValueError if it is not one).

        Our calls carry over within the same period; a new period starts afresh.
        """
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError(f"not a quota state of version {STATE_VERSION}")
        try:
            budget = cls(
                settings,
                datetime.fromisoformat(data["period_start"]),
                datetime.fromisoformat(data["period_end"]),
                our_calls=int(data["our_calls_this_month"]),
                reading=None
                if data.get("reading") is None
                else QuotaReading.from_dict(data["reading"]),
                rate=None if data.get("rate") is None else float(data["rate"]),
                throttle=min(1.0, max(0.0, float(data.get("throttle", 1.0)))),
                exhausted=bool(data.get("exhausted", False)),
                plan_expired=bool(data.get("plan_expired", False)),
                messages=int(data.get("messages_this_month", 0)),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as err:
            raise ValueError(f"not a quota state: {err!r}") from err
        if budget.our_calls < 0 or budget.period_end <= budget.period_start:
            raise ValueError("not a quota state: impossible values")
        if (budget.period_start, budget.period_end) != period_bounds(
            budget.period_start, settings.reset_day
        ):
            # The reset day changed: the calls are kept, the period is recomputed.
            budget.period_start, budget.period_end = period_bounds(
                now, settings.reset_day
            )
        budget.recompute(now)
        budget.tokens = budget.capacity
        budget.tokens_at = now
        return budget
