"""A Tuya plug's own energy measurements, booked into its meter.

The plug counts its energy and reports it (``add_ele``, and ``pro_add_ele`` for what
a bidirectional plug exported). Those reports reach us pushed by the message
service, or read back from the cloud's statistics or device logs
(:mod:`.domain.plug_energy`). Whatever the route, they end here:

* :class:`PlugEnergy` keeps, per plug, where its counters were followed to, which
  statistics slots were booked (a slot that grows later is corrected), and when the
  plug is next reconciled;
* :func:`book_reports` turns counter reports into measured energy, checked against
  the power seen over the same time (:mod:`.domain.plausibility`), and settles the
  meter with it: the estimate of that time is replaced, never added to;
* :func:`async_reconcile_statistics` and :func:`async_reconcile_logs` read what the
  cloud kept since the meter was last settled.

Energy of a plug whose product offers none of these comes from its polled power
alone, as for any power sensor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any, Final

from ...api.tuya import TuyaClient
from ...domain.energy import EnergySlice
from ...domain.plausibility import Finding, ProductEvidence, judge_counter, judge_energy
from ...domain.plug_energy import (
    GIVE_UP_AFTER,
    LOG_RETENTION,
    LOGS_SETTLE,
    QUARTER,
    MeasuredSource,
    shaped,
    slot_slices,
    statistics_final_until,
    statistics_request,
)
from ...domain.plugs import ENERGY, EXPORTED, CounterFollower, CounterKind, EnergyPoint
from ...metering.runtime import MeterRuntime

# A plug reports its energy every few minutes once it has counted a unit (1 Wh):
# silent this long, it used less than a unit, and its next report counts from then.
QUIET: Final = timedelta(minutes=15)
# Above this estimate, silence is not idleness: the plug's reports are missing.
QUIET_MAX_KWH: Final = 0.002
# Statistics slots read again at each reconciliation: a late report grows them.
REREAD: Final = timedelta(hours=2)
# Slots remembered (to correct them), and the most days read in one reconciliation.
KEEP_SLOTS: Final = timedelta(days=2)
MAX_DAYS_PER_RECONCILE: Final = 2


@dataclass
class PlugEnergy:
    """What is known of one plug's own energy measurements (kept across restarts).

    ``started_at`` is when the integration started following the plug: energy
    before it is not booked. ``slots`` holds the statistics booked per slot label.
    """

    device_id: str
    started_at: datetime
    import_counter: CounterFollower | None = None
    export_counter: CounterFollower | None = None
    source: MeasuredSource = MeasuredSource.POWER
    next_reconcile: datetime | None = None
    last_reconciled: datetime | None = None
    failures_since: datetime | None = None
    slots: dict[str, float] = field(default_factory=dict)
    previous_kwh: float | None = None  # the last increment seen (running totals)
    active: bool = True  # seen drawing power since the last reconciliation
    # Stored counter positions, put back once the counters are known.
    restored: dict[str, Any] = field(default_factory=dict, repr=False)

    def counters(
        self, import_point: EnergyPoint | None, export_point: EnergyPoint | None
    ) -> None:
        """Follow these counters (a new kind or scale keeps where they were)."""
        self.import_counter = _followed(self.import_counter, import_point)
        self.export_counter = _followed(self.export_counter, export_point)

    def after_statistics(self, counted_to: datetime | None) -> None:
        """Follow the counters again after statistics counted reports to ``counted_to``.

        Statistics count a report by when it was made: reports made by then are
        skipped, the next one is counted whole. A running total needs a new
        baseline (its next value is only a baseline).
        """
        for counter in (self.import_counter, self.export_counter):
            if counter is None:
                continue
            if counted_to is not None and (
                counter.last_at is None or counter.last_at < counted_to
            ):
                counter.last_at = counted_to
            if counter.point.kind is CounterKind.TOTAL:
                counter.last_total = None

    def counted_until(self, at: datetime) -> None:
        """Note that the energy used before ``at`` is counted (an accepted estimate).

        Reports made later are counted for their part after ``at`` only.
        """
        for counter in (self.import_counter, self.export_counter):
            if counter is not None and (
                counter.counted_to is None or counter.counted_to < at
            ):
                counter.counted_to = at

    def as_dict(self) -> dict[str, Any]:
        """Serialise the state."""
        return {
            "started_at": self.started_at.isoformat(),
            "source": self.source.value,
            "import": None
            if self.import_counter is None
            else self.import_counter.as_dict(),
            "export": None
            if self.export_counter is None
            else self.export_counter.as_dict(),
            "next_reconcile": _iso(self.next_reconcile),
            "last_reconciled": _iso(self.last_reconciled),
            "failures_since": _iso(self.failures_since),
            "slots": dict(self.slots),
            "previous_kwh": self.previous_kwh,
        }

    @classmethod
    def from_dict(cls, device_id: str, data: Mapping[str, Any]) -> PlugEnergy:
        """Restore the state written by :meth:`as_dict` (counters come later)."""
        energy = cls(
            device_id,
            datetime.fromisoformat(data["started_at"]),
            source=MeasuredSource(data.get("source", MeasuredSource.POWER)),
            next_reconcile=_parse(data.get("next_reconcile")),
            last_reconciled=_parse(data.get("last_reconciled")),
            failures_since=_parse(data.get("failures_since")),
            slots={str(k): float(v) for k, v in (data.get("slots") or {}).items()},
            previous_kwh=data.get("previous_kwh"),
        )
        energy.restored = {"import": data.get("import"), "export": data.get("export")}
        return energy


def _followed(
    current: CounterFollower | None, point: EnergyPoint | None
) -> CounterFollower | None:
    if point is None:
        return None
    if current is None:
        return CounterFollower(point)
    if current.point != point:
        kind_changed = current.point.kind != point.kind
        current.point = point
        if kind_changed:
            current.last_total = None  # a total needs a new baseline
    return current


def restore_counters(energy: PlugEnergy) -> None:
    """Put the counters' stored positions back (once their points are known)."""
    for key, counter in (
        ("import", energy.import_counter),
        ("export", energy.export_counter),
    ):
        stored = energy.restored.pop(key, None)
        if counter is not None and stored:
            counter.restore(stored)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _parse(text: Any) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None


