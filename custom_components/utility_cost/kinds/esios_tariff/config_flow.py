"""The config flow steps of Spain's PVPC: the zone, an optional ESIOS token, reauth and reconfigure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
from homeassistant.util import dt as dt_util
import voluptuous as vol

from ...api.esios import (
    DEFAULT_BASE_URL as ESIOS_BASE_URL,
    EsiosAuthenticationError,
    EsiosClient,
    EsiosError,
)
from ...const import (
    CONF_BASE_URL,
    CONF_CURRENCY,
    CONF_ENTRY_TYPE,
    CONF_ZONE,
    LOGGER,
    EntryType,
)
from ...domain.pvpc import Zone, local_day
from ...flow import UtilityCostFlowBase, base_url_from, password_field, url_field

# PVPC prices are in euros; Octopus's in pounds.
PVPC_CURRENCY = "EUR"
ZONE_TITLES: dict[Zone, str] = {
    Zone.PENINSULA: "PVPC Península",
    Zone.CANARIAS: "PVPC Canarias",
    Zone.BALEARES: "PVPC Baleares",
    Zone.CEUTA: "PVPC Ceuta",
    Zone.MELILLA: "PVPC Melilla",
}


def _esios_access(user_input: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """Return the optional token and base URL of a PVPC tariff."""
    access = base_url_from(user_input, errors)
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


class EsiosTariffSteps(UtilityCostFlowBase):
    """The config flow's steps of Spain's PVPC (ESIOS)."""

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
            vol.Optional(CONF_TOKEN): password_field(),
        }
        if self.show_advanced_options:
            fields[vol.Optional(CONF_BASE_URL)] = url_field()
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
            data_schema=vol.Schema({vol.Optional(CONF_TOKEN): password_field()}),
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
        fields: dict[vol.Marker, Any] = {vol.Optional(CONF_TOKEN): password_field()}
        if self.show_advanced_options:
            fields[vol.Optional(CONF_BASE_URL)] = url_field()
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
