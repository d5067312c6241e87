"""The Octopus client against the fake API: shapes, pages and faults."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from custom_components.utility_cost.api.octopus import (
    DAY_UNIT_RATES,
    ELECTRICITY,
    GAS,
    STANDARD_UNIT_RATES,
    OctopusAuthenticationError,
    OctopusBadResponseError,
    OctopusClient,
    OctopusConnectionError,
    OctopusNotFoundError,
    OctopusRateLimitedError,
    parse_account,
    parse_consumption,
    parse_rates,
)
from custom_components.utility_cost.domain.octopus import Agreement, RateRow
from tests.fakes.octopus import (
    ACCOUNT,
    AGILE,
    AGILE_FROM,
    AGILE_PRODUCT,
    API_KEY,
    ECONOMY7,
    EXPORT_MPAN,
    GAS_MPRN,
    GAS_SERIAL,
    IMPORT_MPAN,
    IMPORT_SERIAL,
    VARIABLE_PRODUCT,
    FakeOctopus,
    account_payload,
    agile_pence,
    consumption_kwh,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")

DAY = datetime(2026, 1, 11, tzinfo=UTC)


@pytest.fixture
async def octopus() -> AsyncGenerator[FakeOctopus]:
    fake = FakeOctopus()
    await fake.start()
    yield fake
    await fake.stop()


def client(
    session: aiohttp.ClientSession,
    octopus: FakeOctopus,
    *,
    key: str = API_KEY,
    timeout: float = 5.0,
) -> OctopusClient:
    return OctopusClient(
        session, key, base_url=octopus.api_url + "/", request_timeout=timeout
    )


async def test_account_meter_points(
    session: aiohttp.ClientSession, octopus: FakeOctopus
) -> None:
    """Points of the property lived in; the moved-out one is left out."""
    account = await client(session, octopus).account(ACCOUNT)
    assert account.number == ACCOUNT
    points = {(p.fuel, p.point): p for p in account.meter_points}
    assert set(points) == {
        (ELECTRICITY, IMPORT_MPAN),
        (ELECTRICITY, EXPORT_MPAN),
        (GAS, GAS_MPRN),
    }
    imported = points[(ELECTRICITY, IMPORT_MPAN)]
    assert not imported.is_export
    assert imported.serials == (IMPORT_SERIAL,)
    assert imported.agreements == (
        Agreement(ECONOMY7, datetime(2023, 6, 30, 23, tzinfo=UTC), AGILE_FROM),
        Agreement(AGILE, AGILE_FROM, None),
    )
    assert points[(ELECTRICITY, EXPORT_MPAN)].is_export
    assert octopus.requests[0] == (f"/v1/accounts/{ACCOUNT}/", {})


async def test_agile_rates_in_pages(
    session: aiohttp.ClientSession, octopus: FakeOctopus
) -> None:
    """Two days of half-hours, in pages followed on the client's own address."""
    rows = await client(session, octopus).rates(
        AGILE_PRODUCT,
        AGILE,
        fuel=ELECTRICITY,
        kind=STANDARD_UNIT_RATES,
        period_from=DAY,
        period_to=DAY + timedelta(days=2),
    )
    assert len(rows) == 96
    newest = rows[0]
    assert newest.valid_from == DAY + timedelta(days=2) - timedelta(minutes=30)
    assert newest.value_exc_vat == agile_pence(newest.valid_from)
    assert newest.payment_method is None
    assert len(octopus.requests) == 1  # 96 rows fit the 1,500-row page


async def test_fixed_rates_by_payment_method(
    session: aiohttp.ClientSession, octopus: FakeOctopus
) -> None:
    rows = await client(session, octopus).rates(
        VARIABLE_PRODUCT,
        ECONOMY7,
        fuel=ELECTRICITY,
        kind=DAY_UNIT_RATES,
        period_from=DAY,
        period_to=DAY + timedelta(days=1),
    )
    assert {(r.payment_method, r.value_exc_vat, r.valid_to) for r in rows} == {
        ("DIRECT_DEBIT", 30.0, None),
        ("NON_DIRECT_DEBIT", 32.0, None),
    }


