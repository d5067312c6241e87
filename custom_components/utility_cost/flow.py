"""What every kind's config and options flow steps share: fields and checks.

Every number a user types is checked here and answered with a translated error on
the field, never with a schema error.
"""

from __future__ import annotations

import math
from typing import Any, Literal
import unicodedata
from urllib.parse import urlparse

from homeassistant.config_entries import ConfigEntry, ConfigFlow
from homeassistant.core import HomeAssistant
from homeassistant.generated.currencies import ACTIVE_CURRENCIES
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .const import (
    CONF_BASE_URL,
    CONF_TARIFF,
    DOMAIN,
    MAX_NAME_LENGTH,
    MAX_PRICE_PER_KWH,
)
from .tariff.link import TariffLink


class NumberField(NumberSelector):
    """A number box whose out-of-range or non-numeric input reaches the step.

    The plain selector would reject such input with an untranslated schema error;
    this one passes it through so that the step can answer with a translated error
    on the field.
    """

    def __call__(self, data: Any) -> Any:
        """Return the number, or the raw input if it is not an acceptable one."""
        if isinstance(data, bool):
            return data  # the selector would take ``true`` as 1
        try:
            return super().__call__(data)
        except vol.Invalid:
            return data


class BooleanField(BooleanSelector):
    """A toggle whose non-boolean input reaches the step (``"yes"`` is not on).

    The plain selector coerces any non-empty string to True.
    """

    def __call__(self, data: Any) -> Any:
        """Return the input as it came; the step refuses what is not a boolean."""
        return data


def flag(user_input: dict[str, Any], key: str, errors: dict[str, str]) -> bool:
    """Return a toggle's value, or say on the field that it is not on or off."""
    value = user_input.get(key, False)
    if not isinstance(value, bool):
        errors[key] = "invalid_boolean"
        return False
    return value


def name_error(name: str) -> str | None:
    """Return the error key of a name the user typed (already stripped), or None."""
    if not name:
        return "name_required"
    if len(name) > MAX_NAME_LENGTH:
        return "name_too_long"
    if any(unicodedata.category(char) == "Cc" for char in name):
        return "name_control_character"
    return None


def number_field(
    minimum: float,
    maximum: float,
    unit: str | None = None,
    step: float | Literal["any"] = "any",
) -> NumberField:
    """Return a number field with the given bounds."""
    config = NumberSelectorConfig(
        min=minimum, max=maximum, step=step, mode=NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberField(config)


def number_in(
    value: Any, minimum: float, maximum: float, *, above_minimum: bool = False
) -> float | None:
    """Return ``value`` as a finite float within the range, or None.

    A boolean is not a number here (Python would take ``true`` as 1).
    """
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number > maximum:
        return None
    if number < minimum or (above_minimum and number == minimum):
        return None
    return number


def time_of_day(value: str) -> str:
    """Return a time from Home Assistant's time field in ISO form (``07:05:00``).

    The field accepts ``7:00``, ``7:5`` and ``1:2:3`` as well as ``07:00:00``
    (``cv.time``, which it validated with); ISO parsing alone would refuse them.
    """
    return cv.time(value).isoformat()


def price_field() -> NumberField:
    """Return the field of a price per kWh."""
    return number_field(0, MAX_PRICE_PER_KWH)


def currency_selector() -> SelectSelector:
    """Return the choice of a currency."""
    return SelectSelector(
        SelectSelectorConfig(
            options=sorted(ACTIVE_CURRENCIES), mode=SelectSelectorMode.DROPDOWN
        )
    )


def chosen_tariff(
    hass: HomeAssistant, user_input: dict[str, Any], errors: dict[str, str]
) -> ConfigEntry | None:
    """Return the entry of the tariff picked in the form, or say it is gone."""
    tariff = TariffLink(hass, str(user_input.get(CONF_TARIFF, ""))).entry
    if tariff is None:
        errors[CONF_TARIFF] = "tariff_missing"
    return tariff


def password_field() -> TextSelector:
    """Return a field whose text is hidden."""
    return TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def url_field() -> TextSelector:
    """Return a field for a URL."""
    return TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


def base_url_from(user_input: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """Return the optional base URL override, checked (empty if not given)."""
    base_url = str(user_input.get(CONF_BASE_URL) or "").strip().rstrip("/")
    if not base_url:
        return {}
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        errors[CONF_BASE_URL] = "invalid_url"
    return {CONF_BASE_URL: base_url}


class UtilityCostFlowBase(ConfigFlow):
    """What the kinds' config flow steps share (each kind's steps are a mixin)."""

    def _clash(
        self, unique_id: str, field: str, error: str, placeholders: dict[str, str]
    ) -> dict[str, str]:
        """Return a field error naming the entry that has ``unique_id`` already.

        Empty if there is none. A clash is told on its field, with the existing
        entry's name, rather than ending the whole flow.
        """
        existing = self.hass.config_entries.async_entry_for_domain_unique_id(
            DOMAIN, unique_id
        )
        if existing is None:
            return {}
        placeholders["existing"] = existing.title
        return {field: error}
