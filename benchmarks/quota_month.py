"""A quota period of Tuya polling under the quota policy, against a hostile cloud.

The policy is the integration's own code: ``domain.quota.QuotaBudget`` for the
budget and ``domain.polling`` for the coordinator's decisions (whether a refresh due
now goes, when the next one is planned), driven as the Home Assistant shell
(``tuya_account.TuyaCoordinator`` and ``tuya_quota.TuyaQuota``) drives them:

* timers are set on the wall clock and run on the steady clock, as Home Assistant's
  are; a per-minute tick checks the wall clock against the steady one;
* each refresh costs a request per page of 20 devices; every request is counted
  (also the refused ones), and the cloud's answers go to the budget as the
  coordinator sends them (1110 halves, 1111 changes nothing, a used-up quota stops);
* a token request every 2 hours and at every start, commands at the scenario's pace
  (refused only if the budget says so; asked again once after a 1110);
* portal readings every 6 hours and right after the reset (when the scenario has a
  portal), lagging by the scenario's hours, or a manual reading;
* restarts write the state and restore it (``QuotaBudget.restore``), losing it
  where the scenario says, and the first refresh after a start goes at once.

The cloud counts every client's calls of the real period (in true time), answers
"quota used up" once the real cap is spent, 1110 to every n-th request, and 1111
during a daily busy hour; other clients of the Access ID spend as each scenario says.
The run starts a day before the measured period (so that the reset itself, and a
portal still showing the last period after it, are part of it).

Compared in the same table: the seed's policy (a refresh at its nominal rate,
26,000 calls over 31 days, whatever happens) and the perfect-information limit (every
safe call the others leave, spread evenly over the period).

Run: ``.venv/bin/python benchmarks/quota_month.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import heapq
from itertools import pairwise
import json
import math
from pathlib import Path
import sys
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.utility_cost.domain.polling import (
    next_refresh_at,
    refresh_plan,
)
from custom_components.utility_cost.domain.quota import (
    CloudAnswer,
    QuotaBudget,
    QuotaSettings,
    QuotaSource,
    SteadyClock,
    period_bounds,
    safety_calls,
)

CAP = 26_000
DAY = 86_400.0
HOUR = 3_600.0
TOKEN_EVERY = 2 * HOUR
PORTAL_EVERY = 6 * HOUR
PAGE = 20  # devices a page of the device list
# The previous period's count when the run starts, a day before its end.
PREVIOUS_USED = 0.95 * CAP


@dataclass(frozen=True)
class Scenario:
    """What the others do, what the cloud answers, what the integration gets to know.

    ``others`` is the other clients' cumulative calls at a fraction (0-1) of the
    period; times are in days from the period's start.
    """

    name: str
    others: Callable[[float], float]
    portal: bool = True
    portal_until: float | None = None  # the portal session expires then
    portal_lag_h: float = 0.0
    manual_at: float | None = None
    real_cap: int = CAP
    devices: int = 20
    commands_per_day: int = 0
    restart_every_h: float | None = None
    store_lost_at: float | None = None
    rate_limit_every: int | None = None  # every n-th request answers 1110
    busy_hour: bool = False  # 03:00-04:00 UTC every day answers 1111
    clock_steps: tuple[tuple[float, float, float], ...] = ()  # day, hours, minutes
    reset_day: int = 1
    reset_hour: int = 0
    period_start: datetime = datetime(2026, 11, 1, tzinfo=UTC)  # 30 days
    unknown_share: float = 0.5


def steady(per_period: float) -> Callable[[float], float]:
    """Return others spending ``per_period`` calls evenly."""
    return lambda x: per_period * x


def burst(
    calls: float, first: float, days: float, length: float
) -> Callable[[float], float]:
    """Return others spending ``calls`` from day ``first`` over ``days`` days."""

    def spent(x: float) -> float:
        day = x * length
        return calls * min(1.0, max(0.0, (day - first) / days))

    return spent


def ramp(per_period: float) -> Callable[[float], float]:
    """Return others whose rate grows from 0 linearly: ``per_period`` in all."""
    return lambda x: per_period * x * x


START = datetime(2026, 11, 1, tzinfo=UTC)
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("alone, portal every 6 h", steady(0)),
    Scenario("others 8,000, portal", steady(8_000)),
    Scenario("others 8,000, hourly restarts", steady(8_000), restart_every_h=1),
    Scenario("others 8,000, 100 commands a day", steady(8_000), commands_per_day=100),
    Scenario(
        "others 8,000, 200 plugs, 100 commands a day",
        steady(8_000),
        devices=200,
        commands_per_day=100,
    ),
    Scenario("others 8,000, 5 % of answers 1110", steady(8_000), rate_limit_every=20),
    Scenario("others 8,000, a daily busy hour (1111)", steady(8_000), busy_hour=True),
    Scenario("others 8,000, portal 6 h late", steady(8_000), portal_lag_h=6),
    Scenario("others 12,000, portal 24 h late", steady(12_000), portal_lag_h=24),
    Scenario("others ramping up to 8,000", ramp(8_000)),
    Scenario("others: 5,000 on days 1-2", burst(5_000, 0, 2, 30)),
    Scenario("others: 5,000 on day 15", burst(5_000, 14, 1, 30)),
    Scenario(
        "others 8,000, portal session expires day 10",
        steady(8_000),
        portal_until=10,
    ),
    Scenario(
        "real cap 20,000 (26,000 set), others 8,000",
        steady(8_000),
        real_cap=20_000,
    ),
    Scenario(
        "no portal, manual reading day 1, others 10,000",
        steady(10_000),
        portal=False,
        manual_at=1,
    ),
    Scenario(
        "no portal, reading day 1, others 10,000, store lost day 15",
        steady(10_000),
        portal=False,
        manual_at=1,
        store_lost_at=15,
    ),
    Scenario("nothing known, others 2,000", steady(2_000), portal=False),
    Scenario(
        "nothing known, others 1,000, share set to 90 %",
        steady(1_000),
        portal=False,
        unknown_share=0.9,
    ),
    Scenario("nothing known, others 12,000", steady(12_000), portal=False),
    # Beyond what half the cap leaves: no policy without information can avoid it.
    Scenario("nothing known, others 15,000", steady(15_000), portal=False),
    Scenario(
        "clock +1 day for 10 min (day 10), -2 h for 30 min (day 20)",
        steady(8_000),
        clock_steps=((10, 24, 10), (20, -2, 30)),
    ),
    *(
        Scenario(
            f"reset day 15 08:00, {days}-day period, others 8,000",
            steady(8_000),
            reset_day=15,
            reset_hour=8,
            period_start=start,
        )
        for days, start in (
            (28, datetime(2027, 2, 15, 8, tzinfo=UTC)),
            (29, datetime(2028, 2, 15, 8, tzinfo=UTC)),
            (30, datetime(2027, 4, 15, 8, tzinfo=UTC)),
            (31, datetime(2027, 3, 15, 8, tzinfo=UTC)),
        )
    ),
)


class Cloud:
    """The Tuya cloud of one Access ID: the real count, and its answers."""

    def __init__(self, scenario: Scenario) -> None:
        """Start at the run's start, a day before the measured period."""
        self.scenario = scenario
        start = scenario.period_start
        self.end = period_bounds(start, scenario.reset_day, scenario.reset_hour)[1]
        self.length = (self.end - start).total_seconds()
        self.ours = 0  # our calls the cloud counted in the measured period
        self.ours_before = 0  # ... in the day before it
        self.requests = 0
        self.exhausted_at: float | None = None  # seconds into the period

    def others(self, t: float) -> float:
        """Return the other clients' calls of the period at ``t`` (s from start)."""
        return self.scenario.others(min(1.0, max(0.0, t / self.length)))

    def used(self, t: float) -> float:
        """Return the period's count at ``t``: before the start, the last period's."""
        if t < 0:
            return PREVIOUS_USED + self.ours_before + CAP * 0.02 * (1 + t / DAY)
        return self.ours + self.others(t)

    def request(self, t: float) -> CloudAnswer:
        """Answer one request of ours at ``t``."""
        scenario = self.scenario
        if t >= 0 and self.used(t) + 1 > scenario.real_cap:
            if self.exhausted_at is None:
                self.exhausted_at = t
            return CloudAnswer.QUOTA_EXHAUSTED
        if t < 0:
            self.ours_before += 1
        elif t < self.length:
            self.ours += 1
        self.requests += 1
        if scenario.rate_limit_every and self.requests % scenario.rate_limit_every == 0:
            return CloudAnswer.RATE_LIMITED
        if scenario.busy_hour and 3 * HOUR <= t % DAY < 4 * HOUR:
            return CloudAnswer.BUSY
        return CloudAnswer.OK

    def reading(self, t: float) -> tuple[int, int]:
        """Return what the portal shows at ``t`` (remaining, used), lag included."""
        seen = t - self.scenario.portal_lag_h * HOUR
        used = math.ceil(self.used(seen))
        return max(0, self.scenario.real_cap - used), used


