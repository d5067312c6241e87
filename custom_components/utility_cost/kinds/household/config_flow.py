"""The household totals' config flow step and options."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import TextSelector
import voluptuous as vol

from ...const import (
    CONF_ENTRY_TYPE,
    CONF_INCLUDE_HTTP_METERS,
    DEFAULT_HOUSEHOLD_NAME,
    EntryType,
)
from ...flow import BooleanField, UtilityCostFlowBase, flag, name_error


class HouseholdOptionsFlow(OptionsFlowWithReload):
    """Choose whether HTTP meters' stations count as appliances."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Go to the only step."""
        return await self.async_step_household()

    async def async_step_household(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the one setting."""
        errors: dict[str, str] = {}
        if user_input is not None:
            include = flag(user_input, CONF_INCLUDE_HTTP_METERS, errors)
            if not errors:
                return self.async_create_entry(data={CONF_INCLUDE_HTTP_METERS: include})
        schema = vol.Schema({vol.Required(CONF_INCLUDE_HTTP_METERS): BooleanField()})
        return self.async_show_form(
            step_id="household",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self.config_entry.options
            ),
            errors=errors,
            description_placeholders={"name": self.config_entry.title},
        )


class HouseholdSteps(UtilityCostFlowBase):
    """The config flow's steps of the household totals."""

    async def async_step_household(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add the totals of all appliances (one such entry at most)."""
        await self.async_set_unique_id(EntryType.HOUSEHOLD)
        self._abort_if_unique_id_configured()
        errors: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input.get(CONF_NAME) or "").strip()
            if (error := name_error(name)) is not None:
                errors[CONF_NAME] = error
            include = flag(user_input, CONF_INCLUDE_HTTP_METERS, errors)
            if not errors:
                return self.async_create_entry(
                    title=name,
                    data={CONF_ENTRY_TYPE: EntryType.HOUSEHOLD},
                    options={CONF_INCLUDE_HTTP_METERS: include},
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME, default=DEFAULT_HOUSEHOLD_NAME): TextSelector(),
                vol.Required(CONF_INCLUDE_HTTP_METERS, default=False): BooleanField(),
            }
        )
        return self.async_show_form(
            step_id="household",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )
