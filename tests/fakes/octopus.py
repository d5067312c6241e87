"""A fake Octopus Energy REST API on a loopback port.

It speaks the documented shapes: HTTP Basic with the API key, an account with
properties (one moved out), electricity import and export and gas meter points with
agreements (one changes tariff at 14:30 in the middle of a day), Agile half-hourly
rates published as the real ones are (at 16:00 UK time, up to 23:00 of the next UK
day, by the clock of the process: tests freeze it), Economy 7 day and night rates,
standing charges, and half-hourly consumption in UTC half-hours (so UK days of 46
and 50 half-hours, as the real API), with a half-hour more than asked, in pages
(``page_size``, default 100 as the real API, and ``next`` links naming the API's
public host, as the real one does). Half-hours can be missing (``missing``), and
failures can be injected, with headers (429 with ``Retry-After``).

Run it alone: ``python -m tests.fakes.octopus --port 8768``.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
import math
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import BasicAuth, web
from yarl import URL

from .server import LoopbackServer

API_KEY = "sk_live_fake0123456789"
ACCOUNT = "A-1B2C3D4E"
PUBLIC_HOST = "https://api.octopus.energy/v1"
DEFAULT_PAGE_SIZE = 100
HALF_HOUR = timedelta(minutes=30)
UK = ZoneInfo("Europe/London")

IMPORT_MPAN = "1100000000001"
IMPORT_SERIAL = "21E1111111"
EXPORT_MPAN = "1100000000002"
EXPORT_SERIAL = "21E1111111"
GAS_MPRN = "3000000001"
GAS_SERIAL = "G4A0000001"
MOVED_OUT_MPAN = "1100000000099"

AGILE = "E-1R-AGILE-24-10-01-C"
AGILE_PRODUCT = "AGILE-24-10-01"
ECONOMY7 = "E-2R-VAR-22-11-01-C"
VARIABLE_PRODUCT = "VAR-22-11-01"
OUTGOING = "E-1R-OUTGOING-FIX-12M-19-05-13-C"
OUTGOING_PRODUCT = "OUTGOING-FIX-12M-19-05-13"
GAS_TARIFF = "G-1R-VAR-22-11-01-C"
# Real shapes (codes from the Octopus Energy integration's tests): a flat
# day/night tariff, and a business tariff without a region, whose product is
# taken to be the code itself (not confirmed against the real API).
FLAT2R = "E-FLAT2R-SILVER-23-12-06-C"
# Agile's export twin: half-hourly, published with Agile, no VAT on export.
AGILE_OUTGOING = "E-1R-AGILE-OUTGOING-19-05-13-C"
BUSINESS = "BUS-PANELP-12M-FIXED-SEPTEMBER2029"
# The product of each tariff: rates asked under another product are a 404.
PRODUCTS = {
    AGILE: AGILE_PRODUCT,
    ECONOMY7: VARIABLE_PRODUCT,
    OUTGOING: OUTGOING_PRODUCT,
    GAS_TARIFF: VARIABLE_PRODUCT,
    FLAT2R: "SILVER-23-12-06",
    BUSINESS: BUSINESS,
    AGILE_OUTGOING: "AGILE-OUTGOING-19-05-13",
}
# The import meter moves from Economy 7 to Agile at 14:30 UTC on this day.
AGILE_FROM = datetime(2026, 1, 10, 14, 30, tzinfo=UTC)


def agile_pence(start: datetime) -> float:
    """Return the Agile rate (pence/kWh, before VAT) of the half-hour at ``start``."""
    hour = start.hour + start.minute / 60
    evening = 12.0 if 16 <= hour < 19 else 0.0
    night = -3.0 if 2 <= hour < 5 else 0.0
    return round(15.0 + 5.0 * math.sin(hour / 24 * 2 * math.pi) + evening + night, 4)


def outgoing_pence(start: datetime) -> float:
    """Return the Agile Outgoing rate (pence/kWh) of the half-hour at ``start``."""
    return round(agile_pence(start) * 0.6, 4)


def consumption_kwh(start: datetime, meter: str) -> float:
    """Return a deterministic half-hour's consumption (kWh, or m³ for gas)."""
    hour = start.hour
    base = {"import": 0.15, "export": 0.0, "gas": 0.05}[meter]
    if meter == "export" and 10 <= hour < 15:
        base = 0.4
    if meter == "import" and 17 <= hour < 20:
        base += 0.6
    return round(base + (start.minute / 30) * 0.01, 3)


