"""API clients are tested without Home Assistant and in real time.

The package's autouse fixtures set up Home Assistant and freeze the clock; these
replace them with nothing, so that a client's timeout can expire.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import aiohttp
import pytest


@pytest.fixture(autouse=True)
def madrid_time() -> None:
    """Leave time running."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Start no Home Assistant."""


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    """Give a client its own aiohttp session, as Home Assistant's would be."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session
