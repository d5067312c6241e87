"""The webhook an HTTP meter's stations POST their readings to.

``POST /api/webhook/<id>`` with ``{"watts": 1234.5, "station_id": 3}`` (and an
optional ``"timestamp"``). A good reading is counted and answered with 200 and what
was taken; anything else is answered with 400 and ``{"error": "..."}`` and changes
nothing; a body over 4 kB (a reading is a few dozen bytes) is answered with 413
without reading the rest. A new station beyond the meter's maximum (an option) is
refused with 400, a warning in the log and a repair naming its id. Home Assistant's webhook component answers other methods
with 405 and, unless the user allowed remote access, ignores requests from outside
the local network.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Final

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from ...const import CONF_ALLOW_REMOTE, DOMAIN, LOGGER
from ...domain.readings import InvalidReadingError, parse_reading
from ...runtime import UtilityCostConfigEntry
from .coordinator import HttpMeterCoordinator

MAX_BODY: Final = 4096  # bytes
READ_CHUNK: Final = 1024


async def _read_body(request: web.Request) -> bytes | None:
    """Return the body, or None if it is longer than MAX_BODY (not read further)."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None
    body = bytearray()
    while chunk := await request.content.read(READ_CHUNK):
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


@callback
def async_register_webhook(
    hass: HomeAssistant, entry: UtilityCostConfigEntry, meter: HttpMeterCoordinator
) -> None:
    """Take readings at the entry's webhook until the entry unloads."""
    webhook_id: str = entry.data[CONF_WEBHOOK_ID]

    async def handle(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        raw = await _read_body(request)
        if raw is None:
            return _refuse(
                meter,
                f"the body is longer than {MAX_BODY} bytes",
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            body = json_loads(raw)
        except ValueError:
            return _refuse(meter, "the body is not JSON")
        try:
            reading = parse_reading(
                body,
                dt_util.utcnow(),
                max_watts=meter.max_watts,
                last_at=meter.last_instant,
            )
        except InvalidReadingError as err:
            return _refuse(meter, str(err))
        if not meter.has_room_for(reading.station_id):
            meter.async_refused_station(reading.station_id)
            return _refuse(
                meter,
                f"station {reading.station_id} is not one of this meter's stations, "
                f"and it already has {meter.max_stations}: the most its options allow",
            )
        meter.async_reading(reading)
        return web.json_response(
            {
                "station_id": reading.station_id,
                "watts": reading.watts,
                "timestamp": reading.at.isoformat(),
            }
        )

    webhook.async_register(
        hass,
        DOMAIN,
        entry.title,
        webhook_id,
        handle,
        local_only=not entry.options.get(CONF_ALLOW_REMOTE, False),
        allowed_methods=["POST"],
    )
    entry.async_on_unload(lambda: webhook.async_unregister(hass, webhook_id))


def _refuse(
    meter: HttpMeterCoordinator,
    error: str,
    status: HTTPStatus = HTTPStatus.BAD_REQUEST,
) -> web.Response:
    # Debug only: a misconfigured device would otherwise flood the log.
    LOGGER.debug("%s: reading refused: %s", meter.config_entry.title, error)
    return web.json_response({"error": error}, status=status)


def webhook_url(hass: HomeAssistant, webhook_id: str, *, remote: bool) -> str:
    """Return where stations POST to: Home Assistant's URL, or the path alone."""
    try:
        return webhook.async_generate_url(
            hass, webhook_id, allow_external=remote, prefer_external=remote
        )
    except NoURLAvailableError:
        return webhook.async_generate_path(webhook_id)
