"""Repairs: a tracked sensor whose tariff was deleted asks for another one."""

from __future__ import annotations

from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant

from .kinds.tuya_account.repairs import PortalCookieRepairFlow
from .metering.repairs import TariffMissingRepairFlow


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the flow that fixes ``issue_id`` (its data names the entry)."""
    data = data or {}
    entry_id = str(data.get("entry_id"))
    if data.get("kind") == "portal_failed":
        return PortalCookieRepairFlow(entry_id)
    return TariffMissingRepairFlow(entry_id)
