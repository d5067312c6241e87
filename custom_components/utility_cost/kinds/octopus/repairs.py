"""The repair issues of an Octopus account (history it could not import)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ...const import DOMAIN


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