@dataclass
class Result:
    """How a period went for one way of polling."""

    exhausted_day: float | None
    left_pct: float
    our_calls: int
    refused: int
    mean_gap_min: float
    worst_gap_min: float
    safe_used: float


def _gaps(refreshes: list[float], length: float) -> tuple[float, float]:
    inside = [t for t in refreshes if 0 <= t < length]
    if not inside:
        return math.inf, math.inf
    points = [0.0, *inside, length]
    gaps = [b - a for a, b in pairwise(points)]
    return length / len(inside) / 60, max(gaps) / 60


def _result(cloud: Cloud, refreshes: list[float], refused: int) -> Result:
    scenario = cloud.scenario
    others = cloud.others(cloud.length)
    safe = scenario.real_cap - safety_calls(CAP) - others
    mean_gap, worst_gap = _gaps(refreshes, cloud.length)
    return Result(
        exhausted_day=None if cloud.exhausted_at is None else cloud.exhausted_at / DAY,
        left_pct=100 * max(0.0, scenario.real_cap - cloud.ours - others) / CAP,
        our_calls=cloud.ours,
        refused=refused,
        mean_gap_min=mean_gap,
        worst_gap_min=worst_gap,
        safe_used=cloud.ours / safe if safe > 0 else 0.0,
    )


