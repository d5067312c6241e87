"""The ESIOS client: both payload shapes, DST days, zones, bad input and faults."""

from __future__ import annotations

from collections.abc import AsyncGenerator
import copy
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from custom_components.utility_cost.api.esios import (
    EsiosAuthenticationError,
    EsiosBadResponseError,
    EsiosClient,
    EsiosConnectionError,
    EsiosNotPublishedError,
    EsiosRateLimitedError,
    archive_hours,
    parse_archive,
    parse_indicator,
)
from custom_components.utility_cost.domain.pvpc import PENINSULAR_TZ, Zone, toll_period
from tests.fakes.esios import (
    FIXTURE_DAY,
    FIXTURE_DAY_MWH,
    TOKEN,
    FakeEsios,
    export_mwh,
    fixture_prices,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")

FIXTURES = Path(__file__).parent.parent / "fixtures" / "esios"
SPRING = date(2026, 3, 29)  # 23 hours in Spain
AUTUMN = date(2026, 10, 25)  # 25 hours in Spain
FUTURE = date(2099, 1, 1)  # never published while these tests run


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def madrid_midnight_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=PENINSULAR_TZ).astimezone(UTC)


# --- parsing -------------------------------------------------------------------------


def test_archive_normal_day() -> None:
    intervals = parse_archive(
        fixture("archive_2026-01-12.json"), FIXTURE_DAY, Zone.PENINSULA
    )
    assert len(intervals) == 24
    first = intervals[0]
    assert first.start == datetime(2026, 1, 11, 23, tzinfo=UTC)
    assert first.end == datetime(2026, 1, 12, 0, tzinfo=UTC)
    assert first.price == 0.1205  # 120,50 EUR/MWh
    assert [i.price for i in intervals] == [round(p / 1000, 6) for p in FIXTURE_DAY_MWH]
    # Consecutive hours, no gap.
    assert all(a.end == b.start for a, b in pairwise(intervals))


def test_indicator_gives_the_same_prices_as_the_archive() -> None:
    from_api = parse_indicator(
        fixture("indicator_1001_2026-01-12.json"), FIXTURE_DAY, Zone.PENINSULA, (8741,)
    )
    from_archive = parse_archive(
        fixture("archive_2026-01-12.json"), FIXTURE_DAY, Zone.PENINSULA
    )
    assert from_api == from_archive


@pytest.mark.parametrize(("day", "hours"), [(SPRING, 23), (AUTUMN, 25)])
def test_dst_days(day: date, hours: int) -> None:
    expected = [round(p / 1000, 6) for p in fixture_prices(day)]
    for intervals in (
        parse_archive(fixture(f"archive_{day}.json"), day, Zone.PENINSULA),
        parse_indicator(
            fixture(f"indicator_1001_{day}.json"), day, Zone.PENINSULA, (8741,)
        ),
    ):
        assert len(intervals) == hours
        assert [i.price for i in intervals] == expected
        assert intervals[0].start == madrid_midnight_utc(day)
        # Every interval lasts an hour of real time: the day spans 23 or 25 hours.
        assert intervals[-1].end - intervals[0].start == timedelta(hours=hours)


def test_spring_day_archive_labelled_by_the_wall_clock() -> None:
    """REE skips ``02-03`` on the 23-hour day; sequential labels are read too."""
    payload = fixture(f"archive_{SPRING}.json")
    labels = [row["Hora"] for row in payload["PVPC"]]
    assert labels[:3] == ["00-01", "01-02", "03-04"]
    assert labels[-1] == "23-24"
    intervals = parse_archive(payload, SPRING, Zone.PENINSULA)
    # 03-04 on the wall clock is the third hour from midnight: 02:00 CEST.
    assert intervals[2].start == madrid_midnight_utc(SPRING) + timedelta(hours=2)
    sequential = copy.deepcopy(payload)
    for index, row in enumerate(sequential["PVPC"]):
        row["Hora"] = f"{index:02d}-{index + 1:02d}"
    assert parse_archive(sequential, SPRING, Zone.PENINSULA) == intervals
    # A row missing is still refused, in either labelling.
    short = copy.deepcopy(payload)
    short["PVPC"].pop(10)
    with pytest.raises(EsiosBadResponseError, match="22 values where 23"):
        parse_archive(short, SPRING, Zone.PENINSULA)


