"""When a Tuya account's next refresh goes, and what it may spend on it.

The decisions the Home Assistant coordinator takes at each refresh, kept apart from
it so that the month-long quota benchmark takes the very same ones: whether a
refresh due now goes (and how many plugs it reconciles with the cloud's records),
and when the next one is planned. The quota itself is
:class:`~.quota.QuotaBudget`'s; this module only reads it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from .plug_energy import reconcile_calls
from .quota import MIN_INTERVAL, QuotaBudget

PLAN_PROBE_EVERY: Final = timedelta(minutes=15)


def refresh_plan(
    budget: QuotaBudget, now: datetime, pages: int, due: int, *, forced: bool
) -> int | None:
    """Return how many due plugs a refresh now reconciles (None: it waits).

    A refresh costs its device-list ``pages``; it reconciles some of the ``due``
    plugs if the bucket pays for them too, none if it pays only the list. A forced
    refresh (a reading or a new period lifted a stop) and the probe of an expired
    plan always go.
    """
    wanted = reconcile_calls(pages, due)
    if forced or budget.plan_expired or budget.allow_refresh(now, pages + wanted):
        return wanted
    if budget.allow_refresh(now, pages):
        return 0
    return None


def next_refresh_at(
    budget: QuotaBudget,
    now: datetime,
    cost: int,
    last_refresh: datetime | None,
    min_gap: timedelta = MIN_INTERVAL,
) -> datetime | None:
    """Return when the next refresh of ``cost`` calls goes (None: not planned).

    When the bucket can pay it, and never within ``min_gap`` of the last refresh;
    an expired plan is probed every 15 minutes; a used-up quota waits for the
    period's reset or a reading. A last refresh in the future is one a clock that
    went back put there: it does not hold the next one up.
    """
    if budget.plan_expired:
        return now + PLAN_PROBE_EVERY
    if budget.exhausted:
        return None
    ready = budget.ready_at(now, cost) or now + budget.refresh_interval(now, cost)
    earliest = now
    if last_refresh is not None and last_refresh <= now:
        earliest = last_refresh + min_gap
    return max(ready, earliest, now)
