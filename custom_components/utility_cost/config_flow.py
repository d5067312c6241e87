"""Config, options and reconfigure flows.

The ``user`` step is a menu of entry types; each type has its own group of steps
below. Every number a user types is checked here and answered with a translated
error on the field, never with a schema error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC
import math
from typing import Any, Literal, assert_never
import unicodedata
from urllib.parse import urlparse

from homeassistant.components import webhook
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    CONF_API_KEY,
    CONF_NAME,
    CONF_TOKEN,
    CONF_WEBHOOK_ID,
    Platform,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import UnknownHandler
from homeassistant.generated.currencies import ACTIVE_CURRENCIES
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
    TimeSelector,
)
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .api.esios import (
    DEFAULT_BASE_URL as ESIOS_BASE_URL,
    EsiosAuthenticationError,
    EsiosClient,
    EsiosError,
)
from .api.octopus import (
    DEFAULT_BASE_URL as OCTOPUS_BASE_URL,
    OctopusAuthenticationError,
    OctopusClient,
    OctopusError,
    OctopusNotFoundError,
)
from .api.quota_portal import PortalError, QuotaPortalClient
from .api.tuya import (
    DATA_CENTERS,
    TuyaApiNotSubscribedError,
    TuyaAuthenticationError,
    TuyaBadResponseError,
    TuyaBusyError,
    TuyaClient,
    TuyaConnectionError,
    TuyaDevice,
    TuyaError,
    TuyaPlanExpiredError,
    TuyaQuotaExhaustedError,
    TuyaRateLimitedError,
)
from .const import (
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_ACCOUNT_NUMBER,
    CONF_ALLOW_REMOTE,
    CONF_BAND_DAYS,
    CONF_BAND_END,
    CONF_BAND_NAME,
    CONF_BAND_START,
    CONF_BANDS,
    CONF_BASE_URL,
    CONF_CURRENCY,
    CONF_DATA_CENTER,
    CONF_DEVICE,
    CONF_ENTRY_TYPE,
    CONF_FIXED_WATTS,
    CONF_FLOW_CALLS,
    CONF_GAS_CALORIFIC_VALUE,
    CONF_GAS_SMETS2,
    CONF_IGNORED_DEVICES,
    CONF_INCLUDE_HTTP_METERS,
    CONF_INCLUDE_STANDING_CHARGE,
    CONF_INCLUDE_VAT,
    CONF_MAX_STATIONS,
    CONF_MAX_WATTS,
    CONF_MESSAGE_CAP,
    CONF_METERS,
    CONF_MIN_SESSION_S,
    CONF_MONITORED_DEVICES,
    CONF_MONTHLY_CAP,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    CONF_NIGHT_UTC,
    CONF_ON_THRESHOLD_W,
    CONF_PAYMENT_METHOD,
    CONF_PORTAL_COOKIE,
    CONF_PORTAL_REMAINING_POINTER,
    CONF_PORTAL_URL,
    CONF_PORTAL_USED_POINTER,
    CONF_PRICE,
    CONF_READING_TIMEOUT_S,
    CONF_RESET_DAY,
    CONF_RESET_HOUR,
    CONF_SOURCE,
    CONF_SOURCE_KIND,
    CONF_STANDBY_WATTS,
    CONF_STANDING_CHARGE,
    CONF_TARIFF,
    CONF_UNKNOWN_SHARE,
    CONF_WATTS,
    CONF_ZONE,
    DEFAULT_HOUSEHOLD_NAME,
    DEFAULT_MAX_STATIONS,
    DEFAULT_MIN_SESSION_S,
    DEFAULT_ON_THRESHOLD_W,
    DEFAULT_READING_TIMEOUT_S,
    DEFAULT_UNKNOWN_SHARE,
    DOMAIN,
    LOGGER,
    MAX_BANDS,
    MAX_CALORIFIC_VALUE,
    MAX_FIXED_WATTS,
    MAX_MAX_STATIONS,
    MAX_MAX_WATTS,
    MAX_MIN_SESSION_S,
    MAX_MONTHLY_CAP,
    MAX_NAME_LENGTH,
    MAX_ON_THRESHOLD_W,
    MAX_PRICE_PER_KWH,
    MAX_READING_TIMEOUT_S,
    MAX_STANDING_CHARGE_PER_DAY,
    MIN_CALORIFIC_VALUE,
    MIN_MONTHLY_CAP,
    MIN_READING_TIMEOUT_S,
    PAYMENT_METHODS,
    WEEKDAYS,
    EntryType,
    entry_type,
)
from .domain.octopus import normalise_account_number
from .domain.prices import overlapping_bands
from .domain.pvpc import Zone, local_day
from .domain.quota import DEFAULT_MESSAGE_CAP, DEFAULT_MONTHLY_CAP
from .domain.readings import DEFAULT_MAX_WATTS
from .domain.units import SourceKind, source_kind_for_unit
from .octopus_account import OctopusCoordinator, account_meters, meter_name
from .tariff import TariffLink, band_from_options, tariff_currency, tariff_selector
from .tuya_account import TuyaCoordinator, tuya_base_url
from .webhook import webhook_url

# PVPC prices are in euros; Octopus's in pounds.
PVPC_CURRENCY = "EUR"
OCTOPUS_CURRENCY = "GBP"
ZONE_TITLES: dict[Zone, str] = {
    Zone.PENINSULA: "PVPC Península",
    Zone.CANARIAS: "PVPC Canarias",
    Zone.BALEARES: "PVPC Baleares",
    Zone.CEUTA: "PVPC Ceuta",
    Zone.MELILLA: "PVPC Melilla",
}

_SOURCE_DEVICE_CLASSES: dict[str | None, SourceKind] = {
    SensorDeviceClass.POWER: SourceKind.POWER,
    SensorDeviceClass.ENERGY: SourceKind.ENERGY,
}


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


def _flag(user_input: dict[str, Any], key: str, errors: dict[str, str]) -> bool:
    """Return a toggle's value, or say on the field that it is not on or off."""
    value = user_input.get(key, False)
    if not isinstance(value, bool):
        errors[key] = "invalid_boolean"
        return False
    return value


