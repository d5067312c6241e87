"""Every key the code uses has an English text, and every icon key an entity."""

from __future__ import annotations

import json
from pathlib import Path
import re

import yaml

from custom_components.utility_cost.metering.sensor import METER_SENSORS
from custom_components.utility_cost.tariff.sensor import TARIFF_SENSORS

PACKAGE = Path(__file__).parents[2] / "custom_components" / "utility_cost"
STRINGS = json.loads((PACKAGE / "translations" / "en.json").read_text())
ICONS = json.loads((PACKAGE / "icons.json").read_text())


# The config flow, the steps and options flows of each kind, and what they share.
FLOW_FILES = (
    "config_flow.py",
    "flow.py",
    *(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.glob("kinds/*/config_flow.py")
    ),
)
KIND_FILES = tuple(
    str(path.relative_to(PACKAGE)) for path in PACKAGE.glob("kinds/*/__init__.py")
)


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
    errors = _keys(r'errors\[[^\]]+\] = "([a-z_]+)"', *FLOW_FILES)
    config, options = STRINGS["config"], STRINGS["options"]
    assert errors
    for error in errors:
        assert error in config["error"] or error in options["error"], error
    aborts = _keys(r'reason="([a-z_]+)"', *FLOW_FILES) | _keys(
        r'reconfigure_abort="([a-z_]+)"', *KIND_FILES
    )
    assert "reconfigure_tariff" in aborts
    for reason in aborts:
        assert reason in config["abort"] or reason in options["abort"], reason
    repair = STRINGS["issues"]["tariff_missing"]["fix_flow"]
    assert _keys(r'reason="([a-z_]+)"', "metering/repairs.py") <= set(repair["abort"])


def test_every_form_field_is_described() -> None:
    for section in ("config", "options"):
        for step in STRINGS[section]["step"].values():
            assert set(step.get("data", {})) == set(step.get("data_description", {}))


# Home Assistant's validator (hassfest) takes translation keys of this shape only:
# lower case, digits, "-" and "_", not at either end, never two in a row.
KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
# ... and no placeholder in single quotes (the frontend's formatter drops them).
QUOTED_PLACEHOLDER = re.compile(r"'\{\w+\}'")


def _walk(
    node: object, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], str]]:
    """Return every (path, text) of the strings' tree."""
    if isinstance(node, dict):
        return [
            item for key, value in node.items() for item in _walk(value, (*path, key))
        ]
    assert isinstance(node, str), path
    return [(path, node)]


def test_translations_pass_hassfests_rules() -> None:
    texts = _walk(STRINGS)
    for path, text in texts:
        for key in path:
            assert KEY.match(key), path
        assert text == text.strip(), path
        assert text, path
        assert not QUOTED_PLACEHOLDER.search(text), path
    for issue_id, issue in STRINGS["issues"].items():
        assert issue["title"], issue_id
        # An issue with a repair flow describes itself in the flow's steps.
        assert not ("description" in issue and "fix_flow" in issue), issue_id
        assert "description" in issue or "fix_flow" in issue, issue_id
    for selector in STRINGS["selector"].values():
        assert set(selector) <= {"options"}
    for exception in STRINGS["exceptions"].values():
        assert set(exception) == {"message"}


def test_manifest_and_hacs_json() -> None:
    """What hassfest and HACS check of a custom integration's metadata."""
    manifest = json.loads((PACKAGE / "manifest.json").read_text())
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])  # hassfest: the rest sorted
    for key in ("documentation", "issue_tracker", "codeowners", "version"):
        assert manifest[key], key
    assert manifest["domain"] == PACKAGE.name
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["iot_class"] in {
        "assumed_state",
        "calculated",
        "cloud_polling",
        "cloud_push",
        "local_polling",
        "local_push",
    }
    assert manifest["integration_type"] in {
        "device",
        "entity",
        "hardware",
        "helper",
        "hub",
        "service",
        "system",
        "virtual",
    }
    hacs = json.loads((PACKAGE.parent.parent / "hacs.json").read_text())
    assert hacs["name"]
    assert set(hacs) <= {
        "name",
        "content_in_root",
        "zip_release",
        "filename",
        "hide_default_branch",
        "country",
        "homeassistant",
        "persistent_directory",
        "render_readme",
        "hacs",
    }
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", hacs["homeassistant"])


QUALITY_RULES = {
    # Bronze
    "action-setup",
    "appropriate-polling",
    "brands",
    "common-modules",
    "config-flow-test-coverage",
    "config-flow",
    "dependency-transparency",
    "docs-actions",
    "docs-high-level-description",
    "docs-installation-instructions",
    "docs-removal-instructions",
    "entity-event-setup",
    "entity-unique-id",
    "has-entity-name",
    "runtime-data",
    "test-before-configure",
    "test-before-setup",
    "unique-config-entry",
    # Silver
    "action-exceptions",
    "config-entry-unloading",
    "docs-configuration-parameters",
    "docs-installation-parameters",
    "entity-unavailable",
    "integration-owner",
    "log-when-unavailable",
    "parallel-updates",
    "reauthentication-flow",
    "test-coverage",
    # Gold
    "devices",
    "diagnostics",
    "discovery-update-info",
    "discovery",
    "docs-data-update",
    "docs-examples",
    "docs-known-limitations",
    "docs-supported-devices",
    "docs-supported-functions",
    "docs-troubleshooting",
    "docs-use-cases",
    "dynamic-devices",
    "entity-category",
    "entity-device-class",
    "entity-disabled-by-default",
    "entity-translations",
    "exception-translations",
    "icon-translations",
    "reconfiguration-flow",
    "repair-issues",
    "stale-devices",
    # Platinum
    "async-dependency",
    "inject-websession",
    "strict-typing",
}


def test_quality_scale_names_every_rule_as_hassfest_wants() -> None:
    """Every rule, once; a status hassfest knows; an exemption says why.

    And what can be checked mechanically of the rules marked done.
    """
    rules = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text())["rules"]
    assert set(rules) == QUALITY_RULES
    for name, rule in rules.items():
        status = rule if isinstance(rule, str) else rule["status"]
        assert status in ("done", "todo", "exempt"), name
        if status == "exempt":
            assert isinstance(rule, dict), name
            assert rule["comment"].strip(), name
    platforms = ("sensor", "binary_sensor", "number", "switch")
    for platform in platforms:  # parallel-updates
        assert re.search(
            r"^PARALLEL_UPDATES = \d+$",
            (PACKAGE / f"{platform}.py").read_text(),
            re.MULTILINE,
        ), platform
    for module in ("diagnostics.py", "repairs.py", "brand"):  # diagnostics, repairs
        assert (PACKAGE / module).exists(), module
    pyproject = (PACKAGE.parent.parent / "pyproject.toml").read_text()
    assert re.search(r"^strict = true$", pyproject, re.MULTILINE)  # strict-typing
    manifest = json.loads((PACKAGE / "manifest.json").read_text())
    assert manifest["requirements"] == []  # dependency-transparency, exempt
