"""An Octopus Energy account's config flow steps (key, account, reauth, reconfigure) and options."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TimeSelector,
)
import voluptuous as vol

from ...api.octopus import (
    DEFAULT_BASE_URL as OCTOPUS_BASE_URL,
    OctopusAuthenticationError,
    OctopusClient,
    OctopusError,
    OctopusNotFoundError,
)
from ...const import (
    CONF_ACCOUNT_NUMBER,
    CONF_BASE_URL,
    CONF_CURRENCY,
    CONF_ENTRY_TYPE,
    CONF_GAS_CALORIFIC_VALUE,
    CONF_GAS_SMETS2,
    CONF_INCLUDE_STANDING_CHARGE,
    CONF_INCLUDE_VAT,
    CONF_METERS,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    CONF_NIGHT_UTC,
    CONF_PAYMENT_METHOD,
    MAX_CALORIFIC_VALUE,
    MIN_CALORIFIC_VALUE,
    PAYMENT_METHODS,
    EntryType,
)
from ...domain.octopus import normalise_account_number
from ...flow import (
    BooleanField,
    UtilityCostFlowBase,
    base_url_from,
    flag,
    number_field,
    number_in,
    password_field,
    time_of_day,
    url_field,
)
from .coordinator import OctopusCoordinator
from .meters import account_meters, meter_name

OCTOPUS_CURRENCY = "GBP"


async def _check_octopus(
    hass: HomeAssistant, number: str, access: Mapping[str, Any]
) -> dict[str, str]:
    """Read the account with the key; return the form's errors (none if it works)."""
    client = OctopusClient(
        async_get_clientsession(hass),
        access[CONF_API_KEY],
        base_url=access.get(CONF_BASE_URL) or OCTOPUS_BASE_URL,
    )
    try:
        await client.account(number)
    except OctopusAuthenticationError:
        return {"base": "invalid_octopus_key"}
    except OctopusNotFoundError:
        return {CONF_ACCOUNT_NUMBER: "account_not_found"}
    except OctopusError:
        return {"base": "octopus_unreachable"}
    return {}


class OctopusOptionsFlow(OptionsFlowWithReload):
    """Choose an Octopus account's meters and how their costs are computed."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Go to the only step."""
        return await self.async_step_octopus()

    async def async_step_octopus(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the meters, the payment method, VAT, Economy 7's night and gas."""
        entry = self.config_entry
        coordinator = getattr(entry, "runtime_data", None)
        if (
            not isinstance(coordinator, OctopusCoordinator)
            or coordinator.account is None
        ):
            return self.async_abort(reason="account_not_loaded")
        meters = account_meters(coordinator.account)
        errors: dict[str, str] = {}
        if user_input is not None:
            chosen = [key for key in user_input.get(CONF_METERS, []) if key in meters]
            calorific = number_in(
                user_input.get(CONF_GAS_CALORIFIC_VALUE),
                MIN_CALORIFIC_VALUE,
                MAX_CALORIFIC_VALUE,
            )
            if calorific is None:
                errors[CONF_GAS_CALORIFIC_VALUE] = "invalid_calorific_value"
            flags = {
                key: flag(user_input, key, errors)
                for key in (
                    CONF_INCLUDE_VAT,
                    CONF_INCLUDE_STANDING_CHARGE,
                    CONF_NIGHT_UTC,
                    CONF_GAS_SMETS2,
                )
            }
            if not errors:
                return self.async_create_entry(
                    data={
                        CONF_METERS: chosen,
                        CONF_PAYMENT_METHOD: user_input[CONF_PAYMENT_METHOD],
                        CONF_NIGHT_START: time_of_day(user_input[CONF_NIGHT_START]),
                        CONF_NIGHT_END: time_of_day(user_input[CONF_NIGHT_END]),
                        CONF_GAS_CALORIFIC_VALUE: calorific,
                        **flags,
                    }
                )
        schema = vol.Schema(
            {
                vol.Optional(CONF_METERS): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(
                                value=key, label=f"{meter_name(point)} ({serial})"
                            )
                            for key, (point, serial) in meters.items()
                        ],
                        multiple=True,
                    )
                ),
                vol.Required(CONF_PAYMENT_METHOD): SelectSelector(
                    SelectSelectorConfig(
                        options=list(PAYMENT_METHODS),
                        translation_key="payment_method",
                    )
                ),
                vol.Required(CONF_INCLUDE_VAT): BooleanField(),
                vol.Required(CONF_INCLUDE_STANDING_CHARGE): BooleanField(),
                vol.Required(CONF_NIGHT_START): TimeSelector(),
                vol.Required(CONF_NIGHT_END): TimeSelector(),
                vol.Required(CONF_NIGHT_UTC): BooleanField(),
                vol.Required(CONF_GAS_CALORIFIC_VALUE): number_field(
                    MIN_CALORIFIC_VALUE, MAX_CALORIFIC_VALUE, "MJ/m³"
                ),
                vol.Required(CONF_GAS_SMETS2): BooleanField(),
            }
        )
        current = {
            CONF_METERS: list(coordinator.data),
            CONF_PAYMENT_METHOD: coordinator.payment_method.lower(),
            CONF_INCLUDE_VAT: coordinator.include_vat,
            CONF_INCLUDE_STANDING_CHARGE: coordinator.include_standing_charge,
            CONF_NIGHT_START: coordinator.night.start.isoformat(),
            CONF_NIGHT_END: coordinator.night.end.isoformat(),
            CONF_NIGHT_UTC: coordinator.night.tz is UTC,
            CONF_GAS_CALORIFIC_VALUE: coordinator.gas_cv,
            CONF_GAS_SMETS2: coordinator.gas_smets2,
        }
        return self.async_show_form(
            step_id="octopus",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or current
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )


