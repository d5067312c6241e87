"""The tariff-missing repair issue of a meter, the one check that raises or clears it, and its fix flow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResult
from homeassistant.helpers import issue_registry as ir
import voluptuous as vol

from ..const import CONF_CURRENCY, CONF_TARIFF, DOMAIN
from ..tariff.link import TariffLink, tariff_selector


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


@callback
def async_ask_for_another_tariff(
    hass: HomeAssistant, priced_by_it: Callable[[str], bool]
) -> None:
    """Give each meter whose tariff is going a repair issue to choose another."""
    for other in hass.config_entries.async_entries(DOMAIN):
        if priced_by_it(other.options.get(CONF_TARIFF, "")):
            async_create_tariff_missing_issue(hass, other)
