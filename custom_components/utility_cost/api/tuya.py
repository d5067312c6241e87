"""Async client of the Tuya IoT Platform cloud OpenAPI.

Requests are signed as Tuya documents it and as ``tuya-connector-python`` (the
reference implementation, checked by a test) does: HMAC-SHA256 of ``client_id +
access_token + t + stringToSign`` with the Access Secret, in upper-case hex, where
``stringToSign`` is the method, the body's SHA-256, the signed headers (none) and
the path with its query sorted by key, one per line.

Unlike the reference, every request has a timeout, non-2xx answers and failed token
refreshes become typed errors, the token is obtained or refreshed by one request at
a time, and a request refused for an expired or invalid token is sent once more
with a new one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import hashlib
import hmac
import json
import math
import time
from typing import Any, Final

import aiohttp

from .common import sendable

DATA_CENTERS: Final[dict[str, str]] = {
    "china": "https://openapi.tuyacn.com",
    "western_america": "https://openapi.tuyaus.com",
    "eastern_america": "https://openapi-ueaz.tuyaus.com",
    "central_europe": "https://openapi.tuyaeu.com",
    "western_europe": "https://openapi-weaz.tuyaeu.com",
    "india": "https://openapi.tuyain.com",
    "singapore": "https://openapi-sg.iotbing.com",
}

TOKEN_PATH: Final = "/v1.0/token"  # noqa: S105 - a URL path, not a secret
DEVICES_PATH: Final = "/v1.0/iot-01/associated-users/devices"
# The page size of Tuya's documented example; larger ones are not documented.
DEVICE_PAGE_SIZE: Final = 20
# The device logs' largest page.
LOG_PAGE_SIZE: Final = 100
# A token is renewed this long before it expires (as the reference does).
TOKEN_MARGIN_S: Final = 60.0
DEFAULT_TIMEOUT_S: Final = 10.0
_MAX_PAGES: Final = 500


class TuyaError(Exception):
    """Base of every error of this client."""


class TuyaConnectionError(TuyaError):
    """The cloud could not be reached, timed out or failed (5xx)."""


class TuyaBadResponseError(TuyaError):
    """The cloud answered something this client does not understand."""


class TuyaApiError(TuyaError):
    """The cloud refused a request with an error code."""

    def __init__(self, code: int | None, message: str) -> None:
        """Keep Tuya's code and message."""
        super().__init__(f"{message} (code {code})" if code is not None else message)
        self.code = code
        self.message = message


class TuyaAuthenticationError(TuyaApiError):
    """The Access ID or Secret is wrong, or permission is denied."""


class TuyaQuotaExhaustedError(TuyaApiError):
    """The cloud plan's API calls for this period are used up (28841004)."""


class TuyaPlanExpiredError(TuyaApiError):
    """The cloud plan has expired (28841002)."""


class TuyaApiNotSubscribedError(TuyaApiError):
    """The cloud project is not subscribed to an API it needs (28841101/28841106)."""


class TuyaDeviceCapError(TuyaApiError):
    """The pool of controllable devices is used up (60001001; 10 on the trial)."""


class TuyaRateLimitedError(TuyaApiError):
    """Too many requests (1110, 1199 or HTTP 429): slow down."""


class TuyaBusyError(TuyaApiError, TuyaConnectionError):
    """The system is busy (1111): a passing state of the cloud, like an outage.

    Not a request to slow down: what catches connection errors (try again later,
    at the same rate) catches it.
    """


class TuyaDeviceOfflineError(TuyaApiError):
    """The device is offline (2001)."""


TOKEN_INVALID_CODES: Final = frozenset({1010, 1011})
_ERRORS: Final[dict[int, type[TuyaApiError]]] = {
    1001: TuyaAuthenticationError,  # secret invalid
    1004: TuyaAuthenticationError,  # sign invalid: the secret does not match
    1005: TuyaAuthenticationError,  # client id invalid
    1106: TuyaAuthenticationError,  # permission denied
    28841002: TuyaPlanExpiredError,
    28841004: TuyaQuotaExhaustedError,
    28841101: TuyaApiNotSubscribedError,
    28841106: TuyaApiNotSubscribedError,
    60001001: TuyaDeviceCapError,
    1110: TuyaRateLimitedError,
    1111: TuyaBusyError,
    1199: TuyaRateLimitedError,
    2001: TuyaDeviceOfflineError,
}


# --- signing ----------------------------------------------------------------------


def body_text(body: Mapping[str, Any] | None) -> str:
    """Serialise a JSON body exactly as it is signed and sent ("" for none)."""
    return "" if not body else json.dumps(body)


def string_to_sign(
    method: str, path: str, params: Mapping[str, Any] | None, body: str
) -> str:
    """Return Tuya's string to sign for a request (no signed headers)."""
    url = path
    if params:
        url += "?" + "&".join(f"{key}={params[key]}" for key in sorted(params))
    content_hash = hashlib.sha256(body.encode("utf8")).hexdigest()
    return f"{method}\n{content_hash}\n\n{url}"


def calculate_sign(
    access_id: str,
    access_secret: str,
    t_ms: int,
    to_sign: str,
    *,
    access_token: str = "",
    nonce: str = "",
) -> str:
    """Return the request signature: upper-case hex HMAC-SHA256."""
    message = f"{access_id}{access_token}{t_ms}{nonce}{to_sign}"
    return (
        hmac.new(access_secret.encode("utf8"), message.encode("utf8"), hashlib.sha256)
        .hexdigest()
        .upper()
    )


def signed_headers(
    access_id: str, sign: str, t_ms: int, access_token: str, lang: str
) -> dict[str, str]:
    """Return the headers that carry the signature."""
    return {
        "client_id": access_id,
        "sign": sign,
        "sign_method": "HMAC-SHA256",
        "access_token": access_token,
        "t": str(t_ms),
        "lang": lang,
    }


# --- models ------------------------------------------------------------------------


