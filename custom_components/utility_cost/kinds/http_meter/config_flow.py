"""An HTTP meter's config flow step and options (tariff, limits, who may post)."""

from __future__ import annotations

from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_NAME, CONF_WEBHOOK_ID
from homeassistant.helpers.selector import TextSelector
import voluptuous as vol

from ...const import (
    CONF_ALLOW_REMOTE,
    CONF_CURRENCY,
    CONF_ENTRY_TYPE,
    CONF_MAX_STATIONS,
    CONF_MAX_WATTS,
    CONF_READING_TIMEOUT_S,
    CONF_TARIFF,
    DEFAULT_MAX_STATIONS,
    DEFAULT_READING_TIMEOUT_S,
    MAX_MAX_STATIONS,
    MAX_MAX_WATTS,
    MAX_READING_TIMEOUT_S,
    MIN_READING_TIMEOUT_S,
    EntryType,
)
from ...domain.readings import DEFAULT_MAX_WATTS
from ...flow import (
    BooleanField,
    UtilityCostFlowBase,
    chosen_tariff,
    flag,
    name_error,
    number_field,
    number_in,
)
from ...tariff.link import tariff_currency, tariff_selector
from .webhook import webhook_url


class HttpMeterOptionsFlow(OptionsFlowWithReload):
    """Change an HTTP meter's tariff, limits and who may post to it."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Go to the only step."""
        return await self.async_step_http_meter()

    async def async_step_http_meter(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the settings, and the webhook's address."""
        entry = self.config_entry
        options = entry.options
        tariffs = tariff_selector(self.hass, entry.data[CONF_CURRENCY])
        if tariffs is None:
            return self.async_abort(reason="no_tariffs")
        errors: dict[str, str] = {}
        if user_input is not None:
            chosen_tariff(self.hass, user_input, errors)
            max_watts = number_in(
                user_input.get(CONF_MAX_WATTS), 0, MAX_MAX_WATTS, above_minimum=True
            )
            if max_watts is None:
                errors[CONF_MAX_WATTS] = "invalid_max_watts"
            timeout = number_in(
                user_input.get(CONF_READING_TIMEOUT_S),
                MIN_READING_TIMEOUT_S,
                MAX_READING_TIMEOUT_S,
            )
            if timeout is None:
                errors[CONF_READING_TIMEOUT_S] = "invalid_reading_timeout"
            max_stations = number_in(
                user_input.get(CONF_MAX_STATIONS, DEFAULT_MAX_STATIONS),
                1,
                MAX_MAX_STATIONS,
            )
            if max_stations is None or not max_stations.is_integer():
                errors[CONF_MAX_STATIONS] = "invalid_max_stations"
            remote = flag(user_input, CONF_ALLOW_REMOTE, errors)
            if not errors:
                return self.async_create_entry(
                    data={
                        CONF_TARIFF: user_input[CONF_TARIFF],
                        CONF_MAX_WATTS: max_watts,
                        CONF_READING_TIMEOUT_S: int(timeout or 0),
                        CONF_MAX_STATIONS: int(max_stations or 0),
                        CONF_ALLOW_REMOTE: remote,
                    }
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_TARIFF): tariffs,
                vol.Required(CONF_MAX_WATTS): number_field(0, MAX_MAX_WATTS, "W"),
                vol.Required(CONF_READING_TIMEOUT_S): number_field(
                    MIN_READING_TIMEOUT_S, MAX_READING_TIMEOUT_S, "s", step=1
                ),
                vol.Required(
                    CONF_MAX_STATIONS, default=DEFAULT_MAX_STATIONS
                ): number_field(1, MAX_MAX_STATIONS, step=1),
                vol.Required(CONF_ALLOW_REMOTE): BooleanField(),
            }
        )
        remote = bool(options.get(CONF_ALLOW_REMOTE, False))
        return self.async_show_form(
            step_id="http_meter",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or options
            ),
            errors=errors,
            description_placeholders={
                "name": entry.title,
                "url": webhook_url(
                    self.hass, entry.data[CONF_WEBHOOK_ID], remote=remote
                ),
            },
        )


class HttpMeterSteps(UtilityCostFlowBase):
    """The config flow's steps of an HTTP meter."""

    async def async_step_http_meter(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the meter and pick its tariff; its webhook is made here."""
        tariffs = tariff_selector(self.hass)
        if tariffs is None:
            return self.async_abort(reason="no_tariffs")
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input[CONF_NAME]).strip()
            unique_id = f"{EntryType.HTTP_METER}_{name.casefold()}"
            if (error := name_error(name)) is not None:
                errors[CONF_NAME] = error
            else:
                errors |= self._clash(unique_id, CONF_NAME, "name_taken", placeholders)
            tariff = chosen_tariff(self.hass, user_input, errors)
            if tariff is not None and not errors:
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_configured()
                webhook_id = webhook.async_generate_id()
                return self.async_create_entry(
                    title=name,
                    data={
                        CONF_ENTRY_TYPE: EntryType.HTTP_METER,
                        CONF_WEBHOOK_ID: webhook_id,
                        CONF_CURRENCY: tariff_currency(tariff),
                    },
                    options={
                        CONF_TARIFF: user_input[CONF_TARIFF],
                        CONF_MAX_WATTS: DEFAULT_MAX_WATTS,
                        CONF_READING_TIMEOUT_S: DEFAULT_READING_TIMEOUT_S,
                        CONF_MAX_STATIONS: DEFAULT_MAX_STATIONS,
                        CONF_ALLOW_REMOTE: False,
                    },
                    description=EntryType.HTTP_METER,
                    description_placeholders={
                        "url": webhook_url(self.hass, webhook_id, remote=False)
                    },
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): TextSelector(),
                vol.Required(CONF_TARIFF): tariffs,
            }
        )
        return self.async_show_form(
            step_id="http_meter",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )
