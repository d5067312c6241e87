"""A tracked sensor's config flow steps (source, tariff, reconfigure) and options."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    CONF_NAME,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    TextSelector,
)
import voluptuous as vol

from ...const import (
    CONF_CURRENCY,
    CONF_ENTRY_TYPE,
    CONF_MIN_SESSION_S,
    CONF_ON_THRESHOLD_W,
    CONF_SOURCE,
    CONF_SOURCE_KIND,
    CONF_TARIFF,
    DEFAULT_MIN_SESSION_S,
    DEFAULT_ON_THRESHOLD_W,
    DOMAIN,
    MAX_MIN_SESSION_S,
    MAX_ON_THRESHOLD_W,
    EntryType,
)
from ...domain.units import SourceKind, source_kind_for_unit
from ...flow import (
    UtilityCostFlowBase,
    chosen_tariff,
    name_error,
    number_field,
    number_in,
)
from ...tariff.link import tariff_currency, tariff_selector

_SOURCE_DEVICE_CLASSES: dict[str | None, SourceKind] = {
    SensorDeviceClass.POWER: SourceKind.POWER,
    SensorDeviceClass.ENERGY: SourceKind.ENERGY,
}


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
            chosen_tariff(self.hass, user_input, errors)
            threshold = number_in(
                user_input.get(CONF_ON_THRESHOLD_W), 0, MAX_ON_THRESHOLD_W
            )
            if threshold is None:
                errors[CONF_ON_THRESHOLD_W] = "invalid_threshold"
            min_session = number_in(
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
                vol.Required(CONF_ON_THRESHOLD_W): number_field(
                    0, MAX_ON_THRESHOLD_W, "W"
                ),
                vol.Required(CONF_MIN_SESSION_S): number_field(
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


class TrackedSensorSteps(UtilityCostFlowBase):
    """The config flow's steps of a tracked sensor."""

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
            tariff = chosen_tariff(self.hass, user_input, errors)
            name = str(user_input.get(CONF_NAME) or "").strip()
            if name and (error := name_error(name)) is not None:
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
