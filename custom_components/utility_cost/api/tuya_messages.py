"""Async client of the Tuya message service: every device report, pushed.

A cloud project with the message service enabled gets each report of its devices
(data points with the device's own report time, online and offline events) on a
Pulsar topic, read here as Pulsar's WebSocket consumer:
``{base}/ws/v2/consumer/persistent/{access_id}/out/{topic}/{access_id}-sub``, with
the Access ID as ``username`` and ``md5(access_id + md5(secret))[8:24]`` as
``password``. Each frame is JSON with a base64 ``payload``, itself JSON whose
``data`` is base64 AES-128-ECB (key: the secret's characters 8 to 24, PKCS#7) of the
report. Every message is acknowledged with its ``messageId``, or it comes again; a
report that changes a meter is acknowledged only once the meter is written.

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
# A message not acknowledged within this is delivered again (Pulsar's consumer
# setting). Messages are acknowledged once what they changed is written, within the
# stores' 30 s: a crash before that leaves them to come again, not lost.
ACK_TIMEOUT_MS: Final = 120_000
# Device events that say a device went online (True) or offline (False).
ONLINE_CODES: Final[dict[Any, bool]] = {
    "online": True,
    "offline": False,
    "deviceOnline": True,
    "deviceOffline": False,
}


class TuyaMessageServiceUnavailableError(TuyaError):
    """The project has no message service (not enabled, or not on this plan)."""


class TuyaUnreadableMessageError(TuyaBadResponseError):
    """A message whose content cannot be read; its id is known (to acknowledge it)."""

    def __init__(self, message_id: str, reason: str) -> None:
        """Keep the id of the message that could not be read."""
        super().__init__(reason)
        self.message_id = message_id


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


@dataclass(frozen=True, slots=True)
class HeldMessages:
    """Messages received on one connection and not acknowledged yet."""

    connection: int
    message_ids: tuple[str, ...]


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

    Raise :class:`TuyaBadResponseError` for a frame without a message id, and
    :class:`TuyaUnreadableMessageError` (which carries the id, so that the message
    can still be acknowledged) for one whose content cannot be read.
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
        raise TuyaUnreadableMessageError(message_id, str(err)) from err


def _data_of(payload: dict[str, Any]) -> str:
    data = payload.get("data")
    if not isinstance(data, str):
        raise TuyaBadResponseError("payload without data")
    return data


def _millis(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _items(entries: Any, time_key: str) -> tuple[StatusItem, ...]:
    """Return the data points of a report (entries without a code or time skipped)."""
    items = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
            continue
        t_ms = _millis(entry.get(time_key))
        if t_ms is not None:
            items.append(StatusItem(entry["code"], entry.get("value"), t_ms))
    return tuple(items)


def _message(protocol: Any, body: dict[str, Any]) -> Message | None:
    """Read a decrypted message of either protocol family the service sends.

    The legacy family: protocol 4 (a status report: ``devId``, ``productKey``,
    ``status`` items with ``t``) and 20 (device events: ``bizCode`` ``online`` or
    ``offline``, ``bizData.time``). The IoT Core family (projects since June 2023):
    protocol 1000 (``bizCode`` ``devicePropertyMessage``, ``bizData`` with ``devId``,
    ``productId`` and ``properties`` items with ``time``) and 1001 (``deviceOnline``,
    ``deviceOffline``). A project subscribed to both gets each report twice: the
    report times let the owner skip what it counted.
    """
    biz = body.get("bizData")
    biz = biz if isinstance(biz, dict) else {}
    if protocol == 4:
        device_id, product = body.get("devId"), body.get("productKey", "")
        items = _items(body.get("status"), "t")
    elif protocol == 1000 and body.get("bizCode") == "devicePropertyMessage":
        device_id, product = biz.get("devId"), biz.get("productId", "")
        items = _items(biz.get("properties"), "time")
    elif protocol in (20, 1001):
        online = ONLINE_CODES.get(body.get("bizCode"))
        device_id = body.get("devId") or biz.get("devId")
        if online is None or not isinstance(device_id, str):
            return None
        t_ms = _millis(biz.get("time")) or _millis(body.get("ts")) or 0
        return OnlineChange(device_id, online, t_ms)
    else:
        return None
    if not isinstance(device_id, str):
        return None
    return DeviceReport(device_id, str(product), items)


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
            f"{topic}/{access_id}-sub?ackTimeoutMillis={ACK_TIMEOUT_MS}"
            "&subscriptionType=Failover"
        )
        self.received = 0
        self.unreadable = 0
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._connection = 0
        self._held: list[str] = []

    async def consume(
        self,
        on_message: Callable[[Message], bool],
        on_connected: Callable[[], None] | None = None,
    ) -> None:
        """Receive until the connection ends, acknowledging what was taken.

        ``on_message`` returns True for a message that must be kept until its effect
        is written (it is then acknowledged by :meth:`acknowledge`, and comes again
        after a crash); any other message is acknowledged at once. ``on_connected``
        is called once the service has accepted the connection.

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
        self._connection += 1
        self._held = []
        self._ws = ws
        try:
            async with ws:
                if on_connected is not None:
                    on_connected()
                async for frame in ws:
                    if frame.type is not aiohttp.WSMsgType.TEXT:
                        continue
                    try:
                        message_id, message = parse_frame(frame.data, self._secret)
                    except TuyaUnreadableMessageError as err:
                        self.unreadable += 1  # acknowledged: it would only come again
                        await ws.send_str(json.dumps({"messageId": err.message_id}))
                        continue
                    except TuyaBadResponseError:
                        self.unreadable += 1
                        continue
                    if message is not None:
                        self.received += 1
                        if on_message(message):
                            self._held.append(message_id)
                            continue
                    await ws.send_str(json.dumps({"messageId": message_id}))
        except (aiohttp.ClientError, ConnectionError) as err:
            # An acknowledgement written while the connection closes (ours, or
            # the service's): the messages not acknowledged come again.
            raise TuyaConnectionError(str(err) or type(err).__name__) from err
        finally:
            self._ws = None
        raise TuyaConnectionError("the message service closed the connection")

    async def close(self) -> None:
        """End the connection (:meth:`consume` then raises TuyaConnectionError)."""
        if self._ws is not None:
            await self._ws.close()

    def take_held(self) -> HeldMessages | None:
        """Return the messages held for acknowledgement so far (and stop holding them).

        Call it when their effect is captured for writing; once written, pass the
        result to :meth:`acknowledge`.
        """
        if not self._held:
            return None
        held = HeldMessages(self._connection, tuple(self._held))
        self._held = []
        return held

    async def acknowledge(self, held: HeldMessages) -> None:
        """Acknowledge held messages (those of an ended connection come again)."""
        ws = self._ws
        if ws is None or ws.closed or held.connection != self._connection:
            return
        try:
            for message_id in held.message_ids:
                await ws.send_str(json.dumps({"messageId": message_id}))
        except (aiohttp.ClientError, ConnectionError):
            return  # the connection is ending: they come again on the next one