@pytest.mark.parametrize(
    ("labels", "hours", "expected"),
    [
        ([0, 1, *range(3, 24)], 23, list(range(23))),
        (list(range(23)), 23, list(range(23))),
        (list(range(25)), 25, list(range(25))),
        (list(range(24)), 24, list(range(24))),
        ([0, 1, 3, 23], 23, [0, 1, 2, 22]),  # incomplete: refused by the count
    ],
)
def test_archive_hours(labels: list[int], hours: int, expected: list[int]) -> None:
    assert archive_hours(labels, hours) == expected


def test_export_on_the_long_day_uses_the_local_time_not_datetime_utc() -> None:
    payload = fixture(f"indicator_1739_{AUTUMN}.json")
    # The repeated 02:00 states the first 02:00's datetime_utc, as ESIOS has done.
    values = payload["indicator"]["values"]
    assert values[2]["datetime_utc"] == values[3]["datetime_utc"]
    intervals = parse_indicator(payload, AUTUMN, Zone.PENINSULA, (8741, 3))
    assert len(intervals) == 25
    assert intervals[3].start == datetime(2026, 10, 25, 1, tzinfo=UTC)
    assert [i.price for i in intervals] == [
        round(p / 1000, 6) for p in export_mwh(fixture_prices(AUTUMN))
    ]


def test_zones() -> None:
    payload = fixture("indicator_1001_2026-01-12.json")
    ceuta = parse_indicator(payload, FIXTURE_DAY, Zone.CEUTA, (8744,))
    assert ceuta[0].price == pytest.approx(0.1155)  # the CYM zones' own prices
    archive = parse_archive(
        fixture("archive_2026-01-12.json"), FIXTURE_DAY, Zone.MELILLA
    )
    assert archive[0].price == pytest.approx(0.1155)
    # The Canaries pay the peninsular hour's price at the same hour of their clock.
    canary = parse_archive(
        fixture("archive_2026-01-12.json"), FIXTURE_DAY, Zone.CANARIAS
    )
    assert canary[0].start == datetime(2026, 1, 12, 0, tzinfo=UTC)
    assert canary[0].price == 0.1205
    canary_api = parse_indicator(payload, FIXTURE_DAY, Zone.CANARIAS, (8742,))
    assert canary_api == canary


def test_quarter_hour_values() -> None:
    midnight = madrid_midnight_utc(FIXTURE_DAY)
    values = [
        {
            "value": 100 + index,
            "datetime": (midnight + timedelta(minutes=15 * index)).isoformat(),
            "geo_id": 8741,
        }
        for index in range(96)
    ]
    intervals = parse_indicator(
        {"indicator": {"values": values}}, FIXTURE_DAY, Zone.PENINSULA, (8741,)
    )
    assert len(intervals) == 96
    assert intervals[1].start - intervals[0].start == timedelta(minutes=15)
    assert intervals[95].price == 0.195


def test_decimal_comma_with_thousands() -> None:
    payload = fixture("archive_2026-01-12.json")
    payload["PVPC"][0]["PCB"] = "1.234,56"
    assert parse_archive(payload, FIXTURE_DAY, Zone.PENINSULA)[0].price == 1.23456


# --- bad payloads: a day is taken whole or not at all --------------------------------


def _archive(mutate: Any) -> Any:
    payload = copy.deepcopy(fixture("archive_2026-01-12.json"))
    mutate(payload["PVPC"])
    return payload