def _text(data: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise TuyaBadResponseError(f"{key!r} is not text: {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class TuyaToken:
    """An access token and what renews it."""

    access_token: str
    refresh_token: str
    uid: str
    expires_at: float  # epoch seconds

    @classmethod
    def from_api(cls, result: Any, server_t_ms: Any) -> TuyaToken:
        """Parse the result of a token request."""
        if not isinstance(result, dict):
            raise TuyaBadResponseError("token answer is not an object")
        lifetime = result.get("expire_time", result.get("expire"))
        if not isinstance(lifetime, int) or not isinstance(server_t_ms, int):
            raise TuyaBadResponseError("token answer without a lifetime")
        return cls(
            access_token=_text(result, "access_token"),
            refresh_token=_text(result, "refresh_token"),
            uid=_text(result, "uid", ""),
            expires_at=server_t_ms / 1000 + lifetime,
        )

    def usable(self, now: float) -> bool:
        """Return True if the token is good for at least TOKEN_MARGIN_S more."""
        return now < self.expires_at - TOKEN_MARGIN_S


@dataclass(frozen=True, slots=True)
class TuyaDevice:
    """A device of the app accounts linked to the cloud project.

    Secrets the cloud also returns (``local_key``) and personal data (``ip``,
    ``uid``, position) are dropped here and never reach the rest of the code.
    """

    id: str
    name: str
    category: str
    product_id: str
    product_name: str
    model: str
    online: bool
    status: Mapping[str, Any] = field(default_factory=dict)
    sub: bool = False

    @classmethod
    def from_api(cls, data: Any) -> TuyaDevice:
        """Parse one device of the device list."""
        if not isinstance(data, dict):
            raise TuyaBadResponseError("device is not an object")
        status = data.get("status") or []
        if not isinstance(status, list) or not all(
            isinstance(item, dict) and isinstance(item.get("code"), str)
            for item in status
        ):
            raise TuyaBadResponseError("device status is not a list of data points")
        return cls(
            id=_text(data, "id"),
            name=_text(data, "name", "") or _text(data, "id"),
            category=_text(data, "category", ""),
            product_id=_text(data, "product_id", ""),
            product_name=_text(data, "product_name", ""),
            model=str(data.get("model") or ""),
            online=bool(data.get("online", data.get("is_online", False))),
            status={item["code"]: item.get("value") for item in status},
            sub=data.get("sub") is True,
        )


@dataclass(frozen=True, slots=True)
class DataPoint:
    """A status data point's type, unit, scale (value / 10**scale) and range.

    ``report_type`` is what some specifications say of a counter: ``"sum"`` for
    values that are increments to add up.
    """

    code: str
    type: str
    unit: str | None = None
    scale: int = 0
    maximum: int | None = None
    report_type: str | None = None


@dataclass(frozen=True, slots=True)
class TuyaSpecification:
    """The status data points of a product, as the cloud describes them."""

    category: str
    status: Mapping[str, DataPoint]

    @classmethod
    def from_api(cls, result: Any) -> TuyaSpecification:
        """Parse the result of a specification request."""
        if not isinstance(result, dict) or not isinstance(
            result.get("status", []), list
        ):
            raise TuyaBadResponseError("specification is not an object")
        points: dict[str, DataPoint] = {}
        for item in result.get("status", []):
            if not isinstance(item, dict) or not isinstance(item.get("code"), str):
                raise TuyaBadResponseError("specification data point without a code")
            values: Any = item.get("values") or "{}"
            try:
                values = json.loads(values) if isinstance(values, str) else values
            except ValueError as err:
                raise TuyaBadResponseError("specification values are not JSON") from err
            if not isinstance(values, dict):
                values = {}
            scale = values.get("scale", 0)
            unit = values.get("unit")
            maximum = values.get("max")
            report_type = item.get("report_type", values.get("report_type"))
            points[item["code"]] = DataPoint(
                code=item["code"],
                type=str(item.get("type", "")),
                unit=unit if isinstance(unit, str) and unit else None,
                scale=scale if isinstance(scale, int) else 0,
                maximum=maximum
                if isinstance(maximum, int) and not isinstance(maximum, bool)
                else None,
                report_type=report_type if isinstance(report_type, str) else None,
            )
        return cls(category=str(result.get("category", "")), status=points)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A data point value a device reported, as the device logs keep it."""

    code: str
    value: str
    event_time_ms: int

    @classmethod
    def from_api(cls, data: Any) -> LogEntry:
        """Parse one entry of the device logs."""
        if not isinstance(data, dict):
            raise TuyaBadResponseError("log entry is not an object")
        event_time = data.get("event_time")
        if isinstance(event_time, bool) or not isinstance(event_time, int):
            raise TuyaBadResponseError("log entry without an event time")
        return cls(_text(data, "code"), str(data.get("value", "")), event_time)


def _statistic_values(result: Any, field_name: str) -> dict[str, float]:
    """Parse a statistics answer: wall-clock labels to values (in the unit)."""
    if not isinstance(result, dict):
        raise TuyaBadResponseError("statistics answer is not an object")
    values = result.get(field_name) or {}
    if not isinstance(values, dict):
        raise TuyaBadResponseError(f"{field_name} is not an object")
    parsed: dict[str, float] = {}
    for label, value in values.items():
        try:
            number = float(value)
        except (TypeError, ValueError) as err:
            raise TuyaBadResponseError(f"{field_name} value {value!r}") from err
        if not isinstance(label, str) or not label.isdigit() or math.isnan(number):
            raise TuyaBadResponseError(f"{field_name} entry {label!r}: {value!r}")
        parsed[label] = number
    return parsed


# --- client ------------------------------------------------------------------------


type RequestHook = Callable[[str, str], None]


class TuyaClient:
    """The cloud OpenAPI of one cloud project (Access ID)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        access_id: str,
        access_secret: str,
        base_url: str,
        *,
        lang: str = "en",
        request_timeout: float = DEFAULT_TIMEOUT_S,
        on_request: RequestHook | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Talk to ``base_url`` (a data centre) on ``session``.

        ``on_request(method, path)`` is called before every HTTP request this client
        makes, token requests included: the cloud counts them all.
        """
        self._session = session
        self.access_id = access_id
        self._secret = access_secret
        self.base_url = base_url.rstrip("/")
        self._lang = lang
        self._timeout = request_timeout
        self.on_request = on_request
        self._clock = clock or _wall_clock
        self._token: TuyaToken | None = None
        self._token_lock = asyncio.Lock()

    @property
    def uid(self) -> str | None:
        """Return the cloud user id of the current token, if any."""
        return None if self._token is None else self._token.uid

    async def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send a signed request and return its ``result``; raise a TuyaError."""
        token = await self._usable_token()
        envelope = await self._send(method, path, params, body, token.access_token)
        if not envelope.get("success") and envelope.get("code") in TOKEN_INVALID_CODES:
            # Expired or revoked early: start again with a new token, once.
            async with self._token_lock:
                if self._token is token:
                    self._token = None
            token = await self._usable_token()
            envelope = await self._send(method, path, params, body, token.access_token)
        return _result(envelope)

    async def devices(self) -> list[TuyaDevice]:
        """Return every device of the linked app accounts, status included."""
        devices: list[TuyaDevice] = []
        last_row_key = ""
        for _ in range(_MAX_PAGES):
            params: dict[str, Any] = {"size": DEVICE_PAGE_SIZE}
            if last_row_key:
                params["last_row_key"] = last_row_key
            result = await self.request("GET", DEVICES_PATH, params)
            if not isinstance(result, dict) or not isinstance(
                result.get("devices", []), list
            ):
                raise TuyaBadResponseError("device list is not an object")
            devices.extend(TuyaDevice.from_api(item) for item in result["devices"])
            next_key = result.get("last_row_key") or ""
            if not result.get("has_more") or not next_key or next_key == last_row_key:
                return devices
            last_row_key = str(next_key)
        raise TuyaBadResponseError("the device list does not end")

    async def specification(self, device_id: str) -> TuyaSpecification:
        """Return the specification (units and scales) of a device's product."""
        result = await self.request(
            "GET", f"/v1.0/iot-03/devices/{device_id}/specification"
        )
        return TuyaSpecification.from_api(result)

    async def statistic_types(self, device_id: str) -> dict[str, str]:
        """Return the data point statistics the device's product keeps (code: type)."""
        result = await self.request(
            "GET", f"/v1.0/devices/{device_id}/all-statistic-type"
        )
        if not isinstance(result, list):
            raise TuyaBadResponseError("statistic types are not a list")
        return {
            str(item["code"]): str(item.get("stat_type", ""))
            for item in result
            if isinstance(item, dict) and isinstance(item.get("code"), str)
        }

    async def statistics(
        self, device_id: str, code: str, kind: str, first: str, last: str
    ) -> dict[str, float]:
        """Return a data point's statistics per quarter-hour or hour (one day at most).

        ``kind`` is ``"quarters"`` (labels ``YYYYMMDDHHmm``) or ``"hours"``
        (``YYYYMMDDHH``); ``first`` and ``last`` are such labels, in the wall clock of
        the home's time zone, as the answer's labels are.
        """
        names = (
            ("start_minute", "end_minute")
            if kind == "quarters"
            else ("start_hour", "end_hour")
        )
        result = await self.request(
            "GET",
            f"/v1.0/devices/{device_id}/statistics/{kind}",
            {"code": code, names[0]: first, names[1]: last, "stat_type": "sum"},
        )
        return _statistic_values(result, kind)

    async def device_logs(
        self,
        device_id: str,
        codes: list[str],
        start_ms: int,
        end_ms: int,
        *,
        max_pages: int = 20,
    ) -> tuple[list[LogEntry], bool]:
        """Return the reports of ``codes`` between two instants (oldest first).

        Each page (100 entries) is a request. Return also whether more entries were
        left than ``max_pages`` could hold.
        """
        entries: list[LogEntry] = []
        row_key = ""
        for _ in range(max_pages):
            params: dict[str, Any] = {
                "type": 7,
                "codes": ",".join(codes),
                "start_time": start_ms,
                "end_time": end_ms,
                "size": LOG_PAGE_SIZE,
                "query_type": 1,
            }
            if row_key:
                params["start_row_key"] = row_key
            result = await self.request(
                "GET", f"/v1.0/devices/{device_id}/logs", params
            )
            if not isinstance(result, dict) or not isinstance(
                result.get("logs", []), list
            ):
                raise TuyaBadResponseError("device logs are not an object")
            entries.extend(LogEntry.from_api(item) for item in result.get("logs", []))
            next_key = str(result.get("next_row_key") or "")
            if not result.get("has_next") or not next_key or next_key == row_key:
                break
            row_key = next_key
        else:
            return sorted(entries, key=lambda e: e.event_time_ms), True
        return sorted(entries, key=lambda e: e.event_time_ms), False

    async def send_commands(self, device_id: str, commands: Mapping[str, Any]) -> None:
        """Set data points of a device, e.g. ``{"switch_1": True}``."""
        result = await self.request(
            "POST",
            f"/v1.0/iot-03/devices/{device_id}/commands",
            body={"commands": [{"code": c, "value": v} for c, v in commands.items()]},
        )
        if result is not True:
            raise TuyaBadResponseError(f"command not confirmed: {result!r}")

    async def _usable_token(self) -> TuyaToken:
        """Return a token good for a while: kept, refreshed or obtained (one at a time)."""
        async with self._token_lock:
            token = self._token
            if token is not None and token.usable(self._clock()):
                return token
            if token is not None:
                try:
                    self._token = await self._fetch_token(
                        f"{TOKEN_PATH}/{token.refresh_token}", None
                    )
                except TuyaApiError:
                    self._token = None  # refresh refused: obtain a new token below
                else:
                    return self._token
            self._token = await self._fetch_token(TOKEN_PATH, {"grant_type": 1})
            return self._token

    async def _fetch_token(
        self, path: str, params: Mapping[str, Any] | None
    ) -> TuyaToken:
        envelope = await self._send("GET", path, params, None, "")
        return TuyaToken.from_api(_result(envelope), envelope.get("t"))

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        access_token: str,
    ) -> dict[str, Any]:
        if not sendable(self.access_id):
            raise TuyaAuthenticationError(
                None, "the Access ID holds characters no id has"
            )
        text = body_text(body)
        t_ms = int(self._clock() * 1000)
        sign = calculate_sign(
            self.access_id,
            self._secret,
            t_ms,
            string_to_sign(method, path, params, text),
            access_token=access_token,
        )
        headers = signed_headers(self.access_id, sign, t_ms, access_token, self._lang)
        if text:
            headers["Content-Type"] = "application/json"
        if self.on_request is not None:
            self.on_request(method, path)
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._session.request(
                    method,
                    self.base_url + path,
                    params={key: str(value) for key, value in (params or {}).items()},
                    data=text or None,
                    headers=headers,
                ) as response,
            ):
                if response.status == 429:
                    raise TuyaRateLimitedError(None, "too many requests (HTTP 429)")
                if response.status in (401, 403):
                    raise TuyaAuthenticationError(None, f"HTTP {response.status}")
                if response.status >= 500:
                    raise TuyaConnectionError(f"HTTP {response.status}")
                if response.status >= 400:
                    raise TuyaBadResponseError(f"HTTP {response.status}")
                try:
                    data = await response.json(content_type=None)
                except ValueError as err:
                    raise TuyaBadResponseError("answer is not JSON") from err
        except TimeoutError as err:
            raise TuyaConnectionError("timed out") from err
        except aiohttp.ClientError as err:
            raise TuyaConnectionError(str(err) or type(err).__name__) from err
        if not isinstance(data, dict) or "success" not in data:
            raise TuyaBadResponseError("answer is not a Tuya envelope")
        return data


def _wall_clock() -> float:
    return time.time()


def _result(envelope: Mapping[str, Any]) -> Any:
    """Return an envelope's result, or raise the error it carries."""
    if envelope.get("success") is True:
        return envelope.get("result")
    code = envelope.get("code")
    message = str(envelope.get("msg") or "error")
    if not isinstance(code, int):
        raise TuyaBadResponseError(f"failure without a code: {message}")
    raise _ERRORS.get(code, TuyaApiError)(code, message)
