"""The automation blueprint: it loads, and runs an appliance while energy is cheap."""

from __future__ import annotations

from pathlib import Path
import shutil

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from .conftest import NIGHT_BAND, fixed_tariff_entry, setup_entries

BLUEPRINT = (
    Path(__file__).parents[2]
    / "blueprints"
    / "automation"
    / "utility_cost"
    / "run_when_cheap.yaml"
)
APPLIANCE = "input_boolean.water_heater"


def test_blueprint_is_valid() -> None:
    blueprint = Blueprint(
        load_yaml(BLUEPRINT),
        expected_domain="automation",
        path="utility_cost/run_when_cheap.yaml",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.name == "Run an appliance when electricity is cheap"
    assert set(blueprint.inputs) == {"cheap_sensor", "appliance", "switch_off"}


async def _set_up(hass: HomeAssistant, tmp_path: Path, **inputs: object) -> None:
    """Install the blueprint in a config folder and use it for one automation."""
    hass.config.config_dir = str(tmp_path)
    folder = tmp_path / "blueprints" / "automation" / "utility_cost"
    folder.mkdir(parents=True)
    shutil.copy(BLUEPRINT, folder / BLUEPRINT.name)
    await setup_entries(hass, fixed_tariff_entry("Banded", 0.30, bands=[NIGHT_BAND]))
    # Always loaded in a running Home Assistant: homeassistant.turn_on and off.
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"water_heater": {}}}
    )
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": "utility_cost/run_when_cheap.yaml",
                    "input": {
                        "cheap_sensor": "binary_sensor.banded_cheap_now",
                        "appliance": {"entity_id": APPLIANCE},
                        **inputs,
                    },
                }
            }
        },
    )
    await hass.async_block_till_done()


async def _at(hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: str) -> None:
    freezer.move_to(moment)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_appliance_runs_while_cheap(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, tmp_path: Path
) -> None:
    """The night band (22:00-07:00) is cheap: on at 22:00, off at 07:00."""
    await _set_up(hass, tmp_path)
    assert hass.states.get(APPLIANCE).state == STATE_OFF
    await _at(hass, freezer, "2026-01-12T22:00:00+01:00")
    assert hass.states.get("binary_sensor.banded_cheap_now").state == STATE_ON
    assert hass.states.get(APPLIANCE).state == STATE_ON
    await _at(hass, freezer, "2026-01-13T07:00:00+01:00")
    assert hass.states.get(APPLIANCE).state == STATE_OFF


async def test_appliance_left_on_when_asked(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, tmp_path: Path
) -> None:
    await _set_up(hass, tmp_path, switch_off=False)
    await _at(hass, freezer, "2026-01-12T22:00:00+01:00")
    await _at(hass, freezer, "2026-01-13T07:00:00+01:00")
    assert hass.states.get(APPLIANCE).state == STATE_ON