@pytest.mark.parametrize(("page_size", "requests"), [(25_000, 1), (100, 10)])
async def test_consumption_pages(
    session: aiohttp.ClientSession,
    octopus: FakeOctopus,
    page_size: int,
    requests: int,
) -> None:
    """20 days of half-hours; the extra row the API adds before the range is cut."""
    start = DAY - timedelta(days=19)
    rows = await client(session, octopus).consumption(
        ELECTRICITY,
        IMPORT_MPAN,
        IMPORT_SERIAL,
        start,
        DAY + timedelta(days=1),
        page_size=page_size,
    )
    assert len(rows) == 20 * 48
    assert rows[0].start == start
    assert rows[0].quantity == consumption_kwh(start, "import")
    assert len(octopus.requests) == requests
    assert octopus.requests[0][1]["order_by"] == "period"
    assert octopus.requests[0][1]["period_from"] == "2025-12-23T00:00:00Z"


async def test_consumption_not_there_yet(
    session: aiohttp.ClientSession, octopus: FakeOctopus
) -> None:
    """Consumption arrives the next day: asking for today gives nothing yet."""
    rows = await client(session, octopus).consumption(
        GAS, GAS_MPRN, GAS_SERIAL, octopus.data_until, octopus.data_until + timedelta(1)
    )
    assert rows == []


async def test_wrong_key(session: aiohttp.ClientSession, octopus: FakeOctopus) -> None:
    with pytest.raises(OctopusAuthenticationError):
        await client(session, octopus, key="sk_live_wrong").account(ACCOUNT)


@pytest.mark.parametrize("key", ["sk_live_é", "Ā", "sk:live", "sk_live\n", ""])
async def test_a_key_that_cannot_be_sent_is_refused_unsent(
    session: aiohttp.ClientSession, octopus: FakeOctopus, key: str
) -> None:
    """No Octopus key has such characters: refused as a wrong key, without a request.

    (An empty key is sent, and Octopus refuses it.)
    """
    api = client(session, octopus, key=key)
    with pytest.raises(OctopusAuthenticationError):
        await api.account(ACCOUNT)
    assert api.requests_made == (1 if key == "" else 0)


async def test_unknown_account_or_meter(
    session: aiohttp.ClientSession, octopus: FakeOctopus
) -> None:
    with pytest.raises(OctopusNotFoundError):
        await client(session, octopus).account("A-00000000")
    with pytest.raises(OctopusNotFoundError):
        await client(session, octopus).consumption(
            ELECTRICITY, "999", "X", DAY, DAY + timedelta(days=1)
        )


@pytest.mark.parametrize(
    ("status", "body", "error", "match"),
    [
        (
            429,
            '{"detail": "Request was throttled."}',
            OctopusRateLimitedError,
            "too many requests",
        ),
        (200, "Too many requests", OctopusRateLimitedError, "too many requests"),
        (503, "", OctopusConnectionError, "HTTP 503"),
        (403, "", OctopusAuthenticationError, "HTTP 403"),
        (400, "{}", OctopusBadResponseError, "HTTP 400"),
        (200, "<html>maintenance</html>", OctopusBadResponseError, "not JSON"),
        (200, "[]", OctopusBadResponseError, "not an object"),
    ],
)
async def test_faults(
    session: aiohttp.ClientSession,
    octopus: FakeOctopus,
    status: int,
    body: str,
    error: type[Exception],
    match: str,
) -> None:
    octopus.fail(status, body)
    with pytest.raises(error, match=match):
        await client(session, octopus).account(ACCOUNT)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), ("Wed, 21 Oct 2026 07:28:00 GMT", None), (None, None)],
)
async def test_retry_after(
    session: aiohttp.ClientSession,
    octopus: FakeOctopus,
    header: str | None,
    seconds: float | None,
) -> None:
    octopus.fail(429, headers={} if header is None else {"Retry-After": header})
    with pytest.raises(OctopusRateLimitedError) as caught:
        await client(session, octopus).account(ACCOUNT)
    assert caught.value.retry_after == seconds


