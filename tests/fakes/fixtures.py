"""The fake services as pytest fixtures, each on its own loopback port.

A plugin of every test (tests/conftest.py): the API clients' tests and Home
Assistant's use the same fakes. None of these fixtures starts Home Assistant.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from aiohttp import web
import pytest

from .esios import FIXTURE_DAY, FIXTURE_DAY_MWH, FakeEsios
from .octopus import FakeOctopus
from .tuya_cloud import FakeTuyaCloud


@pytest.fixture
async def fake_tuya(socket_enabled: None) -> AsyncGenerator[FakeTuyaCloud]:
    """Serve the fake Tuya cloud (standard account) on a loopback port."""
    cloud = FakeTuyaCloud()
    await cloud.start()
    yield cloud
    await cloud.stop()


@pytest.fixture
async def cloud(socket_enabled: None) -> AsyncGenerator[FakeTuyaCloud]:
    """A fake cloud of simulated plugs (each test fills it), no capability on."""
    fake = FakeTuyaCloud([])
    fake.log_api = False
    fake.statistics_api = False
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_esios(socket_enabled: None) -> AsyncGenerator[FakeEsios]:
    """Serve the fake ESIOS on a loopback port, the fixture day at known prices."""
    esios = FakeEsios()
    esios.prices[FIXTURE_DAY] = FIXTURE_DAY_MWH
    await esios.start()
    yield esios
    await esios.stop()


@pytest.fixture
async def octopus(socket_enabled: None) -> AsyncGenerator[FakeOctopus]:
    """Serve the fake Octopus Energy API on a loopback port."""
    fake = FakeOctopus()
    await fake.start()
    yield fake
    await fake.stop()


PORTAL_COOKIE = "session=fresh"


@pytest.fixture
async def portal(socket_enabled: None) -> AsyncGenerator[tuple[str, list[str]]]:
    """A portal page that answers JSON to the right cookie, a login page otherwise."""
    cookies: list[str] = []

    async def usage(request: web.Request) -> web.Response:
        cookies.append(request.headers.get("Cookie", ""))
        if request.headers.get("Cookie") != PORTAL_COOKIE:
            return web.Response(text="<html>Log in</html>", content_type="text/html")
        return web.json_response({"result": {"left": "12,000", "used": 14_000}})

    app = web.Application()
    app.router.add_get("/usage", usage)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/usage", cookies
    await runner.cleanup()
