"""API clients are tested without Home Assistant and in real time (a client's
timeout expires), each with its own aiohttp session."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import aiohttp
import pytest


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    """Give a client its own aiohttp session, as Home Assistant's would be."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session
