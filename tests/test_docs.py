"""The documentation's examples refer to entities that really exist."""

from __future__ import annotations

from pathlib import Path
import re

from homeassistant.core import HomeAssistant
from homeassistant.util.yaml import parse_yaml
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import POWER_ATTRS, fixed_tariff_entry, setup_entries, tracked_entry

DOCS = Path(__file__).parent.parent / "docs"
# Created by the user as Sensor group helpers, as the dashboard file explains.
HELPERS = {"sensor.appliances_cost_today", "sensor.appliances_cost_this_month"}


async def test_dashboard_entities_exist_in_the_demo(hass: HomeAssistant) -> None:
    """Every entity of docs/dashboard.yaml is one the demo creates (or a helper)."""
    tariff = fixed_tariff_entry("Demo tariff")
    appliances: list[MockConfigEntry] = []
    for name in ("Kettle", "Fridge", "TV"):
        source = f"sensor.{name.lower()}_power"
        hass.states.async_set(source, "0", POWER_ATTRS)
        appliances.append(tracked_entry(tariff, source, title=name))
    await setup_entries(hass, tariff, *appliances)
    text = (DOCS / "dashboard.yaml").read_text()
    assert parse_yaml(text)["views"]
    referenced = set(re.findall(r"\bsensor\.[a-z0-9_]+", text))
    missing = {e for e in referenced - HELPERS if hass.states.get(e) is None}
    assert not missing
