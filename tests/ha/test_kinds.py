"""Every kind of entry is handled wherever the code depends on the kind.

What depends on the kind is looked up in the registry of kinds
(``kinds/__init__.py``); these tests check the registry is whole, then set up one
entry of every kind together and check what each place gives it at run time: its
entities, its options, its reconfigure step, its diagnostics and what its removal
leaves.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.utility_cost.config_flow import UtilityCostConfigFlow
from custom_components.utility_cost.const import DOMAIN, EntryType, entry_type
from custom_components.utility_cost.kinds import KINDS

# The recorder starts first (tests/recorder.py): the Octopus account needs it.
from .recorder import auto_enable_custom_integrations, madrid_time  # noqa: F401

# What each kind shows when its options or its reconfigure flow start, and the
# section of its diagnostics. A kind missing here fails test_every_kind_is_listed.
OPTIONS: dict[EntryType, tuple[FlowResultType, str] | None] = {
    EntryType.FIXED_TARIFF: (FlowResultType.MENU, "init"),
    EntryType.ESIOS_TARIFF: None,  # nothing to choose: no Configure button
    EntryType.TRACKED_SENSOR: (FlowResultType.FORM, "meter"),
    EntryType.TUYA_ACCOUNT: (FlowResultType.MENU, "init"),
    EntryType.HTTP_METER: (FlowResultType.FORM, "http_meter"),
    EntryType.OCTOPUS: (FlowResultType.FORM, "octopus"),
    EntryType.HOUSEHOLD: (FlowResultType.FORM, "household"),
}
RECONFIGURE: dict[EntryType, tuple[FlowResultType, str]] = {
    EntryType.FIXED_TARIFF: (FlowResultType.ABORT, "reconfigure_tariff"),
    EntryType.ESIOS_TARIFF: (FlowResultType.FORM, "reconfigure_esios"),
    EntryType.TRACKED_SENSOR: (FlowResultType.FORM, "reconfigure"),
    EntryType.TUYA_ACCOUNT: (FlowResultType.FORM, "reconfigure_tuya"),
    EntryType.HTTP_METER: (FlowResultType.ABORT, "reconfigure_http_meter"),
    EntryType.OCTOPUS: (FlowResultType.FORM, "reconfigure_octopus"),
    EntryType.HOUSEHOLD: (FlowResultType.ABORT, "reconfigure_household"),
}
DIAGNOSTICS: dict[EntryType, str] = {
    EntryType.FIXED_TARIFF: "tariff",
    EntryType.ESIOS_TARIFF: "pvpc",
    EntryType.TRACKED_SENSOR: "meter",
    EntryType.TUYA_ACCOUNT: "tuya",
    EntryType.HTTP_METER: "http_meter",
    EntryType.OCTOPUS: "octopus",
    EntryType.HOUSEHOLD: "household",
}


def test_every_kind_is_listed() -> None:
    """The tables below name every kind (a new kind must say what it does)."""
    assert set(OPTIONS) == set(RECONFIGURE) == set(DIAGNOSTICS) == set(EntryType)


async def test_every_kind_loads_with_its_entities(
    hass: HomeAssistant,
    kinds: dict[EntryType, MockConfigEntry],
    entity_registry: er.EntityRegistry,
) -> None:
    for kind, entry in kinds.items():
        assert entry_type(entry) is kind
        assert entry.state is ConfigEntryState.LOADED, kind
        entities = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        assert entities, kind
        missing = [
            e.entity_id
            for e in entities
            if not e.disabled and hass.states.get(e.entity_id) is None
        ]
        assert not missing, kind


async def test_options_and_reconfigure_of_every_kind(
    hass: HomeAssistant, kinds: dict[EntryType, MockConfigEntry]
) -> None:
    """Each kind gets its own options flow and reconfigure step, not another's."""
    shown: dict[EntryType, Any] = {}
    for kind, entry in kinds.items():
        options = None
        if entry.supports_options:
            result: Any = await hass.config_entries.options.async_init(entry.entry_id)
            options = (result["type"], result["step_id"])
        result = await entry.start_reconfigure_flow(hass)
        step = result.get("step_id") or result.get("reason")
        shown[kind] = (options, (result["type"], step))
    assert shown == {kind: (OPTIONS[kind], RECONFIGURE[kind]) for kind in EntryType}


async def test_diagnostics_of_every_kind(
    hass: HomeAssistant,
    kinds: dict[EntryType, MockConfigEntry],
    hass_client: ClientSessionGenerator,
) -> None:
    """Each kind's diagnostics have its own section, and no other kind's."""
    sections: dict[EntryType, set[str]] = {}
    for kind, entry in kinds.items():
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
        sections[kind] = set(diagnostics) - {"entry"}
    expected = {kind: {DIAGNOSTICS[kind]} for kind in EntryType}
    expected[EntryType.ESIOS_TARIFF].add("tariff")  # a PVPC tariff is a tariff too
    assert sections == expected


@pytest.mark.parametrize("kind", list(EntryType))
async def test_removing_every_kind_leaves_nothing_stored(
    hass: HomeAssistant,
    kinds: dict[EntryType, MockConfigEntry],
    hass_storage: dict[str, Any],
    kind: EntryType,
) -> None:
    """Its stores go with the entry; the other kinds' stay."""
    entry = kinds[kind]
    for other in kinds.values():
        await hass.config_entries.async_unload(other.entry_id)
    others_before = {k for k in hass_storage if k.startswith(f"{DOMAIN}.")}
    await hass.config_entries.async_remove(entry.entry_id)
    left = {k for k in hass_storage if k.startswith(f"{DOMAIN}.")}
    assert not {k for k in left if entry.entry_id in k}, left
    assert left == {k for k in others_before if entry.entry_id not in k}


def test_the_registry_has_every_kind_once() -> None:
    assert list(KINDS) == list(EntryType)
    for entry_type_, kind in KINDS.items():
        assert kind.entry_type is entry_type_
        assert (kind.reconfigure_step is None) != (kind.reconfigure_abort is None)


def test_each_kind_brings_its_flow_steps_and_no_step_id_is_taken_twice() -> None:
    mro = UtilityCostConfigFlow.__mro__
    owners: dict[str, EntryType] = {}
    for entry_type_, kind in KINDS.items():
        assert kind.flow_steps in mro, entry_type_
        assert kind.flow_steps is not None
        for name in vars(kind.flow_steps):
            if name.startswith("async_step_"):
                assert name not in owners, (name, owners.get(name), entry_type_)
                owners[name] = entry_type_
        # The menu's choice of this kind is one of its own steps.
        assert owners.get(f"async_step_{entry_type_}") is entry_type_
        for step in (kind.reconfigure_step, kind.reauth_step):
            if step is not None:
                assert owners.get(f"async_step_{step}") is entry_type_, step
