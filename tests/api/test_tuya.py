"""The Tuya OpenAPI client, against the reference signing and the fake cloud."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime, timedelta
import time
from typing import Any

import aiohttp
from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
import pytest
from tuya_connector import TuyaOpenAPI, TuyaTokenInfo

from custom_components.utility_cost.api.tuya import (
    DATA_CENTERS,
    TuyaApiError,
    TuyaApiNotSubscribedError,
    TuyaAuthenticationError,
    TuyaBadResponseError,
    TuyaBusyError,
    TuyaClient,
    TuyaConnectionError,
    TuyaDeviceCapError,
    TuyaDeviceOfflineError,
    TuyaPlanExpiredError,
    TuyaQuotaExhaustedError,
    TuyaRateLimitedError,
    TuyaSpecification,
)
from tests.fakes.tuya_cloud import (
    ACCESS_ID,
    ACCESS_SECRET,
    WRONG_SCALE_PRODUCT,
    FakeTuyaCloud,
    simulated_socket,
)
from tests.fakes.tuya_plugs import Appliance, Block

# Loopback servers need sockets, which Home Assistant's test plugin disables.
pytestmark = pytest.mark.usefixtures("socket_enabled")

PROTOCOL_HEADERS = ("client_id", "sign", "sign_method", "access_token", "t", "lang")


def client(
    session: aiohttp.ClientSession, cloud: FakeTuyaCloud, **kwargs: Any
) -> TuyaClient:
    return TuyaClient(session, ACCESS_ID, ACCESS_SECRET, cloud.base_url, **kwargs)


# --- signing, against tuya-connector-python ------------------------------------------


class _Recorder:
    """A transport for the reference client: records what it would send."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        self.sent.append({"method": method, "url": url, **kwargs})

        class Response:
            ok = True

            @staticmethod
            def json() -> dict[str, Any]:
                return {"success": True, "result": {}, "t": 0}

        return Response()


@pytest.fixture
async def header_server() -> AsyncGenerator[tuple[str, list[dict[str, str]]]]:
    """A server that records the headers it receives and answers success."""
    received: list[dict[str, str]] = []

    async def handle(request: web.Request) -> web.Response:
        received.append(dict(request.headers))
        if request.path == "/v1.0/token":
            result: Any = {
                "access_token": "token-123",
                "refresh_token": "refresh-456",
                "uid": "uid",
                "expire_time": 7200,
            }
        else:
            result = True
        return web.json_response(
            {"success": True, "result": result, "t": int(time.time() * 1000)}
        )

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", received
    await runner.cleanup()


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        ("GET", "/v1.0/token", {"grant_type": 1}, None),
        (
            "GET",
            "/v1.0/iot-03/devices/status",
            {"device_ids": "b1,a2", "codes": "switch_1"},
            None,
        ),
        (
            "POST",
            "/v1.0/iot-03/devices/abc/commands",
            None,
            {"commands": [{"code": "switch_1", "value": True}]},
        ),
    ],
)
async def test_signature_and_headers_match_the_reference(
    session: aiohttp.ClientSession,
    header_server: tuple[str, list[dict[str, str]]],
    freezer: FrozenDateTimeFactory,
    method: str,
    path: str,
    params: dict[str, Any] | None,
    body: dict[str, Any] | None,
) -> None:
    """The same request, signed by tuya-connector-python and by this client."""
    url, received = header_server
    freezer.move_to("2026-03-01T12:00:00+00:00")
    reference = TuyaOpenAPI(url, ACCESS_ID, ACCESS_SECRET)
    recorder = _Recorder()
    reference.session = recorder  # type: ignore[assignment]
    ours = TuyaClient(session, ACCESS_ID, ACCESS_SECRET, url)
    token_request = path == "/v1.0/token"
    if token_request:
        reference.get(path, params)
        await ours._fetch_token(path, params)
    else:
        # Both hold the same token; the token request comes first for ours.
        await ours.request("GET", "/v1.0/noop")
        reference.token_info = TuyaTokenInfo(
            {
                "t": int(freezer.time_to_freeze.timestamp() * 1000),  # type: ignore[attr-defined]
                "result": {
                    "access_token": "token-123",
                    "refresh_token": "refresh-456",
                    "expire_time": 7200,
                },
            }
        )
        if method == "GET":
            reference.get(path, params)
        else:
            reference.post(path, body)
        received.clear()
        await ours.request(method, path, params, body)
    theirs = recorder.sent[-1]["headers"]
    mine = received[-1]
    assert {key: mine[key] for key in PROTOCOL_HEADERS} == {
        key: theirs[key] for key in PROTOCOL_HEADERS
    }
    assert mine["access_token"] == ("" if token_request else "token-123")