def agile_published_until(now: datetime) -> datetime:
    """Return the end of the Agile rates published at ``now``.

    The next day's rates appear at 16:00 UK time and run to 23:00 UK time of that
    day; before 16:00 they end at 23:00 of today.
    """
    local = now.astimezone(UK)
    day = local.date() + timedelta(days=1 if local.time() >= time(16) else 0)
    return datetime.combine(day, time(23), UK).astimezone(UTC)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def account_payload() -> dict[str, Any]:
    """Return the fake account in the API's shape."""
    return {
        "number": ACCOUNT,
        "properties": [
            {
                "id": 1,
                "moved_in_at": "2020-01-01T00:00:00Z",
                "moved_out_at": "2023-06-30T00:00:00Z",
                "electricity_meter_points": [
                    {
                        "mpan": MOVED_OUT_MPAN,
                        "is_export": False,
                        "meters": [{"serial_number": "OLD0000001"}],
                        "agreements": [
                            {
                                "tariff_code": "E-1R-VAR-19-04-12-C",
                                "valid_from": "2020-01-01T00:00:00Z",
                                "valid_to": "2023-06-30T00:00:00Z",
                            }
                        ],
                    }
                ],
                "gas_meter_points": [],
            },
            {
                "id": 2,
                "moved_in_at": "2023-07-01T00:00:00Z",
                "moved_out_at": None,
                "electricity_meter_points": [
                    {
                        "mpan": IMPORT_MPAN,
                        "is_export": False,
                        "meters": [{"serial_number": IMPORT_SERIAL}],
                        "agreements": [
                            {
                                "tariff_code": ECONOMY7,
                                "valid_from": "2023-07-01T00:00:00+01:00",
                                "valid_to": _iso(AGILE_FROM),
                            },
                            {
                                "tariff_code": AGILE,
                                "valid_from": _iso(AGILE_FROM),
                                "valid_to": None,
                            },
                        ],
                    },
                    {
                        "mpan": EXPORT_MPAN,
                        "is_export": True,
                        "meters": [{"serial_number": EXPORT_SERIAL}],
                        "agreements": [
                            {
                                "tariff_code": OUTGOING,
                                "valid_from": "2023-07-01T00:00:00Z",
                                "valid_to": None,
                            }
                        ],
                    },
                ],
                "gas_meter_points": [
                    {
                        "mprn": GAS_MPRN,
                        "meters": [{"serial_number": GAS_SERIAL}],
                        "agreements": [
                            {
                                "tariff_code": GAS_TARIFF,
                                "valid_from": "2023-07-01T00:00:00Z",
                                "valid_to": None,
                            }
                        ],
                    }
                ],
            },
        ],
    }


