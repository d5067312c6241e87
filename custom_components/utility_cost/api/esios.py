"""Async client of REE's ESIOS: the PVPC's hourly prices, with or without a token.

Two sources give the same prices, in EUR/MWh:

* without a token, the public daily archive (``/archives/70/download_json``): one
  row per hour from local midnight (``"Hora": "00-01"``), prices as text with a
  decimal comma, column ``PCB`` for the Peninsula, Canaries and Balearics and
  ``CYM`` for Ceuta and Melilla. The 23-hour day is labelled by the wall clock,
  without ``02-03`` (``00-01, 01-02, 03-04, …, 23-24``); the 25-hour day in
  sequence, ``00-01`` to ``24-25`` (recordings of both days, see
  :func:`archive_hours`);
* with a personal token, the indicator API (``/indicators/1001``, and ``1739`` for
  the price paid for exported energy), one value per zone (``geo_id``) and hour,
  each with its peninsular local time and offset in ``datetime``. (``datetime_utc``
  is not used: on the 25-hour day it has been seen to repeat the first 02:00.)

A day is accepted whole or not at all: a missing, repeated or extra hour, a value
that is not a finite number, or a payload without the zone is a bad response, never
a partial or wrong price. Prices come back in EUR/kWh as domain intervals, placed
on the zone's clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
import json
import math
from typing import Any, Final

import aiohttp

from ..domain.periods import day_hours, local_midnight
from ..domain.prices import PriceInterval
from ..domain.pvpc import PENINSULAR_TZ, SPAIN_GEO_ID, ZONES, Zone
from .common import retry_after_seconds, sendable

DEFAULT_BASE_URL: Final = "https://api.esios.ree.es"
ARCHIVE_PATH: Final = "/archives/70/download_json"
PVPC_INDICATOR: Final = 1001
EXPORT_INDICATOR: Final = 1739
DEFAULT_TIMEOUT_S: Final = 20.0
_ACCEPT: Final = "application/json; application/vnd.esios-api-v1+json"
_MWH_PER_KWH: Final = 1000.0
_HOUR: Final = timedelta(hours=1)
_QUARTER: Final = timedelta(minutes=15)


class EsiosError(Exception):
    """Base of every error of this client."""


class EsiosConnectionError(EsiosError):
    """ESIOS could not be reached, timed out or failed (HTTP 5xx)."""


class EsiosAuthenticationError(EsiosError):
    """The personal token was refused (HTTP 401 or 403)."""


class EsiosRateLimitedError(EsiosError):
    """Too many requests (HTTP 429); ``retry_after`` seconds if ESIOS said."""

    def __init__(self, retry_after: float | None) -> None:
        """Keep the delay ESIOS asked for."""
        super().__init__("too many requests")
        self.retry_after = retry_after


class EsiosNotPublishedError(EsiosError):
    """The day's prices are not published yet."""


class EsiosBadResponseError(EsiosError):
    """The answer is not a complete, well-formed day of prices."""


def _number(value: Any, what: str) -> float:
    """Return ``value`` as a finite number (text with a decimal comma accepted)."""
    if isinstance(value, str):
        text = value.strip()
        if "," in text:  # "1.234,56": dots group thousands, the comma is decimal
            text = text.replace(".", "").replace(",", ".")
        try:
            value = float(text)
        except ValueError as err:
            raise EsiosBadResponseError(f"{what} is not a number: {value!r}") from err
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EsiosBadResponseError(f"{what} is not a number: {value!r}")
    if not math.isfinite(value):
        raise EsiosBadResponseError(f"{what} is not finite: {value!r}")
    return float(value)


def _per_kwh(eur_per_mwh: float) -> float:
    # Prices come with at most two decimals per MWh: six per kWh keep them exact.
    return round(eur_per_mwh / _MWH_PER_KWH, 6)


