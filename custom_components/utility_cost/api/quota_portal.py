"""Reading a cloud project's quota from its web portal, with a saved session cookie.

No API reports how many calls a Tuya cloud project has left; its portal pages do,
from JSON answers to the logged-in browser. The user copies one such request's URL
and the session cookie; this client repeats it and reads the remaining and used
calls at JSON pointers (RFC 6901) the user configured. A login page, an HTTP error
or an answer without the numbers is an error: the cookie must be renewed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
from typing import Any

import aiohttp

from .common import sendable

DEFAULT_TIMEOUT_S = 15.0


class PortalError(Exception):
    """Base of the portal client's errors."""


class PortalConnectionError(PortalError):
    """The portal could not be reached or timed out."""


class PortalAuthError(PortalError):
    """The portal refused the cookie (HTTP 401/403, or a login page)."""


class PortalBadResponseError(PortalError):
    """The answer is not JSON, or the numbers are not at the configured pointers."""


@dataclass(frozen=True, slots=True)
class PortalReading:
    """What the portal says: remaining and/or used calls."""

    remaining: int | None
    used: int | None


def resolve_pointer(document: Any, pointer: str) -> Any:
    """Return the value at a JSON pointer (RFC 6901); KeyError if there is none."""
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        raise KeyError(pointer)
    value = document
    for escaped in pointer[1:].split("/"):
        token = escaped.replace("~1", "/").replace("~0", "~")
        if isinstance(value, list):
            if not token.isdigit() or int(token) >= len(value):
                raise KeyError(pointer)
            value = value[int(token)]
        elif isinstance(value, dict) and token in value:
            value = value[token]
        else:
            raise KeyError(pointer)
    return value


def _count(document: Any, pointer: str | None) -> int | None:
    if not pointer:
        return None
    try:
        value = resolve_pointer(document, pointer)
    except KeyError as err:
        raise PortalBadResponseError(f"nothing at {pointer}") from err
    if isinstance(value, str):
        value = value.replace(",", "").strip()
        try:
            value = float(value)
        except ValueError as err:
            raise PortalBadResponseError(f"not a number at {pointer}") from err
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise PortalBadResponseError(f"not a count at {pointer}: {value!r}")
    return int(value)


class QuotaPortalClient:
    """Repeats one logged-in portal request and reads the quota from its answer."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        cookie: str,
        remaining_pointer: str | None,
        used_pointer: str | None,
        *,
        request_timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        """Read ``url`` with ``cookie``; at least one pointer must be given."""
        if not remaining_pointer and not used_pointer:
            raise ValueError("a remaining or a used pointer is needed")
        self._session = session
        self.url = url
        self._cookie = cookie
        self._pointers = (remaining_pointer, used_pointer)
        self._timeout = request_timeout

    async def read(self) -> PortalReading:
        """Fetch the page and return the counts."""
        if not sendable(self._cookie):
            raise PortalAuthError("the cookie holds characters no cookie has")
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._session.get(
                    self.url,
                    headers={"Cookie": self._cookie, "Accept": "application/json"},
                    allow_redirects=False,
                ) as response,
            ):
                if response.status in (401, 403) or 300 <= response.status < 400:
                    raise PortalAuthError(
                        f"HTTP {response.status}: the cookie is refused"
                    )
                if response.status != 200:
                    raise PortalBadResponseError(f"HTTP {response.status}")
                text = await response.text()
        except TimeoutError as err:
            raise PortalConnectionError("timed out") from err
        except aiohttp.ClientError as err:
            raise PortalConnectionError(str(err) or type(err).__name__) from err
        if text.lstrip().startswith("<"):
            raise PortalAuthError("a web page instead of data: the session has ended")
        try:
            document = json.loads(text)
        except ValueError as err:
            raise PortalBadResponseError("the answer is not JSON") from err
        remaining_pointer, used_pointer = self._pointers
        return PortalReading(
            remaining=_count(document, remaining_pointer),
            used=_count(document, used_pointer),
        )