async def test_endless_or_broken_pages(
    session: aiohttp.ClientSession, octopus: FakeOctopus
) -> None:
    """A next link that is not a link, or pages without end, are bad answers."""
    octopus.fail(200, '{"results": [], "next": 5}')
    with pytest.raises(OctopusBadResponseError, match="next is not a link"):
        await client(session, octopus).consumption(
            GAS, GAS_MPRN, GAS_SERIAL, DAY, DAY + timedelta(days=1)
        )
    octopus.fail(
        200,
        '{"results": [], "next": "https://api.octopus.energy/v1/x/?page=2"}',
        times=10_000,
    )
    with pytest.raises(OctopusBadResponseError, match="more than 1000 pages"):
        await client(session, octopus).consumption(
            GAS, GAS_MPRN, GAS_SERIAL, DAY, DAY + timedelta(days=1)
        )


async def test_timeout(session: aiohttp.ClientSession, octopus: FakeOctopus) -> None:
    octopus.delay_s = 1.0
    with pytest.raises(OctopusConnectionError, match="timed out"):
        await client(session, octopus, timeout=0.1).account(ACCOUNT)


async def test_unreachable(session: aiohttp.ClientSession) -> None:
    unreachable = OctopusClient(session, API_KEY, base_url="http://127.0.0.1:9")
    with pytest.raises(OctopusConnectionError):
        await unreachable.account(ACCOUNT)


def test_malformed_account() -> None:
    payload = account_payload()
    payload["properties"][1]["electricity_meter_points"][0]["agreements"][0][
        "valid_from"
    ] = "yesterday"
    with pytest.raises(OctopusBadResponseError, match="valid_from is not a time"):
        parse_account(payload, ACCOUNT)
    payload = account_payload()
    del payload["properties"][1]["gas_meter_points"][0]["mprn"]
    with pytest.raises(OctopusBadResponseError, match="no mprn"):
        parse_account(payload, ACCOUNT)
    with pytest.raises(OctopusBadResponseError, match="properties is not a list"):
        parse_account({"properties": {}}, ACCOUNT)
    payload = account_payload()
    payload["properties"][1]["gas_meter_points"][0]["agreements"][0]["valid_from"] = (
        20260101
    )
    with pytest.raises(OctopusBadResponseError, match="valid_from is not a time"):
        parse_account(payload, ACCOUNT)


@pytest.mark.parametrize(
    ("row", "match"),
    [
        (
            {"value_exc_vat": "1", "value_inc_vat": 1.05},
            "value_exc_vat is not a number",
        ),
        ({"value_exc_vat": 1, "value_inc_vat": float("nan")}, "not finite"),
        (
            {"value_exc_vat": 1, "value_inc_vat": 1.05, "valid_from": "2026-01-01"},
            "no UTC offset",
        ),
    ],
)
def test_malformed_rates(row: dict[str, object], match: str) -> None:
    with pytest.raises(OctopusBadResponseError, match=match):
        parse_rates([{"valid_from": "2026-01-01T00:00:00Z", **row}])


def test_rates_parse() -> None:
    assert parse_rates(
        [
            {
                "value_exc_vat": 20,
                "value_inc_vat": 21,
                "valid_from": "2026-01-01T00:00:00+00:00",
                "valid_to": "2026-01-01T00:30:00Z",
                "payment_method": 3,
            }
        ]
    ) == [
        RateRow(
            20.0,
            21.0,
            datetime(2026, 1, 1, tzinfo=UTC),
            datetime(2026, 1, 1, 0, 30, tzinfo=UTC),
            None,
        )
    ]


@pytest.mark.parametrize(
    ("row", "match"),
    [
        (
            {"interval_end": "2026-01-01T00:00:00Z", "consumption": 1},
            "ends before it starts",
        ),
        ({"interval_end": "2026-01-01T00:30:00Z", "consumption": -1}, "negative"),
        ({"interval_end": "2026-01-01T00:30:00Z", "consumption": None}, "not a number"),
    ],
)
def test_malformed_consumption(row: dict[str, object], match: str) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(OctopusBadResponseError, match=match):
        parse_consumption(
            [{"interval_start": "2026-01-01T00:00:00Z", **row}],
            start,
            start + timedelta(days=1),
        )
