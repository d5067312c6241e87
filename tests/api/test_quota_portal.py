"""Reading the quota from a portal page with a saved cookie."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.utility_cost.api.quota_portal import (
    PortalAuthError,
    PortalBadResponseError,
    PortalConnectionError,
    PortalReading,
    QuotaPortalClient,
    resolve_pointer,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")

DOCUMENT = {"data": {"quota": [{"a/b": 1, "m~n": 2}], "left": "12,345", "used": 7}}


def test_json_pointers() -> None:
    assert resolve_pointer(DOCUMENT, "") is DOCUMENT
    assert resolve_pointer(DOCUMENT, "/data/quota/0/a~1b") == 1
    assert resolve_pointer(DOCUMENT, "/data/quota/0/m~0n") == 2
    for missing in (
        "data",
        "/data/nope",
        "/data/quota/5",
        "/data/quota/x",
        "/data/left/1",
    ):
        with pytest.raises(KeyError):
            resolve_pointer(DOCUMENT, missing)


@pytest.fixture
async def serve() -> AsyncGenerator[Callable[..., Any]]:
    runners: list[web.AppRunner] = []

    async def start(handler: Any) -> str:
        app = web.Application()
        app.router.add_get("/quota", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        return f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/quota"  # type: ignore[union-attr]

    yield start
    for runner in runners:
        await runner.cleanup()


async def _read(
    url: str,
    remaining: str | None = "/data/left",
    used: str | None = "/data/used",
    request_timeout: float = 5,
    cookie: str = "sid=1",
) -> PortalReading:
    async with aiohttp.ClientSession() as session:
        return await QuotaPortalClient(
            session, url, cookie, remaining, used, request_timeout=request_timeout
        ).read()


async def test_reading(serve: Callable[..., Any]) -> None:
    seen: list[str] = []

    async def page(request: web.Request) -> web.Response:
        seen.append(request.headers["Cookie"])
        return web.json_response(DOCUMENT)

    url = await serve(page)
    assert await _read(url) == PortalReading(remaining=12_345, used=7)
    assert await _read(url, used=None) == PortalReading(remaining=12_345, used=None)
    assert seen == ["sid=1", "sid=1"]


@pytest.mark.parametrize(
    ("answer", "status", "error"),
    [
        ("<html>Login</html>", 200, PortalAuthError),
        ("{}", 401, PortalAuthError),
        ("{}", 403, PortalAuthError),
        ("", 302, PortalAuthError),
        ("{}", 500, PortalBadResponseError),
        ("not json", 200, PortalBadResponseError),
        ('{"data": {}}', 200, PortalBadResponseError),
        ('{"data": {"left": "many", "used": 1}}', 200, PortalBadResponseError),
        ('{"data": {"left": -5, "used": 1}}', 200, PortalBadResponseError),
        ('{"data": {"left": true, "used": 1}}', 200, PortalBadResponseError),
    ],
)
async def test_failures(
    serve: Callable[..., Any], answer: str, status: int, error: type[Exception]
) -> None:
    async def page(request: web.Request) -> web.Response:
        headers = {"Location": "/login"} if status == 302 else None
        return web.Response(text=answer, status=status, headers=headers)

    with pytest.raises(error):
        await _read(await serve(page))


async def test_timeout_and_unreachable(serve: Callable[..., Any]) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.json_response(DOCUMENT)

    url = await serve(slow)
    with pytest.raises(PortalConnectionError, match="timed out"):
        await _read(url, request_timeout=0.05)
    with pytest.raises(PortalConnectionError):
        await _read("http://127.0.0.1:9/quota")


@pytest.mark.parametrize("cookie", ["sid=1\nsid=2", "sid=é"])
async def test_a_cookie_that_cannot_be_sent_is_refused_unsent(
    serve: Callable[..., Any], cookie: str
) -> None:
    """A cookie pasted with a line break: refused as a stale one, nothing sent."""
    asked: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.json_response({"data": {"left": 1, "used": 2}})

    url = await serve(handler)
    with pytest.raises(PortalAuthError, match="characters"):
        await _read(url, cookie=cookie)
    assert asked == []


async def test_a_pointer_is_needed() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ValueError, match="pointer"):
            QuotaPortalClient(session, "http://x", "c", None, "")
