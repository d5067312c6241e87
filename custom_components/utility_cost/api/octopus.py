"""Client of the Octopus Energy REST API (UK).

* ``GET /accounts/{number}/`` (HTTP Basic, the API key as user name): the account's
  properties, their electricity and gas meter points, meters and agreements;
* ``GET /products/{product}/{fuel}-tariffs/{tariff}/{kind}/``: rates in pence
  (standard, day and night unit rates, standing charges), newest first;
* ``GET /{fuel}-meter-points/{point}/meters/{serial}/consumption/``: half-hourly
  consumption, in pages.

Every answer is parsed here into the domain's types; anything that does not have
the documented shape is an :class:`OctopusBadResponseError`. Pages are followed
on this client's base URL (the API's ``next`` links name its public host).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import math
from typing import Any, Final

import aiohttp
from yarl import URL

from ..domain.octopus import Agreement, Consumption, RateRow
from .common import retry_after_seconds, sendable

DEFAULT_BASE_URL: Final = "https://api.octopus.energy/v1"
DEFAULT_TIMEOUT_S: Final = 30.0
MAX_PAGE_SIZE: Final = 25_000
# Guard against a ``next`` link that never ends.
MAX_PAGES: Final = 1_000

ELECTRICITY: Final = "electricity"
GAS: Final = "gas"
STANDARD_UNIT_RATES: Final = "standard-unit-rates"
DAY_UNIT_RATES: Final = "day-unit-rates"
NIGHT_UNIT_RATES: Final = "night-unit-rates"
STANDING_CHARGES: Final = "standing-charges"


class OctopusError(Exception):
    """Base of every error of this client."""


class OctopusConnectionError(OctopusError):
    """The API could not be reached, timed out or failed (HTTP 5xx)."""


class OctopusAuthenticationError(OctopusError):
    """The API key was refused (HTTP 401 or 403)."""


class OctopusNotFoundError(OctopusError):
    """No such account, meter or tariff (HTTP 404)."""


class OctopusRateLimitedError(OctopusError):
    """Too many requests; ``retry_after`` seconds if the API said."""

    def __init__(self, retry_after: float | None) -> None:
        """Keep the delay the API asked for."""
        super().__init__("too many requests")
        self.retry_after = retry_after


class OctopusBadResponseError(OctopusError):
    """The answer does not have the documented shape."""


@dataclass(frozen=True, slots=True)
class MeterPoint:
    """An electricity (``mpan``) or gas (``mprn``) meter point."""

    fuel: str  # ELECTRICITY or GAS
    point: str  # the MPAN or MPRN
    is_export: bool
    serials: tuple[str, ...]
    agreements: tuple[Agreement, ...]


@dataclass(frozen=True, slots=True)
class Account:
    """The meter points of the properties still lived in."""

    number: str
    meter_points: tuple[MeterPoint, ...]


def _instant(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise OctopusBadResponseError(f"{what} is not a time: {value!r}")
    try:
        at = datetime.fromisoformat(value)
    except ValueError as err:
        raise OctopusBadResponseError(f"{what} is not a time: {value!r}") from err
    if at.tzinfo is None:
        raise OctopusBadResponseError(f"{what} has no UTC offset: {value!r}")
    return at.astimezone(UTC)


def _optional_instant(value: Any, what: str) -> datetime | None:
    return None if value is None else _instant(value, what)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OctopusBadResponseError(f"{what} is not a number: {value!r}")
    if not math.isfinite(value):
        raise OctopusBadResponseError(f"{what} is not finite: {value!r}")
    return float(value)


def _list(payload: Mapping[str, Any], key: str) -> list[Any]:
    value = payload.get(key, [])
    if not isinstance(value, list):
        raise OctopusBadResponseError(f"{key} is not a list")
    return value


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise OctopusBadResponseError(f"{what} is not an object")
    return value


def parse_account(payload: Any, number: str) -> Account:
    """Parse an account: meter points of properties not moved out of."""
    account = _object(payload, "the account")
    points: list[MeterPoint] = []
    for item in _list(account, "properties"):
        prop = _object(item, "a property")
        if prop.get("moved_out_at") is not None:
            continue
        for fuel, key, id_key in (
            (ELECTRICITY, "electricity_meter_points", "mpan"),
            (GAS, "gas_meter_points", "mprn"),
        ):
            for raw in _list(prop, key):
                point = _object(raw, "a meter point")
                identifier = point.get(id_key)
                if not isinstance(identifier, str) or not identifier:
                    raise OctopusBadResponseError(f"a meter point has no {id_key}")
                serials = tuple(
                    str(_object(meter, "a meter").get("serial_number") or "")
                    for meter in _list(point, "meters")
                )
                agreements = tuple(
                    Agreement(
                        str(_object(a, "an agreement").get("tariff_code") or ""),
                        _instant(a.get("valid_from"), "valid_from"),
                        _optional_instant(a.get("valid_to"), "valid_to"),
                    )
                    for a in _list(point, "agreements")
                )
                points.append(
                    MeterPoint(
                        fuel,
                        identifier,
                        bool(point.get("is_export", False)),
                        tuple(s for s in serials if s),
                        agreements,
                    )
                )
    return Account(number, tuple(points))


def parse_rates(results: list[Any]) -> list[RateRow]:
    """Parse rate rows (pence)."""
    rows = []
    for item in results:
        row = _object(item, "a rate")
        method = row.get("payment_method")
        rows.append(
            RateRow(
                _number(row.get("value_exc_vat"), "value_exc_vat"),
                _number(row.get("value_inc_vat"), "value_inc_vat"),
                _instant(row.get("valid_from"), "valid_from"),
                _optional_instant(row.get("valid_to"), "valid_to"),
                method if isinstance(method, str) else None,
            )
        )
    return rows


def parse_consumption(
    results: list[Any], period_from: datetime, period_to: datetime
) -> list[Consumption]:
    """Parse consumption rows, keeping only those that start in the range asked."""
    rows = []
    for item in results:
        row = _object(item, "a consumption row")
        start = _instant(row.get("interval_start"), "interval_start")
        if not period_from <= start < period_to:
            continue  # the API sometimes returns a little more than asked
        end = _instant(row.get("interval_end"), "interval_end")
        if end <= start:
            raise OctopusBadResponseError(f"an interval ends before it starts: {start}")
        quantity = _number(row.get("consumption"), "consumption")
        if quantity < 0:
            raise OctopusBadResponseError(f"negative consumption at {start}")
        rows.append(Consumption(start, end, quantity))
    return rows


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


class OctopusClient:
    """One Octopus account's API, on an injected aiohttp session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        request_timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        """Use ``api_key`` against ``base_url``."""
        self._session = session
        # A key Octopus issues (``sk_live_...``) has no colon either: Basic
        # credentials could not carry one.
        self._auth = (
            aiohttp.BasicAuth(api_key, "")
            if sendable(api_key) and ":" not in api_key
            else None
        )
        self.base_url = base_url.rstrip("/")
        self._timeout = request_timeout
        self.requests_made = 0

    async def account(self, number: str) -> Account:
        """Return the account's meter points (properties moved out of are left out)."""
        return parse_account(await self._get(f"/accounts/{number}/", {}), number)

    async def rates(
        self,
        product: str,
        tariff_code: str,
        *,
        fuel: str,
        kind: str,
        period_from: datetime,
        period_to: datetime,
    ) -> list[RateRow]:
        """Return the rates of a tariff valid in [period_from, period_to)."""
        path = f"/products/{product}/{fuel}-tariffs/{tariff_code}/{kind}/"
        params = {
            "period_from": _iso(period_from),
            "period_to": _iso(period_to),
            "page_size": "1500",
        }
        return parse_rates(await self._pages(path, params))

    async def consumption(
        self,
        fuel: str,
        point: str,
        serial: str,
        period_from: datetime,
        period_to: datetime,
        *,
        page_size: int = MAX_PAGE_SIZE,
    ) -> list[Consumption]:
        """Return the meter's consumption that starts in [period_from, period_to)."""
        path = f"/{fuel}-meter-points/{point}/meters/{serial}/consumption/"
        params = {
            "period_from": _iso(period_from),
            "period_to": _iso(period_to),
            "page_size": str(min(page_size, MAX_PAGE_SIZE)),
            "order_by": "period",
        }
        results = await self._pages(path, params)
        return parse_consumption(results, period_from, period_to)

    async def _pages(self, path: str, params: Mapping[str, str]) -> list[Any]:
        """Return the ``results`` of every page, following ``next``."""
        results: list[Any] = []
        query: Mapping[str, str] = params
        for _ in range(MAX_PAGES):
            page = _object(await self._get(path, query), "a page")
            results.extend(_list(page, "results"))
            following = page.get("next")
            if not following:
                return results
            if not isinstance(following, str):
                raise OctopusBadResponseError("next is not a link")
            query = dict(URL(following).query)
        raise OctopusBadResponseError(f"more than {MAX_PAGES} pages")

    async def _get(self, path: str, params: Mapping[str, str]) -> Any:
        if self._auth is None:
            raise OctopusAuthenticationError("the key holds characters no key has")
        self.requests_made += 1
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._session.get(
                    f"{self.base_url}{path}", params=params, auth=self._auth
                ) as response,
            ):
                status = response.status
                text = await response.text()
                if status in (401, 403):
                    raise OctopusAuthenticationError(f"HTTP {status}: key refused")
                if status == 404:
                    raise OctopusNotFoundError(f"{path}: not found")
                if status == 429 or "too many requests" in text[:200].lower():
                    raise OctopusRateLimitedError(
                        retry_after_seconds(response.headers.get("Retry-After"))
                    )
                if status >= 500:
                    raise OctopusConnectionError(f"HTTP {status}")
                if status != 200:
                    raise OctopusBadResponseError(f"HTTP {status}")
        except TimeoutError as err:
            raise OctopusConnectionError("timed out") from err
        except aiohttp.ClientError as err:
            raise OctopusConnectionError(str(err) or type(err).__name__) from err
        try:
            return json.loads(text)
        except ValueError as err:
            raise OctopusBadResponseError("the answer is not JSON") from err