def _indicator(mutate: Any) -> Any:
    payload = copy.deepcopy(fixture("indicator_1001_2026-01-12.json"))
    mutate(payload["indicator"]["values"])
    return payload


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (_archive(lambda rows: rows.pop(5)), "23 values where 24"),
        (_archive(lambda rows: rows.append(dict(rows[3]))), "given twice"),
        (_archive(lambda rows: rows[4].update(PCB="n/d")), "not a number"),
        (_archive(lambda rows: rows[4].update(PCB="nan")), "not finite"),
        (_archive(lambda rows: rows[4].pop("PCB")), "no PCB column"),
        (_archive(lambda rows: rows[4].update(Dia="13/01/2026")), "not of 2026-01-12"),
        (_archive(lambda rows: rows[4].update(Hora="xx")), "without an hour"),
        (_archive(lambda rows: rows.__setitem__(0, "row")), "not an object"),
        ({"PVPC": "rows"}, "not a list"),
        ({"message": "Internal error"}, "no prices in the archive"),
        ([], "not an object"),
    ],
)
def test_bad_archives(payload: Any, match: str) -> None:
    with pytest.raises(EsiosBadResponseError, match=match):
        parse_archive(payload, FIXTURE_DAY, Zone.PENINSULA)


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (
            _indicator(lambda v: v.__delitem__(slice(0, 5))),
            "23 values where 24",
        ),
        (_indicator(lambda v: v.append(dict(v[0]))), "given twice"),
        (_indicator(lambda v: v[0].update(value="high")), "not a number"),
        (_indicator(lambda v: v[0].update(value=True)), "not a number"),
        (_indicator(lambda v: v[0].update(value=float("inf"))), "not finite"),
        (_indicator(lambda v: v[0].update(datetime="yesterday")), "without a time"),
        (
            _indicator(lambda v: v[0].update(datetime="2026-01-12T00:00:00")),
            "without an offset",
        ),
        (
            _indicator(lambda v: v[0].update(datetime="2026-01-12T00:30:00+01:00")),
            "off the grid",
        ),
        (
            _indicator(lambda v: v[0].update(datetime="2026-01-11T23:00:00+01:00")),
            "off the grid",
        ),
        (
            _indicator(lambda v: [x.update(geo_id=3) for x in v]),
            "no values for peninsula",
        ),
        (_indicator(lambda v: v.__setitem__(0, 1)), "not an object"),
        ({"indicator": {}}, "no list of values"),
        ({"values": []}, "no list of values"),
    ],
)
def test_bad_indicators(payload: Any, match: str) -> None:
    with pytest.raises(EsiosBadResponseError, match=match):
        parse_indicator(payload, FIXTURE_DAY, Zone.PENINSULA, (8741,))


def test_not_published_yet() -> None:
    with pytest.raises(EsiosNotPublishedError):
        parse_archive(
            {"message": "No values for specified archive"}, FUTURE, Zone.PENINSULA
        )
    with pytest.raises(EsiosNotPublishedError):
        parse_archive({"PVPC": []}, FUTURE, Zone.PENINSULA)
    with pytest.raises(EsiosNotPublishedError):
        parse_indicator({"indicator": {"values": []}}, FUTURE, Zone.PENINSULA, (8741,))


# --- the client against the fake service ---------------------------------------------


@pytest.fixture
async def esios() -> AsyncGenerator[FakeEsios]:
    fake = FakeEsios()
    await fake.start()
    yield fake
    await fake.stop()


def client(
    session: aiohttp.ClientSession,
    esios: FakeEsios,
    token: str | None = None,
    zone: Zone = Zone.PENINSULA,
    timeout: float = 5.0,
) -> EsiosClient:
    return EsiosClient(
        session,
        zone,
        token=token,
        base_url=esios.base_url + "/",
        request_timeout=timeout,
    )


async def test_public_archive(session: aiohttp.ClientSession, esios: FakeEsios) -> None:
    esios.prices[FIXTURE_DAY] = FIXTURE_DAY_MWH
    public = client(session, esios)
    assert not public.has_token
    intervals = await public.prices(FIXTURE_DAY)
    assert intervals[0].price == 0.1205
    path, query = esios.requests[-1]
    assert path == "/archives/70/download_json"
    assert query == {"locale": "es", "date": "2026-01-12"}
    with pytest.raises(EsiosAuthenticationError, match="needs a token"):
        await public.export_prices(FIXTURE_DAY)


async def test_token_api(session: aiohttp.ClientSession, esios: FakeEsios) -> None:
    esios.prices[FIXTURE_DAY] = FIXTURE_DAY_MWH
    api = client(session, esios, TOKEN, Zone.BALEARES)
    assert api.has_token
    intervals = await api.prices(FIXTURE_DAY)
    assert intervals[0].price == 0.1205
    path, query = esios.requests[-1]
    assert path == "/indicators/1001"
    assert query == {"start_date": "2026-01-12T00:00", "end_date": "2026-01-12T23:59"}
    export = await api.export_prices(FIXTURE_DAY)
    assert export[0].price == round(export_mwh([120.50])[0] / 1000, 6)
    assert esios.requests[-1][0] == "/indicators/1739"


async def test_not_published(session: aiohttp.ClientSession, esios: FakeEsios) -> None:
    with pytest.raises(EsiosNotPublishedError):
        await client(session, esios).prices(FUTURE)
    with pytest.raises(EsiosNotPublishedError):
        await client(session, esios, TOKEN).prices(FUTURE)


async def test_refused_token(session: aiohttp.ClientSession, esios: FakeEsios) -> None:
    with pytest.raises(EsiosAuthenticationError, match="401"):
        await client(session, esios, "wrong").prices(FIXTURE_DAY)
    esios.fail(403, "<html>Forbidden</html>")
    with pytest.raises(EsiosAuthenticationError, match="403"):
        await client(session, esios, TOKEN).prices(FIXTURE_DAY)


