"""No secret and no personal identifier leaves in diagnostics or the log."""

from __future__ import annotations

import json
import logging

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.fakes.esios import TOKEN, FakeEsios
from tests.fakes.octopus import (
    ACCOUNT,
    API_KEY,
    EXPORT_MPAN,
    GAS_MPRN,
    GAS_SERIAL,
    IMPORT_MPAN,
    IMPORT_SERIAL,
    FakeOctopus,
)
from tests.fakes.tuya_cloud import (
    ACCESS_ID as TUYA_ACCESS_ID,
    ACCESS_SECRET as TUYA_ACCESS_SECRET,
    FakeTuyaCloud,
)

from .conftest import (
    HTTP_METER_WEBHOOK_ID,
    PORTAL_COOKIE,
    esios_entry,
    fixed_tariff_entry,
    http_meter_entry,
    octopus_entry,
    portal_options,
    setup_entries,
    tracked_entry,
    tuya_entry,
)

# The recorder starts first (tests/recorder.py): the Octopus account needs it.
from .recorder import auto_enable_custom_integrations, madrid_time  # noqa: F401


async def test_no_secret_or_identifier_leaves_in_diagnostics_or_logs(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fake_esios: FakeEsios,
    fake_tuya: FakeTuyaCloud,
    octopus: FakeOctopus,
    portal: tuple[str, list[str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every entry type, with known secrets: none is in its diagnostics or the log."""
    caplog.set_level(logging.DEBUG)
    url, _cookies = portal
    tariff = fixed_tariff_entry()
    entries = [
        tariff,
        tracked_entry(tariff),
        esios_entry(fake_esios, token=TOKEN),
        tuya_entry(fake_tuya, tariff, **portal_options(url)),
        http_meter_entry(tariff),
        octopus_entry(octopus),
    ]
    await setup_entries(hass, *entries)
    await hass.async_block_till_done(wait_background_tasks=True)
    credentials = {
        TOKEN,
        TUYA_ACCESS_SECRET,
        PORTAL_COOKIE,
        HTTP_METER_WEBHOOK_ID,
        API_KEY,
    }
    identifiers = {
        TUYA_ACCESS_ID,
        url,
        ACCOUNT,
        IMPORT_MPAN,
        IMPORT_SERIAL,
        EXPORT_MPAN,
        GAS_MPRN,
        GAS_SERIAL,
    }
    for entry in entries:
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
        text = json.dumps(diagnostics).lower()
        if entry.title.startswith("Octopus"):
            # The meters are there, keyed without their numbers.
            assert len(diagnostics["octopus"]["meters"]) == 3
            assert "**redacted_" in "".join(diagnostics["octopus"]["meters"]).lower()
        for secret in credentials | identifiers:
            assert secret.lower() not in text, (entry.title, secret)
    for secret in credentials:
        assert secret not in caplog.text
