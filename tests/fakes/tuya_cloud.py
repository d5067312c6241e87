"""A local fake of the Tuya IoT Platform cloud: OpenAPI and message service.

It speaks the real protocol on a loopback port: it checks every request's signature
(with the project's signing, itself checked against the reference implementation),
issues, refreshes and expires tokens, serves the linked devices in pages with their
status, specifications (one product with a wrong scale, as real ones have), batch
and single status, and commands. It counts every request and can be told to answer
any error code or HTTP status.

Devices may be *simulated*: a plug with an :class:`~.tuya_plugs.Appliance` behind it
and :class:`~.tuya_plugs.Firmware` in it measures the energy really used and reports
as real plugs do. The cloud keeps what the plugs report, as the real one does:

* the latest status (what polling sees: the last reported value of each data point);
* device logs (``/v1.0/devices/{id}/logs``, every report with its event time, newest
  first, at most 100 a page, kept 7 days) for projects subscribed to the log API;
* statistics of ``add_ele`` (``/v1.0/devices/{id}/statistics/quarters`` and
  ``.../hours``, values per quarter-hour or hour keyed by the wall clock of the
  home's time zone, each report counted a few minutes after it arrived, one day per
  request) for the products whose statistics are enabled;
* the message service: a Pulsar WebSocket consumer that gets every report, encrypted
  as Tuya encrypts it, redelivered until acknowledged, sometimes twice, kept while
  nobody listens, and counted against a monthly message quota.

Tests use it in-process; ``scripts/develop`` runs it as ``python -m
tests.fakes.tuya_cloud`` for the demo's Tuya account.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections import deque
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import json
import math
import random
import secrets
import time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import WSMsgType, web
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from custom_components.utility_cost.api.tuya import calculate_sign, string_to_sign

from .server import LoopbackServer
from .tuya_plugs import Appliance, Firmware

ACCESS_ID = "fakeaccessid0001"
# 32 characters, as the platform issues them (its characters 8-24 are the AES key).
ACCESS_SECRET = "fakesecret0000000000000000000001"
TOKEN_LIFETIME_S = 7200
# A product whose cloud specification says scale 0 while it reports 0.1 W and 0.1 V
# (the real product id of such a plug; see domain/plugs.py).
WRONG_SCALE_PRODUCT = "qxJSyTLEtX5WrzA9"
LOG_RETENTION_S = 7 * 86400
MAX_LOG_PAGE = 100
MESSAGE_QUEUE_LIMIT = 20_000

POWER_SPEC = {"code": "cur_power", "type": "Integer", "unit": "W", "scale": 1}
VOLTAGE_SPEC = {"code": "cur_voltage", "type": "Integer", "unit": "V", "scale": 1}
CURRENT_SPEC = {"code": "cur_current", "type": "Integer", "unit": "mA", "scale": 0}
ENERGY_SPEC = {"code": "add_ele", "type": "Integer", "unit": "kwh", "scale": 3}

# The data point ids messages carry beside the codes.
DP_IDS = {
    "switch_1": "1",
    "switch_2": "2",
    "switch_3": "3",
    "add_ele": "17",
    "cur_current": "18",
    "cur_power": "19",
    "cur_voltage": "20",
    "pro_add_ele": "21",
    "energy_status": "22",
}


def _now() -> float:
    return time.time()  # looked up at each call, so that frozen time applies


@dataclass
class Report:
    """What a plug sent at one instant: data point codes and raw values."""

    t: float
    items: dict[str, Any]


@dataclass
class FakeDevice:
    """A device of the fake cloud and the data points it reports.

    With an ``appliance`` and ``firmware`` it is simulated (see the module): its
    status then comes from its own reports. ``true_kwh`` is the energy the appliance
    really used through the plug (relay on) since the simulation started.
    """

    id: str
    name: str
    category: str
    product_id: str
    product_name: str
    status: dict[str, Any]
    spec: list[dict[str, Any]]
    online: bool = True
    local_key: str = field(default_factory=lambda: secrets.token_hex(8))
    sub: bool = False
    appliance: Appliance | None = None
    firmware: Firmware | None = None
    relay_gates: bool = True
    # simulation state
    sim_t: float | None = None
    true_kwh: float = 0.0
    true_export_kwh: float = 0.0
    _acc_kwh: float = 0.0
    _acc_export_kwh: float = 0.0
    _total_units: int = 0
    _total_export_units: int = 0
    _stats_total_units: int = 0
    _reported_w: float | None = None
    _last_power_report: float = 0.0
    _next_energy_report: float = 0.0

    def as_listed(self) -> dict[str, Any]:
        """Return the device as the device list shows it (secrets included)."""
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "product_id": self.product_id,
            "product_name": self.product_name,
            "model": self.product_name.split()[0],
            "online": self.online,
            "sub": self.sub,
            "local_key": self.local_key,
            "ip": "203.0.113.7",
            "uid": "eu1700000000000fake",
            "owner_id": "12345678",
            "time_zone": "+01:00",
            "status": self.status_list(),
        }

    def status_list(self) -> list[dict[str, Any]]:
        """Return the status as the cloud lists it."""
        return [{"code": code, "value": value} for code, value in self.status.items()]

    def set_power(self, watts: float, volts: float = 230.0) -> None:
        """Set the metered values a plug reports, in its own scales."""
        factor = 10  # 0.1 W and 0.1 V, for the wrong-scale product too
        self.status["cur_power"] = round(watts * factor)
        self.status["cur_voltage"] = round(volts * factor)
        self.status["cur_current"] = round(watts / volts * 1000)

    # --- simulation -----------------------------------------------------------

    @property
    def simulated(self) -> bool:
        """Return True for a plug whose reports come from its appliance."""
        return self.appliance is not None and self.firmware is not None

    def relay_on(self) -> bool:
        """Return True if the outlet feeding the appliance is on."""
        return self.status.get("switch_1", self.status.get("switch")) is True

    def _power(self, t: float) -> float:
        assert self.appliance is not None
        if self.relay_gates and not self.relay_on():
            return 0.0
        return self.appliance.power_at(t)

    def start_simulation(self, t: float, rng: random.Random) -> None:
        """Start measuring at ``t``; the first energy report comes within a period."""
        firmware = self.firmware
        assert firmware is not None
        self.sim_t = t
        self._next_energy_report = t + rng.uniform(0, firmware.energy_period_s)
        self._last_power_report = t
        self._reported_w = None

    def simulate_to(
        self, t_end: float, emit: Callable[[FakeDevice, Report], None]
    ) -> None:
        """Measure up to ``t_end`` and send what the firmware sends on the way."""
        firmware, appliance = self.firmware, self.appliance
        if firmware is None or appliance is None or self.sim_t is None:
            return
        t = self.sim_t
        if self._reported_w is None and self.online:
            self._report_power(t, emit, force=True)
        while t < t_end:
            gated_off = self.relay_gates and not self.relay_on()
            change = math.inf if gated_off else appliance.next_change(t)
            heartbeat = self._last_power_report + firmware.heartbeat_s
            nxt = min(change, self._next_energy_report, heartbeat, t_end)
            power = self._power(t)
            kwh = power * (nxt - t) / 3_600_000
            if kwh >= 0:
                self._acc_kwh += kwh
                self.true_kwh += kwh
            else:
                self._acc_export_kwh -= kwh
                self.true_export_kwh -= kwh
            t = nxt
            if not self.online:
                if t >= self._next_energy_report:
                    self._next_energy_report += firmware.energy_period_s
                if t >= heartbeat:
                    self._last_power_report = t
                continue
            if t >= self._next_energy_report:
                self._report_energy(t, emit)
                self._next_energy_report += firmware.energy_period_s
            if t == change:
                self._report_power(t, emit)
            if t >= heartbeat:
                self._report_power(t, emit, force=True)
        self.sim_t = t_end

    def _report_power(
        self,
        t: float,
        emit: Callable[[FakeDevice, Report], None],
        *,
        force: bool = False,
    ) -> None:
        firmware = self.firmware
        assert firmware is not None
        power = self._power(t)
        shown = abs(power) if abs(power) > firmware.deadband_w else 0.0
        previous = self._reported_w
        if (
            not force
            and previous is not None
            and (shown == 0) == (previous == 0)
            and abs(shown - previous) < firmware.change_fraction * previous
        ):
            return
        self._reported_w = shown
        self._last_power_report = t
        volts = firmware.volts
        pf = self.appliance.power_factor if self.appliance else 1.0
        items: dict[str, Any] = {
            "cur_power": round(shown * 10**firmware.power_scale),
            "cur_voltage": round(volts * 10**firmware.voltage_scale),
            "cur_current": round(shown / volts / pf * 1000) if shown else 0,
        }
        if "energy_status" in self.status:
            items["energy_status"] = "production" if power < 0 else "consumption"
        emit(self, Report(t, items))

    def _report_energy(
        self, t: float, emit: Callable[[FakeDevice, Report], None]
    ) -> None:
        firmware = self.firmware
        assert firmware is not None
        factor = 10**firmware.energy_scale
        items: dict[str, Any] = {}
        units = math.floor(self._acc_kwh * factor + 1e-9)
        if units > 0:
            self._acc_kwh -= units / factor
            self._total_units += units
            items["add_ele"] = (
                units if firmware.energy_kind == "increment" else self._total_units
            )
        if "pro_add_ele" in self.status:
            export = math.floor(self._acc_export_kwh * factor + 1e-9)
            if export > 0:
                self._acc_export_kwh -= export / factor
                self._total_export_units += export
                items["pro_add_ele"] = (
                    export
                    if firmware.energy_kind == "increment"
                    else self._total_export_units
                )
        if items:
            emit(self, Report(t, items))


def socket(
    device_id: str,
    name: str,
    watts: float = 0.0,
    *,
    on: bool = True,
    product_id: str = "plugmeter0001",
) -> FakeDevice:
    """Return a metering socket (category cz) with one outlet."""
    spec = [POWER_SPEC, VOLTAGE_SPEC, CURRENT_SPEC, ENERGY_SPEC]
    if product_id == WRONG_SCALE_PRODUCT:
        spec = [
            {**POWER_SPEC, "scale": 0},
            {**VOLTAGE_SPEC, "scale": 0},
            CURRENT_SPEC,
            ENERGY_SPEC,
        ]
    device = FakeDevice(
        device_id,
        name,
        "cz",
        product_id,
        "Mini Smart Plug",
        {"switch_1": on, "countdown_1": 0, "add_ele": 0},
        [{"code": "switch_1", "type": "Boolean"}, *spec],
    )
    device.set_power(watts if on else 0.0)
    return device


def simulated_socket(
    device_id: str,
    name: str,
    appliance: Appliance,
    *,
    firmware: Firmware | None = None,
    product_id: str = "plugmeter0001",
    spec: list[dict[str, Any]] | None = None,
    on: bool = True,
) -> FakeDevice:
    """Return a metering socket whose appliance and firmware make its reports."""
    firmware = firmware or Firmware()
    device = socket(device_id, name, 0.0, on=on, product_id=product_id)
    if spec is not None:
        device.spec = [{"code": "switch_1", "type": "Boolean"}, *spec]
    device.appliance = appliance
    device.firmware = firmware
    return device


def strip(
    device_id: str, name: str, outlets: int = 3, watts: float = 0.0
) -> FakeDevice:
    """Return a metering power strip (category pc) with several outlets."""
    status: dict[str, Any] = {f"switch_{n}": n == 1 for n in range(1, outlets + 1)}
    status["switch_usb1"] = False
    device = FakeDevice(
        device_id,
        name,
        "pc",
        "stripmeter001",
        "Power Monitoring Strip",
        status,
        [
            *(
                {"code": f"switch_{n}", "type": "Boolean"}
                for n in range(1, outlets + 1)
            ),
            {"code": "switch_usb1", "type": "Boolean"},
            POWER_SPEC,
            VOLTAGE_SPEC,
            CURRENT_SPEC,
        ],
    )
    device.set_power(watts)
    return device


def wall_switch(device_id: str, name: str, gangs: int = 2) -> FakeDevice:
    """Return a wall switch (category kg) without metering."""
    return FakeDevice(
        device_id,
        name,
        "kg",
        "wallswitch001",
        "Wi-Fi Wall Switch",
        {f"switch_{n}": False for n in range(1, gangs + 1)},
        [{"code": f"switch_{n}", "type": "Boolean"} for n in range(1, gangs + 1)],
    )


def light(device_id: str, name: str) -> FakeDevice:
    """Return a light bulb: a device of the account that is not a plug."""
    return FakeDevice(
        device_id,
        name,
        "dj",
        "bulb00000001",
        "Smart Bulb",
        {"switch_led": True, "bright_value_v2": 500},
        [{"code": "switch_led", "type": "Boolean"}],
    )


def standard_devices(plugs: int = 24) -> list[FakeDevice]:
    """Return an account of ``plugs`` plugs of every kind, and a light bulb.

    More than 20 devices in all, so the device list has several pages; the third
    socket is the product with the wrong cloud scale.
    """
    devices: list[FakeDevice] = []
    for index in range(plugs):
        number = index + 1
        if index % 6 == 4:
            devices.append(strip(f"strip{number:04d}", f"Strip {number}", 3, 60.0))
        elif index % 6 == 5:
            devices.append(wall_switch(f"switch{number:04d}", f"Switch {number}"))
        else:
            product = WRONG_SCALE_PRODUCT if index == 2 else "plugmeter0001"
            devices.append(
                socket(
                    f"plug{number:04d}",
                    f"Plug {number}",
                    100.0 + index,
                    product_id=product,
                )
            )
    devices.append(light("bulb0001", "Hall light"))
    return devices


@dataclass
class Injection:
    """An error to answer to matching requests, ``times`` times (None: always)."""

    path_contains: str
    code: int | None = None
    http_status: int | None = None
    times: int | None = 1


@dataclass
class _Stat:
    """An ``add_ele`` increment as the statistics see it: counted at ``available``."""

    t: float
    available: float
    kwh: float


@dataclass
class _Message:
    message_id: str
    frame: str
    sent_at: float | None = None


# --- message encryption, as the message service does it ----------------------------


def message_password(access_id: str, access_secret: str) -> str:
    """Return the message service's password for a project."""
    inner = hashlib.md5(access_secret.encode()).hexdigest()  # noqa: S324 - the protocol's
    return hashlib.md5((access_id + inner).encode()).hexdigest()[8:24]  # noqa: S324