@dataclass(order=True)
class _Event:
    at: float  # true seconds from the period start
    seq: int
    kind: str = field(compare=False)
    data: Any = field(compare=False, default=None)


class Shell:
    """What the Home Assistant shell does with the budget, minus Home Assistant."""

    def __init__(self, scenario: Scenario, cloud: Cloud, t0: float) -> None:
        """Start as a set-up does: a new budget, the first refresh at once."""
        self.scenario = scenario
        self.cloud = cloud
        self.settings = QuotaSettings(
            monthly_cap=CAP,
            reset_day=scenario.reset_day,
            reset_hour=scenario.reset_hour,
            unknown_share=scenario.unknown_share,
        )
        self.events: list[_Event] = []
        self.seq = 0
        self.t = t0
        self.budget = QuotaBudget.new(self.settings, self.wall(t0))
        self.clock = SteadyClock(self.wall(t0), t0)
        self.last_refresh: datetime | None = None
        self.refreshes: list[float] = []  # true times of successful refreshes
        self.refused = 0
        self.force_next = True
        self.generation = 0  # timers of an earlier start are stale
        self.refresh_timer: int | None = None
        self.saved: dict[str, Any] | None = None
        self.saved_rate: float | None = None

    # --- time -------------------------------------------------------------------

    def wall(self, t: float) -> datetime:
        """Return the wall clock at true time ``t`` (with the scenario's steps)."""
        offset = 0.0
        for day, hours, minutes in self.scenario.clock_steps:
            if day * DAY <= t < day * DAY + minutes * 60:
                offset = hours * HOUR
        return self.scenario.period_start + timedelta(seconds=t + offset)

    def at(self, when: datetime) -> float:
        """Return the true time a timer set now for wall time ``when`` fires.

        As Home Assistant's: it waits the difference on the steady clock, and fires
        when the wall clock has reached ``when`` (a step ahead fires it at once, a
        step back makes it wait for the wall clock).
        """
        fire = self.t + max(0.0, (when - self.wall(self.t)).total_seconds())
        for day, _hours, minutes in self.scenario.clock_steps:
            for edge in (day * DAY, day * DAY + minutes * 60):
                if self.t < edge < fire and self.wall(edge) >= when:
                    fire = edge
        while (late := (when - self.wall(fire)).total_seconds()) > 0:
            fire += late
        return fire

    def push(self, at: float, kind: str, data: Any = None) -> int:
        """Plan an event."""
        self.seq += 1
        heapq.heappush(self.events, _Event(at, self.seq, kind, data))
        return self.seq

    # --- the coordinator -----------------------------------------------------------

    def call(self, *, paced: bool, command: bool = False) -> CloudAnswer:
        """Make one request (counted by the budget whatever the answer)."""
        now = self.wall(self.t)
        self.budget.record_calls(now, paced=paced, command=command)
        return self.cloud.request(self.t)

    def refresh(self) -> None:
        """Refresh as ``TuyaCoordinator._refresh`` does, then plan the next one."""
        now = self.wall(self.t)
        self.tick()
        budget = self.budget
        if budget.due(now):
            budget.recompute(now)
        if not budget.exhausted:
            pages = max(1, math.ceil(self.scenario.devices / PAGE))
            forced, self.force_next = self.force_next, False
            if refresh_plan(budget, now, pages, 0, forced=forced) is not None:
                for _ in range(pages):
                    answer = self.call(paced=True)
                    if answer is not CloudAnswer.OK:
                        budget.record_answer(now, answer)
                        break
                else:
                    budget.record_answer(now, CloudAnswer.OK)
                    self.last_refresh = now
                    self.refreshes.append(self.t)
        self.schedule_next()

    def schedule_next(self) -> None:
        """Plan the next refresh as ``TuyaCoordinator._schedule_next`` does."""
        now = self.wall(self.t)
        pages = max(1, math.ceil(self.scenario.devices / PAGE))
        when = next_refresh_at(self.budget, now, pages, self.last_refresh)
        self.refresh_timer = (
            None
            if when is None
            else self.push(self.at(when), "refresh", self.generation)
        )

    def replan(self) -> None:
        """Plan again after a reading or a reset (``TuyaCoordinator._replan``)."""
        if self.budget.plan_expired:
            self.force_next = True
        self.refresh_timer = None
        self.generation += 1
        self.push(self.t, "refresh", self.generation)
        self.schedule_rollover()

    def command(self) -> None:
        """Switch a plug as ``TuyaCoordinator.async_switch`` does."""
        now = self.wall(self.t)
        if not self.budget.allow_command(now):
            if self.cloud.used(self.t) < self.scenario.real_cap:
                self.refused += 1
            return
        answer = self.call(paced=False, command=True)
        if answer in (CloudAnswer.RATE_LIMITED, CloudAnswer.BUSY):
            self.t += 1.0  # asked again a second later
            answer = self.call(paced=False, command=True)
        if answer is not CloudAnswer.OK:
            if answer is not CloudAnswer.RATE_LIMITED:
                self.budget.record_answer(now, answer)
            if self.cloud.used(self.t) < self.scenario.real_cap:
                self.refused += 1

    def read(self, source: QuotaSource) -> None:
        """Take a portal or manual reading (``TuyaQuota.add_reading``)."""
        remaining, used = self.cloud.reading(self.t)
        if self.budget.add_reading(self.wall(self.t), source, remaining, used):
            self.replan()

    def schedule_rollover(self) -> None:
        """Plan the reset as ``TuyaQuota._schedule_rollover`` does."""
        self.push(self.at(self.budget.period_end), "rollover", self.generation)

    def rollover(self) -> None:
        """Start the new period (``TuyaQuota._rolled_over``)."""
        self.budget.recompute(self.wall(self.t))
        self.replan()
        if self.portal_works():
            self.read(QuotaSource.PORTAL)

    def portal_works(self) -> bool:
        """Return True if the portal answers now."""
        until = self.scenario.portal_until
        return self.scenario.portal and (until is None or self.t < until * DAY)

    def restart(self, lost: bool) -> None:
        """Stop (writing the state) and start again, as a restart of Home Assistant."""
        now = self.wall(self.t)
        data = json.loads(json.dumps(self.budget.as_dict()))
        rate = (self.budget.rate or 0.0) + self.budget.view.command_rps
        self.budget, _problem = QuotaBudget.restore(
            None if lost else data,
            self.settings,
            now,
            ran_before=True,
            last_rate=rate,
        )
        self.clock = SteadyClock(now, self.t)
        self.force_next = True
        self.generation += 1
        self.refresh_timer = None
        self.call(paced=False)  # a new token
        self.push(self.t, "refresh", self.generation)
        self.schedule_rollover()

    def tick(self) -> bool:
        """Follow a step of the wall clock (``TuyaQuota.check_clock``)."""
        now = self.wall(self.t)
        step = self.clock.step(now, self.t)
        if step:
            self.budget.clock_stepped(now, step)
        return bool(step)

    def minute(self) -> None:
        """Run the coordinator's minute tick: a step of the clock plans anew."""
        if self.tick():
            self.generation += 1
            self.schedule_next()
            self.schedule_rollover()