@dataclass(frozen=True, slots=True)
class CounterReport:
    """A counter value a plug reported at an instant."""

    at: datetime
    code: str
    raw: Any


@dataclass(slots=True)
class Booked:
    """What booking reports did: energy settled, and what the product showed."""

    changed: bool = False
    findings: list[Finding] = field(default_factory=list)


def book_reports(
    energy: PlugEnergy,
    runtime: MeterRuntime,
    evidence: ProductEvidence,
    reports: Iterable[CounterReport],
    until: datetime | None,
    *,
    limit_w: float,
) -> Booked:
    """Settle the meter with counter reports; the estimate before ``until`` goes.

    ``until`` is the instant up to which the reports are complete (None: up to the
    last of them). Reports already counted (pushed twice, read from two routes) are
    skipped by the counters.
    """
    meter = runtime.meter
    result = Booked()
    measured: list[EnergySlice] = []
    exported: list[EnergySlice] = []
    last_at: datetime | None = None
    measured_to: datetime | None = None
    for report in sorted(reports, key=lambda r: r.at):
        counter = (
            energy.import_counter if report.code == ENERGY else energy.export_counter
        )
        if counter is None:
            continue
        since = meter.ledger.settled_to or energy.started_at
        awaiting_baseline = counter.point.kind is CounterKind.TOTAL and (
            counter.last_total is None or counter.last_at is None
        )
        slice_ = counter.follow(report.at, report.raw, since=since)
        if slice_ is None:
            if (
                report.code == ENERGY
                and awaiting_baseline
                and counter.last_at == report.at
                and report.at > since
            ):
                # A running total's first value: what was used before it is known
                # from the power alone, and that estimate is all there will be.
                if measured_to is not None:
                    runtime.settle(measured, measured_to)
                    measured, measured_to = [], None
                meter.settle_estimate(report.at)
                result.changed = True
            continue
        last_at = report.at
        if report.code == EXPORTED:
            exported.append(slice_)
            continue
        if slice_.start < energy.started_at:
            slice_ = _from(slice_, energy.started_at)
        estimate = meter.ledger.provisional_energy(slice_.start, slice_.end)
        if counter.point.kind is CounterKind.INCREMENT:
            finding = judge_counter(
                evidence, energy.previous_kwh, slice_.energy_kwh, estimate
            )
            energy.previous_kwh = slice_.energy_kwh
            if finding is not None:
                result.findings.append(finding)
                continue  # a running total: not an increment to book
        ok, finding = judge_energy(
            evidence, slice_.energy_kwh, slice_.seconds, estimate, limit_w=limit_w
        )
        if finding is not None:
            result.findings.append(finding)
        if ok:
            measured.extend(
                shaped(slice_, meter.ledger.estimate_between(slice_.start, slice_.end))
            )
            measured_to = slice_.end
    until = until or last_at
    if until is not None and (measured or until > (meter.ledger.settled_to or until)):
        result.changed = runtime.settle(measured, until) or result.changed
    if exported:
        meter.add_export(exported, exported[-1].end)
        result.changed = True
    return result


