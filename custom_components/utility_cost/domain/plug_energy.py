"""A plug's own energy measurements: where they come from and what they cover.

A metered plug counts the energy it passes and reports it (``add_ele``); the cloud
keeps those reports three ways (``../shared/design.md`` §4):

* the **message service** pushes each report as it is made, with the plug's report
  time: its energy is known minutes after it was used, and its live power is exact;
* **statistics** add the reports up per quarter-hour (or hour) of the home's wall
  clock, a few minutes after they arrive; one request reads a day of a plug;
* **device logs** keep each report with its time, 100 a request, for seven days.

:class:`MeasuredSource` names the route a plug's energy takes (or ``POWER`` when the
product has none: energy then comes from its polled power alone). This module turns
what those routes return into energy slices, says up to when they are final, and
plans how often each plug is reconciled within the calls the quota allows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
import math
from typing import Final

from .energy import EnergySlice

QUARTER: Final = timedelta(minutes=15)
HOUR: Final = timedelta(hours=1)
# Statistics count a report a few minutes after it arrives; a slot is taken as final
# this long after it ended (a later report is booked as a correction).
STATISTICS_SETTLE: Final = timedelta(minutes=20)
# Device logs are final as soon as they are there, but reports travel: a little margin.
LOGS_SETTLE: Final = timedelta(minutes=2)
LOG_RETENTION: Final = timedelta(days=7)
# The estimate of a span older than this is accepted as final (no measure will come).
GIVE_UP_AFTER: Final = timedelta(days=2)
# What share of our calls reconciliation may take.
RECONCILE_SHARE: Final = 0.3
QUARTER_LABEL: Final = "%Y%m%d%H%M"
HOUR_LABEL: Final = "%Y%m%d%H"


class MeasuredSource(StrEnum):
    """Where a plug's energy comes from."""

    PUSH = "push"  # the message service
    STATISTICS = "statistics"
    LOGS = "logs"
    POWER = "power"  # estimated from polled power only


# The estimate must cover this share of a report's span to shape its energy.
SHAPE_COVER: Final = 0.9


def shaped(energy: EnergySlice, estimate: Sequence[EnergySlice]) -> list[EnergySlice]:
    """Spread a report's energy over its span as the power seen there was spread.

    An increment says how much was used between two reports, not when: a boil in
    the last minutes of a 20-minute span belongs to those minutes (and their
    price), not to the whole span. ``estimate`` is the power seen in the span,
    as pieces of energy; where it covers too little of the span, or saw nothing
    at all, the energy is spread evenly.
    """
    span = energy.seconds
    weight = sum(max(piece.energy_kwh, 0.0) for piece in estimate)
    covered = sum(piece.seconds for piece in estimate)
    if span <= 0 or weight <= 0 or covered < SHAPE_COVER * span:
        return [energy]
    return [
        EnergySlice(
            piece.start, piece.end, energy.energy_kwh * piece.energy_kwh / weight
        )
        for piece in estimate
        if piece.energy_kwh > 0
    ]


# --- statistics --------------------------------------------------------------------


def _wall(label: str, fmt: str) -> datetime:
    return datetime.strptime(label, fmt)  # noqa: DTZ007 - a wall-clock label


def slot_slices(
    values: Mapping[str, float], tz: tzinfo, step: timedelta = QUARTER
) -> list[EnergySlice]:
    """Return statistics (wall-clock labels of ``tz`` to kWh) as energy slices.

    A label in the hour repeated when clocks go back stands for both of its
    occurrences: its energy is shared between them. A label in the hour skipped when
    clocks go forward does not exist; if one is sent, it is read with the offset
    after the change.
    """
    fmt = QUARTER_LABEL if step == QUARTER else HOUR_LABEL
    slices: list[EnergySlice] = []
    for label in sorted(values):
        wall = _wall(label, fmt)
        first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
        second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
        energy = values[label]
        if second > first:  # the wall time happened twice
            slices.append(EnergySlice(first, first + step, energy / 2))
            slices.append(EnergySlice(second, second + step, energy / 2))
        else:
            slices.append(EnergySlice(second, second + step, energy))
    return slices


def statistics_request(
    start: datetime, end: datetime, tz: tzinfo, step: timedelta = QUARTER
) -> list[tuple[str, str]]:
    """Return the (first, last) labels of the requests covering ``start`` to ``end``.

    One request covers one local day at most, as the API allows.
    """
    fmt = QUARTER_LABEL if step == QUARTER else HOUR_LABEL
    requests: list[tuple[str, str]] = []
    local = start.astimezone(tz)
    last_local = (end - timedelta(seconds=1)).astimezone(tz)
    day: date = local.date()
    while day <= last_local.date():
        first = (
            local.replace(tzinfo=None)
            if day == local.date()
            else datetime.combine(day, time())
        )
        last = (
            last_local.replace(tzinfo=None)
            if day == last_local.date()
            else datetime.combine(day, time(23, 59))
        )
        first = _floor(first, step)
        last = _floor(last, step)
        requests.append((first.strftime(fmt), last.strftime(fmt)))
        day += timedelta(days=1)
    return requests


def _floor(wall: datetime, step: timedelta) -> datetime:
    minutes = int(step.total_seconds() // 60)
    return wall.replace(
        minute=wall.minute - wall.minute % minutes, second=0, microsecond=0
    )


def statistics_final_until(now: datetime, step: timedelta = QUARTER) -> datetime:
    """Return the end of the last slot taken as final at ``now``."""
    cutoff = now - STATISTICS_SETTLE
    epoch = cutoff.timestamp()
    seconds = step.total_seconds()
    return datetime.fromtimestamp(math.floor(epoch / seconds) * seconds, UTC)


# --- planning ----------------------------------------------------------------------

# A plug seen drawing power is reconciled at most this often; an idle one this often.
ACTIVE_RECONCILE_EVERY: Final = timedelta(hours=1)
IDLE_RECONCILE_EVERY: Final = timedelta(hours=6)
# A power above this (what plugs resolve) makes a plug active.
ACTIVE_W: Final = 3.0


def reconcile_calls(pages: int, due: int) -> int:
    """Return how many plugs a refresh of ``pages`` device-list pages reconciles.

    Reconciliation takes about ``RECONCILE_SHARE`` of the calls (a request a plug),
    so that its cost stretches the refresh interval by that much, and never the
    reverse: each plug waits its turn (oldest first) rather than polling waiting.
    """
    if due <= 0:
        return 0
    share = max(1, round(pages * RECONCILE_SHARE / (1 - RECONCILE_SHARE)))
    return min(due, share)


def next_reconcile(at: datetime, active: bool) -> datetime:
    """Return when a plug reconciled at ``at`` is due again.

    ``active``: the plug was seen drawing power (or switched) since the last time.
    Polls miss a kettle's boil, not that it is on at times: a plug seen idle all
    along has little to measure, and is read less often.
    """
    return at + (ACTIVE_RECONCILE_EVERY if active else IDLE_RECONCILE_EVERY)