def encrypt_data(plain: str, access_secret: str) -> str:
    """Encrypt a message's ``data`` as the service does: AES-128-ECB, PKCS#7, base64."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain.encode()) + padder.finalize()
    cipher = Cipher(algorithms.AES(access_secret[8:24].encode()), modes.ECB())  # noqa: S305 - the protocol's
    encryptor = cipher.encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


class FakeTuyaCloud(LoopbackServer):
    """The fake cloud: its state, its web application and its counters.

    Capabilities of the project and its products are attributes: ``log_api``
    (device logs subscribed), ``statistics_api`` (statistics subscribed) with
    ``statistics_products`` (products whose ``add_ele`` statistics are enabled), and
    ``message_service`` (the Pulsar consumer is allowed).
    """

    def __init__(
        self,
        devices: list[FakeDevice] | None = None,
        *,
        access_id: str = ACCESS_ID,
        access_secret: str = ACCESS_SECRET,
        clock: Callable[[], float] | None = None,
        tz: str = "Europe/Madrid",
        seed: int = 11,
    ) -> None:
        """Serve ``devices`` (default: standard_devices()) to one cloud project."""
        self.access_id = access_id
        self.access_secret = access_secret
        self.clock = clock or _now
        self.tz = ZoneInfo(tz)
        self.rng = random.Random(seed)
        self.devices = {d.id: d for d in (devices or standard_devices())}
        self.requests: list[tuple[str, str]] = []
        self.injections: list[Injection] = []
        self.token_lifetime_s = TOKEN_LIFETIME_S
        self.calls_left: int | None = None  # None: unlimited; 0: quota used up
        self.controllable_devices: int | None = None  # the trial's cap, if set
        self.controlled: set[str] = set()
        # capabilities
        self.log_api = True
        self.statistics_api = True
        self.statistics_products: set[str] = set()
        self.message_service = False
        self.stats_lag_s = (60.0, 600.0)
        self.message_cap: int | None = None
        # The push protocols the project's messaging rules send: "legacy" (4, 20)
        # and/or "iot_core" (1000, 1001; Tuya's default for projects since 2023).
        self.message_protocols: set[str] = {"legacy"}
        self.duplicate_rate = 0.02
        # what the plugs reported
        self.logs: dict[str, list[Report]] = {}
        self.stats: dict[str, list[_Stat]] = {}
        self.messages_sent = 0
        self.deliveries = 0  # frames sent: duplicates and redeliveries included
        self.messages_acked = 0
        self._queue: deque[_Message] = deque()
        self._unacked: dict[str, _Message] = {}
        self._message_seq = 0
        self._ws_connected = 0
        self._sockets: set[web.WebSocketResponse] = set()
        self._wake = asyncio.Event()
        self._tokens: dict[str, float] = {}  # access token -> expiry (epoch s)
        self._refresh_tokens: set[str] = set()
        super().__init__()
        self.app.router.add_route(
            "GET", "/ws/v2/consumer/persistent/{tail:.*}", self._consumer
        )
        self.app.router.add_route("*", "/{path:.*}", self._handle)

    # --- control ---------------------------------------------------------------

    def fail(
        self,
        path_contains: str = "",
        *,
        code: int | None = None,
        http_status: int | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer matching requests with an error code or an HTTP status."""
        self.injections.append(Injection(path_contains, code, http_status, times))

    def expire_tokens(self) -> None:
        """Make every access token issued so far invalid (as after a revocation)."""
        self._tokens.clear()

    def count(self, path_contains: str = "") -> int:
        """Return how many requests matched ``path_contains``."""
        return sum(1 for _, path in self.requests if path_contains in path)

    def start_simulation(self, at: float | None = None) -> None:
        """Start every simulated device's measuring at ``at`` (default: now).

        A plug that was plugged in before shows what it draws then: its first power
        report is made at ``at``.
        """
        at = self.clock() if at is None else at
        for device in self.devices.values():
            if device.simulated and device.sim_t is None:
                device.start_simulation(at, self.rng)
                device.simulate_to(at, self._received)

    def advance(self, now: float | None = None) -> None:
        """Run every simulated device up to ``now``: their reports reach the cloud."""
        now = self.clock() if now is None else now
        for device in self.devices.values():
            if device.simulated and device.sim_t is not None and device.sim_t < now:
                device.simulate_to(now, self._received)

    def switch(self, device_id: str, code: str, on: bool) -> None:
        """Switch an outlet as the Smart Life app would (the plug reports it)."""
        device = self.devices[device_id]
        self.advance()
        device.status[code] = on
        self._received(device, Report(self.clock(), {code: on}))
        if device.simulated:
            device._report_power(self.clock(), self._received)

    # --- what the plugs report -------------------------------------------------

    def _received(self, device: FakeDevice, report: Report) -> None:
        device.status.update(report.items)
        self.logs.setdefault(device.id, []).append(report)
        increment = self._energy_increment(device, report)
        if increment is not None:
            lag = self.rng.uniform(*self.stats_lag_s)
            self.stats.setdefault(device.id, []).append(
                _Stat(report.t, report.t + lag, increment)
            )
        if self.message_service:
            self._publish(device, report)

    def _energy_increment(self, device: FakeDevice, report: Report) -> float | None:
        value = report.items.get("add_ele")
        if value is None or device.firmware is None:
            return None
        factor = 10**device.firmware.energy_scale
        if device.firmware.energy_kind == "increment":
            return float(value) / factor
        previous, device._stats_total_units = device._stats_total_units, value
        return float(value - previous) / factor

    def _publish(self, device: FakeDevice, report: Report) -> None:
        if self.message_cap is not None and self.messages_sent >= self.message_cap:
            return  # the month's messages are used up: nothing more is pushed
        t_ms = int(report.t * 1000)
        status = [
            {"code": code, "value": value, "t": t_ms, DP_IDS.get(code, "99"): value}
            for code, value in report.items.items()
        ]
        if self.message_protocols & {"legacy"}:
            data = {
                "dataId": secrets.token_hex(8),
                "devId": device.id,
                "productKey": device.product_id,
                "status": status,
            }
            self._enqueue({"protocol": 4, "pv": "2.0", "t": t_ms, "data": data})
        if self.message_protocols & {"iot_core"}:
            properties = [
                {
                    "code": code,
                    "dpId": int(DP_IDS.get(code, "99")),
                    "time": t_ms,
                    "value": value,
                }
                for code, value in report.items.items()
            ]
            self._enqueue(
                {
                    "protocol": 1000,
                    "pv": "2.0",
                    "t": t_ms,
                    "data": {
                        "bizCode": "devicePropertyMessage",
                        "bizData": {
                            "devId": device.id,
                            "productId": device.product_id,
                            "properties": properties,
                        },
                        "ts": t_ms,
                    },
                }
            )

    def publish_online(self, device_id: str, online: bool) -> None:
        """Push the service's online/offline event of a device."""
        device = self.devices[device_id]
        device.online = online
        if not self.message_service:
            return
        t_ms = int(self.clock() * 1000)
        if self.message_protocols & {"legacy"}:
            self._enqueue(
                {
                    "protocol": 20,
                    "pv": "2.0",
                    "t": t_ms,
                    "data": {
                        "devId": device_id,
                        "productKey": device.product_id,
                        "bizCode": "online" if online else "offline",
                        "bizData": {"time": t_ms},
                    },
                }
            )
        if self.message_protocols & {"iot_core"}:
            self._enqueue(
                {
                    "protocol": 1001,
                    "pv": "2.0",
                    "t": t_ms,
                    "data": {
                        "bizCode": "deviceOnline" if online else "deviceOffline",
                        "bizData": {"devId": device_id, "time": t_ms},
                        "ts": t_ms,
                    },
                }
            )

    def _enqueue(self, envelope: dict[str, Any]) -> None:
        envelope = {
            **envelope,
            "data": encrypt_data(json.dumps(envelope["data"]), self.access_secret),
            "sign": secrets.token_hex(16),
        }
        payload = base64.b64encode(json.dumps(envelope).encode()).decode()
        self._message_seq += 1
        message_id = f"CAESLQ{self._message_seq:010d}"
        frame = json.dumps(
            {
                "messageId": message_id,
                "payload": payload,
                "properties": {"em": "aes_ecb"},
                "publishTime": datetime.fromtimestamp(self.clock(), UTC).isoformat(),
                "redeliveryCount": 0,
            }
        )
        self._queue.append(_Message(message_id, frame))
        while len(self._queue) > MESSAGE_QUEUE_LIMIT:
            self._queue.popleft()  # the topic's backlog is capped: the oldest go
        self._wake.set()

    @property
    def pending_messages(self) -> int:
        """Return messages not yet acknowledged (queued or in flight)."""
        return len(self._queue) + len(self._unacked)

    async def wait_delivered(self, rounds: int = 10_000, quiet: int = 20) -> None:
        """Let a connected consumer take every message, and acknowledge what it will.

        A consumer may hold acknowledgements (until what a message changed is
        written): delivery is done when the queue is empty and no acknowledgement
        came for ``quiet`` rounds. Only yields to the event loop (whose clock a test
        may have frozen), a bounded number of times.
        """
        still = 0
        unacked = -1
        for _ in range(rounds):
            if not (self._ws_connected and self.pending_messages):
                return
            if self._queue or len(self._unacked) != unacked:
                still = 0
                unacked = len(self._unacked)
            else:
                still += 1
                if still >= quiet:
                    return
            self._wake.set()
            await asyncio.sleep(0)

    # --- the message service (Pulsar WebSocket consumer) ------------------------

    async def drop_consumers(self) -> None:
        """Close every consumer connection, as the service does when it restarts."""
        for ws in list(self._sockets):
            await ws.close()

    async def stop(self) -> None:
        """Close the consumers first: a server shutdown would wait for them."""
        await self.drop_consumers()
        await super().stop()

    def enqueue_frame(self, message_id: str, frame: str) -> None:
        """Queue a raw frame for the consumer (as a misbehaving service might send)."""
        self._queue.append(_Message(message_id, frame))
        self._wake.set()

    @property
    def unacknowledged(self) -> set[str]:
        """Return the ids of messages sent and not acknowledged yet."""
        return set(self._unacked)

    async def _consumer(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        for injection in self.injections:
            if injection.path_contains in request.path and injection.times != 0:
                if injection.times is not None:
                    injection.times -= 1
                return web.Response(status=injection.http_status or 500)
        expected = (
            f"/ws/v2/consumer/persistent/{self.access_id}/out/event/"
            f"{self.access_id}-sub"
        )
        if request.headers.get("username") != self.access_id or request.headers.get(
            "password"
        ) != message_password(self.access_id, self.access_secret):
            return web.Response(status=401, text="Authentication required")
        if not self.message_service:
            return web.Response(status=403, text="Message service not enabled")
        if request.path != expected:
            return web.Response(status=404, text="Topic not found")
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        self._ws_connected += 1
        self._sockets.add(ws)
        # Pulsar's consumer setting: unacknowledged messages come again after this
        # (0, its default: only after a reconnection).
        try:
            ack_timeout = int(request.query.get("ackTimeoutMillis", "0")) / 1000
        except ValueError:
            ack_timeout = 0.0
        sender = asyncio.create_task(self._send_loop(ws, ack_timeout))
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    acked = json.loads(msg.data)["messageId"]
                    if self._unacked.pop(acked, None) is not None:
                        self.messages_acked += 1
        finally:
            self._ws_connected -= 1
            self._sockets.discard(ws)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
            # Whatever was sent and not acknowledged is delivered again later.
            for message in reversed(list(self._unacked.values())):
                message.sent_at = None
                self._queue.appendleft(message)
            self._unacked.clear()
        return ws

    async def _send_loop(self, ws: web.WebSocketResponse, ack_timeout: float) -> None:
        while not ws.closed:
            self._wake.clear()
            self.advance()  # what the plugs reported meanwhile is queued (and wakes)
            await asyncio.sleep(0)
            now = self.clock()
            for message in list(self._unacked.values()):
                if (
                    ack_timeout > 0
                    and message.sent_at is not None
                    and now - message.sent_at > ack_timeout
                ):
                    message.sent_at = now
                    self.deliveries += 1
                    await ws.send_str(message.frame)  # redelivered: not acknowledged
            while self._queue:
                message = self._queue.popleft()
                message.sent_at = now
                self._unacked[message.message_id] = message
                self.messages_sent += 1
                self.deliveries += 1
                await ws.send_str(message.frame)
                if self.rng.random() < self.duplicate_rate:
                    self.deliveries += 1
                    await ws.send_str(
                        message.frame
                    )  # the service delivers at least once
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.05):
                    await self._wake.wait()

    # --- protocol --------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.path
        body = await request.text()
        self.requests.append((request.method, path))
        for injection in self.injections:
            if injection.path_contains in path and injection.times != 0:
                if injection.times is not None:
                    injection.times -= 1
                if injection.http_status is not None:
                    return web.Response(
                        status=injection.http_status, text="<html>error"
                    )
                return self._error(injection.code or 500, "injected error")
        if self.calls_left is not None:
            if self.calls_left <= 0:
                return self._error(28841004, "quota of the trial edition used up")
            self.calls_left -= 1
        token = request.headers.get("access_token", "")
        if error := self._check_signature(request, body, token):
            return error
        if path == "/v1.0/token":
            return self._issue_token()
        if path.startswith("/v1.0/token/"):
            refresh_token = path.rsplit("/", 1)[1]
            if refresh_token not in self._refresh_tokens:
                return self._error(1012, "token status is invalid")
            self._refresh_tokens.discard(refresh_token)
            return self._issue_token()
        expiry = self._tokens.get(token)
        if expiry is None:
            return self._error(1011, "invalid token")
        if expiry <= self.clock():
            return self._error(1010, "token invalid")
        self.advance()
        return self._route(request.method, path, dict(request.query), body)

    def _check_signature(
        self, request: web.Request, body: str, token: str
    ) -> web.Response | None:
        headers = request.headers
        if headers.get("client_id") != self.access_id:
            return self._error(1005, "clientId is invalid")
        try:
            t_ms = int(headers.get("t", ""))
        except ValueError:
            return self._error(1013, "request time is invalid")
        if abs(t_ms / 1000 - self.clock()) > 900:
            return self._error(1013, "request time is invalid")
        expected = calculate_sign(
            self.access_id,
            self.access_secret,
            t_ms,
            string_to_sign(request.method, request.path, dict(request.query), body),
            access_token=token,
        )
        if (
            headers.get("sign") != expected
            or headers.get("sign_method") != "HMAC-SHA256"
        ):
            return self._error(1004, "sign invalid")
        return None

    def _issue_token(self) -> web.Response:
        token = secrets.token_hex(16)
        refresh = secrets.token_hex(16)
        self._tokens[token] = self.clock() + self.token_lifetime_s
        self._refresh_tokens.add(refresh)
        return self._ok(
            {
                "access_token": token,
                "refresh_token": refresh,
                "uid": "bay1700000000000fake",
                "expire_time": self.token_lifetime_s,
            }
        )

    def _route(
        self, method: str, path: str, query: dict[str, str], body: str
    ) -> web.Response:
        parts = path.strip("/").split("/")
        if method == "GET" and path == "/v1.0/iot-01/associated-users/devices":
            return self._device_page(query)
        if method == "GET" and path == "/v1.0/iot-03/devices/status":
            ids = [i for i in query.get("device_ids", "").split(",") if i]
            if len(ids) > 20:
                return self._error(1109, "param is illegal")
            return self._ok(
                [
                    {"id": i, "status": self.devices[i].status_list()}
                    for i in ids
                    if i in self.devices
                ]
            )
        if len(parts) == 5 and parts[:3] == ["v1.0", "iot-03", "devices"]:
            device = self.devices.get(parts[3])
            if device is None:
                return self._error(1106, "permission deny")
            if method == "GET" and parts[4] == "status":
                return self._ok(device.status_list())
            if method == "GET" and parts[4] == "specification":
                return self._specification(device)
            if method == "POST" and parts[4] == "commands":
                return self._command(device, body)
        if len(parts) >= 4 and parts[:2] == ["v1.0", "devices"] and method == "GET":
            device = self.devices.get(parts[2])
            if device is None:
                return self._error(1106, "permission deny")
            if parts[3] == "logs" and len(parts) == 4:
                return self._logs(device, query)
            if parts[3] == "all-statistic-type" and len(parts) == 4:
                return self._statistic_types(device)
            if parts[3] == "statistics" and len(parts) == 5:
                return self._statistics(device, parts[4], query)
        return self._error(1108, "uri path invalid")

    def _device_page(self, query: dict[str, str]) -> web.Response:
        size = min(int(query.get("size", "20")), 20)
        start = int(query.get("last_row_key") or 0)
        listed = list(self.devices.values())
        page = listed[start : start + size]
        end = start + len(page)
        return self._ok(
            {
                "devices": [device.as_listed() for device in page],
                "has_more": end < len(listed),
                "last_row_key": str(end),
                "total": len(listed),
            }
        )

    def _specification(self, device: FakeDevice) -> web.Response:
        points = []
        for point in device.spec:
            values = {
                k: v
                for k, v in point.items()
                if k not in ("code", "type", "report_type")
            }
            item: dict[str, Any] = {
                "code": point["code"],
                "type": point["type"],
                "values": json.dumps(values),
            }
            if "report_type" in point:
                item["report_type"] = point["report_type"]
            points.append(item)
        return self._ok(
            {"category": device.category, "functions": [], "status": points}
        )

    def _command(self, device: FakeDevice, body: str) -> web.Response:
        try:
            commands = json.loads(body)["commands"]
        except (ValueError, KeyError, TypeError):
            return self._error(1109, "param is illegal")
        if not device.online:
            return self._error(2001, "device is offline")
        if (
            self.controllable_devices is not None
            and device.id not in self.controlled
            and len(self.controlled) >= self.controllable_devices
        ):
            return self._error(60001001, "the controllable device pool is used up")
        for command in commands:
            if command.get("code") not in device.status:
                return self._error(2008, "command or value not support")
        self.controlled.add(device.id)
        now = self.clock()
        for command in commands:
            device.status[command["code"]] = command["value"]
            self._received(device, Report(now, {command["code"]: command["value"]}))
        if device.simulated:
            device._report_power(now, self._received)
        elif not any(
            v
            for k, v in device.status.items()
            if k.startswith("switch_") and k[7:].isdigit()
        ):
            device.set_power(0.0)
        return self._ok(True)

    # --- logs and statistics ------------------------------------------------------

    def _logs(self, device: FakeDevice, query: dict[str, str]) -> web.Response:
        if not self.log_api:
            return self._error(28841101, "No permissions. This API is not subscribed.")
        try:
            start = int(query["start_time"]) / 1000
            end = int(query["end_time"]) / 1000
            size = int(query.get("size", "20"))
            offset = int(query.get("start_row_key") or 0)
        except (KeyError, ValueError):
            return self._error(1109, "param is illegal")
        if size > MAX_LOG_PAGE or "7" not in query.get("type", "").split(","):
            return self._error(1109, "param is illegal")
        codes = set(filter(None, query.get("codes", "").split(",")))
        oldest = self.clock() - LOG_RETENTION_S
        entries = [
            {
                "code": code,
                "value": str(value).lower() if isinstance(value, bool) else str(value),
                "event_time": int(report.t * 1000),
                "event_from": "1",
                "event_id": 7,
                "status": "1",
            }
            for report in self.logs.get(device.id, [])
            if max(start, oldest) <= report.t <= end
            for code, value in report.items.items()
            if not codes or code in codes
        ]
        entries.sort(key=lambda entry: -entry["event_time"])  # newest first
        page = entries[offset : offset + size]
        has_next = offset + size < len(entries)
        return self._ok(
            {
                "device_id": device.id,
                "has_next": has_next,
                "next_row_key": str(offset + size) if has_next else "",
                "logs": page,
            }
        )

    def _statistic_types(self, device: FakeDevice) -> web.Response:
        if not self.statistics_api:
            return self._error(28841101, "No permissions. This API is not subscribed.")
        if device.product_id not in self.statistics_products:
            return self._ok([])
        return self._ok([{"code": "add_ele", "stat_type": "sum"}])

    def _statistics(
        self, device: FakeDevice, kind: str, query: dict[str, str]
    ) -> web.Response:
        if not self.statistics_api:
            return self._error(28841101, "No permissions. This API is not subscribed.")
        if device.product_id not in self.statistics_products:
            return self._error(1106, "permission deny")
        if query.get("code") != "add_ele":
            return self._error(1109, "param is illegal")
        if kind == "quarters":
            step, fmt, names = 15, "%Y%m%d%H%M", ("start_minute", "end_minute")
        elif kind == "hours":
            step, fmt, names = 60, "%Y%m%d%H", ("start_hour", "end_hour")
        else:
            return self._error(1108, "uri path invalid")
        try:
            first = datetime.strptime(query[names[0]], fmt).replace(tzinfo=self.tz)
            last = datetime.strptime(query[names[1]], fmt).replace(tzinfo=self.tz)
        except (KeyError, ValueError):
            return self._error(1109, "param is illegal")
        if last < first or last - first >= timedelta(days=1):
            return self._error(1109, "param is illegal")  # one day per request
        now = self.clock()
        values: dict[str, float] = {}
        key = first
        now_key = self._slot(datetime.fromtimestamp(now, self.tz), step)
        while key <= last and key.replace(tzinfo=None) <= now_key:
            values[key.strftime(fmt)] = 0.0
            key += timedelta(minutes=step)
        for stat in self.stats.get(device.id, []):
            if stat.available > now:
                continue  # not processed yet
            slot = self._slot(datetime.fromtimestamp(stat.t, self.tz), step)
            label = slot.strftime(fmt)
            if label in values:
                values[label] += stat.kwh
        field_name = "quarters" if kind == "quarters" else "hours"
        return self._ok(
            {field_name: {label: f"{value:.3f}" for label, value in values.items()}}
        )

    @staticmethod
    def _slot(local: datetime, step: int) -> datetime:
        """Return the wall-clock slot (no time zone) that ``local`` falls in."""
        minute = local.minute - local.minute % step
        return local.replace(minute=minute, second=0, microsecond=0, tzinfo=None)

    def _ok(self, result: Any) -> web.Response:
        return web.json_response(
            {"success": True, "result": result, "t": int(self.clock() * 1000)}
        )

    def _error(self, code: int, message: str) -> web.Response:
        return web.json_response(
            {
                "success": False,
                "code": code,
                "msg": message,
                "t": int(self.clock() * 1000),
            }
        )


# --- the demo's cloud ----------------------------------------------------------------


def demo_devices() -> list[FakeDevice]:
    """Return the demo account: a washing machine, a heater, a strip, a switch."""
    return [
        socket("demowasher01", "Washing machine", 0.0),
        socket("demoheater01", "Heater", 1500.0),
        strip("demostrip001", "Desk strip", 3, 45.0),
        wall_switch("demoswitch01", "Porch light switch", 1),
    ]


async def _vary_demo_power(cloud: FakeTuyaCloud) -> None:
    """Change the demo plugs' power over time, as real appliances do."""
    while True:
        now = time.time()
        washer = cloud.devices["demowasher01"]
        if washer.status.get("switch_1"):
            # a 40-minute programme: heating, washing, spinning, then idle
            minute = (now / 60) % 60
            watts = (
                2000.0
                if minute < 10
                else 300.0
                if minute < 30
                else 500.0
                if minute < 40
                else 2.0
            )
            washer.set_power(watts)
        heater = cloud.devices["demoheater01"]
        if heater.status.get("switch_1"):
            heater.set_power(1500 + 300 * math.sin(now / 300))
        desk = cloud.devices["demostrip001"]
        on = sum(1 for k, v in desk.status.items() if k[7:].isdigit() and v)
        desk.set_power(on * (40 + 5 * math.sin(now / 120)))
        await asyncio.sleep(5)


async def _serve(port: int) -> None:
    cloud = FakeTuyaCloud(demo_devices())
    url = await cloud.start(port)
    print(f"fake Tuya cloud at {url} (Access ID {cloud.access_id})", flush=True)  # noqa: T201
    await _vary_demo_power(cloud)


def main() -> None:
    """Serve the demo's fake cloud until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port))


if __name__ == "__main__":
    main()
