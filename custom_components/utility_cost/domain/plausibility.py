"""Plausibility of what a plug reports: scales off by powers of ten, stale values.

A plug's status carries three measurements that bound one another: real power can
not exceed apparent power (``P ≤ V·I``, a power factor of at most 1), mains voltage
lies between 90 and 265 V, and a plug cannot pass more than its rating (16 A at
265 V is about 4.2 kW an outlet). Real products break these in recognisable ways
(``tests/fixtures/tuya`` holds dumps of users' plugs):

* a specification scale off by a power of ten: a voltage of 2,352 V, or 11,374 W for
  5.466 A at 239.6 V (1,137.4 W in truth);
* values that no longer hold: 10,455 W with the relay off and 1 mA flowing, or the
  last power before the relay went off, kept in the status since.

:func:`judge` takes a reading (scales applied) and what is known of its product
(:class:`ProductEvidence`, kept across restarts) and returns the power to book, or
None with the reason it cannot be believed. A correction is adopted only when the
same power of ten explains several readings (``EVIDENCE_NEEDED``); a product whose
readings cannot be explained is reported (a repair names it). Nothing contradicted
by the plug's own current or relay is ever booked.

With every outlet off, a power is believed only once it is seen to move: a plug
whose relay feeds what it meters reports 0 W when it opens, so an unchanged value is
the one from before; a meter whose switches do not gate its clamp (a CT meter) shows
a power that keeps changing, and is learned as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
import math
from typing import Any, Final

from .plugs import CURRENT, ENERGY, POWER, VOLTAGE, PlugReading

MAINS_VOLTS: Final = (90.0, 265.0)
PF_SLACK: Final = 1.15  # measurements are taken at slightly different instants
ABS_SLACK_W: Final = 2.0  # resolution of power (0.1 W) and current (1 mA)
MIN_CHECK_CURRENT_A: Final = 0.02
MIN_CHECK_POWER_W: Final = 5.0
OUTLET_LIMIT_W: Final = 16 * 265.0
EVIDENCE_NEEDED: Final = 3
MIN_ENERGY_EVIDENCE_KWH: Final = 0.002
RATIO_TOLERANCE: Final = 0.35  # in decades: within a factor of about 2.2
# A power off by ten (deci-watts declared as watts) is common; beyond that, a reading
# P > V·I is more likely a wrong current or a stale value than a scale.
_POWER_FACTORS: Final = (1,)
_VOLTAGE_FACTORS: Final = (1, 2, -1)


class Doubt(StrEnum):
    """Why a reported power is not booked."""

    CONTRADICTED = "contradicted_by_current"  # P > V·I, no power of ten explains it
    SCALE_PENDING = "scale_pending"  # a power of ten explains it, not yet confirmed
    OVER_LIMIT = "over_limit"  # more than the plug can pass
    STALE_WHILE_OFF = "stale_while_off"  # outlets off, the power from before


class Finding(StrEnum):
    """What the evidence of a product established."""

    CORRECTED = "corrected"  # a scale was corrected
    MISREPORTING = "misreporting"  # readings that nothing explains
    NOT_GATED = "not_gated"  # its switches do not gate what it meters
    TOTAL_COUNTER = "total_counter"  # its energy counter is a running total


@dataclass
class ProductEvidence:
    """What the readings of one product have shown, kept across restarts.

    ``corrections`` are learned powers of ten per data point (added to the
    specification's scale); ``votes`` count readings per candidate correction;
    ``unexplained`` counts readings nothing explains; ``gated`` says whether the
    product's switches feed what it meters (None: not known).
    """

    corrections: dict[str, int] = field(default_factory=dict)
    votes: dict[str, dict[int, int]] = field(default_factory=dict)
    unexplained: int = 0
    gated: bool | None = None
    total_votes: int = 0
    total_counter: bool = False
    reported: bool = False

    def vote(self, code: str, factor: int) -> Finding | None:
        """Count a reading that ``factor`` (a power of ten) explains; adopt when due."""
        votes = self.votes.setdefault(code, {})
        votes[factor] = votes.get(factor, 0) + 1
        if factor == 0:
            # A reading that needs nothing: older doubts fade.
            for other in list(votes):
                if other != 0:
                    votes[other] = max(0, votes[other] - 1)
            return None
        if votes[factor] >= EVIDENCE_NEEDED and votes[factor] > votes.get(0, 0):
            self.corrections[code] = self.corrections.get(code, 0) + factor
            self.votes[code] = {}
            return Finding.CORRECTED
        return None

    def as_dict(self) -> dict[str, Any]:
        """Serialise the evidence."""
        return {
            "corrections": dict(self.corrections),
            "votes": {
                code: {str(k): n for k, n in votes.items() if n}
                for code, votes in self.votes.items()
            },
            "unexplained": self.unexplained,
            "gated": self.gated,
            "total_votes": self.total_votes,
            "total_counter": self.total_counter,
            "reported": self.reported,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProductEvidence:
        """Restore evidence written by :meth:`as_dict`."""
        return cls(
            corrections={
                str(k): int(v) for k, v in data.get("corrections", {}).items()
            },
            votes={
                str(code): {int(k): int(n) for k, n in votes.items()}
                for code, votes in data.get("votes", {}).items()
            },
            unexplained=int(data.get("unexplained", 0)),
            gated=data.get("gated"),
            total_votes=int(data.get("total_votes", 0)),
            total_counter=bool(data.get("total_counter", False)),
            reported=bool(data.get("reported", False)),
        )


@dataclass(frozen=True, slots=True)
class Judgement:
    """A reading judged: what to show and book, and what the product showed."""

    power_w: float | None
    voltage_v: float | None
    current_a: float | None
    doubt: Doubt | None = None
    findings: tuple[tuple[Finding, str, int], ...] = ()


def _factor(value: float, fits: Any, factors: tuple[int, ...]) -> int | None:
    """Return the one power of ten that makes ``value`` fit (None: none or several)."""
    found = [k for k in factors if fits(value / 10**k)]
    return found[0] if len(found) == 1 else None


def _mains(volts: float) -> bool:
    return MAINS_VOLTS[0] <= volts <= MAINS_VOLTS[1]


def judge(
    reading: PlugReading,
    evidence: ProductEvidence,
    *,
    limit_w: float = OUTLET_LIMIT_W,
    moved_since_off: bool | None = None,
) -> Judgement:
    """Return the power to book for ``reading`` of a product, and what it showed.

    ``moved_since_off`` says, while every outlet is off, whether the reported power
    changed since the outlets were first seen off (None while an outlet is on): a
    power that has not moved since is stale.
    """
    findings: list[tuple[Finding, str, int]] = []

    def vote(code: str, factor: int) -> None:
        if evidence.vote(code, factor) is Finding.CORRECTED:
            findings.append((Finding.CORRECTED, code, evidence.corrections[code]))

    volts = reading.voltage_v
    if volts is not None and volts > 0:
        if _mains(volts):
            vote(VOLTAGE, 0)
        elif (k := _factor(volts, _mains, _VOLTAGE_FACTORS)) is not None:
            vote(VOLTAGE, k)
            volts /= 10**k  # shown right away: a voltage is never accumulated
    power, amps = reading.power_w, reading.current_a
    doubt: Doubt | None = None
    if power is not None and power > 0 and amps is not None and volts:
        apparent = volts * amps
        bound = apparent * PF_SLACK + ABS_SLACK_W
        if power <= bound:
            if amps >= MIN_CHECK_CURRENT_A and power >= MIN_CHECK_POWER_W:
                vote(POWER, 0)
        elif amps >= MIN_CHECK_CURRENT_A and power >= MIN_CHECK_POWER_W:
            k = _factor(power, lambda p: p <= bound, _POWER_FACTORS)
            if k is not None and power / 10**k >= 0.02 * apparent:
                vote(POWER, k)
                doubt = Doubt.SCALE_PENDING
            else:
                evidence.unexplained += 1
                doubt = Doubt.CONTRADICTED
        else:
            doubt = Doubt.CONTRADICTED  # e.g. kilowatts while a few mA flow
        if doubt is Doubt.SCALE_PENDING and findings:
            # This very reading confirmed the correction: read it corrected.
            power /= 10 ** findings[-1][2]
            doubt = None
    if doubt is None and power is not None and power > limit_w:
        doubt = Doubt.OVER_LIMIT
        evidence.unexplained += 1
    if (
        doubt is None
        and power is not None
        and power > 0
        and not reading.mains_on
        and moved_since_off is not None
        and evidence.gated is not False
    ):
        if moved_since_off:
            evidence.gated = False
            findings.append((Finding.NOT_GATED, POWER, 0))
        else:
            doubt = Doubt.STALE_WHILE_OFF
    if evidence.unexplained >= EVIDENCE_NEEDED and not evidence.reported:
        evidence.reported = True
        findings.append((Finding.MISREPORTING, POWER, 0))
    booked = None if doubt is not None else power
    if doubt is Doubt.STALE_WHILE_OFF:
        booked = 0.0
    return Judgement(booked, volts, amps, doubt, tuple(findings))


def judge_energy(
    evidence: ProductEvidence,
    kwh: float,
    seconds: float,
    estimate_kwh: float | None,
    *,
    limit_w: float = OUTLET_LIMIT_W,
) -> tuple[bool, Finding | None]:
    """Judge an energy increment against the power seen over the same time.

    Return whether to book it, and a finding when a scale correction was adopted.
    An increment the plug could not have passed (its mean power over the limit) is
    not booked; the ratio to the estimate from power votes for a power of ten.
    """
    finding = None
    if estimate_kwh is not None and estimate_kwh >= MIN_ENERGY_EVIDENCE_KWH and kwh > 0:
        decades = math.log10(kwh / estimate_kwh)
        k = round(decades)
        if (
            abs(decades - k) < RATIO_TOLERANCE
            and evidence.vote(ENERGY, k) is Finding.CORRECTED
        ):
            finding = Finding.CORRECTED
    if seconds > 0 and kwh * 3_600_000 / seconds > limit_w * 1.5:
        return False, finding
    if finding is not None:
        return False, finding  # read with the old scale: the next reports count
    return True, None


def judge_counter(
    evidence: ProductEvidence,
    previous_kwh: float | None,
    kwh: float,
    estimate_kwh: float | None,
) -> Finding | None:
    """Look for a running total read as increments: values that only grow.

    A counter whose successive values differ by about what the power used, while
    each value is far more than that, is a total.
    """
    if (
        evidence.total_counter
        or previous_kwh is None
        or estimate_kwh is None
        or estimate_kwh < MIN_ENERGY_EVIDENCE_KWH
        or kwh < previous_kwh
    ):
        return None
    delta = kwh - previous_kwh
    if kwh > 5 * estimate_kwh and abs(delta - estimate_kwh) <= 0.5 * estimate_kwh:
        evidence.total_votes += 1
        if evidence.total_votes >= EVIDENCE_NEEDED:
            evidence.total_counter = True
            return Finding.TOTAL_COUNTER
    return None


def correction_codes() -> tuple[str, ...]:
    """Return the data points whose scale evidence can correct."""
    return (POWER, VOLTAGE, CURRENT, ENERGY)
