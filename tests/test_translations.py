"""Every key the code uses has an English text, and every icon key an entity."""

from __future__ import annotations

import json
from pathlib import Path
import re

from custom_components.utility_cost.sensor import METER_SENSORS, TARIFF_SENSORS

PACKAGE = Path(__file__).parent.parent / "custom_components" / "utility_cost"
STRINGS = json.loads((PACKAGE / "translations" / "en.json").read_text())
ICONS = json.loads((PACKAGE / "icons.json").read_text())


def _keys(pattern: str, *files: str) -> set[str]:
    return {
        key
        for name in files
        for key in re.findall(pattern, (PACKAGE / name).read_text())
    }


def test_entity_names() -> None:
    names = STRINGS["entity"]["sensor"]
    for description in (*TARIFF_SENSORS, *METER_SENSORS):
        assert names[description.translation_key]["name"]
    assert set(ICONS["entity"]["sensor"]) <= set(names)


def test_flow_errors_and_aborts() -> None:
    errors = _keys(r'errors\[[^\]]+\] = "([a-z_]+)"', "config_flow.py")
    config, options = STRINGS["config"], STRINGS["options"]
    assert errors
    for error in errors:
        assert error in config["error"] or error in options["error"], error
    aborts = _keys(r'reason="([a-z_]+)"', "config_flow.py")
    for reason in aborts:
        assert reason in config["abort"] or reason in options["abort"], reason
    repair = STRINGS["issues"]["tariff_missing"]["fix_flow"]
    assert _keys(r'reason="([a-z_]+)"', "repairs.py") <= set(repair["abort"])


def test_every_form_field_is_described() -> None:
    for section in ("config", "options"):
        for step in STRINGS[section]["step"].values():
            assert set(step.get("data", {})) == set(step.get("data_description", {}))
