"""How often a cloud account may be polled.

A :class:`RatePolicy` turns the calls one refresh costs into the time to wait until
the next refresh. :class:`FixedCapPolicy` spreads a fixed share of a configured
monthly cap evenly over a 31-day month; a quota-aware policy can take its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol

SECONDS_PER_MONTH: Final = 31 * 24 * 3600  # the longest month: never over budget
DEFAULT_MONTHLY_CAP: Final = 26_000
# Token renewals (about every 2 hours), product specifications and switching.
DEFAULT_OVERHEAD_CALLS: Final = 31 * 12 + 100
MIN_REFRESH_INTERVAL: Final = timedelta(seconds=60)


class RatePolicy(Protocol):
    """Decides how long to wait before the next refresh."""

    def refresh_interval(self, now: datetime, calls_per_refresh: int) -> timedelta:
        """Return the wait before the next refresh costing ``calls_per_refresh``."""


@dataclass(frozen=True, slots=True)
class FixedCapPolicy:
    """Use at most ``share`` of ``monthly_cap`` calls a month, evenly spread.

    ``overhead_calls`` are kept for what is not polling (token renewals,
    specifications, commands).
    """

    monthly_cap: int = DEFAULT_MONTHLY_CAP
    share: float = 0.5
    overhead_calls: int = DEFAULT_OVERHEAD_CALLS
    minimum: timedelta = MIN_REFRESH_INTERVAL

    @property
    def refresh_calls_per_month(self) -> float:
        """Return the calls a month left for refreshes."""
        return max(1.0, self.monthly_cap * self.share - self.overhead_calls)

    def refresh_interval(self, now: datetime, calls_per_refresh: int) -> timedelta:
        """Return the wait that keeps refreshes within the budget."""
        seconds = SECONDS_PER_MONTH * max(1, calls_per_refresh)
        return max(
            self.minimum, timedelta(seconds=seconds / self.refresh_calls_per_month)
        )
