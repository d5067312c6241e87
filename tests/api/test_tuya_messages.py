"""The Tuya message service consumer, against the reference SDK and the fake cloud.

``tuya-connector-python``'s ``TuyaOpenPulsar`` (the SDK Tuya publishes) is the
independent reference for the password, the topic URL and the decryption; the
fake cloud serves Pulsar's WebSocket consumer protocol with acknowledgements,
redelivery and both message families. The message bodies follow the examples of
Tuya's "Message Types" documentation (developer.tuya.com, message-type).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator
import json
from typing import Any

import aiohttp
import pytest
from tuya_connector import TuyaOpenPulsar

from custom_components.utility_cost.api.tuya import (
    TuyaAuthenticationError,
    TuyaBadResponseError,
    TuyaConnectionError,
)
from custom_components.utility_cost.api.tuya_messages import (
    DeviceReport,
    Message,
    OnlineChange,
    StatusItem,
    TuyaMessageClient,
    TuyaMessageServiceUnavailableError,
    TuyaUnreadableMessageError,
    decrypt_data,
    message_password,
    parse_frame,
)
from tests.fakes.tuya_cloud import (
    ACCESS_ID,
    ACCESS_SECRET,
    FakeTuyaCloud,
    encrypt_data,
    socket,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")

# Tuya's documented examples (ids shortened by the documentation itself).
STATUS_REPORT = {
    "dataId": "AAXI3c1i6xxx",
    "devId": "6c95a93fd9xxx",
    "productKey": "awgmk9pixxx",
    "status": [{"code": "switch_1", "value": False, "t": 1628229842692, "1": "false"}],
}
ONLINE_EVENT = {
    "devId": "002dj00118fe34d9",
    "productKey": "awgmk9pixxx",
    "bizCode": "offline",
    "bizData": {"time": 1628229842692},
}


def reference() -> TuyaOpenPulsar:
    """The SDK's consumer (constructed only: it connects on start())."""
    return TuyaOpenPulsar(
        ACCESS_ID, ACCESS_SECRET, "wss://mqe.tuyaeu.com:8285/", "event"
    )


def frame(protocol: int, body: dict[str, Any], message_id: str = "CAESLQ1") -> str:
    """Wrap a message body as the service does (encrypted, base64, in a frame)."""
    envelope = {
        "protocol": protocol,
        "pv": "2.0",
        "t": 1628229842700,
        "data": encrypt_data(json.dumps(body), ACCESS_SECRET),
        "sign": "0" * 32,
    }
    payload = base64.b64encode(json.dumps(envelope).encode()).decode()
    return json.dumps({"messageId": message_id, "payload": payload})


def test_password_and_url_are_the_sdks() -> None:
    sdk = reference()
    assert message_password(ACCESS_ID, ACCESS_SECRET) == sdk._TuyaOpenPulsar__gen_pwd()  # type: ignore[attr-defined]
    client = TuyaMessageClient(
        None,  # type: ignore[arg-type]  # not connected in this test
        ACCESS_ID,
        ACCESS_SECRET,
        "wss://mqe.tuyaeu.com:8285",
    )
    # The same consumer, but unacknowledged messages wait two minutes to come
    # again (the SDK's 3 s would redeliver every message held until written).
    assert client.url == sdk.ws_app.url.replace(
        "ackTimeoutMillis=3000", "ackTimeoutMillis=120000"
    )


def test_decryption_agrees_with_the_sdk() -> None:
    encrypted = encrypt_data(json.dumps(STATUS_REPORT), ACCESS_SECRET)
    ours = decrypt_data(encrypted, ACCESS_SECRET)
    sdks = TuyaOpenPulsar._TuyaOpenPulsar__decrypt_by_aes(encrypted, ACCESS_SECRET)  # type: ignore[attr-defined]
    assert ours == sdks
    assert json.loads(ours) == STATUS_REPORT
    with pytest.raises(TuyaBadResponseError):
        decrypt_data("not base64!", ACCESS_SECRET)
    with pytest.raises(TuyaBadResponseError):
        decrypt_data(encrypted, "another secret of thirty-two ch")


