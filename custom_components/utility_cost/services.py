"""Actions: each kind's own (``register_services`` of its kind) and one shared.

``utility_cost.automatic_threshold`` targets a price-threshold number entity and
makes it automatic again (today's average).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import service

from .const import DOMAIN
from .runtime import Kind

SERVICE_AUTOMATIC_THRESHOLD: Final = "automatic_threshold"


@callback
def async_setup_services(hass: HomeAssistant, kinds: Iterable[Kind]) -> None:
    """Register the integration's actions: the kinds' and the shared one."""
    for kind in kinds:
        if kind.register_services is not None:
            kind.register_services(hass)
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_AUTOMATIC_THRESHOLD,
        entity_domain=NUMBER_DOMAIN,
        schema=None,
        func="async_make_automatic",
    )
