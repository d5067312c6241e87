"""A Tuya account's config flow steps (credentials, reauth, reconfigure) and options (quota, devices, portal, fixed watts)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import voluptuous as vol

from ...api.quota_portal import PortalError, QuotaPortalClient
from ...api.tuya import (
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
from ...const import (
    CONF_ACCESS_ID,
    CONF_ACCESS_SECRET,
    CONF_BASE_URL,
    CONF_CURRENCY,
    CONF_DATA_CENTER,
    CONF_DEVICE,
    CONF_ENTRY_TYPE,
    CONF_FIXED_WATTS,
    CONF_FLOW_CALLS,
    CONF_IGNORED_DEVICES,
    CONF_MESSAGE_CAP,
    CONF_MONITORED_DEVICES,
    CONF_MONTHLY_CAP,
    CONF_PORTAL_COOKIE,
    CONF_PORTAL_REMAINING_POINTER,
    CONF_PORTAL_URL,
    CONF_PORTAL_USED_POINTER,
    CONF_RESET_DAY,
    CONF_RESET_HOUR,
    CONF_STANDBY_WATTS,
    CONF_TARIFF,
    CONF_UNKNOWN_SHARE,
    CONF_WATTS,
    DEFAULT_UNKNOWN_SHARE,
    LOGGER,
    MAX_FIXED_WATTS,
    MAX_MONTHLY_CAP,
    MIN_MONTHLY_CAP,
    EntryType,
)
from ...domain.quota import DEFAULT_MESSAGE_CAP, DEFAULT_MONTHLY_CAP
from ...flow import (
    UtilityCostFlowBase,
    base_url_from,
    chosen_tariff,
    number_field,
    number_in,
    password_field,
    url_field,
)
from ...tariff.link import tariff_currency, tariff_selector
from .coordinator import TuyaCoordinator
from .models import tuya_base_url


def _data_centers() -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=list(DATA_CENTERS),
            mode=SelectSelectorMode.DROPDOWN,
            translation_key="data_center",
        )
    )


def _tuya_location(
    user_input: dict[str, Any], errors: dict[str, str]
) -> dict[str, str]:
    """Return the data centre and the optional base URL that overrides it."""
    return {
        CONF_DATA_CENTER: user_input[CONF_DATA_CENTER],
        **base_url_from(user_input, errors),
    }


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
            chosen_tariff(self.hass, user_input, errors)
            cap = number_in(
                user_input.get(CONF_MONTHLY_CAP), MIN_MONTHLY_CAP, MAX_MONTHLY_CAP
            )
            if cap is None:
                errors[CONF_MONTHLY_CAP] = "invalid_cap"
            reset_day = number_in(user_input.get(CONF_RESET_DAY, 1), 1, 31)
            if reset_day is None or reset_day != int(reset_day):
                errors[CONF_RESET_DAY] = "invalid_reset_day"
            reset_hour = number_in(user_input.get(CONF_RESET_HOUR, 0), 0, 23)
            if reset_hour is None or reset_hour != int(reset_hour):
                errors[CONF_RESET_HOUR] = "invalid_reset_hour"
            unknown_share = number_in(
                user_input.get(CONF_UNKNOWN_SHARE, DEFAULT_UNKNOWN_SHARE), 1, 100
            )
            if unknown_share is None:
                errors[CONF_UNKNOWN_SHARE] = "invalid_share"
            message_cap = number_in(
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
                vol.Required(CONF_MONTHLY_CAP): number_field(
                    MIN_MONTHLY_CAP, MAX_MONTHLY_CAP, step=1
                ),
                vol.Required(CONF_RESET_DAY, default=1): number_field(1, 31, step=1),
                vol.Required(CONF_RESET_HOUR, default=0): number_field(0, 23, step=1),
                vol.Required(
                    CONF_MESSAGE_CAP, default=DEFAULT_MESSAGE_CAP
                ): number_field(0, MAX_MONTHLY_CAP, step=1),
                vol.Required(
                    CONF_UNKNOWN_SHARE, default=DEFAULT_UNKNOWN_SHARE
                ): number_field(1, 100, unit="%", step=1),
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
                vol.Optional(CONF_PORTAL_URL): url_field(),
                vol.Optional(CONF_PORTAL_COOKIE): password_field(),
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
            watts = number_in(user_input.get(CONF_WATTS), 0, MAX_FIXED_WATTS)
            standby = number_in(
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
                vol.Required(CONF_WATTS): number_field(0, MAX_FIXED_WATTS, "W"),
                vol.Optional(CONF_STANDBY_WATTS, default=0): number_field(
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


class TuyaAccountSteps(UtilityCostFlowBase):
    """The config flow's steps of a Tuya cloud account."""

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
            tariff = chosen_tariff(self.hass, user_input, errors)
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
            vol.Required(CONF_ACCESS_SECRET): password_field(),
            vol.Required(CONF_DATA_CENTER, default="central_europe"): _data_centers(),
            vol.Required(CONF_TARIFF): tariffs,
        }
        if self.show_advanced_options:
            fields[vol.Optional(CONF_BASE_URL)] = url_field()
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
                vol.Required(CONF_ACCESS_SECRET): password_field(),
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
            fields[vol.Optional(CONF_BASE_URL)] = url_field()
        return self.async_show_form(
            step_id="reconfigure_tuya",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), user_input or entry.data
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )
