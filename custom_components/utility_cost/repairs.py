"""Repairs: a tracked sensor whose tariff was deleted asks for another one."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResult
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .const import CONF_CURRENCY, CONF_PORTAL_COOKIE, CONF_TARIFF, DOMAIN
from .tariff import TariffLink, tariff_selector


def tariff_missing_issue_id(entry_id: str) -> str:
    """Return the id of the repair issue of a tracked sensor without a tariff."""
    return f"tariff_missing_{entry_id}"


@callback
def async_create_tariff_missing_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Tell the user that ``entry`` has lost its tariff and offer to pick another."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        tariff_missing_issue_id(entry.entry_id),
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key="tariff_missing",
        translation_placeholders={"name": entry.title},
        data={"entry_id": entry.entry_id},
    )


@callback
def async_delete_tariff_missing_issue(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the issue once the entry has a tariff again (or is gone)."""
    ir.async_delete_issue(hass, DOMAIN, tariff_missing_issue_id(entry_id))


@callback
def async_check_tariff(
    hass: HomeAssistant, entry: ConfigEntry, tariff: TariffLink
) -> None:
    """Raise the tariff-missing issue of a meter, or clear it: the one check.

    Every kind that prices energy (a tracked sensor, an HTTP meter, a Tuya
    account) calls it when it loads, so that choosing another tariff in its
    options (which reloads it) also clears a stale issue.
    """
    if tariff.entry is None:
        async_create_tariff_missing_issue(hass, entry)
    else:
        async_delete_tariff_missing_issue(hass, entry.entry_id)


@callback
def async_set_octopus_issue(
    hass: HomeAssistant,
    entry_id: str,
    meter_key: str,
    kind: str,
    placeholders: dict[str, str] | None,
) -> None:
    """Raise an Octopus meter's issue of ``kind`` (placeholders given), or settle it.

    ``kind``: ``no_rates`` (its history waits for a tariff's rates) or ``no_data``
    (nothing recent from the smart meter). Neither has a fix flow: the user checks
    the meter or the tariff, or leaves the meter out in the options.
    """
    issue_id = f"octopus_{kind}_{entry_id}_{meter_key}"
    if placeholders is None:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=f"octopus_{kind}",
        translation_placeholders=placeholders,
    )


def stations_full_issue_id(entry_id: str) -> str:
    """Return the id of the issue of an HTTP meter that refused a new station."""
    return f"http_meter_stations_full_{entry_id}"


@callback
def async_create_stations_full_issue(
    hass: HomeAssistant, entry: ConfigEntry, station_id: int, max_stations: int
) -> None:
    """Tell the user that an HTTP meter refused readings of a station it lacks room for.

    No fix flow: the user raises the meter's maximum in its options, deletes a
    station device that is no longer used, or corrects the station's id.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        stations_full_issue_id(entry.entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="http_meter_stations_full",
        translation_placeholders={
            "name": entry.title,
            "station": str(station_id),
            "max": str(max_stations),
        },
    )


@callback
def async_delete_stations_full_issue(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the issue (the meter reloaded with new options, or is gone)."""
    ir.async_delete_issue(hass, DOMAIN, stations_full_issue_id(entry_id))


# Issues a successful refresh settles, and those only a reading or the user settles.
TUYA_CLOUD_ISSUES = ("quota_exhausted", "plan_expired", "api_not_subscribed")
TUYA_QUOTA_ISSUES = ("quota_state_lost", "portal_failed")


@callback
def async_create_tuya_issue(hass: HomeAssistant, entry: ConfigEntry, kind: str) -> None:
    """Tell the user why a Tuya account's cloud refuses to serve it."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"tuya_{kind}_{entry.entry_id}",
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=f"tuya_{kind}",
        translation_placeholders={"name": entry.title},
    )


@callback
def async_delete_tuya_issues(
    hass: HomeAssistant, entry_id: str, kinds: tuple[str, ...] = TUYA_CLOUD_ISSUES
) -> None:
    """Remove a Tuya account's issues (by default: once its cloud answers again)."""
    for kind in kinds:
        ir.async_delete_issue(hass, DOMAIN, f"tuya_{kind}_{entry_id}")


class TariffMissingRepairFlow(RepairsFlow):
    """Choose a new tariff for a tracked sensor."""

    def __init__(self, entry_id: str) -> None:
        """Repair the entry ``entry_id``."""
        self._entry_id = entry_id

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> FlowResult:
        """Start the repair (``user_input`` holds the issue, not an answer)."""
        return await self.async_step_choose_tariff()

    async def async_step_choose_tariff(
        self, user_input: dict[str, Any] | None = None
    ) -> FlowResult:
        """Show the tariffs in the entry's currency."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        selector = tariff_selector(self.hass, entry.data[CONF_CURRENCY])
        if selector is None:
            return self.async_abort(
                reason="no_tariffs", description_placeholders={"name": entry.title}
            )
        if user_input is not None:
            self.hass.config_entries.async_update_entry(
                entry, options={**entry.options, CONF_TARIFF: user_input[CONF_TARIFF]}
            )
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="choose_tariff",
            data_schema=vol.Schema({vol.Required(CONF_TARIFF): selector}),
            description_placeholders={"name": entry.title},
        )


class PortalCookieRepairFlow(RepairsFlow):
    """Give a Tuya account's quota portal a new session cookie."""

    def __init__(self, entry_id: str) -> None:
        """Repair the entry ``entry_id``."""
        self._entry_id = entry_id

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> FlowResult:
        """Start the repair (``user_input`` holds the issue, not an answer)."""
        return await self.async_step_cookie()

    async def async_step_cookie(
        self, user_input: dict[str, Any] | None = None
    ) -> FlowResult:
        """Ask for the cookie of a new portal session."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        if user_input is not None:
            self.hass.config_entries.async_update_entry(
                entry,
                options={
                    **entry.options,
                    CONF_PORTAL_COOKIE: user_input[CONF_PORTAL_COOKIE].strip(),
                },
            )
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="cookie",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_PORTAL_COOKIE): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.PASSWORD)
                    )
                }
            ),
            description_placeholders={"name": entry.title},
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the flow that fixes ``issue_id`` (its data names the entry)."""
    data = data or {}
    entry_id = str(data.get("entry_id"))
    if data.get("kind") == "portal_failed":
        return PortalCookieRepairFlow(entry_id)
    return TariffMissingRepairFlow(entry_id)