@pytest.mark.parametrize("token", ["tok\nen", "tokén", "Ā"])
async def test_a_token_that_cannot_be_sent_is_refused_unsent(
    session: aiohttp.ClientSession, esios: FakeEsios, token: str
) -> None:
    """A newline or a non-ASCII character: a refused token, and no request."""
    with pytest.raises(EsiosAuthenticationError, match="characters"):
        await client(session, esios, token).prices(FIXTURE_DAY)
    assert esios.requests == []


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error", "match"),
    [
        (403, "<html>Forbidden</html>", "text/html", EsiosBadResponseError, "403"),
        (404, "", "text/plain", EsiosBadResponseError, "404"),
        (500, "", "text/plain", EsiosConnectionError, "500"),
        (503, "<html>busy</html>", "text/html", EsiosConnectionError, "503"),
        (
            200,
            "<!DOCTYPE html><html>maintenance</html>",
            "text/html",
            EsiosBadResponseError,
            "web page",
        ),
        (200, "{not json", "application/json", EsiosBadResponseError, "not JSON"),
    ],
)
async def test_http_faults(
    session: aiohttp.ClientSession,
    esios: FakeEsios,
    status: int,
    body: str,
    content_type: str,
    error: type[Exception],
    match: str,
) -> None:
    esios.fail(status, body, content_type=content_type)
    with pytest.raises(error, match=match):
        await client(session, esios).prices(FIXTURE_DAY)


async def test_rate_limited(session: aiohttp.ClientSession, esios: FakeEsios) -> None:
    esios.fail(429, "slow down", headers={"Retry-After": "120"})
    with pytest.raises(EsiosRateLimitedError) as caught:
        await client(session, esios).prices(FIXTURE_DAY)
    assert caught.value.retry_after == 120.0
    esios.fail(
        429, "slow down", headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}
    )
    with pytest.raises(EsiosRateLimitedError) as caught:
        await client(session, esios).prices(FIXTURE_DAY)
    assert caught.value.retry_after is None


async def test_timeout(session: aiohttp.ClientSession, esios: FakeEsios) -> None:
    esios.delay_s = 0.5
    with pytest.raises(EsiosConnectionError, match="timed out"):
        await client(session, esios, timeout=0.1).prices(FIXTURE_DAY)


async def test_unreachable(session: aiohttp.ClientSession) -> None:
    unreachable = EsiosClient(
        session, Zone.PENINSULA, base_url="http://127.0.0.1:9", request_timeout=2
    )
    with pytest.raises(EsiosConnectionError):
        await unreachable.prices(FIXTURE_DAY)


async def test_the_token_never_appears_in_errors(
    session: aiohttp.ClientSession, esios: FakeEsios
) -> None:
    secret = "secret-token-value"
    for status in (401, 429, 500, 404):
        esios.fail(status, f"echo {secret}", content_type="text/plain")
        with pytest.raises(Exception) as caught:  # noqa: PT011 - any error
            await client(session, esios, secret).prices(FIXTURE_DAY)
        assert secret not in str(caught.value)


@pytest.mark.parametrize("day", [FIXTURE_DAY, date(2026, 1, 6), SPRING, AUTUMN])
def test_export_fixtures(day: date) -> None:
    intervals = parse_indicator(
        fixture(f"indicator_1739_{day}.json"), day, Zone.PENINSULA, (8741, 3)
    )
    assert [i.price for i in intervals] == [
        round(p / 1000, 6) for p in export_mwh(fixture_prices(day))
    ]


def test_a_holiday_is_off_peak_all_day() -> None:
    """Epiphany (Tuesday 6 January 2026) against an ordinary Monday."""
    holiday = date(2026, 1, 6)
    for intervals in (
        parse_archive(fixture(f"archive_{holiday}.json"), holiday, Zone.PENINSULA),
        parse_indicator(
            fixture(f"indicator_1001_{holiday}.json"), holiday, Zone.PENINSULA, (8741,)
        ),
    ):
        assert {toll_period(i.start, Zone.PENINSULA) for i in intervals} == {"P3"}
    monday = parse_archive(
        fixture("archive_2026-01-12.json"), FIXTURE_DAY, Zone.PENINSULA
    )
    periods = [toll_period(i.start, Zone.PENINSULA) for i in monday]
    assert periods.count("P3") == 8
    assert periods.count("P2") == 8
    assert periods.count("P1") == 8
