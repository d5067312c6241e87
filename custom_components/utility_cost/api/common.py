"""What the API clients share."""

from __future__ import annotations


def retry_after_seconds(value: str | None) -> float | None:
    """Return a ``Retry-After`` header's delay in seconds (None if absent or a date)."""
    try:
        return None if value is None else max(0.0, float(value))
    except ValueError:
        return None


def sendable(credential: str) -> bool:
    """Return True if a credential can be sent in an HTTP header.

    Keys and ids that services issue are printable ASCII. Anything else (a newline,
    a character outside Latin-1) makes aiohttp raise before sending: a client
    refuses such a credential as the service would refuse a wrong one.
    """
    return credential.isascii() and credential.isprintable()