def _place(
    offsets: Mapping[int, float], day: date, zone: Zone, step: timedelta
) -> list[PriceInterval]:
    """Put prices indexed by step from local midnight on the zone's clock."""
    start = local_midnight(day, ZONES[zone].tz)
    return [
        PriceInterval(start + index * step, start + (index + 1) * step, price)
        for index, price in sorted(offsets.items())
    ]


def _check_complete(indices: list[int], expected: int, day: date) -> None:
    if len(set(indices)) != len(indices):
        raise EsiosBadResponseError(f"{day}: a time is given twice")
    if sorted(indices) != list(range(expected)):
        raise EsiosBadResponseError(
            f"{day}: {len(indices)} values where {expected} were expected"
        )


def archive_hours(labels: list[int], hours: int) -> list[int]:
    """Return the hour from local midnight of each archive row's label.

    ``labels``: each row's first hour (``"03-04"`` is 3); ``hours``: the day's
    length. On the 23-hour day REE labels by the wall clock, skipping 2 (real
    recordings of 2019-03-31 and 2022-03-27): 3 is the third hour. Sequential
    labels (0 to 22) are read as they are, and so is every other day (0 to 23,
    0 to 24 on the 25-hour day).
    """
    if hours == 23 and 2 not in labels and 23 in labels:
        return [label - 1 if label > 2 else label for label in labels]
    return labels


def parse_archive(payload: Any, day: date, zone: Zone) -> list[PriceInterval]:
    """Parse the public daily archive of ``day`` for ``zone``."""
    if not isinstance(payload, dict):
        raise EsiosBadResponseError("the archive is not an object")
    rows = payload.get("PVPC")
    if rows is None or rows == []:
        message = str(payload.get("message", ""))
        if "no values" in message.casefold() or rows == []:
            raise EsiosNotPublishedError(f"{day}: not published yet")
        raise EsiosBadResponseError(f"{day}: no prices in the archive: {message!r}")
    if not isinstance(rows, list):
        raise EsiosBadResponseError("the archive's rows are not a list")
    column = ZONES[zone].archive_column
    expected_day = day.strftime("%d/%m/%Y")
    labels: list[int] = []
    values: list[float] = []
    for row in rows:
        if not isinstance(row, dict):
            raise EsiosBadResponseError("an archive row is not an object")
        if row.get("Dia") != expected_day:
            raise EsiosBadResponseError(f"a row of {row.get('Dia')!r}, not of {day}")
        hour = str(row.get("Hora", ""))
        first = hour.partition("-")[0]
        if not first.isdigit():
            raise EsiosBadResponseError(f"{day}: a row without an hour: {hour!r}")
        if column not in row:
            raise EsiosBadResponseError(f"{day}: no {column} column for {zone}")
        labels.append(int(first))
        values.append(_per_kwh(_number(row[column], f"{day} {hour} {column}")))
    hours = day_hours(day, PENINSULAR_TZ)
    indices = archive_hours(labels, hours)
    _check_complete(indices, hours, day)
    return _place(dict(zip(indices, values, strict=True)), day, zone, _HOUR)


