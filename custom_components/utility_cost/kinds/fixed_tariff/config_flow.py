"""A fixed tariff's config flow step and options: its price, standing charge and bands."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TimeSelector,
)
import voluptuous as vol

from ...const import (
    CONF_BAND_DAYS,
    CONF_BAND_END,
    CONF_BAND_NAME,
    CONF_BAND_START,
    CONF_BANDS,
    CONF_CURRENCY,
    CONF_ENTRY_TYPE,
    CONF_PRICE,
    CONF_STANDING_CHARGE,
    MAX_BANDS,
    MAX_PRICE_PER_KWH,
    MAX_STANDING_CHARGE_PER_DAY,
    WEEKDAYS,
    EntryType,
)
from ...domain.prices import overlapping_bands
from ...flow import (
    UtilityCostFlowBase,
    currency_selector,
    name_error,
    number_field,
    number_in,
    price_field,
    time_of_day,
)
from ...tariff.schedule import band_from_options


def _check_prices(user_input: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Validate the price and optional standing charge; return them as options."""
    options: dict[str, Any] = {}
    price = number_in(
        user_input.get(CONF_PRICE), 0, MAX_PRICE_PER_KWH, above_minimum=True
    )
    if price is None:
        errors[CONF_PRICE] = "invalid_price"
    options[CONF_PRICE] = price
    if (charge := user_input.get(CONF_STANDING_CHARGE)) is not None:
        standing = number_in(charge, 0, MAX_STANDING_CHARGE_PER_DAY)
        if standing is None:
            errors[CONF_STANDING_CHARGE] = "invalid_standing_charge"
        options[CONF_STANDING_CHARGE] = standing
    return options


class FixedTariffOptionsFlow(OptionsFlowWithReload):
    """Change a fixed tariff's prices and its time-of-use bands."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask what to change."""
        menu = ["prices", "add_band"]
        if self.config_entry.options.get(CONF_BANDS):
            menu.append("remove_band")
        return self.async_show_menu(step_id="init", menu_options=menu)

    async def async_step_prices(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the base price and the standing charge."""
        errors: dict[str, str] = {}
        options = self.config_entry.options
        if user_input is not None:
            prices = _check_prices(user_input, errors)
            if not errors:
                kept = {
                    key: value
                    for key, value in options.items()
                    if key not in (CONF_PRICE, CONF_STANDING_CHARGE)
                }
                return self.async_create_entry(data={**kept, **prices})
        schema = vol.Schema(
            {
                vol.Required(CONF_PRICE): price_field(),
                vol.Optional(CONF_STANDING_CHARGE): number_field(
                    0, MAX_STANDING_CHARGE_PER_DAY
                ),
            }
        )
        return self.async_show_form(
            step_id="prices",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or options
            ),
            errors=errors,
        )

    async def async_step_add_band(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a band: a price at certain hours of certain days."""
        errors: dict[str, str] = {}
        bands: list[dict[str, Any]] = list(
            self.config_entry.options.get(CONF_BANDS, [])
        )
        if user_input is not None:
            band = _check_band(user_input, bands, errors)
            if len(bands) >= MAX_BANDS:
                errors["base"] = "too_many_bands"
            if not errors:
                return self.async_create_entry(
                    data={**self.config_entry.options, CONF_BANDS: [*bands, band]}
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_BAND_NAME): TextSelector(),
                vol.Required(CONF_PRICE): price_field(),
                vol.Required(CONF_BAND_START): TimeSelector(),
                vol.Required(CONF_BAND_END): TimeSelector(),
                vol.Required(CONF_BAND_DAYS, default=list(WEEKDAYS)): SelectSelector(
                    SelectSelectorConfig(
                        options=list(WEEKDAYS),
                        multiple=True,
                        mode=SelectSelectorMode.LIST,
                        translation_key="weekday",
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="add_band",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_remove_band(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Remove one or more bands."""
        bands: list[dict[str, Any]] = list(
            self.config_entry.options.get(CONF_BANDS, [])
        )
        if user_input is not None:
            removed = set(user_input[CONF_BANDS])
            return self.async_create_entry(
                data={
                    **self.config_entry.options,
                    CONF_BANDS: [b for b in bands if b[CONF_BAND_NAME] not in removed],
                }
            )
        schema = vol.Schema(
            {
                vol.Required(CONF_BANDS): SelectSelector(
                    SelectSelectorConfig(
                        options=[band[CONF_BAND_NAME] for band in bands],
                        multiple=True,
                        mode=SelectSelectorMode.LIST,
                    )
                )
            }
        )
        return self.async_show_form(step_id="remove_band", data_schema=schema)


def _check_band(
    user_input: dict[str, Any], bands: list[dict[str, Any]], errors: dict[str, str]
) -> dict[str, Any]:
    """Validate a new band against the existing ones; return it as stored."""
    name = str(user_input[CONF_BAND_NAME]).strip()
    if (error := name_error(name)) is not None:
        errors[CONF_BAND_NAME] = error
    elif any(band[CONF_BAND_NAME].casefold() == name.casefold() for band in bands):
        errors[CONF_BAND_NAME] = "band_name_taken"
    price = number_in(user_input.get(CONF_PRICE), 0, MAX_PRICE_PER_KWH)
    if price is None:
        errors[CONF_PRICE] = "invalid_band_price"
    days = [day for day in WEEKDAYS if day in user_input[CONF_BAND_DAYS]]
    if not days:
        errors[CONF_BAND_DAYS] = "no_days"
    band = {
        CONF_BAND_NAME: name,
        CONF_PRICE: price,
        CONF_BAND_START: time_of_day(user_input[CONF_BAND_START]),
        CONF_BAND_END: time_of_day(user_input[CONF_BAND_END]),
        CONF_BAND_DAYS: days,
    }
    if not errors and overlapping_bands([band_from_options(b) for b in (*bands, band)]):
        errors["base"] = "band_overlap"
    return band


class FixedTariffSteps(UtilityCostFlowBase):
    """The config flow's steps of the fixed tariff."""

    async def async_step_fixed_tariff(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the tariff and give its price."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input[CONF_NAME]).strip()
            unique_id = f"{EntryType.FIXED_TARIFF}_{name.casefold()}"
            if (error := name_error(name)) is not None:
                errors[CONF_NAME] = error
            else:
                errors |= self._clash(unique_id, CONF_NAME, "name_taken", placeholders)
            options = _check_prices(user_input, errors)
            if not errors:
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=name,
                    data={
                        CONF_ENTRY_TYPE: EntryType.FIXED_TARIFF,
                        CONF_CURRENCY: user_input[CONF_CURRENCY],
                    },
                    options={**options, CONF_BANDS: []},
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): TextSelector(),
                # Optional in the schema only: the frontend fills a required number
                # with its minimum (0), which is not a price; the step requires it.
                vol.Optional(CONF_PRICE): price_field(),
                vol.Required(
                    CONF_CURRENCY, default=self.hass.config.currency
                ): currency_selector(),
                vol.Optional(CONF_STANDING_CHARGE): number_field(
                    0, MAX_STANDING_CHARGE_PER_DAY
                ),
            }
        )
        return self.async_show_form(
            step_id="fixed_tariff",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )
