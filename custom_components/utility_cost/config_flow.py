"""The config flow: add a tariff or something that uses energy.

The menu offers every kind of entry. Each kind's steps are a mixin in its package
(``kinds/<kind>/config_flow.py``), with its options flow; this module puts them
together and sends reconfigure, re-authentication and options to the entry's kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult, OptionsFlow
from homeassistant.core import callback
from homeassistant.data_entry_flow import UnknownHandler

from .const import CONF_ENTRY_TYPE, DOMAIN, EntryType
from .kinds import KINDS, kind_of
from .kinds.esios_tariff.config_flow import EsiosTariffSteps
from .kinds.fixed_tariff.config_flow import FixedTariffSteps
from .kinds.household.config_flow import HouseholdSteps
from .kinds.http_meter.config_flow import HttpMeterSteps
from .kinds.octopus.config_flow import OctopusSteps
from .kinds.tracked_sensor.config_flow import TrackedSensorSteps
from .kinds.tuya_account.config_flow import TuyaAccountSteps


class UtilityCostConfigFlow(
    FixedTariffSteps,
    EsiosTariffSteps,
    TrackedSensorSteps,
    TuyaAccountSteps,
    HttpMeterSteps,
    OctopusSteps,
    HouseholdSteps,
    domain=DOMAIN,
):
    """Add a tariff or something that uses energy."""

    VERSION = 1

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Return True for the kinds that have options (not PVPC)."""
        return kind_of(config_entry).options_flow is not None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow of the entry's kind."""
        options_flow = kind_of(config_entry).options_flow
        if options_flow is None:
            raise UnknownHandler  # Home Assistant asks only where there is one
        return options_flow()

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which kind of entry to add."""
        return self.async_show_menu(step_id="user", menu_options=list(KINDS))

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change what an entry connects to; its kind decides what that is."""
        kind = kind_of(self._get_reconfigure_entry())
        if kind.reconfigure_step is None:
            return self.async_abort(reason=str(kind.reconfigure_abort))
        step = getattr(self, f"async_step_{kind.reconfigure_step}")
        result: ConfigFlowResult = await step(user_input)
        return result

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Ask for the credentials again: the service refused them."""
        kind = KINDS[EntryType(entry_data[CONF_ENTRY_TYPE])]
        step = getattr(self, f"async_step_{kind.reauth_step}")
        result: ConfigFlowResult = await step()
        return result
