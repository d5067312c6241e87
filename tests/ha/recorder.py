"""Autouse fixtures for test modules that need the recorder.

The recorder must start before Home Assistant; a module that imports these
replaces the package's autouse fixtures of the same names with ones that ask for
it first.
"""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
import pytest

from .conftest import use_madrid_time


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Load this repository's integration, after the recorder."""


@pytest.fixture(autouse=True)
async def madrid_time(
    recorder_mock: Recorder, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Run in Madrid on the suite's Monday morning, after the recorder."""
    await use_madrid_time(hass, freezer)