def run_policy(scenario: Scenario) -> Result:
    """Drive the integration's budget and decisions through the period."""
    cloud = Cloud(scenario)
    t0 = -DAY
    shell = Shell(scenario, cloud, t0)
    length = cloud.length
    shell.push(t0, "refresh", shell.generation)
    shell.schedule_rollover()
    t = t0
    while t < length:
        shell.push(t, "token")
        t += TOKEN_EVERY
    if scenario.portal:
        t = t0
        while t < length:
            shell.push(t, "portal")
            t += PORTAL_EVERY
    if scenario.manual_at is not None:
        shell.push(scenario.manual_at * DAY, "manual")
    if scenario.commands_per_day:
        step = DAY / scenario.commands_per_day
        t = t0 + step / 2
        while t < length:
            shell.push(t, "command")
            t += step
    if scenario.restart_every_h:
        t = t0 + scenario.restart_every_h * HOUR
        while t < length:
            shell.push(t, "restart", False)
            t += scenario.restart_every_h * HOUR
    if scenario.store_lost_at is not None:
        shell.push(scenario.store_lost_at * DAY, "restart", True)
    if scenario.clock_steps:
        t = t0
        while t < length:
            shell.push(t, "tick")
            t += 60.0
    while shell.events:
        event = heapq.heappop(shell.events)
        if event.at >= length:
            break
        shell.t = max(shell.t, event.at)
        kind = event.kind
        if kind == "refresh":
            if event.data == shell.generation and (
                shell.refresh_timer in (None, event.seq)
            ):
                shell.refresh()
        elif kind == "rollover":
            if event.data == shell.generation:
                shell.rollover()
        elif kind == "token":
            shell.call(paced=False)
        elif kind == "portal":
            if shell.portal_works():
                shell.read(QuotaSource.PORTAL)
        elif kind == "manual":
            shell.read(QuotaSource.MANUAL)
        elif kind == "command":
            shell.command()
        elif kind == "restart":
            shell.restart(lost=event.data)
        elif kind == "tick":
            shell.minute()
    return _result(cloud, shell.refreshes, shell.refused)


