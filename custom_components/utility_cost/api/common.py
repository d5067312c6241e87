"""What the API clients share."""

from __future__ import annotations


def retry_after_seconds(value: str | None) -> float | None:
    """Return a ``Retry-After`` header's delay in seconds (None if absent or a date)."""
    try:
        return None if value is None else max(0.0, float(value))
    except ValueError:
        return None