def test_both_message_families_are_read() -> None:
    # Legacy protocol 4, Tuya's example.
    assert parse_frame(frame(4, STATUS_REPORT), ACCESS_SECRET) == (
        "CAESLQ1",
        DeviceReport(
            "6c95a93fd9xxx",
            "awgmk9pixxx",
            (StatusItem("switch_1", False, 1628229842692),),
        ),
    )
    # IoT Core protocol 1000: the same report.
    iot_core = {
        "bizCode": "devicePropertyMessage",
        "bizData": {
            "devId": "6c95a93fd9xxx",
            "productId": "awgmk9pixxx",
            "properties": [
                {"code": "cur_power", "dpId": 19, "time": 1628229842692, "value": 605},
                {"code": "no time", "value": 1},
                "not an item",
            ],
        },
        "ts": 1628229842700,
    }
    _, message = parse_frame(frame(1000, iot_core), ACCESS_SECRET)
    assert message == DeviceReport(
        "6c95a93fd9xxx",
        "awgmk9pixxx",
        (StatusItem("cur_power", 605, 1628229842692),),
    )
    # Online and offline, in both families.
    assert parse_frame(frame(20, ONLINE_EVENT), ACCESS_SECRET)[1] == OnlineChange(
        "002dj00118fe34d9", False, 1628229842692
    )
    device_online = {
        "bizCode": "deviceOnline",
        "bizData": {"devId": "002dj00118fe34d9"},
        "ts": 1628229842700,
    }
    assert parse_frame(frame(1001, device_online), ACCESS_SECRET)[1] == OnlineChange(
        "002dj00118fe34d9", True, 1628229842700
    )


@pytest.mark.parametrize(
    ("protocol", "body"),
    [
        (20, {**ONLINE_EVENT, "bizCode": "nameUpdate"}),  # not one that matters
        (1000, {"bizCode": "deviceEventMessage", "bizData": {"devId": "x"}}),
        (25, {"devId": "x", "scene": 1}),  # a scene ran
        (4, {"status": []}),  # no device
        (20, {"bizCode": "online", "bizData": {}}),  # no device
    ],
)
def test_other_messages_are_skipped(protocol: int, body: dict[str, Any]) -> None:
    assert parse_frame(frame(protocol, body), ACCESS_SECRET) == ("CAESLQ1", None)


def test_unreadable_frames() -> None:
    with pytest.raises(TuyaBadResponseError):
        parse_frame("not json", ACCESS_SECRET)
    with pytest.raises(TuyaBadResponseError):
        parse_frame(json.dumps({"payload": ""}), ACCESS_SECRET)  # no message id
    bad_payload = json.dumps({"messageId": "m1", "payload": "%%%"})
    with pytest.raises(TuyaUnreadableMessageError) as caught:
        parse_frame(bad_payload, ACCESS_SECRET)
    assert caught.value.message_id == "m1"
    no_data = base64.b64encode(json.dumps({"protocol": 4}).encode()).decode()
    with pytest.raises(TuyaUnreadableMessageError):
        parse_frame(json.dumps({"messageId": "m2", "payload": no_data}), ACCESS_SECRET)


@pytest.fixture
async def cloud() -> AsyncGenerator[FakeTuyaCloud]:
    """A project with the message service and one plug."""
    fake = FakeTuyaCloud([socket("plug0001", "Plug 1", 100.0)])
    fake.message_service = True
    fake.duplicate_rate = 0.0
    await fake.start()
    yield fake
    await fake.stop()


def ws_url(cloud: FakeTuyaCloud) -> str:
    return cloud.base_url.replace("http://", "ws://")


async def receive(
    client: TuyaMessageClient, cloud: FakeTuyaCloud, count: int
) -> tuple[list[Message], BaseException | None]:
    """Consume until ``count`` messages came, then let the service drop us."""
    received: list[Message] = []
    connected = asyncio.Event()
    enough = asyncio.Event()

    def on_message(message: Message) -> None:
        received.append(message)
        if len(received) >= count:
            enough.set()

    task = asyncio.create_task(client.consume(on_message, connected.set))  # type: ignore[arg-type]
    async with asyncio.timeout(10):
        await connected.wait()
        await enough.wait()
        await cloud.wait_delivered()
    await cloud.drop_consumers()
    try:
        await task
    except BaseException as err:  # noqa: BLE001 - returned to the test
        return received, err
    return received, None


async def test_reports_are_received_and_acknowledged(
    session: aiohttp.ClientSession, cloud: FakeTuyaCloud
) -> None:
    cloud.message_protocols = {"legacy", "iot_core"}
    client = TuyaMessageClient(session, ACCESS_ID, ACCESS_SECRET, ws_url(cloud))
    cloud.switch("plug0001", "switch_1", False)
    cloud.publish_online("plug0001", False)
    received, error = await receive(client, cloud, 4)
    # Each report in both families: the switch, then the offline event.
    reports = [m for m in received if isinstance(m, DeviceReport)]
    assert len(reports) == 2
    assert all(
        any(item.code == "switch_1" and item.value is False for item in r.items)
        for r in reports
    )
    offline = [m for m in received if isinstance(m, OnlineChange)]
    assert [m.online for m in offline] == [False, False]
    assert cloud.messages_acked == cloud.messages_sent == 4
    assert isinstance(error, TuyaConnectionError)  # the service closed it