def _name_error(name: str) -> str | None:
    """Return the error key of a name the user typed (already stripped), or None."""
    if not name:
        return "name_required"
    if len(name) > MAX_NAME_LENGTH:
        return "name_too_long"
    if any(unicodedata.category(char) == "Cc" for char in name):
        return "name_control_character"
    return None


def _number_field(
    minimum: float,
    maximum: float,
    unit: str | None = None,
    step: float | Literal["any"] = "any",
) -> NumberField:
    config = NumberSelectorConfig(
        min=minimum, max=maximum, step=step, mode=NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberField(config)


def _number_in(
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


def _time_of_day(value: str) -> str:
    """Return a time from Home Assistant's time field in ISO form (``07:05:00``).

    The field accepts ``7:00``, ``7:5`` and ``1:2:3`` as well as ``07:00:00``
    (``cv.time``, which it validated with); ISO parsing alone would refuse them.
    """
    return cv.time(value).isoformat()


def _price_field() -> NumberField:
    return _number_field(0, MAX_PRICE_PER_KWH)


def _currency_selector() -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=sorted(ACTIVE_CURRENCIES), mode=SelectSelectorMode.DROPDOWN
        )
    )


def _source_selector(hass: HomeAssistant) -> EntitySelector:
    """Pick a power or energy sensor, not one of this integration's own.

    Tracking a meter's energy sensor would count the same energy twice in the
    Energy dashboard.
    """
    own = [
        entry.entity_id
        for entry in er.async_get(hass).entities.values()
        if entry.platform == DOMAIN
    ]
    return EntitySelector(
        EntitySelectorConfig(
            domain=Platform.SENSOR,
            device_class=[str(device_class) for device_class in _SOURCE_DEVICE_CLASSES],
            exclude_entities=sorted(own),
        )
    )