def _from(slice_: EnergySlice, start: datetime) -> EnergySlice:
    """Return the part of a slice from ``start`` on (energy in proportion)."""
    if slice_.end <= start:
        return EnergySlice(start, start, 0.0)
    share = (slice_.end - start) / (slice_.end - slice_.start)
    return EnergySlice(start, slice_.end, slice_.energy_kwh * share)


# --- reconciling from what the cloud kept ------------------------------------------


async def async_reconcile_statistics(
    client: TuyaClient,
    energy: PlugEnergy,
    runtime: MeterRuntime,
    tz: tzinfo,
    now: datetime,
) -> bool:
    """Book the plug's quarter-hour statistics that are final since the last time.

    Slots read before and grown since (a late report) are booked as corrections.
    Return False if more is final than one request read (a span past midnight): the
    plug is then due again at once.
    """
    meter = runtime.meter
    final = statistics_final_until(now)
    settled = meter.ledger.settled_to
    complete = True
    if settled is None:
        # The first slot boundary after the plug was first followed.
        boundary = _ceil_quarter(energy.started_at)
        meter.settle_estimate(boundary)
        settled = boundary
    if final <= settled - REREAD:
        return complete
    start = max(settled - REREAD, final - timedelta(days=MAX_DAYS_PER_RECONCILE))
    start = max(start, _ceil_quarter(energy.started_at))
    requests = statistics_request(start, final, tz)
    if len(requests) > 1:
        # One request a reconciliation, as planned: a request covers a local day.
        # Rereading the end of yesterday is not worth a second one; a span that
        # runs past midnight is read to midnight now, the rest next time.
        midnight = datetime.combine(
            start.astimezone(tz).date() + timedelta(days=1), time(), tzinfo=tz
        ).astimezone(UTC)
        if settled >= midnight:
            start = midnight
        else:
            final, complete = midnight, False
        requests = statistics_request(start, final, tz)
    values: dict[str, float] = {}
    for first, last in requests:
        values.update(
            await client.statistics(energy.device_id, ENERGY, "quarters", first, last)
        )
    new: list[EnergySlice] = []
    for label, kwh in sorted(values.items()):
        pieces = slot_slices({label: kwh}, tz)
        if pieces and pieces[-1].end > final:
            # Not final yet: a label of the hour the clocks repeat stands for both
            # occurrences, so it is final only after the second one. Nothing after
            # it is settled before it is.
            final = min(final, pieces[0].start)
            break
        if not pieces or pieces[0].start < start:
            continue
        if pieces[0].start < settled:
            if label not in energy.slots:
                continue  # measured before by another route (pushed, logs)
            delta = kwh - energy.slots[label]
            if delta <= 1e-9:
                continue
            # A slot booked before that grew: book what it grew by.
            new.extend(
                EnergySlice(p.start, p.end, delta * p.energy_kwh / kwh) for p in pieces
            )
        else:
            new.extend(pieces)
        energy.slots[label] = kwh
    if final > settled or new:
        runtime.settle(new, max(final, settled))
    oldest = (now - KEEP_SLOTS).astimezone(tz).strftime("%Y%m%d%H%M")
    energy.slots = {k: v for k, v in energy.slots.items() if k >= oldest}
    return complete


