"""The repair issues of a Tuya account: the cloud's refusals, the quota's state, the portal's cookie."""

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

from ...const import CONF_PORTAL_COOKIE, DOMAIN

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