# --- tokens ------------------------------------------------------------------------


async def test_token_is_obtained_once_and_reused(
    session: aiohttp.ClientSession, fake_tuya: FakeTuyaCloud
) -> None:
    calls: list[tuple[str, str]] = []
    tuya = client(session, fake_tuya, on_request=lambda m, p: calls.append((m, p)))
    await asyncio.gather(*(tuya.devices() for _ in range(5)))
    assert fake_tuya.count("/v1.0/token") == 1
    assert tuya.uid == "bay1700000000000fake"
    # The hook saw every request the cloud received, the token request included.
    assert calls == fake_tuya.requests


async def test_token_is_refreshed_before_it_expires(
    session: aiohttp.ClientSession, fake_tuya: FakeTuyaCloud
) -> None:
    now = [1_800_000_000.0]
    fake_tuya.clock = lambda: now[0]
    tuya = client(session, fake_tuya, clock=lambda: now[0])
    await tuya.devices()
    now[0] += 7200 - 59  # within the minute before expiry
    await tuya.devices()
    refreshes = [p for _, p in fake_tuya.requests if p.startswith("/v1.0/token/")]
    assert len(refreshes) == 1
    assert fake_tuya.count("/v1.0/token") == 2  # obtained, then refreshed


async def test_refused_refresh_obtains_a_new_token(
    session: aiohttp.ClientSession, fake_tuya: FakeTuyaCloud
) -> None:
    now = [1_800_000_000.0]
    fake_tuya.clock = lambda: now[0]
    tuya = client(session, fake_tuya, clock=lambda: now[0])
    await tuya.devices()
    fake_tuya.fail("/v1.0/token/", code=1012)
    now[0] += 7200
    await tuya.devices()
    token_paths = [p for _, p in fake_tuya.requests if p.startswith("/v1.0/token")]
    assert len(token_paths) == 3
    assert token_paths[0] == token_paths[2] == "/v1.0/token"  # obtained twice
    assert token_paths[1].startswith("/v1.0/token/")  # the refused refresh


async def test_invalid_token_is_replaced_and_the_request_retried_once(
    session: aiohttp.ClientSession, fake_tuya: FakeTuyaCloud
) -> None:
    tuya = client(session, fake_tuya)
    await tuya.devices()
    fake_tuya.expire_tokens()
    devices = await tuya.devices()
    assert len(devices) == 25
    assert fake_tuya.count("/v1.0/token") == 2
    # A token refused again after the retry is an error, not a loop.
    fake_tuya.fail("associated-users", code=1010, times=2)
    with pytest.raises(TuyaApiError) as err:
        await tuya.devices()
    assert err.value.code == 1010


# --- calls ---------------------------------------------------------------------------


async def test_devices_are_listed_in_pages_without_secrets(
    session: aiohttp.ClientSession, fake_tuya: FakeTuyaCloud
) -> None:
    devices = await client(session, fake_tuya).devices()
    assert len(devices) == 25
    assert fake_tuya.count("associated-users") == 2  # 20 + 5
    first = devices[0]
    assert first.id == "plug0001"
    assert first.category == "cz"
    assert first.online
    assert first.status["switch_1"] is True
    assert first.status["cur_power"] == 1000
    assert not hasattr(first, "local_key")
    assert "local_key" not in repr(devices)


async def test_specification(
    session: aiohttp.ClientSession, fake_tuya: FakeTuyaCloud
) -> None:
    tuya = client(session, fake_tuya)
    spec = await tuya.specification("plug0003")
    assert spec.category == "cz"
    assert spec.status["cur_power"].scale == 0  # the cloud's wrong scale
    assert spec.status["cur_power"].unit == "W"
    assert spec.status["cur_current"].unit == "mA"
    assert spec.status["switch_1"].type == "Boolean"
    assert fake_tuya.devices["plug0003"].product_id == WRONG_SCALE_PRODUCT


async def test_commands(
    session: aiohttp.ClientSession, fake_tuya: FakeTuyaCloud
) -> None:
    tuya = client(session, fake_tuya)
    await tuya.send_commands("strip0005", {"switch_2": True})
    assert fake_tuya.devices["strip0005"].status["switch_2"] is True
    fake_tuya.devices["plug0001"].online = False
    with pytest.raises(TuyaDeviceOfflineError):
        await tuya.send_commands("plug0001", {"switch_1": False})
    fake_tuya.controllable_devices = 1
    with pytest.raises(TuyaDeviceCapError):
        await tuya.send_commands("plug0002", {"switch_1": False})