@dataclass
class Failure:
    """Answer matching requests with this, ``times`` times."""

    path_contains: str
    status: int
    body: str
    times: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeOctopus(LoopbackServer):
    """The fake API: an account, rates, consumption, failures and a request log."""

    api_key: str = API_KEY
    # Consumption exists up to here (what the real API has "by now").
    data_until: datetime = datetime(2026, 1, 12, tzinfo=UTC)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    delay_s: float = 0.0
    account: dict[str, Any] = field(default_factory=account_payload)
    # Half-hours [start, end) without consumption (a meter that did not report).
    missing: list[tuple[datetime, datetime]] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Add the routes."""
        super().__init__()
        router = self.app.router
        router.add_get("/v1/accounts/{number}/", self._account)
        router.add_get(
            "/v1/products/{product}/{fuel}-tariffs/{tariff}/{kind}/", self._rates
        )
        router.add_get(
            "/v1/{fuel}-meter-points/{point}/meters/{serial}/consumption/",
            self._consumption,
        )

    @property
    def api_url(self) -> str:
        """Return the base URL a client uses (with the API's ``/v1``)."""
        return f"{self.base_url}/v1"

    def fail(
        self,
        status: int,
        body: str = "",
        *,
        path_contains: str = "",
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` and ``body``."""
        self.failures.append(Failure(path_contains, status, body, times, headers or {}))

    # --- handlers ----------------------------------------------------------------

    def _check(self, request: web.Request, *, auth: bool) -> web.Response | None:
        self.requests.append((request.path, dict(request.query)))
        for failure in self.failures:
            if failure.times > 0 and failure.path_contains in request.path:
                failure.times -= 1
                return web.Response(
                    status=failure.status, text=failure.body, headers=failure.headers
                )
        if auth:
            header = request.headers.get("Authorization", "")
            try:
                given = BasicAuth.decode(header).login
            except ValueError:
                given = None
            if given != self.api_key:
                return web.json_response(
                    {"detail": "Authentication credentials were not provided."},
                    status=401,
                )
        return None

    async def _account(self, request: web.Request) -> web.Response:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if (refused := self._check(request, auth=True)) is not None:
            return refused
        if request.match_info["number"] != ACCOUNT:
            return web.json_response({"detail": "Not found."}, status=404)
        return web.json_response(self.account)

    async def _rates(self, request: web.Request) -> web.Response:
        if (refused := self._check(request, auth=False)) is not None:
            return refused
        tariff, kind = request.match_info["tariff"], request.match_info["kind"]
        if PRODUCTS.get(tariff) != request.match_info["product"]:
            return web.json_response({"detail": "Not found."}, status=404)
        start = _parse(request.query["period_from"])
        end = _parse(request.query["period_to"])
        rows = self._rate_rows(tariff, kind, start, end)
        if rows is None:
            return web.json_response({"detail": "Not found."}, status=404)
        return self._page(request, rows)

    def _rate_rows(
        self, tariff: str, kind: str, start: datetime, end: datetime
    ) -> _Rows | None:
        fixed = {
            (ECONOMY7, "day-unit-rates"): 30.0,
            (ECONOMY7, "night-unit-rates"): 12.0,
            (ECONOMY7, "standing-charges"): 50.0,
            (AGILE, "standing-charges"): 45.0,
            (OUTGOING, "standard-unit-rates"): 15.0,
            (GAS_TARIFF, "standard-unit-rates"): 6.0,
            (GAS_TARIFF, "standing-charges"): 30.0,
            (FLAT2R, "day-unit-rates"): 28.0,
            (FLAT2R, "night-unit-rates"): 14.0,
            (FLAT2R, "standing-charges"): 48.0,
            (BUSINESS, "standard-unit-rates"): 20.0,
            (BUSINESS, "standing-charges"): 60.0,
        }
        if (tariff, kind) in fixed:
            pence = fixed[(tariff, kind)]
            rows = [
                {
                    "value_exc_vat": pence,
                    "value_inc_vat": round(pence * 1.05, 4),
                    "valid_from": "2023-04-01T00:00:00Z",
                    "valid_to": None,
                    "payment_method": "DIRECT_DEBIT",
                },
                {
                    "value_exc_vat": pence + 2,
                    "value_inc_vat": round((pence + 2) * 1.05, 4),
                    "valid_from": "2023-04-01T00:00:00Z",
                    "valid_to": None,
                    "payment_method": "NON_DIRECT_DEBIT",
                },
            ]
            return _Rows(len(rows), rows.__getitem__)
        if kind == "standard-unit-rates" and tariff in (AGILE, AGILE_OUTGOING):
            first = start.replace(
                minute=0 if start.minute < 30 else 30, second=0, microsecond=0
            )
            last = min(end, agile_published_until(datetime.now(UTC)))
            count = max(0, math.ceil((last - first) / HALF_HOUR))

            def agile_row(index: int) -> dict[str, Any]:
                at = first + (count - 1 - index) * HALF_HOUR  # newest first
                if tariff == AGILE_OUTGOING:
                    pence = outgoing_pence(at)
                    return {
                        "value_exc_vat": pence,
                        "value_inc_vat": pence,
                        "valid_from": _iso(at),
                        "valid_to": _iso(at + HALF_HOUR),
                        "payment_method": None,
                    }
                pence = agile_pence(at)
                return {
                    "value_exc_vat": pence,
                    "value_inc_vat": round(pence * 1.05, 4),
                    "valid_from": _iso(at),
                    "valid_to": _iso(at + HALF_HOUR),
                    "payment_method": None,
                }

            return _Rows(count, agile_row)
        return None

    async def _consumption(self, request: web.Request) -> web.Response:
        if (refused := self._check(request, auth=True)) is not None:
            return refused
        point, serial = request.match_info["point"], request.match_info["serial"]
        meter = {
            (IMPORT_MPAN, IMPORT_SERIAL): "import",
            (EXPORT_MPAN, EXPORT_SERIAL): "export",
            (GAS_MPRN, GAS_SERIAL): "gas",
        }.get((point, serial))
        if meter is None:
            return web.json_response({"detail": "Not found."}, status=404)
        start = _parse(request.query["period_from"])
        end = min(_parse(request.query["period_to"]), self.data_until)
        # Like the real API, a little more than asked: the half-hour before.
        first = start - HALF_HOUR
        count = max(0, math.ceil((end - first) / HALF_HOUR))
        starts = [
            at
            for at in (first + i * HALF_HOUR for i in range(count))
            if not any(gap_start <= at < gap_end for gap_start, gap_end in self.missing)
        ]

        def consumption_row(index: int) -> dict[str, Any]:
            at = starts[index]
            return {
                "consumption": consumption_kwh(at, meter),
                "interval_start": _iso(at),
                "interval_end": _iso(at + HALF_HOUR),
            }

        return self._page(request, _Rows(len(starts), consumption_row))

    def _page(self, request: web.Request, rows: _Rows) -> web.Response:
        """Answer one page; only its rows are made."""
        size = int(request.query.get("page_size", DEFAULT_PAGE_SIZE))
        page = int(request.query.get("page", 1))
        first = (page - 1) * size
        chunk = [rows.row(i) for i in range(first, min(first + size, rows.count))]
        following = None
        if page * size < rows.count:
            following = str(
                URL(PUBLIC_HOST + request.path.removeprefix("/v1")).with_query(
                    {**request.query, "page": str(page + 1)}
                )
            )
        return web.json_response(
            {
                "count": rows.count,
                "next": following,
                "previous": None,
                "results": chunk,
            }
        )


@dataclass(frozen=True)
class _Rows:
    """``count`` rows of an answer, each made on demand by ``row(index)``."""

    count: int
    row: Callable[[int], dict[str, Any]]


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def _serve(port: int) -> None:
    fake = FakeOctopus()
    await fake.start(port)
    print(  # noqa: T201 - a command-line tool
        f"fake Octopus API at {fake.api_url} (API key {API_KEY}, account {ACCOUNT})"
    )
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8768)
    asyncio.run(_serve(parser.parse_args().port))