def _check_prices(user_input: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Validate the price and optional standing charge; return them as options."""
    options: dict[str, Any] = {}
    price = _number_in(
        user_input.get(CONF_PRICE), 0, MAX_PRICE_PER_KWH, above_minimum=True
    )
    if price is None:
        errors[CONF_PRICE] = "invalid_price"
    options[CONF_PRICE] = price
    if (charge := user_input.get(CONF_STANDING_CHARGE)) is not None:
        standing = _number_in(charge, 0, MAX_STANDING_CHARGE_PER_DAY)
        if standing is None:
            errors[CONF_STANDING_CHARGE] = "invalid_standing_charge"
        options[CONF_STANDING_CHARGE] = standing
    return options


def _chosen_tariff(
    hass: HomeAssistant, user_input: dict[str, Any], errors: dict[str, str]
) -> ConfigEntry | None:
    """Return the entry of the tariff picked in the form, or say it is gone."""
    tariff = TariffLink(hass, str(user_input.get(CONF_TARIFF, ""))).entry
    if tariff is None:
        errors[CONF_TARIFF] = "tariff_missing"
    return tariff


def _check_source(
    hass: HomeAssistant, entity_id: str
) -> tuple[SourceKind | None, str | None]:
    """Return the kind of quantity a source measures, or the error key why not."""
    state = hass.states.get(entity_id)
    registry_entry = er.async_get(hass).async_get(entity_id)
    if state is None and registry_entry is None:
        return None, "entity_not_found"
    if registry_entry is not None and registry_entry.platform == DOMAIN:
        return None, "own_entity"
    device_class = state.attributes.get(ATTR_DEVICE_CLASS) if state else None
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) if state else None
    if registry_entry is not None:
        device_class = (
            device_class
            or registry_entry.device_class
            or (registry_entry.original_device_class)
        )
        unit = unit or registry_entry.unit_of_measurement
    kind = _SOURCE_DEVICE_CLASSES.get(device_class)
    if kind is None:
        return None, "not_power_or_energy"
    if source_kind_for_unit(unit) is not kind:
        return None, "unsupported_unit"
    return kind, None


def _source_unique_id(hass: HomeAssistant, entity_id: str) -> str:
    """Identify a source by its registry id (stable across renames) if it has one."""
    registry_entry = er.async_get(hass).async_get(entity_id)
    return registry_entry.id if registry_entry is not None else entity_id


def _options_flow(entry: ConfigEntry) -> OptionsFlow | None:
    """Return a new options flow of the entry's kind (None: PVPC has no options)."""
    match entry_type(entry):
        case EntryType.FIXED_TARIFF:
            return FixedTariffOptionsFlow()
        case EntryType.TRACKED_SENSOR:
            return TrackedSensorOptionsFlow()
        case EntryType.TUYA_ACCOUNT:
            return TuyaOptionsFlow()
        case EntryType.HTTP_METER:
            return HttpMeterOptionsFlow()
        case EntryType.OCTOPUS:
            return OctopusOptionsFlow()
        case EntryType.HOUSEHOLD:
            return HouseholdOptionsFlow()
        case EntryType.ESIOS_TARIFF:
            return None
        case unknown:
            assert_never(unknown)


class UtilityCostConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a tariff or something that uses energy."""

    VERSION = 1

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

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Return True for the entry types that have options (not PVPC)."""
        return _options_flow(config_entry) is not None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow of the entry's type."""
        flow = _options_flow(config_entry)
        if flow is None:
            raise UnknownHandler  # Home Assistant asks only where there is one
        return flow

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which kind of entry to add."""
        return self.async_show_menu(step_id="user", menu_options=list(EntryType))

    # --- fixed tariff ----------------------------------------------------------

    async def async_step_fixed_tariff(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the tariff and give its price."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input[CONF_NAME]).strip()
            unique_id = f"{EntryType.FIXED_TARIFF}_{name.casefold()}"
            if (error := _name_error(name)) is not None:
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
                vol.Optional(CONF_PRICE): _price_field(),
                vol.Required(
                    CONF_CURRENCY, default=self.hass.config.currency
                ): _currency_selector(),
                vol.Optional(CONF_STANDING_CHARGE): _number_field(
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

    # --- Spain PVPC (ESIOS) ----------------------------------------------------

    async def async_step_esios_tariff(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the PVPC zone and, optionally, a personal ESIOS token."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            zone = Zone(user_input[CONF_ZONE])
            unique_id = f"{EntryType.ESIOS_TARIFF}_{zone}"
            errors |= self._clash(unique_id, CONF_ZONE, "zone_taken", placeholders)
            access = _esios_access(user_input, errors)
            if not errors:
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_configured()
                errors = await _check_esios(self.hass, zone, access)
            if not errors:
                return self.async_create_entry(
                    title=ZONE_TITLES[zone],
                    data={
                        CONF_ENTRY_TYPE: EntryType.ESIOS_TARIFF,
                        CONF_CURRENCY: PVPC_CURRENCY,
                        CONF_ZONE: zone,
                        **access,
                    },
                )
        fields: dict[vol.Marker, Any] = {
            vol.Required(CONF_ZONE, default=Zone.PENINSULA): SelectSelector(
                SelectSelectorConfig(
                    options=list(Zone),
                    mode=SelectSelectorMode.DROPDOWN,
                    translation_key="zone",
                )
            ),
            vol.Optional(CONF_TOKEN): _password(),
        }
        if self.show_advanced_options:
            fields[vol.Optional(CONF_BASE_URL)] = _url()
        safe_input = {k: v for k, v in (user_input or {}).items() if k != CONF_TOKEN}
        return self.async_show_form(
            step_id="esios_tariff",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), safe_input
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reauth_esios(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new ESIOS token (or none, to use the public archive)."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = str(user_input.get(CONF_TOKEN) or "").strip()
            data = {k: v for k, v in entry.data.items() if k != CONF_TOKEN}
            if token:
                data[CONF_TOKEN] = token
            errors = await _check_esios(self.hass, Zone(entry.data[CONF_ZONE]), data)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reauth_esios",
            data_schema=vol.Schema({vol.Optional(CONF_TOKEN): _password()}),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure_esios(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change a PVPC tariff's token or base URL."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            if not self.show_advanced_options:
                # The address is not on the form: keep the one in use.
                user_input = {
                    CONF_BASE_URL: entry.data.get(CONF_BASE_URL),
                    **user_input,
                }
            access = _esios_access(user_input, errors)
            if not errors:
                errors = await _check_esios(
                    self.hass, Zone(entry.data[CONF_ZONE]), access
                )
            if not errors:
                data = {
                    k: v
                    for k, v in entry.data.items()
                    if k not in (CONF_TOKEN, CONF_BASE_URL)
                }
                return self.async_update_reload_and_abort(
                    entry, data={**data, **access}
                )
        fields: dict[vol.Marker, Any] = {vol.Optional(CONF_TOKEN): _password()}
        if self.show_advanced_options:
            fields[vol.Optional(CONF_BASE_URL)] = _url()
        return self.async_show_form(
            step_id="reconfigure_esios",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields),
                {
                    k: v
                    for k, v in (user_input or entry.data).items()
                    if k != CONF_TOKEN
                },
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    # --- tracked sensor --------------------------------------------------------

    async def async_step_tracked_sensor(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick a power or energy sensor and the tariff that prices it."""
        tariffs = tariff_selector(self.hass)
        if tariffs is None:
            return self.async_abort(reason="no_tariffs")
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            source = user_input[CONF_SOURCE]
            kind, error = _check_source(self.hass, source)
            unique_id = _source_unique_id(self.hass, source)
            if error is not None:
                errors[CONF_SOURCE] = error
            else:
                errors |= self._clash(
                    unique_id, CONF_SOURCE, "source_taken", placeholders
                )
            tariff = _chosen_tariff(self.hass, user_input, errors)
            name = str(user_input.get(CONF_NAME) or "").strip()
            if name and (error := _name_error(name)) is not None:
                errors[CONF_NAME] = error
            if kind is not None and tariff is not None and not errors:
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_configured()
                state = self.hass.states.get(source)
                name = name or (state.name if state else source)
                return self.async_create_entry(
                    title=name,
                    data={
                        CONF_ENTRY_TYPE: EntryType.TRACKED_SENSOR,
                        CONF_SOURCE: source,
                        CONF_SOURCE_KIND: kind,
                        CONF_CURRENCY: tariff_currency(tariff),
                    },
                    options={
                        CONF_TARIFF: user_input[CONF_TARIFF],
                        CONF_ON_THRESHOLD_W: DEFAULT_ON_THRESHOLD_W,
                        CONF_MIN_SESSION_S: DEFAULT_MIN_SESSION_S,
                    },
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_SOURCE): _source_selector(self.hass),
                vol.Required(CONF_TARIFF): tariffs,
                vol.Optional(CONF_NAME): TextSelector(),
            }
        )
        return self.async_show_form(
            step_id="tracked_sensor",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change what an entry connects to; its kind decides what that is."""
        match entry_type(self._get_reconfigure_entry()):
            case EntryType.TUYA_ACCOUNT:
                return await self.async_step_reconfigure_tuya()
            case EntryType.ESIOS_TARIFF:
                return await self.async_step_reconfigure_esios()
            case EntryType.OCTOPUS:
                return await self.async_step_reconfigure_octopus()
            case EntryType.TRACKED_SENSOR:
                return await self.async_step_reconfigure_source(user_input)
            case EntryType.FIXED_TARIFF:
                return self.async_abort(reason="reconfigure_tariff")
            case EntryType.HTTP_METER:
                return self.async_abort(reason="reconfigure_http_meter")
            case EntryType.HOUSEHOLD:
                return self.async_abort(reason="reconfigure_household")
            case unknown:
                assert_never(unknown)

    async def async_step_reconfigure_source(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change a tracked sensor's source."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"name": entry.title}
        if user_input is not None:
            source = user_input[CONF_SOURCE]
            kind, error = _check_source(self.hass, source)
            if error is not None:
                errors[CONF_SOURCE] = error
            else:
                unique_id = _source_unique_id(self.hass, source)
                if unique_id != entry.unique_id:
                    errors |= self._clash(
                        unique_id, CONF_SOURCE, "source_taken", placeholders
                    )
                if not errors:
                    return self.async_update_reload_and_abort(
                        entry,
                        unique_id=unique_id,
                        data_updates={CONF_SOURCE: source, CONF_SOURCE_KIND: kind},
                    )
        schema = vol.Schema({vol.Required(CONF_SOURCE): _source_selector(self.hass)})
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or {CONF_SOURCE: entry.data[CONF_SOURCE]}
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    # --- household totals -------------------------------------------------------

    async def async_step_household(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add the totals of all appliances (one such entry at most)."""
        await self.async_set_unique_id(EntryType.HOUSEHOLD)
        self._abort_if_unique_id_configured()
        errors: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input.get(CONF_NAME) or "").strip()
            if (error := _name_error(name)) is not None:
                errors[CONF_NAME] = error
            include = _flag(user_input, CONF_INCLUDE_HTTP_METERS, errors)
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

    # --- HTTP meter --------------------------------------------------------------

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
            if (error := _name_error(name)) is not None:
                errors[CONF_NAME] = error
            else:
                errors |= self._clash(unique_id, CONF_NAME, "name_taken", placeholders)
            tariff = _chosen_tariff(self.hass, user_input, errors)
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

    # --- Octopus Energy -------------------------------------------------------------

    async def async_step_octopus(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect to an Octopus account with its API key and number."""
        errors: dict[str, str] = {}
        if user_input is not None:
            number = normalise_account_number(str(user_input[CONF_ACCOUNT_NUMBER]))
            access = {
                CONF_API_KEY: str(user_input[CONF_API_KEY]).strip(),
                **_base_url(user_input, errors),
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
            vol.Required(CONF_API_KEY): _password(),
            vol.Required(CONF_ACCOUNT_NUMBER): TextSelector(),
        }
        if self.show_advanced_options:
            fields[vol.Optional(CONF_BASE_URL)] = _url()
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
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): _password()}),
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
                **_base_url(user_input, errors),
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
        fields: dict[vol.Marker, Any] = {vol.Required(CONF_API_KEY): _password()}
        if self.show_advanced_options:
            fields[vol.Optional(CONF_BASE_URL)] = _url()
        return self.async_show_form(
            step_id="reconfigure_octopus",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields),
                {k: v for k, v in entry.data.items() if k == CONF_BASE_URL},
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    # --- Tuya cloud account ------------------------------------------------------

    _tuya_calls = 0

    async def _check_tuya(
        self, data: Mapping[str, Any], entry: ConfigEntry | None = None
    ) -> dict[str, str]:
        """Check the credentials; count the calls as the account's own.

        A new account gets them with its entry; a loaded one's quota takes them now.
        """
        runtime = None if entry is None else getattr(entry, "runtime_data", None)

        def count() -> None:
            if isinstance(runtime, TuyaCoordinator):
                runtime.quota.record_call(paced=False)
            else:
                self._tuya_calls += 1

        return await _check_tuya(self.hass, data, count)

    async def async_step_tuya_account(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect to a Tuya cloud project with its Access ID and Secret."""
        tariffs = tariff_selector(self.hass)
        if tariffs is None:
            return self.async_abort(reason="no_tariffs")
        errors: dict[str, str] = {}
        if user_input is not None:
            access_id = str(user_input[CONF_ACCESS_ID]).strip()
            await self.async_set_unique_id(access_id)
            self._abort_if_unique_id_configured()
            tariff = _chosen_tariff(self.hass, user_input, errors)
            data = {
                CONF_ENTRY_TYPE: EntryType.TUYA_ACCOUNT,
                CONF_ACCESS_ID: access_id,
                CONF_ACCESS_SECRET: user_input[CONF_ACCESS_SECRET],
                **_tuya_location(user_input, errors),
            }
            if not errors:
                errors = await self._check_tuya(data)
            if tariff is not None and not errors:
                return self.async_create_entry(
                    title=f"Tuya cloud {access_id[-4:]}",
                    data={
                        **data,
                        CONF_CURRENCY: tariff_currency(tariff),
                        # The calls of this form count against the account's quota.
                        CONF_FLOW_CALLS: self._tuya_calls,
                    },
                    options={
                        CONF_TARIFF: user_input[CONF_TARIFF],
                        CONF_MONTHLY_CAP: DEFAULT_MONTHLY_CAP,
                        CONF_IGNORED_DEVICES: [],
                        CONF_FIXED_WATTS: {},
                    },
                )
        fields: dict[vol.Marker, Any] = {
            vol.Required(CONF_ACCESS_ID): TextSelector(),
            vol.Required(CONF_ACCESS_SECRET): _password(),
            vol.Required(CONF_DATA_CENTER, default="central_europe"): _data_centers(),
            vol.Required(CONF_TARIFF): tariffs,
        }
        if self.show_advanced_options:
            fields[vol.Optional(CONF_BASE_URL)] = _url()
        safe_input = {
            k: v for k, v in (user_input or {}).items() if k != CONF_ACCESS_SECRET
        }
        return self.async_show_form(
            step_id="tuya_account",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), safe_input
            ),
            errors=errors,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Ask for the credentials again: the service refused them."""
        if entry_data[CONF_ENTRY_TYPE] == EntryType.ESIOS_TARIFF:
            return await self.async_step_reauth_esios()
        if entry_data[CONF_ENTRY_TYPE] == EntryType.OCTOPUS:
            return await self.async_step_reauth_octopus()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check a new Access Secret (and Access ID) and reload with it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            access_id = str(user_input[CONF_ACCESS_ID]).strip()
            await self.async_set_unique_id(access_id)
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            updates = {
                CONF_ACCESS_ID: access_id,
                CONF_ACCESS_SECRET: user_input[CONF_ACCESS_SECRET],
            }
            errors = await self._check_tuya({**entry.data, **updates}, entry)
            if not errors:
                return self.async_update_reload_and_abort(entry, data_updates=updates)
        schema = vol.Schema(
            {
                vol.Required(CONF_ACCESS_ID): TextSelector(),
                vol.Required(CONF_ACCESS_SECRET): _password(),
            }
        )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                schema, {CONF_ACCESS_ID: entry.data[CONF_ACCESS_ID]}
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure_tuya(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move a Tuya account to another data centre (or base URL)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            location = _tuya_location(user_input, errors)
            # The new location replaces the old one whole: a base URL left out
            # is dropped, and the check must not reach the old address either.
            data = {
                **{k: v for k, v in entry.data.items() if k != CONF_BASE_URL},
                **location,
            }
            if not errors:
                errors = await self._check_tuya(data, entry)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        fields: dict[vol.Marker, Any] = {
            vol.Required(CONF_DATA_CENTER): _data_centers(),
        }
        if self.show_advanced_options:
            fields[vol.Optional(CONF_BASE_URL)] = _url()
        return self.async_show_form(
            step_id="reconfigure_tuya",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), user_input or entry.data
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )


def _password() -> TextSelector:
    return TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _url() -> TextSelector:
    return TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


def _data_centers() -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=list(DATA_CENTERS),
            mode=SelectSelectorMode.DROPDOWN,
            translation_key="data_center",
        )
    )


def _base_url(user_input: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """Return the optional base URL override, checked (empty if not given)."""
    base_url = str(user_input.get(CONF_BASE_URL) or "").strip().rstrip("/")
    if not base_url:
        return {}
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        errors[CONF_BASE_URL] = "invalid_url"
    return {CONF_BASE_URL: base_url}


def _tuya_location(
    user_input: dict[str, Any], errors: dict[str, str]
) -> dict[str, str]:
    """Return the data centre and the optional base URL that overrides it."""
    return {
        CONF_DATA_CENTER: user_input[CONF_DATA_CENTER],
        **_base_url(user_input, errors),
    }


def _esios_access(user_input: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """Return the optional token and base URL of a PVPC tariff."""
    access = _base_url(user_input, errors)
    if token := str(user_input.get(CONF_TOKEN) or "").strip():
        access[CONF_TOKEN] = token
    return access


async def _check_esios(
    hass: HomeAssistant, zone: Zone, access: Mapping[str, Any]
) -> dict[str, str]:
    """Fetch today's prices; return the errors (none if it works)."""
    client = EsiosClient(
        async_get_clientsession(hass),
        zone,
        token=access.get(CONF_TOKEN),
        base_url=access.get(CONF_BASE_URL) or ESIOS_BASE_URL,
    )
    try:
        await client.prices(local_day(dt_util.utcnow(), zone))
    except EsiosAuthenticationError:
        return {"base": "invalid_esios_token"}
    except EsiosError as err:
        LOGGER.warning("ESIOS gave no prices for today: %s", err)
        return {"base": "esios_unreachable"}
    return {}


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


