"""What a tariff's diagnostics show: its outlook, its settings, its link."""

from __future__ import annotations

from typing import Any

from ..domain.prices import PriceSegment
from .coordinator import TariffCoordinator
from .link import TariffLink


def tariff_diagnostics(coordinator: TariffCoordinator) -> dict[str, Any]:
    """Return the section of a tariff's diagnostics."""
    outlook = coordinator.data
    window = outlook.cheapest_window
    return {
        "currency": coordinator.currency,
        "standing_charge": coordinator.standing_charge,
        "current": _segment(outlook.current),
        "following": _segment(outlook.following),
        "known_intervals_today": len(outlook.today.intervals) if outlook.today else 0,
        "known_intervals_tomorrow": len(outlook.tomorrow.intervals)
        if outlook.tomorrow
        else 0,
        "settings": {
            "cheap_threshold": coordinator.settings.cheap_threshold,
            "cheap_threshold_in_force": outlook.cheap_threshold,
            "cheapest_hours": coordinator.settings.cheapest_hours,
        },
        "cheapest_window": None
        if window is None
        else [window.start.isoformat(), window.end.isoformat()],
        "next_update": outlook.next_update.isoformat(),
    }


def _segment(segment: PriceSegment | None) -> dict[str, Any] | None:
    if segment is None:
        return None
    return {
        "start": segment.start.isoformat() if segment.start else None,
        "end": segment.end.isoformat() if segment.end else None,
        "price": segment.price,
        "label": segment.label,
    }


def link_diagnostics(link: TariffLink) -> dict[str, Any] | None:
    """Return which tariff prices a meter, and whether it is loaded."""
    tariff = link.entry
    if tariff is None:
        return None
    return {
        "entry_id": tariff.entry_id,
        "title": tariff.title,
        "state": tariff.state.value,
    }