def parse_indicator(
    payload: Any, day: date, zone: Zone, geo_ids: Collection[int]
) -> list[PriceInterval]:
    """Parse an indicator's values of ``day`` for the first of ``geo_ids`` present.

    Values are hourly, or quarter-hourly if there are four times as many.
    """
    indicator = payload.get("indicator") if isinstance(payload, dict) else None
    values = indicator.get("values") if isinstance(indicator, dict) else None
    if not isinstance(values, list):
        raise EsiosBadResponseError("the indicator has no list of values")
    if not values:
        raise EsiosNotPublishedError(f"{day}: not published yet")
    by_geo: dict[Any, list[Any]] = {}
    for value in values:
        if not isinstance(value, dict):
            raise EsiosBadResponseError("an indicator value is not an object")
        by_geo.setdefault(value.get("geo_id"), []).append(value)
    geo_id = next((g for g in geo_ids if g in by_geo), None)
    if geo_id is None:
        raise EsiosBadResponseError(
            f"{day}: no values for {zone} (geo ids {sorted(map(str, by_geo))})"
        )
    mine = by_geo[geo_id]
    hours = day_hours(day, PENINSULAR_TZ)
    step = _QUARTER if len(mine) == 4 * hours else _HOUR
    midnight = local_midnight(day, PENINSULAR_TZ)
    prices: dict[int, float] = {}
    indices: list[int] = []
    for value in mine:
        try:
            at = datetime.fromisoformat(str(value.get("datetime")))
        except ValueError as err:
            raise EsiosBadResponseError(f"{day}: a value without a time") from err
        if at.tzinfo is None:
            raise EsiosBadResponseError(f"{day}: a time without an offset: {at}")
        offset = at - midnight
        index, rest = divmod(offset, step)
        if rest or not index >= 0:
            raise EsiosBadResponseError(f"{day}: a value at {at}, off the grid")
        indices.append(index)
        prices[index] = _per_kwh(_number(value.get("value"), f"{day} {at} value"))
    _check_complete(indices, round(timedelta(hours=hours) / step), day)
    return _place(prices, day, zone, step)


class EsiosClient:
    """The PVPC prices of one zone."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        zone: Zone,
        *,
        token: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        request_timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        """Read prices for ``zone`` from ``base_url``; with ``token``, the API."""
        self._session = session
        self.zone = zone
        self._token = token or None
        self.base_url = base_url.rstrip("/")
        self._timeout = request_timeout

    @property
    def has_token(self) -> bool:
        """Return True if this client uses the token API."""
        return self._token is not None

    async def prices(self, day: date) -> list[PriceInterval]:
        """Return the PVPC of ``day`` in EUR/kWh."""
        if self._token is None:
            payload = await self._get(ARCHIVE_PATH, {"locale": "es", "date": str(day)})
            return parse_archive(payload, day, self.zone)
        payload = await self._indicator(PVPC_INDICATOR, day)
        return parse_indicator(payload, day, self.zone, (ZONES[self.zone].geo_id,))

    async def export_prices(self, day: date) -> list[PriceInterval]:
        """Return the price of exported energy of ``day`` (token only)."""
        if self._token is None:
            raise EsiosAuthenticationError("the export price needs a token")
        payload = await self._indicator(EXPORT_INDICATOR, day)
        geo_ids = (ZONES[self.zone].geo_id, SPAIN_GEO_ID)
        return parse_indicator(payload, day, self.zone, geo_ids)

    async def _indicator(self, indicator: int, day: date) -> Any:
        return await self._get(
            f"/indicators/{indicator}",
            {"start_date": f"{day}T00:00", "end_date": f"{day}T23:59"},
        )

    async def _get(self, path: str, params: Mapping[str, str]) -> Any:
        headers = {"Accept": _ACCEPT}
        if self._token is not None:
            if not sendable(self._token):
                raise EsiosAuthenticationError(
                    "the token holds characters no token has"
                )
            headers["x-api-key"] = self._token
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._session.get(
                    f"{self.base_url}{path}", params=params, headers=headers
                ) as response,
            ):
                status = response.status
                if status in (401, 403) and self._token is not None:
                    raise EsiosAuthenticationError(f"HTTP {status}: token refused")
                if status == 429:
                    raise EsiosRateLimitedError(
                        retry_after_seconds(response.headers.get("Retry-After"))
                    )
                if status >= 500:
                    raise EsiosConnectionError(f"HTTP {status}")
                if status != 200:
                    raise EsiosBadResponseError(f"HTTP {status}")
                text = await response.text()
        except TimeoutError as err:
            raise EsiosConnectionError("timed out") from err
        except aiohttp.ClientError as err:
            raise EsiosConnectionError(str(err) or type(err).__name__) from err
        if text.lstrip().startswith("<"):
            raise EsiosBadResponseError("a web page instead of data")
        try:
            return json.loads(text)
        except ValueError as err:
            raise EsiosBadResponseError("the answer is not JSON") from err
