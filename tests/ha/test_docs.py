"""The documentation's examples refer to entities that really exist."""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util.yaml import parse_yaml
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import (
    POWER_ATTRS,
    fixed_tariff_entry,
    household_entry,
    setup_entries,
    tracked_entry,
)

ROOT = Path(__file__).parents[2]
# The documented dashboards: every entity id in them must exist in the demo.
DASHBOARDS = [ROOT / "docs" / "dashboard.yaml"]
ENTITY_ID = re.compile(r"\b(?:sensor|binary_sensor|number|switch)\.[a-z0-9_]+")


def _entity_ids(card: Any) -> set[str]:
    """Return every entity id a parsed dashboard names, wherever it does."""
    if isinstance(card, dict):
        return set().union(*(_entity_ids(value) for value in card.values()))
    if isinstance(card, list):
        return set().union(*(_entity_ids(value) for value in card))
    if isinstance(card, str):
        return set(ENTITY_ID.findall(card))
    return set()


async def test_dashboard_entities_exist_in_the_demo(hass: HomeAssistant) -> None:
    """Every entity of the documented dashboards is one a demo-like set-up has.

    The set-up is what scripts/demo.py adds through the flows, with the same
    names: a "Demo tariff", the Kettle, Fridge and TV, and the household totals.
    """
    tariff = fixed_tariff_entry("Demo tariff")
    appliances: list[MockConfigEntry] = []
    for name in ("Kettle", "Fridge", "TV"):
        source = f"sensor.{name.lower()}_power"
        hass.states.async_set(source, "0", POWER_ATTRS)
        appliances.append(tracked_entry(tariff, source, title=name))
    await setup_entries(hass, tariff, *appliances, household_entry())
    for dashboard in DASHBOARDS:
        parsed = parse_yaml(dashboard.read_text())
        assert parsed["views"], dashboard
        referenced = _entity_ids(parsed)
        assert "sensor.household_cost_today" in referenced
        missing = {e for e in referenced if hass.states.get(e) is None}
        assert not missing, dashboard
        unavailable = {
            e for e in referenced if hass.states.get(e).state == "unavailable"
        }
        assert not unavailable, dashboard
