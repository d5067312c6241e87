"""A local fake of REE's ESIOS: the PVPC archive and the indicator API.

It serves the documented shapes: the public daily archive (rows per hour from local
midnight, prices as text with a decimal comma, ``PCB`` and ``CYM`` columns) and the
indicators 1001 (the PVPC, one value per zone and hour) and 1739 (exported energy,
one value per hour for all of Spain), which need the ``x-api-key`` header. A day is
published at 20:15 Madrid time the evening before; until then the archive answers
``{"message": "No values for specified archive"}`` and the indicator an empty list,
as the real service does. Prices are generated (a daily shape with an evening peak
and a midday dip) unless set for a day. It counts requests and can be told to fail.

Tests use it in-process; ``scripts/develop`` runs it as ``python -m
tests.fakes.esios`` for the demo's PVPC tariff. ``--write-fixtures DIR`` writes
the payload files the parsing tests read.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
import json
import math
from pathlib import Path
import time as wall_time
from typing import Any

from aiohttp import web

from custom_components.utility_cost.domain.periods import day_hours, local_midnight
from custom_components.utility_cost.domain.pvpc import PENINSULAR_TZ

from .server import LoopbackServer

TOKEN = "fake-esios-token-0001"
PUBLISHED_AT = time(20, 15)
GEOS = {8741: "Península", 8742: "Canarias", 8743: "Baleares", 8744: "Ceuta", 8745: "Melilla"}  # fmt: skip
SPAIN = {3: "España"}
NOT_PUBLISHED = {"message": "No values for specified archive"}
# Ceuta and Melilla pay a little less in the generated prices (another column).
CEUTA_MELILLA_DISCOUNT = 5.0


def generated_mwh(day: date) -> list[float]:
    """Return the generated PVPC of ``day`` in EUR/MWh, hour by hour."""
    base = 100.0 + 15.0 * math.sin(day.toordinal() / 3.0)
    prices = []
    for index in range(day_hours(day, PENINSULAR_TZ)):
        evening = 60.0 * math.exp(-((index - 20) ** 2) / 6.0)
        morning = 30.0 * math.exp(-((index - 8) ** 2) / 3.0)
        solar = 35.0 * math.exp(-((index - 14) ** 2) / 6.0)
        night = 20.0 * math.exp(-((index - 4) ** 2) / 4.0)
        prices.append(round(base + evening + morning - solar - night, 2))
    return prices


def export_mwh(prices: list[float]) -> list[float]:
    """Return the generated price of exported energy for a day's PVPC."""
    return [round(price * 0.45, 2) for price in prices]