async def test_an_unreadable_message_is_acknowledged_and_skipped(
    session: aiohttp.ClientSession, cloud: FakeTuyaCloud
) -> None:
    client = TuyaMessageClient(session, ACCESS_ID, ACCESS_SECRET, ws_url(cloud))
    cloud.enqueue_frame("garbled", json.dumps({"messageId": "garbled", "payload": "%"}))
    cloud.enqueue_frame("no-id", json.dumps({"payload": ""}))
    cloud.switch("plug0001", "switch_1", False)
    received, _ = await receive(client, cloud, 1)
    assert len(received) == 1
    assert client.unreadable == 2
    # The garbled one is acknowledged (else it would come back forever).
    assert "garbled" not in cloud.unacknowledged


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ("no_service", TuyaMessageServiceUnavailableError),
        ("wrong_secret", TuyaAuthenticationError),
        ("wrong_topic", TuyaMessageServiceUnavailableError),
        ("overloaded", TuyaConnectionError),
    ],
)
async def test_refusals_are_typed(
    session: aiohttp.ClientSession,
    cloud: FakeTuyaCloud,
    setup: str,
    error: type[Exception],
) -> None:
    secret, topic = ACCESS_SECRET, "event"
    if setup == "no_service":
        cloud.message_service = False
    elif setup == "wrong_secret":
        secret = "another secret of thirty-two ch"
    elif setup == "wrong_topic":
        topic = "other"
    else:
        cloud.fail("/ws/", http_status=503)
    client = TuyaMessageClient(session, ACCESS_ID, secret, ws_url(cloud), topic=topic)
    with pytest.raises(error):
        await client.consume(lambda _: None)


async def test_an_unreachable_service_is_a_connection_error(
    session: aiohttp.ClientSession, cloud: FakeTuyaCloud
) -> None:
    url = ws_url(cloud)
    await cloud.stop()
    client = TuyaMessageClient(session, ACCESS_ID, ACCESS_SECRET, url)
    with pytest.raises(TuyaConnectionError):
        await client.consume(lambda _: None)


async def test_held_messages_are_acknowledged_when_written(
    session: aiohttp.ClientSession, cloud: FakeTuyaCloud
) -> None:
    """A message that changed a meter is acknowledged only after the write."""
    client = TuyaMessageClient(session, ACCESS_ID, ACCESS_SECRET, ws_url(cloud))
    received: list[Message] = []
    connected = asyncio.Event()
    arrived = asyncio.Event()

    def hold(message: Message) -> bool:
        received.append(message)
        arrived.set()
        return True

    async def until_received(count: int) -> None:
        async with asyncio.timeout(10):
            while len(received) < count:
                arrived.clear()
                await arrived.wait()

    task = asyncio.create_task(client.consume(hold, connected.set))
    async with asyncio.timeout(10):
        await connected.wait()
    cloud.switch("plug0001", "switch_1", False)
    await until_received(1)
    await cloud.wait_delivered()
    assert cloud.messages_acked == 0
    # Written: acknowledged now.
    cloud.switch("plug0001", "switch_1", True)
    await until_received(2)
    held = client.take_held()
    assert held is not None
    await client.acknowledge(held)
    await cloud.wait_delivered()
    assert cloud.messages_acked == 2
    assert client.take_held() is None  # nothing more held
    # Held on a connection that ended: the service delivers it again instead.
    cloud.switch("plug0001", "switch_1", False)
    await until_received(3)
    stale = client.take_held()
    assert stale is not None
    await cloud.drop_consumers()
    with pytest.raises(TuyaConnectionError):
        await task
    await client.acknowledge(stale)  # nothing to send it on
    task = asyncio.create_task(client.consume(hold, None))
    await until_received(4)
    assert received[3] == received[2]  # the same report, again
    await cloud.drop_consumers()
    with pytest.raises(TuyaConnectionError):
        await task


async def test_closing_while_messages_arrive_ends_with_a_connection_error(
    session: aiohttp.ClientSession, cloud: FakeTuyaCloud
) -> None:
    """Leaving (the month's messages used up) while reports are being acknowledged.

    ``consume`` ends with the typed error its caller waits for. (The race in which
    an acknowledgement meets a closing transport, raising aiohttp's own error, is
    reproduced through Home Assistant: test_our_message_cap_pauses_the_push.)
    """
    client = TuyaMessageClient(session, ACCESS_ID, ACCESS_SECRET, ws_url(cloud))
    closing: list[asyncio.Task[None]] = []

    def leave_at_the_first(message: Message) -> bool:
        if not closing:
            closing.append(asyncio.create_task(client.close()))
        return False  # acknowledged at once: written to the closing connection

    for on in (False, True, False, True):
        cloud.switch("plug0001", "switch_1", on)
    with pytest.raises(TuyaConnectionError):
        async with asyncio.timeout(10):
            await client.consume(leave_at_the_first, None)
    await asyncio.gather(*closing)
    # What was not acknowledged is delivered on the next connection.
    assert cloud.pending_messages == cloud.messages_sent - cloud.messages_acked
