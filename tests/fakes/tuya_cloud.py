"""A local fake of the Tuya IoT Platform cloud OpenAPI.

It speaks the real protocol on a loopback port: it checks every request's signature
(with the project's signing, itself checked against the reference implementation),
issues, refreshes and expires tokens, serves the linked devices in pages with their
status, specifications (one product with a wrong scale, as real ones have), batch
and single status, and commands. It counts every request and can be told to answer
any error code or HTTP status. Tests use it in-process; ``scripts/develop`` runs it
as ``python -m tests.fakes.tuya_cloud`` for the demo's Tuya account.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
import json
import math
import secrets
import time
from typing import Any

from aiohttp import web

from custom_components.utility_cost.api.tuya import calculate_sign, string_to_sign

from .server import LoopbackServer

ACCESS_ID = "fakeaccessid0001"
ACCESS_SECRET = "fake-access-secret-0001"
TOKEN_LIFETIME_S = 7200
# A product whose cloud specification says scale 0 while it reports 0.1 W and 0.1 V
# (the real product id of such a plug; see domain/plugs.py).
WRONG_SCALE_PRODUCT = "qxJSyTLEtX5WrzA9"

POWER_SPEC = {"code": "cur_power", "type": "Integer", "unit": "W", "scale": 1}
VOLTAGE_SPEC = {"code": "cur_voltage", "type": "Integer", "unit": "V", "scale": 1}
CURRENT_SPEC = {"code": "cur_current", "type": "Integer", "unit": "mA", "scale": 0}
ENERGY_SPEC = {"code": "add_ele", "type": "Integer", "unit": "kwh", "scale": 3}


def _now() -> float:
    return time.time()  # looked up at each call, so that frozen time applies


@dataclass
class FakeDevice:
    """A device of the fake cloud and the data points it reports."""

    id: str
    name: str
    category: str
    product_id: str
    product_name: str
    status: dict[str, Any]
    spec: list[dict[str, Any]]
    online: bool = True
    local_key: str = field(default_factory=lambda: secrets.token_hex(8))

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


class FakeTuyaCloud(LoopbackServer):
    """The fake cloud: its state, its web application and its counters."""

    def __init__(
        self,
        devices: list[FakeDevice] | None = None,
        *,
        access_id: str = ACCESS_ID,
        access_secret: str = ACCESS_SECRET,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Serve ``devices`` (default: standard_devices()) to one cloud project."""
        self.access_id = access_id
        self.access_secret = access_secret
        self.clock = clock or _now
        self.devices = {d.id: d for d in (devices or standard_devices())}
        self.requests: list[tuple[str, str]] = []
        self.injections: list[Injection] = []
        self.token_lifetime_s = TOKEN_LIFETIME_S
        self.calls_left: int | None = None  # None: unlimited; 0: quota used up
        self.controllable_devices: int | None = None  # the trial's cap, if set
        self.controlled: set[str] = set()
        self._tokens: dict[str, float] = {}  # access token -> expiry (epoch s)
        self._refresh_tokens: set[str] = set()
        super().__init__()
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
        points = [
            {
                "code": point["code"],
                "type": point["type"],
                "values": json.dumps(
                    {k: v for k, v in point.items() if k not in ("code", "type")}
                ),
            }
            for point in device.spec
        ]
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
        for command in commands:
            device.status[command["code"]] = command["value"]
        if not any(
            v
            for k, v in device.status.items()
            if k.startswith("switch_") and k[7:].isdigit()
        ):
            device.set_power(0.0)
        return self._ok(True)

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
