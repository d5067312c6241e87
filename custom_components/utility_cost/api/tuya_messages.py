"""Async client of the Tuya message service: every device report, pushed.

A cloud project with the message service enabled gets each report of its devices
(data points with the device's own report time, online and offline events) on a
Pulsar topic, read here as Pulsar's WebSocket consumer:
``{base}/ws/v2/consumer/persistent/{access_id}/out/{topic}/{access_id}-sub``, with
the Access ID as ``username`` and ``md5(access_id + md5(secret))[8:24]`` as
``password``. Each frame is JSON with a base64 ``payload``, itself JSON whose
``data`` is base64 AES-128-ECB (key: the secret's characters 8 to 24, PKCS#7) of the
report. Every message is acknowledged with its ``messageId``, or it comes again.

``tuya-connector-python``'s ``TuyaOpenPulsar`` is the reference; unlike it, this
client verifies TLS, runs on the event loop with aiohttp, and turns refusals into
the same typed errors as the OpenAPI client. Messages count against the project's
monthly message quota, not against its API calls.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
import hashlib
import json
from typing import Any, Final

import aiohttp
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .tuya import (
    TuyaAuthenticationError,
    TuyaBadResponseError,
    TuyaConnectionError,
    TuyaError,
)

# The message service's hosts, by the OpenAPI data centre they serve.
MESSAGE_HOSTS: Final[dict[str, str]] = {
    "china": "wss://mqe.tuyacn.com:8285",
    "western_america": "wss://mqe.tuyaus.com:8285",
    "eastern_america": "wss://mqe.tuyaus.com:8285",
    "central_europe": "wss://mqe.tuyaeu.com:8285",
    "western_europe": "wss://mqe.tuyaeu.com:8285",
    "india": "wss://mqe.tuyain.com:8285",
}
TOPIC: Final = "event"
CONNECT_TIMEOUT_S: Final = 10.0
# Pulsar's consumer answers pings; a connection silent for longer is dead.
HEARTBEAT_S: Final = 30.0


class TuyaMessageServiceUnavailableError(TuyaError):
    """The project has no message service (not enabled, or not on this plan)."""


@dataclass(frozen=True, slots=True)
class StatusItem:
    """One data point of a report: its code, raw value and report time (ms)."""

    code: str
    value: Any
    t_ms: int


@dataclass(frozen=True, slots=True)
class DeviceReport:
    """A device's report (protocol 4): data points it sent at their times."""

    device_id: str
    product_id: str
    items: tuple[StatusItem, ...]


@dataclass(frozen=True, slots=True)
class OnlineChange:
    """A device went online or offline (protocol 20, ``online``/``offline``)."""

    device_id: str
    online: bool
    t_ms: int


type Message = DeviceReport | OnlineChange


def message_password(access_id: str, access_secret: str) -> str:
    """Return the message service's password for a project."""
    inner = hashlib.md5(access_secret.encode()).hexdigest()  # noqa: S324 - protocol
    return hashlib.md5((access_id + inner).encode()).hexdigest()[8:24]  # noqa: S324


def decrypt_data(data: str, access_secret: str) -> str:
    """Decrypt a message's ``data`` (base64 AES-128-ECB with PKCS#7 padding)."""
    try:
        raw = base64.b64decode(data, validate=True)
        cipher = Cipher(algorithms.AES(access_secret[8:24].encode()), modes.ECB())  # noqa: S305 - the protocol's
        decryptor = cipher.decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return (unpadder.update(padded) + unpadder.finalize()).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError) as err:
        raise TuyaBadResponseError(f"message data cannot be decrypted: {err}") from err