class OctopusSteps(UtilityCostFlowBase):
    """The config flow's steps of an Octopus Energy account."""

    async def async_step_octopus(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect to an Octopus account with its API key and number."""
        errors: dict[str, str] = {}
        if user_input is not None:
            number = normalise_account_number(str(user_input[CONF_ACCOUNT_NUMBER]))
            access = {
                CONF_API_KEY: str(user_input[CONF_API_KEY]).strip(),
                **base_url_from(user_input, errors),
            }
            if number is None:
                errors[CONF_ACCOUNT_NUMBER] = "invalid_account_number"
            else:
                await self.async_set_unique_id(number)
                self._abort_if_unique_id_configured()
                if not errors:
                    errors = await _check_octopus(self.hass, number, access)
            if number is not None and not errors:
                return self.async_create_entry(
                    title=f"Octopus {number}",
                    data={
                        CONF_ENTRY_TYPE: EntryType.OCTOPUS,
                        CONF_ACCOUNT_NUMBER: number,
                        CONF_CURRENCY: OCTOPUS_CURRENCY,
                        **access,
                    },
                )
        fields: dict[vol.Marker, Any] = {
            vol.Required(CONF_API_KEY): password_field(),
            vol.Required(CONF_ACCOUNT_NUMBER): TextSelector(),
        }
        if self.show_advanced_options:
            fields[vol.Optional(CONF_BASE_URL)] = url_field()
        safe_input = {k: v for k, v in (user_input or {}).items() if k != CONF_API_KEY}
        return self.async_show_form(
            step_id="octopus",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), safe_input
            ),
            errors=errors,
        )

    async def async_step_reauth_octopus(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new API key: Octopus refused the one in use."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_API_KEY: str(user_input[CONF_API_KEY]).strip()}
            errors = await _check_octopus(
                self.hass, entry.data[CONF_ACCOUNT_NUMBER], data
            )
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reauth_octopus",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): password_field()}),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure_octopus(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change an Octopus account's API key or base URL."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            if not self.show_advanced_options:
                # The address is not on the form: keep the one in use.
                user_input = {
                    CONF_BASE_URL: entry.data.get(CONF_BASE_URL),
                    **user_input,
                }
            access = {
                CONF_API_KEY: str(user_input[CONF_API_KEY]).strip(),
                **base_url_from(user_input, errors),
            }
            if not errors:
                errors = await _check_octopus(
                    self.hass, entry.data[CONF_ACCOUNT_NUMBER], access
                )
            if not errors:
                kept = {
                    k: v
                    for k, v in entry.data.items()
                    if k not in (CONF_API_KEY, CONF_BASE_URL)
                }
                return self.async_update_reload_and_abort(
                    entry, data={**kept, **access}
                )
        fields: dict[vol.Marker, Any] = {vol.Required(CONF_API_KEY): password_field()}
        if self.show_advanced_options:
            fields[vol.Optional(CONF_BASE_URL)] = url_field()
        return self.async_show_form(
            step_id="reconfigure_octopus",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields),
                {k: v for k, v in entry.data.items() if k == CONF_BASE_URL},
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )
