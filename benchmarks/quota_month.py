"""A month of Tuya polling under the quota policy, minute by minute.

The policy is the integration's own ``domain.quota.QuotaBudget``, driven as the
coordinator drives it: a refresh when the interval it sets has passed and its bucket
allows (otherwise skipped, not queued), a token request every 2 hours, readings from
the portal or the user when the scenario has them, the cloud answering "quota used
up" once the project's real quota is spent. Other clients of the same Access ID
spend calls as each scenario says. Every refresh costs one call (up to 20 devices).

Compared in the same table: the seed's fixed token bucket (26,000 calls spread over
31 days, whatever else happens) and the perfect-information limit (every safe call
left by the others, spread evenly).

Run: ``.venv/bin/python benchmarks/quota_month.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
import math
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.utility_cost.domain.quota import (
    QuotaBudget,
    QuotaSettings,
    QuotaSource,
    safety_calls,
)

START = datetime(2026, 11, 1, tzinfo=UTC)  # a 30-day period
MINUTES = 30 * 24 * 60
CAP = 26_000
TOKEN_EVERY = 120  # minutes
COST = 1  # calls per refresh


@dataclass(frozen=True)
class Scenario:
    """What the others do and what the integration gets to know."""

    name: str
    others: Callable[[int], float]  # calls by other clients in minute m
    portal_until: int | None = None  # minute until which the portal answers
    manual_at: int | None = None  # minute of a single manual reading
    real_cap: int = CAP


def steady(per_month: float) -> Callable[[int], float]:
    """Return others spending ``per_month`` calls evenly."""
    return lambda _minute: per_month / MINUTES


def burst(calls: float, day: int) -> Callable[[int], float]:
    """Return others spending ``calls`` within one day."""
    return lambda minute: calls / 1440 if minute // 1440 == day - 1 else 0.0


SCENARIOS = (
    Scenario("alone, portal every 6 h", steady(0), portal_until=MINUTES),
    Scenario("other client 8,000/month, portal", steady(8_000), portal_until=MINUTES),
    Scenario(
        "5,000-call burst on day 15, portal", burst(5_000, 15), portal_until=MINUTES
    ),
    Scenario(
        "no portal, manual reading day 1, others 10,000", steady(10_000), manual_at=60
    ),
    Scenario(
        "portal cookie expires day 10, others 8,000",
        steady(8_000),
        portal_until=10 * 1440,
    ),
    Scenario(
        "real cap 20,000 (configured 26,000), others 8,000, portal",
        steady(8_000),
        portal_until=MINUTES,
        real_cap=20_000,
    ),
)


@dataclass
class Result:
    """How a month went for one way of polling."""

    exhausted: bool
    left_pct: float
    our_calls: int
    mean_gap_min: float
    worst_gap_min: float
    safe_used: float


def _result(
    scenario: Scenario, ours: int, others: float, refreshes: list[int], exhausted: bool
) -> Result:
    gaps = [b - a for a, b in pairwise(refreshes)]
    if refreshes:
        gaps.append(MINUTES - refreshes[-1])
    safe = scenario.real_cap - safety_calls(CAP) - others
    # Once the quota is used up the cloud refuses every client: nothing is left.
    left = max(0.0, scenario.real_cap - ours - others)
    return Result(
        exhausted=exhausted,
        left_pct=100 * left / CAP,
        our_calls=ours,
        mean_gap_min=sum(gaps) / len(gaps) if gaps else math.inf,
        worst_gap_min=max(gaps) if gaps else math.inf,
        safe_used=ours / safe if safe > 0 else 0.0,
    )


def run_policy(scenario: Scenario) -> Result:
    """Drive the integration's QuotaBudget through the month."""
    budget = QuotaBudget.new(QuotaSettings(monthly_cap=CAP), START)
    others = 0.0
    ours = 0
    refreshes: list[int] = []
    next_refresh = 0
    exhausted = False
    for minute in range(MINUTES):
        now = START + timedelta(minutes=minute)
        others += scenario.others(minute)
        used = ours + others
        if (
            scenario.portal_until is not None
            and minute % 360 == 0
            and minute < scenario.portal_until
        ) or minute == scenario.manual_at:
            source = QuotaSource.PORTAL if scenario.portal_until else QuotaSource.MANUAL
            budget.add_reading(
                now,
                source,
                remaining=max(0, math.floor(scenario.real_cap - used)),
                used=math.ceil(used),
            )
        if budget.due(now):
            budget.recompute(now)
        if minute % TOKEN_EVERY == 0 and not budget.exhausted:
            if used + 1 > scenario.real_cap:
                exhausted = True
                budget.mark_exhausted(now)
            else:
                budget.record_calls(now, 1)
                ours += 1
        if minute >= next_refresh:
            if budget.allow_refresh(now, COST):
                if ours + others + COST > scenario.real_cap:
                    exhausted = True
                    budget.mark_exhausted(now)
                else:
                    budget.record_calls(now, COST)
                    ours += COST
                    refreshes.append(minute)
            interval = budget.refresh_interval(now, COST)
            next_refresh = minute + max(1, math.ceil(interval.total_seconds() / 60))
    return _result(scenario, ours, others, refreshes, exhausted)


def run_seed(scenario: Scenario) -> Result:
    """Run the seed's poller: a fixed token bucket of the cap over 31 days."""
    rate = CAP / (31 * 1440)  # calls per minute
    tokens = 1.0
    others = 0.0
    ours = 0
    refreshes: list[int] = []
    exhausted = False
    for minute in range(MINUTES):
        others += scenario.others(minute)
        tokens = min(1.0, tokens + rate)
        if exhausted or tokens < COST:
            continue
        if ours + others + COST > scenario.real_cap:
            exhausted = True
            continue
        tokens -= COST
        ours += COST
        refreshes.append(minute)
    return _result(scenario, ours, others, refreshes, exhausted)


def run_perfect(scenario: Scenario) -> Result:
    """Every safe call the others leave, spread evenly (known in advance)."""
    others = sum(scenario.others(minute) for minute in range(MINUTES))
    budget = scenario.real_cap - safety_calls(CAP) - others
    calls = max(0, math.floor(budget / COST))
    step = MINUTES / calls if calls else math.inf
    refreshes = [math.floor(i * step) for i in range(calls)]
    return _result(scenario, calls * COST, others, refreshes, exhausted=False)


def main() -> None:
    """Print the table."""
    print(
        "| scenario | way | exhausted | left at end (% cap) | our calls |"
        " mean gap (min) | worst gap (min) | safe budget used |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for scenario in SCENARIOS:
        for way, run in (
            ("this policy", run_policy),
            ("seed bucket", run_seed),
            ("perfect information", run_perfect),
        ):
            r = run(scenario)
            print(
                f"| {scenario.name} | {way} | {'yes' if r.exhausted else 'no'} |"
                f" {r.left_pct:.1f} | {r.our_calls:,} | {r.mean_gap_min:.1f} |"
                f" {r.worst_gap_min:.0f} | {r.safe_used:.0%} |"
            )


if __name__ == "__main__":
    main()