async def _check_tuya(
    hass: HomeAssistant, data: Mapping[str, Any], count: Callable[[], None]
) -> dict[str, str]:
    """Get a token and list the devices; return the errors (none if it works).

    ``count`` is called for every request: they spend the account's quota too.
    """
    client = TuyaClient(
        async_get_clientsession(hass),
        data[CONF_ACCESS_ID],
        data[CONF_ACCESS_SECRET],
        tuya_base_url(data),
        on_request=lambda _method, _path: count(),
    )
    try:
        devices = await client.devices()
    except TuyaError as err:
        error = _TUYA_FLOW_ERRORS.get(type(err))
        if error is None:
            LOGGER.exception("Unexpected answer from the Tuya cloud")
            error = "unknown"
        return {"base": error}
    if not devices:
        return {"base": "no_devices"}
    return {}


_TUYA_FLOW_ERRORS: dict[type[TuyaError], str] = {
    TuyaAuthenticationError: "invalid_auth",
    TuyaPlanExpiredError: "plan_expired",
    TuyaQuotaExhaustedError: "quota_exhausted",
    TuyaApiNotSubscribedError: "api_not_subscribed",
    TuyaConnectionError: "cannot_connect",
    TuyaRateLimitedError: "cannot_connect",
    TuyaBusyError: "cannot_connect",
    TuyaBadResponseError: "cannot_connect",
}


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
                vol.Required(CONF_PRICE): _price_field(),
                vol.Optional(CONF_STANDING_CHARGE): _number_field(
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
                vol.Required(CONF_PRICE): _price_field(),
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
    if (error := _name_error(name)) is not None:
        errors[CONF_BAND_NAME] = error
    elif any(band[CONF_BAND_NAME].casefold() == name.casefold() for band in bands):
        errors[CONF_BAND_NAME] = "band_name_taken"
    price = _number_in(user_input.get(CONF_PRICE), 0, MAX_PRICE_PER_KWH)
    if price is None:
        errors[CONF_PRICE] = "invalid_band_price"
    days = [day for day in WEEKDAYS if day in user_input[CONF_BAND_DAYS]]
    if not days:
        errors[CONF_BAND_DAYS] = "no_days"
    band = {
        CONF_BAND_NAME: name,
        CONF_PRICE: price,
        CONF_BAND_START: _time_of_day(user_input[CONF_BAND_START]),
        CONF_BAND_END: _time_of_day(user_input[CONF_BAND_END]),
        CONF_BAND_DAYS: days,
    }
    if not errors and overlapping_bands([band_from_options(b) for b in (*bands, band)]):
        errors["base"] = "band_overlap"
    return band


class TrackedSensorOptionsFlow(OptionsFlowWithReload):
    """Change a tracked sensor's tariff and session rules."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Go to the only step."""
        return await self.async_step_meter()

    async def async_step_meter(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the tariff, the on-threshold and the minimum session length."""
        entry = self.config_entry
        tariffs = tariff_selector(self.hass, entry.data[CONF_CURRENCY])
        if tariffs is None:
            return self.async_abort(reason="no_tariffs")
        errors: dict[str, str] = {}
        if user_input is not None:
            _chosen_tariff(self.hass, user_input, errors)
            threshold = _number_in(
                user_input.get(CONF_ON_THRESHOLD_W), 0, MAX_ON_THRESHOLD_W
            )
            if threshold is None:
                errors[CONF_ON_THRESHOLD_W] = "invalid_threshold"
            min_session = _number_in(
                user_input.get(CONF_MIN_SESSION_S), 0, MAX_MIN_SESSION_S
            )
            if min_session is None:
                errors[CONF_MIN_SESSION_S] = "invalid_min_session"
            if not errors:
                return self.async_create_entry(
                    data={
                        CONF_TARIFF: user_input[CONF_TARIFF],
                        CONF_ON_THRESHOLD_W: threshold,
                        CONF_MIN_SESSION_S: min_session,
                    }
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_TARIFF): tariffs,
                vol.Required(CONF_ON_THRESHOLD_W): _number_field(
                    0, MAX_ON_THRESHOLD_W, "W"
                ),
                vol.Required(CONF_MIN_SESSION_S): _number_field(
                    0, MAX_MIN_SESSION_S, "s", step=1
                ),
            }
        )
        return self.async_show_form(
            step_id="meter",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or entry.options
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )


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
            _chosen_tariff(self.hass, user_input, errors)
            max_watts = _number_in(
                user_input.get(CONF_MAX_WATTS), 0, MAX_MAX_WATTS, above_minimum=True
            )
            if max_watts is None:
                errors[CONF_MAX_WATTS] = "invalid_max_watts"
            timeout = _number_in(
                user_input.get(CONF_READING_TIMEOUT_S),
                MIN_READING_TIMEOUT_S,
                MAX_READING_TIMEOUT_S,
            )
            if timeout is None:
                errors[CONF_READING_TIMEOUT_S] = "invalid_reading_timeout"
            max_stations = _number_in(
                user_input.get(CONF_MAX_STATIONS, DEFAULT_MAX_STATIONS),
                1,
                MAX_MAX_STATIONS,
            )
            if max_stations is None or not max_stations.is_integer():
                errors[CONF_MAX_STATIONS] = "invalid_max_stations"
            remote = _flag(user_input, CONF_ALLOW_REMOTE, errors)
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
                vol.Required(CONF_MAX_WATTS): _number_field(0, MAX_MAX_WATTS, "W"),
                vol.Required(CONF_READING_TIMEOUT_S): _number_field(
                    MIN_READING_TIMEOUT_S, MAX_READING_TIMEOUT_S, "s", step=1
                ),
                vol.Required(
                    CONF_MAX_STATIONS, default=DEFAULT_MAX_STATIONS
                ): _number_field(1, MAX_MAX_STATIONS, step=1),
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
            include = _flag(user_input, CONF_INCLUDE_HTTP_METERS, errors)
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
            calorific = _number_in(
                user_input.get(CONF_GAS_CALORIFIC_VALUE),
                MIN_CALORIFIC_VALUE,
                MAX_CALORIFIC_VALUE,
            )
            if calorific is None:
                errors[CONF_GAS_CALORIFIC_VALUE] = "invalid_calorific_value"
            flags = {
                key: _flag(user_input, key, errors)
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
                        CONF_NIGHT_START: _time_of_day(user_input[CONF_NIGHT_START]),
                        CONF_NIGHT_END: _time_of_day(user_input[CONF_NIGHT_END]),
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
                vol.Required(CONF_GAS_CALORIFIC_VALUE): _number_field(
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


class TuyaOptionsFlow(OptionsFlowWithReload):
    """Change a Tuya account's tariff, budget, monitored plugs and fixed watts."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask what to change."""
        return self.async_show_menu(
            step_id="init",
            menu_options=["settings", "devices", "fixed_watts", "portal"],
        )

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the tariff, the monthly caps, the reset, the no-information share."""
        options = self.config_entry.options
        tariffs = tariff_selector(self.hass, self.config_entry.data[CONF_CURRENCY])
        if tariffs is None:
            return self.async_abort(reason="no_tariffs")
        errors: dict[str, str] = {}
        if user_input is not None:
            _chosen_tariff(self.hass, user_input, errors)
            cap = _number_in(
                user_input.get(CONF_MONTHLY_CAP), MIN_MONTHLY_CAP, MAX_MONTHLY_CAP
            )
            if cap is None:
                errors[CONF_MONTHLY_CAP] = "invalid_cap"
            reset_day = _number_in(user_input.get(CONF_RESET_DAY, 1), 1, 31)
            if reset_day is None or reset_day != int(reset_day):
                errors[CONF_RESET_DAY] = "invalid_reset_day"
            reset_hour = _number_in(user_input.get(CONF_RESET_HOUR, 0), 0, 23)
            if reset_hour is None or reset_hour != int(reset_hour):
                errors[CONF_RESET_HOUR] = "invalid_reset_hour"
            unknown_share = _number_in(
                user_input.get(CONF_UNKNOWN_SHARE, DEFAULT_UNKNOWN_SHARE), 1, 100
            )
            if unknown_share is None:
                errors[CONF_UNKNOWN_SHARE] = "invalid_share"
            message_cap = _number_in(
                user_input.get(CONF_MESSAGE_CAP, DEFAULT_MESSAGE_CAP),
                0,
                MAX_MONTHLY_CAP,
            )
            if message_cap is None:
                errors[CONF_MESSAGE_CAP] = "invalid_cap"
            if not errors:
                return self.async_create_entry(
                    data={
                        **options,
                        CONF_TARIFF: user_input[CONF_TARIFF],
                        CONF_MONTHLY_CAP: int(cap or 0),
                        CONF_RESET_DAY: int(reset_day or 1),
                        CONF_RESET_HOUR: int(reset_hour or 0),
                        CONF_UNKNOWN_SHARE: float(
                            unknown_share or DEFAULT_UNKNOWN_SHARE
                        ),
                        CONF_MESSAGE_CAP: int(message_cap or 0),
                    }
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_TARIFF): tariffs,
                vol.Required(CONF_MONTHLY_CAP): _number_field(
                    MIN_MONTHLY_CAP, MAX_MONTHLY_CAP, step=1
                ),
                vol.Required(CONF_RESET_DAY, default=1): _number_field(1, 31, step=1),
                vol.Required(CONF_RESET_HOUR, default=0): _number_field(0, 23, step=1),
                vol.Required(
                    CONF_MESSAGE_CAP, default=DEFAULT_MESSAGE_CAP
                ): _number_field(0, MAX_MONTHLY_CAP, step=1),
                vol.Required(
                    CONF_UNKNOWN_SHARE, default=DEFAULT_UNKNOWN_SHARE
                ): _number_field(1, 100, unit="%", step=1),
            }
        )
        return self.async_show_form(
            step_id="settings",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or options
            ),
            errors=errors,
        )

    def _found(self) -> dict[str, TuyaDevice] | None:
        """Return the account's plugs, or None if the entry is not running."""
        coordinator = getattr(self.config_entry, "runtime_data", None)
        if not isinstance(coordinator, TuyaCoordinator):
            return None
        return dict(coordinator.data.found)

    async def async_step_devices(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the plugs to monitor (new plugs are monitored until deselected)."""
        found = self._found()
        if not found:
            return self.async_abort(reason="no_plugs")
        options = self.config_entry.options
        ignored = set(options.get(CONF_IGNORED_DEVICES, []))
        if user_input is not None:
            monitored = set(user_input[CONF_MONITORED_DEVICES])
            # Plugs not in the account now keep their choice for when they return.
            kept = {device_id for device_id in ignored if device_id not in found}
            return self.async_create_entry(
                data={
                    **options,
                    CONF_IGNORED_DEVICES: sorted(kept | (set(found) - monitored)),
                }
            )
        schema = vol.Schema(
            {
                vol.Optional(
                    CONF_MONITORED_DEVICES,
                    default=[d for d in found if d not in ignored],
                ): _device_selector(found)
            }
        )
        return self.async_show_form(step_id="devices", data_schema=schema)

    async def async_step_portal(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Read the remaining calls from the portal with a saved session (optional)."""
        options = self.config_entry.options
        errors: dict[str, str] = {}
        if user_input is not None:
            portal = {
                key: str(user_input.get(key) or "").strip()
                for key in (
                    CONF_PORTAL_URL,
                    CONF_PORTAL_COOKIE,
                    CONF_PORTAL_REMAINING_POINTER,
                    CONF_PORTAL_USED_POINTER,
                )
            }
            errors = await _check_portal(self.hass, portal)
            if not errors:
                kept = {k: v for k, v in options.items() if k not in portal}
                if not portal[CONF_PORTAL_URL]:
                    return self.async_create_entry(data=kept)
                return self.async_create_entry(data={**kept, **portal})
        schema = vol.Schema(
            {
                vol.Optional(CONF_PORTAL_URL): _url(),
                vol.Optional(CONF_PORTAL_COOKIE): _password(),
                vol.Optional(CONF_PORTAL_REMAINING_POINTER): TextSelector(),
                vol.Optional(CONF_PORTAL_USED_POINTER): TextSelector(),
            }
        )
        shown = {
            k: v for k, v in (user_input or options).items() if k != CONF_PORTAL_COOKIE
        }
        return self.async_show_form(
            step_id="portal",
            data_schema=self.add_suggested_values_to_schema(schema, shown),
            errors=errors,
        )

    async def async_step_fixed_watts(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Give a plug fixed watts when on and on standby (0 W on: none)."""
        found = self._found()
        if not found:
            return self.async_abort(reason="no_plugs")
        options = self.config_entry.options
        errors: dict[str, str] = {}
        if user_input is not None:
            watts = _number_in(user_input.get(CONF_WATTS), 0, MAX_FIXED_WATTS)
            standby = _number_in(
                user_input.get(CONF_STANDBY_WATTS, 0), 0, MAX_FIXED_WATTS
            )
            if watts is None:
                errors[CONF_WATTS] = "invalid_watts"
            if standby is None:
                errors[CONF_STANDBY_WATTS] = "invalid_watts"
            if not errors:
                fixed = dict(options.get(CONF_FIXED_WATTS, {}))
                fixed.pop(user_input[CONF_DEVICE], None)
                if watts:
                    fixed[user_input[CONF_DEVICE]] = {
                        CONF_WATTS: watts,
                        CONF_STANDBY_WATTS: standby,
                    }
                return self.async_create_entry(
                    data={**options, CONF_FIXED_WATTS: fixed}
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_DEVICE): _device_selector(found, multiple=False),
                vol.Required(CONF_WATTS): _number_field(0, MAX_FIXED_WATTS, "W"),
                vol.Optional(CONF_STANDBY_WATTS, default=0): _number_field(
                    0, MAX_FIXED_WATTS, "W"
                ),
            }
        )
        return self.async_show_form(
            step_id="fixed_watts",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )


async def _check_portal(hass: HomeAssistant, portal: dict[str, str]) -> dict[str, str]:
    """Check a portal set-up by reading it once; return the errors."""
    url = portal[CONF_PORTAL_URL]
    if not url:
        return {}
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return {CONF_PORTAL_URL: "invalid_url"}
    pointers = (
        portal[CONF_PORTAL_REMAINING_POINTER],
        portal[CONF_PORTAL_USED_POINTER],
    )
    if not any(pointers):
        return {"base": "pointer_required"}
    if any(p and not p.startswith("/") for p in pointers):
        return {"base": "invalid_pointer"}
    client = QuotaPortalClient(
        async_get_clientsession(hass),
        url,
        portal[CONF_PORTAL_COOKIE],
        pointers[0] or None,
        pointers[1] or None,
    )
    try:
        await client.read()
    except PortalError as err:
        LOGGER.debug("Quota portal check failed: %s", err)
        return {"base": "portal_failed"}
    return {}


def _device_selector(
    found: Mapping[str, TuyaDevice], *, multiple: bool = True
) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=[
                SelectOptionDict(
                    value=device_id, label=f"{device.name} ({device.product_name})"
                )
                for device_id, device in sorted(
                    found.items(), key=lambda item: item[1].name.casefold()
                )
            ],
            multiple=multiple,
            mode=SelectSelectorMode.LIST if multiple else SelectSelectorMode.DROPDOWN,
        )
    )