def _comma(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _hour_starts(day: date) -> list[datetime]:
    start = local_midnight(day, PENINSULAR_TZ)
    return [
        start + timedelta(hours=index) for index in range(day_hours(day, PENINSULAR_TZ))
    ]


def archive_label(index: int, hours: int) -> str:
    """Return REE's label of the archive's hour ``index`` on a day of ``hours``.

    As REE labels them (a recording of 2019-03-31 and aiopvpc's fixtures of
    2022-03-27 and 2021-10-31, MIT, azogue/aiopvpc tests/api_examples): the
    23-hour day by the wall clock, without ``02-03`` (``00-01, 01-02, 03-04, …,
    23-24``); the 25-hour day in sequence (``00-01`` … ``24-25``).
    """
    hour = index + 1 if hours == 23 and index >= 2 else index
    return f"{hour:02d}-{hour + 1:02d}"


def archive_payload(day: date, prices: list[float]) -> dict[str, Any]:
    """Return the public archive of ``day`` for PVPC ``prices`` (EUR/MWh)."""
    rows = []
    for index, price in enumerate(prices):
        cym = price - CEUTA_MELILLA_DISCOUNT
        rows.append(
            {
                "Dia": day.strftime("%d/%m/%Y"),
                "Hora": archive_label(index, len(prices)),
                "PCB": _comma(price),
                "CYM": _comma(cym),
                "PMHPCB": _comma(price * 0.8),
                "PMHCYM": _comma(cym * 0.8),
                "TEUPCB": _comma(price * 0.15),
                "TEUCYM": _comma(cym * 0.15),
            }
        )
    return {"PVPC": rows}


def indicator_payload(
    indicator: int, day: date, prices: list[float], geos: dict[int, str]
) -> dict[str, Any]:
    """Return an indicator's answer for ``day``: ``prices`` for each of ``geos``.

    On the 25-hour day the repeated hour's ``datetime_utc`` repeats the first one,
    as the real service has been seen to do; ``datetime`` is right.
    """
    values = []
    seen_utc: list[datetime] = []
    hours = _hour_starts(day) if prices else []  # unpublished: no values
    for at, price in zip(hours, prices, strict=True):
        local = at.astimezone(PENINSULAR_TZ)
        stated_utc = at
        if seen_utc and local.hour == seen_utc[-1].astimezone(PENINSULAR_TZ).hour:
            stated_utc = seen_utc[-1]
        seen_utc.append(at)
        for geo_id, geo_name in geos.items():
            value = price - CEUTA_MELILLA_DISCOUNT if geo_id in (8744, 8745) else price
            values.append(
                {
                    "value": round(value, 2),
                    "datetime": local.isoformat(timespec="milliseconds"),
                    "datetime_utc": stated_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "tz_time": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "geo_id": geo_id,
                    "geo_name": geo_name,
                }
            )
    return {
        "indicator": {
            "name": "PVPC T. 2.0TD" if indicator == 1001 else "Excedentes",
            "id": indicator,
            "magnitud": [{"name": "Precio", "id": 23}],
            "tiempo": [{"name": "Hora", "id": 4}],
            "geos": [{"geo_id": g, "geo_name": n} for g, n in geos.items()],
            "values": values,
        }
    }


@dataclass
class Failure:
    """An answer to give instead of the real one, ``times`` times."""

    path_contains: str
    status: int
    body: str
    content_type: str
    headers: dict[str, str]
    times: int


class FakeEsios(LoopbackServer):
    """The fake service: prices per day, publication by time, failures, counters."""

    def __init__(self, *, token: str = TOKEN) -> None:
        """Serve generated prices; the indicator API accepts ``token``."""
        super().__init__()
        self.token = token
        self.prices: dict[date, list[float]] = {}
        self.published_at = PUBLISHED_AT
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.failures: list[Failure] = []
        self.delay_s = 0.0
        self.app.router.add_get("/archives/70/download_json", self._archive)
        self.app.router.add_get("/indicators/{indicator}", self._indicator)

    # --- control ---------------------------------------------------------------

    def day_prices(self, day: date) -> list[float]:
        """Return the PVPC of ``day`` in EUR/MWh (set or generated)."""
        return self.prices.get(day) or generated_mwh(day)

    def is_published(self, day: date) -> bool:
        """Return True once ``day``'s prices are out (at the fake's own clock)."""
        evening = datetime.combine(day - timedelta(days=1), self.published_at)
        published = evening.replace(tzinfo=PENINSULAR_TZ).astimezone(UTC)
        return datetime.fromtimestamp(wall_time.time(), UTC) >= published

    def fail(
        self,
        status: int,
        body: str = "",
        *,
        path_contains: str = "",
        content_type: str = "text/html",
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching requests with this instead."""
        self.failures.append(
            Failure(path_contains, status, body, content_type, headers or {}, times)
        )

    def count(self, path_contains: str = "") -> int:
        """Return how many requests matched ``path_contains``."""
        return sum(1 for path, _ in self.requests if path_contains in path)

    # --- protocol --------------------------------------------------------------

    async def _injected(self, request: web.Request) -> web.Response | None:
        self.requests.append((request.path, dict(request.query)))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        for failure in self.failures:
            if failure.path_contains in request.path and failure.times > 0:
                failure.times -= 1
                return web.Response(
                    status=failure.status,
                    text=failure.body,
                    content_type=failure.content_type,
                    headers=failure.headers,
                )
        return None

    async def _archive(self, request: web.Request) -> web.Response:
        if (injected := await self._injected(request)) is not None:
            return injected
        try:
            day = date.fromisoformat(request.query.get("date", ""))
        except ValueError:
            return web.json_response({"message": "bad date"}, status=400)
        if not self.is_published(day):
            return web.json_response(NOT_PUBLISHED)
        return web.json_response(archive_payload(day, self.day_prices(day)))

    async def _indicator(self, request: web.Request) -> web.Response:
        if (injected := await self._injected(request)) is not None:
            return injected
        if request.headers.get("x-api-key") != self.token:
            return web.json_response(
                {"message": "HTTP Token: Access denied."}, status=401
            )
        indicator = int(request.match_info["indicator"])
        day = date.fromisoformat(request.query.get("start_date", "")[:10])
        prices = self.day_prices(day) if self.is_published(day) else []
        if indicator == 1739:
            return web.json_response(
                indicator_payload(indicator, day, export_mwh(prices), SPAIN)
            )
        return web.json_response(indicator_payload(indicator, day, prices, GEOS))


# --- fixtures and the demo -----------------------------------------------------------

# The fixtures' normal day: hand-picked prices, so that tests can check by hand.
FIXTURE_DAY = date(2026, 1, 12)
FIXTURE_DAY_MWH = [
    120.50, 110.25, 98.40, 95.10, 94.00, 99.80, 115.30, 140.75,
    160.20, 150.60, 135.40, 120.10, 105.55, 98.25, 96.80, 104.30,
    125.90, 155.45, 180.30, 190.10, 175.60, 160.40, 145.25, 130.00,
]  # fmt: skip
FIXTURE_DAYS = (FIXTURE_DAY, date(2026, 1, 6), date(2026, 3, 29), date(2026, 10, 25))


def fixture_prices(day: date) -> list[float]:
    """Return the prices the fixture of ``day`` holds."""
    return FIXTURE_DAY_MWH if day == FIXTURE_DAY else generated_mwh(day)


def write_fixtures(folder: Path) -> None:
    """Write the archive and indicator payloads of the fixture days."""
    folder.mkdir(parents=True, exist_ok=True)
    for day in FIXTURE_DAYS:
        prices = fixture_prices(day)
        files = {
            f"archive_{day}.json": archive_payload(day, prices),
            f"indicator_1001_{day}.json": indicator_payload(1001, day, prices, GEOS),
            f"indicator_1739_{day}.json": indicator_payload(
                1739, day, export_mwh(prices), SPAIN
            ),
        }
        for name, payload in files.items():
            text = json.dumps(payload, indent=1, ensure_ascii=False) + "\n"
            (folder / name).write_text(text, encoding="utf-8")


async def _serve(port: int) -> None:
    esios = FakeEsios()
    url = await esios.start(port)
    print(f"fake ESIOS at {url} (token {esios.token})", flush=True)  # noqa: T201
    await asyncio.Event().wait()


def main() -> None:
    """Serve the demo's fake ESIOS until interrupted, or write the fixtures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--write-fixtures", type=Path, metavar="DIR")
    args = parser.parse_args()
    if args.write_fixtures:
        write_fixtures(args.write_fixtures)
        return
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port))


if __name__ == "__main__":
    main()