# --- errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (1004, TuyaAuthenticationError),
        (1106, TuyaAuthenticationError),
        (28841002, TuyaPlanExpiredError),
        (28841004, TuyaQuotaExhaustedError),
        (28841101, TuyaApiNotSubscribedError),
        (28841106, TuyaApiNotSubscribedError),
        (60001001, TuyaDeviceCapError),
        (1110, TuyaRateLimitedError),
        (1111, TuyaBusyError),  # transient, not a request to slow down
        (1199, TuyaRateLimitedError),
        (2001, TuyaDeviceOfflineError),
        (2008, TuyaApiError),
    ],
)
async def test_error_codes(
    session: aiohttp.ClientSession,
    fake_tuya: FakeTuyaCloud,
    code: int,
    error: type[TuyaApiError],
) -> None:
    fake_tuya.fail("associated-users", code=code)
    with pytest.raises(error) as raised:
        await client(session, fake_tuya).devices()
    assert type(raised.value) is error
    assert raised.value.code == code


@pytest.mark.parametrize("access_id", ["id\nid", "idé", "Ā"])
async def test_an_access_id_that_cannot_be_sent_is_refused_unsent(
    session: aiohttp.ClientSession, fake_tuya: FakeTuyaCloud, access_id: str
) -> None:
    """Refused as a wrong id, without a request (which the quota would count)."""
    tuya = TuyaClient(session, access_id, ACCESS_SECRET, fake_tuya.base_url)
    with pytest.raises(TuyaAuthenticationError, match="characters"):
        await tuya.devices()
    assert fake_tuya.requests == []


async def test_wrong_secret_is_an_authentication_error(
    session: aiohttp.ClientSession, fake_tuya: FakeTuyaCloud
) -> None:
    tuya = TuyaClient(session, ACCESS_ID, "wrong", fake_tuya.base_url)
    with pytest.raises(TuyaAuthenticationError):
        await tuya.devices()


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, TuyaRateLimitedError),
        (401, TuyaAuthenticationError),
        (403, TuyaAuthenticationError),
        (404, TuyaBadResponseError),
        (500, TuyaConnectionError),
        (503, TuyaConnectionError),
    ],
)
async def test_http_errors(
    session: aiohttp.ClientSession,
    fake_tuya: FakeTuyaCloud,
    status: int,
    error: type[Exception],
) -> None:
    fake_tuya.fail("associated-users", http_status=status)
    with pytest.raises(error):
        await client(session, fake_tuya).devices()


@pytest.mark.parametrize(
    "answer",
    [
        "<html>busy</html>",
        "[1, 2]",
        '{"success": false, "msg": "no code"}',
        '{"success": true, "result": {"devices": 3}}',
        '{"success": true, "result": {"devices": [{"id": 5}]}}',
        '{"success": true, "result": {"devices": [{"id": "a", "status": "on"}]}}',
        '{"success": true, "result": {"devices": [3]}}',
    ],
)
async def test_unexpected_answers_are_bad_responses(
    session: aiohttp.ClientSession, answer: str
) -> None:
    async def handle(request: web.Request) -> web.Response:
        if request.path == "/v1.0/token":
            return web.json_response(
                {
                    "success": True,
                    "t": 0,
                    "result": {
                        "access_token": "a",
                        "refresh_token": "r",
                        "expire_time": 10**12,
                    },
                }
            )
        return web.Response(text=answer)

    async with _serving(handle) as url:
        with pytest.raises(TuyaBadResponseError):
            await TuyaClient(session, ACCESS_ID, ACCESS_SECRET, url).devices()


async def test_token_answer_without_lifetime(session: aiohttp.ClientSession) -> None:
    async def handle(request: web.Request) -> web.Response:
        return web.json_response(
            {"success": True, "t": 0, "result": {"access_token": "a"}}
        )

    async with _serving(handle) as url:
        with pytest.raises(TuyaBadResponseError):
            await TuyaClient(session, ACCESS_ID, ACCESS_SECRET, url).devices()


