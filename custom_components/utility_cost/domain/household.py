"""A household's totals: the figures of its appliances' meters, added up.

The lifetime totals are plain sums. A calendar period (today, this month...) is the
period that started last among the members: a meter that has not yet started the new
day (it rolls over at its next reading or tick) still holds yesterday's figures,
which are not today's, so only the members in the latest period count towards it.
A member whose period has no start yet has shown nothing in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .ledger import Shown
from .meter import MeterFigures
from .periods import Period


def household_figures(members: Iterable[MeterFigures]) -> MeterFigures:
    """Return the sum of ``members``' figures (no last session: it is per meter)."""
    figures = list(members)
    periods: dict[Period, Shown] = {}
    for period in Period:
        shown = [member.periods[period] for member in figures]
        starts = [item.start for item in shown if item.start is not None]
        start: datetime | None = max(starts, default=None)
        current = [item for item in shown if item.start == start]
        periods[period] = Shown(
            sum(item.energy_kwh for item in current),
            sum(item.cost for item in current),
            start,
        )
    return MeterFigures(
        energy_kwh=sum(member.energy_kwh for member in figures),
        cost=sum(member.cost for member in figures),
        periods=periods,
        last_session=None,
        unpriced_kwh=sum(member.unpriced_kwh for member in figures),
    )