def _object(text: str | bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as err:
        raise TuyaBadResponseError(f"{what} is not JSON") from err
    if not isinstance(value, dict):
        raise TuyaBadResponseError(f"{what} is not an object")
    return value


def parse_frame(frame: str, access_secret: str) -> tuple[str, Message | None]:
    """Return a frame's message id and its message (None: not one that matters).

    Raise :class:`TuyaBadResponseError` for a frame that cannot be read; its
    message id, when it has one, is in the error's ``message_id`` attribute so that
    it can still be acknowledged.
    """
    outer = _object(frame, "frame")
    message_id = outer.get("messageId")
    if not isinstance(message_id, str):
        raise TuyaBadResponseError("frame without a message id")
    try:
        payload = _object(base64.b64decode(str(outer.get("payload", ""))), "payload")
        body = _object(decrypt_data(_data_of(payload), access_secret), "data")
        return message_id, _message(payload.get("protocol"), body)
    except (TuyaBadResponseError, binascii.Error) as err:
        error = TuyaBadResponseError(str(err))
        error.message_id = message_id  # type: ignore[attr-defined]
        raise error from err


def _data_of(payload: dict[str, Any]) -> str:
    data = payload.get("data")
    if not isinstance(data, str):
        raise TuyaBadResponseError("payload without data")
    return data


def _message(protocol: Any, body: dict[str, Any]) -> Message | None:
    device_id = body.get("devId")
    if not isinstance(device_id, str):
        return None
    if protocol == 4:
        items = []
        for item in body.get("status") or []:
            if not isinstance(item, dict) or not isinstance(item.get("code"), str):
                continue
            t_ms = item.get("t")
            if isinstance(t_ms, bool) or not isinstance(t_ms, int):
                continue
            items.append(StatusItem(item["code"], item.get("value"), t_ms))
        return DeviceReport(device_id, str(body.get("productKey", "")), tuple(items))
    if protocol == 20 and body.get("bizCode") in ("online", "offline"):
        biz = body.get("bizData") or {}
        t_ms = biz.get("time") if isinstance(biz, dict) else None
        return OnlineChange(
            device_id,
            body["bizCode"] == "online",
            t_ms if isinstance(t_ms, int) and not isinstance(t_ms, bool) else 0,
        )
    return None


class TuyaMessageClient:
    """The message service's consumer for one cloud project."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        access_id: str,
        access_secret: str,
        base_url: str,
        *,
        topic: str = TOPIC,
    ) -> None:
        """Consume ``topic`` of the project at ``base_url`` (``wss://host:port``)."""
        self._session = session
        self.access_id = access_id
        self._secret = access_secret
        self.url = (
            f"{base_url.rstrip('/')}/ws/v2/consumer/persistent/{access_id}/out/"
            f"{topic}/{access_id}-sub?ackTimeoutMillis=3000&subscriptionType=Failover"
        )
        self.received = 0
        self.unreadable = 0

    async def consume(
        self,
        on_message: Callable[[Message], None],
        on_connected: Callable[[], None] | None = None,
    ) -> None:
        """Receive until the connection ends; acknowledge each message after use.

        ``on_connected`` is called once the service has accepted the connection.

        Raise :class:`TuyaMessageServiceUnavailableError` when the project has no
        message service, :class:`TuyaAuthenticationError` when the credentials are
        refused, :class:`TuyaConnectionError` when the connection fails or ends.
        """
        headers = {
            "username": self.access_id,
            "password": message_password(self.access_id, self._secret),
        }
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                ws = await self._session.ws_connect(
                    self.url, headers=headers, heartbeat=HEARTBEAT_S
                )
        except aiohttp.WSServerHandshakeError as err:
            if err.status == 401:
                raise TuyaAuthenticationError(401, "message service refused") from err
            if err.status in (403, 404):
                raise TuyaMessageServiceUnavailableError(
                    f"message service not available (HTTP {err.status})"
                ) from err
            raise TuyaConnectionError(f"HTTP {err.status}") from err
        except TimeoutError as err:
            raise TuyaConnectionError("timed out") from err
        except aiohttp.ClientError as err:
            raise TuyaConnectionError(str(err) or type(err).__name__) from err
        async with ws:
            if on_connected is not None:
                on_connected()
            async for frame in ws:
                if frame.type is not aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    message_id, message = parse_frame(frame.data, self._secret)
                except TuyaBadResponseError as err:
                    self.unreadable += 1
                    unread: Any = getattr(err, "message_id", None)
                    if isinstance(unread, str):
                        await ws.send_str(json.dumps({"messageId": unread}))
                    continue
                if message is not None:
                    self.received += 1
                    on_message(message)
                await ws.send_str(json.dumps({"messageId": message_id}))
        raise TuyaConnectionError("the message service closed the connection")