async def test_timeout_and_unreachable_are_connection_errors(
    session: aiohttp.ClientSession,
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.json_response({})

    async with _serving(slow) as url:
        tuya = TuyaClient(session, ACCESS_ID, ACCESS_SECRET, url, request_timeout=0.05)
        with pytest.raises(TuyaConnectionError, match="timed out"):
            await tuya.devices()
    with pytest.raises(TuyaConnectionError):
        await TuyaClient(session, ACCESS_ID, ACCESS_SECRET, url).devices()


async def test_command_not_confirmed(
    session: aiohttp.ClientSession, fake_tuya: FakeTuyaCloud
) -> None:
    tuya = client(session, fake_tuya)
    await tuya.devices()

    async def unconfirmed(request: web.Request) -> web.Response:
        return web.json_response({"success": True, "result": False, "t": 0})

    async with _serving(unconfirmed) as url:
        tuya.base_url = url
        with pytest.raises(TuyaBadResponseError, match="not confirmed"):
            await tuya.send_commands("plug0001", {"switch_1": True})


def test_specification_parsing_is_strict_about_shape() -> None:
    with pytest.raises(TuyaBadResponseError):
        TuyaSpecification.from_api([])
    with pytest.raises(TuyaBadResponseError):
        TuyaSpecification.from_api({"status": [{"type": "Integer"}]})
    with pytest.raises(TuyaBadResponseError):
        TuyaSpecification.from_api({"status": [{"code": "cur_power", "values": "{"}]})
    lenient = TuyaSpecification.from_api(
        {
            "status": [
                {"code": "x", "values": "[1]"},
                {"code": "y", "values": {"scale": "2"}},
            ]
        }
    )
    assert lenient.status["x"].scale == 0
    assert lenient.status["y"].scale == 0
    assert lenient.status["y"].unit is None


def test_data_centres() -> None:
    assert DATA_CENTERS["central_europe"] == "https://openapi.tuyaeu.com"
    assert len(DATA_CENTERS) == 7
    assert all(url.startswith("https://") for url in DATA_CENTERS.values())


class _serving:  # noqa: N801 - used as a context manager, like a function
    """Serve one handler on a loopback port for the time of a ``with`` block."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.runner: web.AppRunner | None = None

    async def __aenter__(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self.handler)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def test_concurrent_requests_refused_for_the_token_get_one_new_token(
    session: aiohttp.ClientSession, fake_tuya: FakeTuyaCloud
) -> None:
    tuya = client(session, fake_tuya)
    await tuya.devices()
    fake_tuya.expire_tokens()
    await asyncio.gather(*(tuya.specification("plug0001") for _ in range(4)))
    assert fake_tuya.count("/v1.0/token") == 2


async def test_token_answer_that_is_not_an_object(
    session: aiohttp.ClientSession,
) -> None:
    async def handle(request: web.Request) -> web.Response:
        return web.json_response({"success": True, "t": 0, "result": ["a"]})

    async with _serving(handle) as url:
        with pytest.raises(TuyaBadResponseError, match="not an object"):
            await TuyaClient(session, ACCESS_ID, ACCESS_SECRET, url).devices()


async def test_device_list_that_never_ends(session: aiohttp.ClientSession) -> None:
    async def handle(request: web.Request) -> web.Response:
        if request.path == "/v1.0/token":
            result: Any = {
                "access_token": "a",
                "refresh_token": "r",
                "expire_time": 7200,
            }
        else:
            page = int(request.query.get("last_row_key") or 0)
            result = {"devices": [], "has_more": True, "last_row_key": str(page + 1)}
        return web.json_response(
            {"success": True, "t": int(time.time() * 1000), "result": result}
        )

    async with _serving(handle) as url:
        with pytest.raises(TuyaBadResponseError, match="does not end"):
            await TuyaClient(session, ACCESS_ID, ACCESS_SECRET, url).devices()


# --- what the cloud kept of a plug's energy ------------------------------------------


@pytest.fixture
async def metered(socket_enabled: None) -> AsyncGenerator[FakeTuyaCloud]:
    """A cloud whose kettle boiled twice in the last two hours (now is real time)."""
    now = time.time()
    kettle = Appliance(
        "kettle",
        [
            Block(now - 6000, now - 5850, 2100),
            Block(now - 1800, now - 1650, 2100),
        ],
    )
    fake = FakeTuyaCloud([simulated_socket("kettle01", "Kettle", kettle)])
    fake.statistics_products = {"plugmeter0001"}
    fake.stats_lag_s = (0.0, 0.0)
    fake.start_simulation(now - 7200)
    fake.advance(now)
    await fake.start()
    yield fake
    await fake.stop()


def _reported_kwh(cloud: FakeTuyaCloud) -> float:
    return sum(
        int(r.items["add_ele"]) / 1000
        for r in cloud.logs["kettle01"]
        if "add_ele" in r.items
    )


async def test_statistics_per_quarter_and_hour(
    session: aiohttp.ClientSession, metered: FakeTuyaCloud
) -> None:
    tuya = client(session, metered)
    assert await tuya.statistic_types("kettle01") == {"add_ele": "sum"}
    local = datetime.fromtimestamp(time.time(), metered.tz)
    day = local.strftime("%Y%m%d")
    quarters = await tuya.statistics(
        "kettle01", "add_ele", "quarters", f"{day}0000", f"{day}2345"
    )
    yesterday = (local - timedelta(days=1)).strftime("%Y%m%d")
    quarters |= await tuya.statistics(
        "kettle01", "add_ele", "quarters", f"{yesterday}0000", f"{yesterday}2345"
    )
    assert all(len(label) == 12 for label in quarters)
    # Every reported increment, in some quarter: 2 x 2.1 kW x 150 s.
    assert sum(quarters.values()) == pytest.approx(_reported_kwh(metered), abs=1e-9)
    assert _reported_kwh(metered) == pytest.approx(0.175, abs=0.002)
    hours = await tuya.statistics(
        "kettle01", "add_ele", "hours", f"{day}00", f"{day}23"
    )
    assert all(len(label) == 10 for label in hours)
    assert metered.count("statistics/hours") == 1


async def test_statistics_refused(
    session: aiohttp.ClientSession, metered: FakeTuyaCloud
) -> None:
    tuya = client(session, metered)
    metered.statistics_products = set()
    assert await tuya.statistic_types("kettle01") == {}
    with pytest.raises(TuyaApiError):
        await tuya.statistics(
            "kettle01", "add_ele", "quarters", "202601120000", "202601122345"
        )
    metered.statistics_api = False
    with pytest.raises(TuyaApiNotSubscribedError):
        await tuya.statistic_types("kettle01")


async def test_device_logs_are_read_in_pages_oldest_first(
    session: aiohttp.ClientSession, metered: FakeTuyaCloud
) -> None:
    tuya = client(session, metered)
    now_ms = int(time.time() * 1000)
    entries, more = await tuya.device_logs(
        "kettle01", ["add_ele"], now_ms - 7_200_000, now_ms
    )
    assert more is False
    assert [e.event_time_ms for e in entries] == sorted(
        e.event_time_ms for e in entries
    )
    assert sum(int(e.value) for e in entries) / 1000 == pytest.approx(
        _reported_kwh(metered), abs=1e-9
    )
    # 2 hours of reports every 5 minutes: 24 of them; pages of 100 entries.
    assert metered.count("/logs") == 1
    # More than a page: power reports every few seconds for a while.
    for n in range(150):
        metered.switch("kettle01", "switch_1", n % 2 == 0)
    before = metered.count("/logs")
    entries, more = await tuya.device_logs(
        "kettle01",
        ["switch_1"],
        now_ms - 7_200_000,
        int(time.time() * 1000) + 1,
        max_pages=1,
    )
    assert (len(entries), more) == (100, True)
    assert metered.count("/logs") == before + 1
    entries, more = await tuya.device_logs(
        "kettle01", ["switch_1"], now_ms - 7_200_000, int(time.time() * 1000) + 1
    )
    assert (len(entries), more) == (150, False)


@pytest.mark.parametrize(
    ("path", "result"),
    [
        ("all-statistic-type", {"code": "add_ele"}),
        ("statistics/quarters", ["a"]),
        ("statistics/quarters", {"quarters": ["a"]}),
        ("statistics/quarters", {"quarters": {"202601120000": "a lot"}}),
        ("statistics/quarters", {"quarters": {"12:00": "0.1"}}),
        ("statistics/quarters", {"quarters": {"202601120000": "nan"}}),
        ("logs", ["a"]),
        ("logs", {"logs": "none"}),
        ("logs", {"logs": ["entry"]}),
        ("logs", {"logs": [{"code": "add_ele", "value": "1"}]}),
        ("logs", {"logs": [{"code": "add_ele", "event_time": True}]}),
    ],
)
async def test_energy_answers_of_the_wrong_shape(
    session: aiohttp.ClientSession, path: str, result: Any
) -> None:
    async def handle(request: web.Request) -> web.Response:
        if request.path == "/v1.0/token":
            result_: Any = {
                "access_token": "a",
                "refresh_token": "r",
                "expire_time": 7200,
            }
        else:
            result_ = result
        return web.json_response(
            {"success": True, "t": int(time.time() * 1000), "result": result_}
        )

    async with _serving(handle) as url:
        tuya = TuyaClient(session, ACCESS_ID, ACCESS_SECRET, url)
        if path == "all-statistic-type":
            request = tuya.statistic_types("d")
        elif path == "logs":
            request = tuya.device_logs("d", ["add_ele"], 0, 1)
        else:
            request = tuya.statistics("d", "add_ele", "quarters", "1", "2")
        with pytest.raises(TuyaBadResponseError):
            await request