def _ceil_quarter(at: datetime) -> datetime:
    seconds = QUARTER.total_seconds()
    epoch = at.timestamp()
    return datetime.fromtimestamp(-(-epoch // seconds) * seconds, UTC)


async def async_reconcile_logs(
    client: TuyaClient,
    energy: PlugEnergy,
    runtime: MeterRuntime,
    evidence: ProductEvidence,
    now: datetime,
    *,
    limit_w: float,
) -> Booked:
    """Book the counter reports the device logs kept since the last settlement."""
    meter = runtime.meter
    until = now - LOGS_SETTLE
    settled = meter.ledger.settled_to or energy.started_at
    start = max(settled - timedelta(minutes=30), now - LOG_RETENTION)
    codes = [
        counter.point.code
        for counter in (energy.import_counter, energy.export_counter)
        if counter is not None
    ]
    entries, more = await client.device_logs(
        energy.device_id,
        codes,
        int(start.timestamp() * 1000),
        int(until.timestamp() * 1000),
    )
    reports = [
        CounterReport(
            datetime.fromtimestamp(entry.event_time_ms / 1000, UTC),
            entry.code,
            entry.value,
        )
        for entry in entries
    ]
    # Settled up to the last report read (more pages: the next reconciliation);
    # what was used after it comes with the next report, unless the plug was idle.
    booked = book_reports(energy, runtime, evidence, reports, None, limit_w=limit_w)
    if not more:
        booked.changed = settle_quiet(energy, runtime, until) or booked.changed
    return booked


def settle_quiet(
    energy: PlugEnergy, runtime: MeterRuntime, complete_to: datetime
) -> bool:
    """Settle a silent plug: nothing reported up to ``complete_to`` means idle.

    A plug reports every few minutes while it counts; one silent for ``QUIET``
    before ``complete_to`` (the instant up to which its reports are all known) used
    less than one unit then. Its meter settles to that point with nothing measured,
    so that its hours complete, and the counters' next report counts from there.
    Not when the power seen says otherwise (reports missing, not idleness).
    """
    meter = runtime.meter
    settled = meter.ledger.settled_to
    to = complete_to - QUIET
    if settled is None or to <= settled:
        return False
    estimate = meter.ledger.provisional_energy(settled, to)
    if estimate is not None and estimate > QUIET_MAX_KWH:
        return False
    runtime.settle([], to)
    for counter in (energy.import_counter, energy.export_counter):
        if counter is not None and (counter.last_at is None or counter.last_at < to):
            counter.last_at = to
    return True


def give_up_old_estimate(
    energy: PlugEnergy, runtime: MeterRuntime, now: datetime
) -> bool:
    """Accept an estimate that no route could measure for ``GIVE_UP_AFTER``."""
    settled = runtime.meter.ledger.settled_to
    limit = now - GIVE_UP_AFTER
    if settled is not None and settled < limit:
        runtime.meter.settle_estimate(limit)
        energy.counted_until(limit)
        return True
    return False