def run_seed(scenario: Scenario) -> Result:
    """Run the seed's policy: a refresh at the nominal rate (the cap over 31 days)."""
    cloud = Cloud(scenario)
    pages = max(1, math.ceil(scenario.devices / PAGE))
    interval = pages * 31 * DAY / CAP
    calls: list[tuple[float, str]] = []
    t = 0.0
    while t < cloud.length:
        calls.append((t, "refresh"))
        t += interval
    t = 0.0
    while t < cloud.length:
        calls.append((t, "token"))
        t += TOKEN_EVERY
    if scenario.commands_per_day:
        step = DAY / scenario.commands_per_day
        t = step / 2
        while t < cloud.length:
            calls.append((t, "command"))
            t += step
    refreshes: list[float] = []
    refused = 0
    for t, kind in sorted(calls):
        if kind == "refresh":
            answers = [cloud.request(t) for _ in range(pages)]
            if all(answer is CloudAnswer.OK for answer in answers):
                refreshes.append(t)
        elif kind == "command":
            answer = cloud.request(t)
            if answer is CloudAnswer.RATE_LIMITED:
                answer = cloud.request(t + 1)
            if answer is not CloudAnswer.OK and cloud.used(t) < scenario.real_cap:
                refused += 1
        else:
            cloud.request(t)
    return _result(cloud, refreshes, refused)


def run_perfect(scenario: Scenario) -> Result:
    """Every safe call the others leave, spread evenly (known in advance)."""
    cloud = Cloud(scenario)
    pages = max(1, math.ceil(scenario.devices / PAGE))
    others = cloud.others(cloud.length)
    days = cloud.length / DAY
    overhead = days * (DAY / TOKEN_EVERY + scenario.commands_per_day)
    budget = scenario.real_cap - safety_calls(CAP) - others - overhead
    refreshes_n = max(0, math.floor(budget / pages))
    step = cloud.length / refreshes_n if refreshes_n else math.inf
    refreshes = [i * step for i in range(refreshes_n)]
    cloud.ours = math.floor(refreshes_n * pages + overhead)
    return _result(cloud, refreshes, 0)


def main() -> None:
    """Print the table."""
    print(
        "| scenario | way | exhausted (day) | left (% of real cap) | our calls |"
        " commands refused | mean gap (min) | worst gap (min) | safe budget used |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for scenario in SCENARIOS:
        for way, run in (
            ("this policy", run_policy),
            ("seed", run_seed),
            ("perfect information", run_perfect),
        ):
            r = run(scenario)
            exhausted = "-" if r.exhausted_day is None else f"{r.exhausted_day:.1f}"
            print(
                f"| {scenario.name} | {way} | {exhausted} | {r.left_pct:.1f} |"
                f" {r.our_calls:,} | {r.refused} | {r.mean_gap_min:.1f} |"
                f" {r.worst_gap_min:.0f} | {r.safe_used:.0%} |"
            )


if __name__ == "__main__":
    main()
