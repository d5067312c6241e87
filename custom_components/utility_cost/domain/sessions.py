"""On→off sessions: an appliance running.

What "running" means is the caller's: the power above an on-threshold, or a plug's
switch being on. A session opens when the appliance starts running and closes when
it stops. It ends at the last instant energy was accrued while it was open, so time
without any reading (an unavailable source, Home Assistant being down) never
lengthens it. Sessions shorter than the minimum duration are dropped.

A finished session stays *unannounced* until the caller has made it durable and told
the world (:meth:`SessionDetector.announced`); it is kept with the rest of the state,
so a restart announces what was not announced before, and never reopens it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class Session:
    """A finished session."""

    start: datetime
    end: datetime
    energy_kwh: float
    cost: float

    @property
    def duration(self) -> timedelta:
        """Return how long the session lasted."""
        return self.end - self.start

    def as_dict(self) -> dict[str, Any]:
        """Serialise the session."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "energy_kwh": self.energy_kwh,
            "cost": self.cost,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        """Restore a session written by :meth:`as_dict`."""
        return cls(
            datetime.fromisoformat(data["start"]),
            datetime.fromisoformat(data["end"]),
            float(data["energy_kwh"]),
            float(data["cost"]),
        )


@dataclass(frozen=True, slots=True)
class SessionRules:
    """When a source is running (by power) and when a session counts."""

    on_threshold_w: float
    min_duration: timedelta

    def running(self, power_w: float) -> bool:
        """Return True if this power means the appliance is running."""
        return power_w > self.on_threshold_w


@dataclass(slots=True)
class OpenSession:
    """A session in progress."""

    start: datetime
    last_seen: datetime
    energy_kwh: float = 0.0
    cost: float = 0.0


@dataclass(slots=True)
class SessionDetector:
    """Finds sessions in a stream of power levels and accrued energy."""

    rules: SessionRules
    current: OpenSession | None = None
    last: Session | None = field(default=None)
    unannounced: list[Session] = field(default_factory=list)

    def level(self, at: datetime, running: bool) -> Session | None:
        """Note whether it runs from ``at`` on; return a session that just ended."""
        current = self.current
        if current is None:
            if running:
                self.current = OpenSession(start=at, last_seen=at)
            return None
        if running:
            return None
        self.current = None
        finished = Session(
            current.start, current.last_seen, current.energy_kwh, current.cost
        )
        if finished.duration < self.rules.min_duration:
            return None
        self.last = finished
        self.unannounced.append(finished)
        return finished

    def announced(self, sessions: list[Session]) -> None:
        """Forget ``sessions`` as unannounced: their event has been sent."""
        self.unannounced = [s for s in self.unannounced if s not in sessions]

    def accrue(self, end: datetime, energy_kwh: float, cost: float) -> None:
        """Add energy used up to ``end`` to the open session, if any."""
        if (current := self.current) is not None:
            current.energy_kwh += energy_kwh
            current.cost += cost
            current.last_seen = max(current.last_seen, end)

    def as_dict(self) -> dict[str, Any]:
        """Serialise the open and the last session."""
        current = self.current
        return {
            "current": None
            if current is None
            else {
                "start": current.start.isoformat(),
                "last_seen": current.last_seen.isoformat(),
                "energy_kwh": current.energy_kwh,
                "cost": current.cost,
            },
            "last": None if self.last is None else self.last.as_dict(),
            "unannounced": [session.as_dict() for session in self.unannounced],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], rules: SessionRules) -> SessionDetector:
        """Restore sessions written by :meth:`as_dict`."""
        detector = cls(rules)
        if (current := data.get("current")) is not None:
            detector.current = OpenSession(
                datetime.fromisoformat(current["start"]),
                datetime.fromisoformat(current["last_seen"]),
                float(current["energy_kwh"]),
                float(current["cost"]),
            )
        if (last := data.get("last")) is not None:
            detector.last = Session.from_dict(last)
        detector.unannounced = [
            Session.from_dict(session) for session in data.get("unannounced", [])
        ]
        return detector
