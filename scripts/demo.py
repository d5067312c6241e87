"""Prepare the demo of scripts/develop in a running Home Assistant.

It waits for Home Assistant at the given URL, finishes onboarding with a demo user
(the first run only), and adds the demo through the integration's own config and
options flows over Home Assistant's REST API, exactly as a user would in the UI:

* a fixed tariff "Demo tariff" (0.25 EUR/kWh, 0.40 EUR/day standing charge) with a
  cheaper night band (00:00-08:00, 0.12 EUR/kWh);
* a PVPC tariff "PVPC Península" on the fake ESIOS that scripts/develop starts
  (tests/fakes/esios.py), with the fake's token, so with the export price too;
* a tracked sensor for each demo appliance of config/configuration.yaml (the
  fridge priced hour by hour with the PVPC, the others with the fixed tariff);
* a Tuya cloud account on the fake Tuya cloud that scripts/develop starts
  (tests/fakes/tuya_cloud.py): a washing machine, a heater, a desk strip and a
  porch light switch;
* an HTTP meter "House meter", whose webhook URL it writes to ``--url-file`` for
  the simulated mains meter of scripts/http_station.py (with a login, in
  ``--auth-file``, to read the appliances' power: the house draws at least that);
* the household totals (every appliance added up);
* two automations, as the automation editor saves them: one made from the
  integration's blueprint (the washing machine runs in PVPC's cheapest window),
  one that notifies when an appliance's session ends.

Before anything else it checks that the Home Assistant answering at ``--url`` is
the one scripts/develop started: that one serves the token of ``--identity-file``
at /local/. Run again, it only logs in and adds what is missing.
"""

from __future__ import annotations

import argparse
from http import HTTPStatus
import json
import os
from pathlib import Path
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.esios import TOKEN as ESIOS_TOKEN
from tests.fakes.tuya_cloud import (
    ACCESS_ID as TUYA_ACCESS_ID,
    ACCESS_SECRET as TUYA_SECRET,
)

DOMAIN = "utility_cost"
USERNAME = "demo"
PASSWORD = "utility-cost-demo"  # noqa: S105 - the demo's published login
TARIFF = {
    "name": "Demo tariff",
    "price": 0.25,
    "currency": "EUR",
    "standing_charge": 0.40,
}
NIGHT_BAND = {
    "band_name": "Night",
    "price": 0.12,
    "start": "00:00",
    "end": "08:00",
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
}
# Onboarding adds these; they need the internet, which the demo does not assume.
ONLINE_ONLY = ("met", "radio_browser", "google_translate")
PVPC_TITLE = "PVPC Península"
HTTP_METER_TITLE = "House meter"
HOUSEHOLD_TITLE = "Household"
IDENTITY_PATH = "/local/utility_cost_demo.txt"
# name: (source, priced by the PVPC rather than the fixed tariff)
APPLIANCES = {
    "Kettle": ("sensor.kettle_power", False),
    "Fridge": ("sensor.fridge_power", True),
    "TV": ("sensor.tv_power", False),
}


class DemoError(Exception):
    """Why the demo cannot go on, said to the user without a traceback."""


def _running(pid: int) -> bool:
    """Return True if process ``pid`` still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A child that exited but is not yet waited for (scripts/develop waits for the
    # demo first) is a zombie: it runs no more.
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        return stat.read_text().rpartition(")")[2].split()[0] != "Z"
    return True


class HomeAssistantApi:
    """The few REST calls the demo needs."""

    def __init__(self, url: str, auth_file: Path | None = None) -> None:
        """Talk to Home Assistant at ``url``; keep the login in ``auth_file``."""
        self.url = url.rstrip("/")
        self.client_id = f"{self.url}/"
        self.token: str | None = None
        self.auth_file = auth_file

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        form: bool = False,
    ) -> Any:
        """Send a request and return the decoded JSON answer."""
        headers = {}
        data = None
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.url + path, data=data, headers=headers, method=method
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def wait_until_up(self, timeout_s: float, hass_pid: int | None) -> None:
        """Wait until Home Assistant's HTTP server answers (any status will do)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.request("GET", "/auth/providers")  # needs no login
            except urllib.error.HTTPError:
                return  # up, though not as expected: the next steps will say
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if hass_pid is not None and not _running(hass_pid):
                    raise DemoError(
                        "Home Assistant stopped before it answered; its log above"
                        " says why."
                    ) from None
                if time.monotonic() > deadline:
                    raise DemoError(
                        f"Home Assistant did not answer at {self.url} within"
                        f" {timeout_s:.0f} s."
                    ) from None
                time.sleep(1)
            else:
                return

    def check_identity(self, expected: str) -> None:
        """Make sure this is the Home Assistant that served ``expected`` at /local/.

        Another one on the same port (the user's own) must never be onboarded or
        changed by the demo.
        """
        request = urllib.request.Request(self.url + IDENTITY_PATH)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                served = response.read().decode().strip()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            served = None
        if served != expected:
            raise DemoError(
                f"the Home Assistant answering at {self.url} is not the one"
                " scripts/develop started (another one has the port?); the demo"
                " changes nothing there. Stop it, or choose another port:"
                " scripts/develop --port 8124"
            )

    def token_for(self, code: str) -> None:
        """Exchange an authorisation code for an access token."""
        answer = self.request(
            "POST",
            "/auth/token",
            {
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
            form=True,
        )
        self.token = answer["access_token"]
        if self.auth_file is not None and "refresh_token" in answer:
            # For the simulated mains meter; readable by this user only.
            self.auth_file.touch(mode=0o600)
            self.auth_file.write_text(
                json.dumps(
                    {
                        "client_id": self.client_id,
                        "refresh_token": answer["refresh_token"],
                    }
                )
            )

    def log_in(self) -> None:
        """Log in as the demo user through the login flow."""
        flow = self.request(
            "POST",
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": self.client_id, "username": USERNAME, "password": PASSWORD},
        )
        self.token_for(result["result"])

    def onboard(self) -> None:
        """Finish whatever onboarding steps are still open."""
        try:
            steps = self.request("GET", "/api/onboarding")
        except urllib.error.HTTPError as err:
            if err.code != HTTPStatus.NOT_FOUND:
                raise
            # Onboarding was finished before this start: the endpoint is gone.
            self.log_in()
            return
        done = {step["step"] for step in steps if step["done"]}
        if "user" in done:
            self.log_in()
        else:
            answer = self.request(
                "POST",
                "/api/onboarding/users",
                {
                    "client_id": self.client_id,
                    "name": "Demo",
                    "username": USERNAME,
                    "password": PASSWORD,
                    "language": "en",
                },
            )
            self.token_for(answer["auth_code"])
        if "core_config" not in done:
            self.request("POST", "/api/onboarding/core_config", {})
            self.remove_online_only_entries(wait_s=10)
        if "analytics" not in done:
            self.request("POST", "/api/onboarding/analytics", {})
        if "integration" not in done:
            self.request(
                "POST",
                "/api/onboarding/integration",
                {"client_id": self.client_id, "redirect_uri": self.client_id},
            )

    def flow(
        self, kind: str, handler: str, *answers: dict[str, Any], advanced: bool = False
    ) -> dict[str, Any]:
        """Run a config (``kind`` "flow") or options flow through its answers."""
        base = f"/api/config/config_entries/{kind}"
        start: dict[str, Any] = {"handler": handler}
        if advanced:
            start["show_advanced_options"] = True
        result = self.request("POST", base, start)
        for answer in answers:
            if result.get("errors"):
                raise RuntimeError(f"{handler}: {result['errors']}")
            result = self.request("POST", f"{base}/{result['flow_id']}", answer)
        if result["type"] not in ("create_entry", "abort"):
            raise RuntimeError(f"{handler} did not finish: {result}")
        return result

    def entries(self, domain: str = DOMAIN) -> list[dict[str, Any]]:
        """Return the config entries of an integration."""
        return list(
            self.request("GET", f"/api/config/config_entries/entry?domain={domain}")
        )

    def remove_online_only_entries(self, wait_s: float) -> None:
        """Delete what onboarding added that cannot work offline."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            for domain in ONLINE_ONLY:
                for entry in self.entries(domain):
                    self.request(
                        "DELETE",
                        f"/api/config/config_entries/entry/{entry['entry_id']}",
                    )
                    print(
                        f"demo: removed {entry['title']!r} ({domain}), it needs the internet"
                    )
            time.sleep(1)

    def wait_for_state(self, entity_id: str, timeout_s: float) -> None:
        """Wait until an entity has a numeric state."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                float(self.request("GET", f"/api/states/{entity_id}")["state"])
            except (urllib.error.HTTPError, ValueError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
            else:
                return


def http_meter_url(api: HomeAssistantApi, entries: dict[str, dict[str, Any]]) -> str:
    """Add the demo's HTTP meter if missing; return its webhook URL.

    The URL is what the flow's last step shows, and what the meter's options show
    afterwards (the options flow is opened to read it, then closed).
    """
    entry = entries.get(HTTP_METER_TITLE)
    if entry is None:
        created = api.flow(
            "flow",
            DOMAIN,
            {"next_step_id": "http_meter"},
            {"name": HTTP_METER_TITLE, "tariff": entries[TARIFF["name"]]["entry_id"]},
        )
        print(f"demo: added the HTTP meter {HTTP_METER_TITLE!r}")
        return str(created["description_placeholders"]["url"])
    base = "/api/config/config_entries/options/flow"
    form = api.request("POST", base, {"handler": entry["entry_id"]})
    api.request("DELETE", f"{base}/{form['flow_id']}")
    return str(form["description_placeholders"]["url"])


# The session-ended automation: one notification per appliance, replaced at each
# session, with what it used and cost.
SESSION_NOTIFICATION = {
    "alias": "Utility Cost demo: tell when an appliance finishes",
    "description": "Made by scripts/demo.py on the utility_cost_session_ended event.",
    "triggers": [{"trigger": "event", "event_type": "utility_cost_session_ended"}],
    "conditions": [],
    "actions": [
        {
            "action": "persistent_notification.create",
            "data": {
                "notification_id": "utility_cost_demo_{{ trigger.event.data.entry_id }}",
                "title": "{{ trigger.event.data.name }} finished",
                "message": (
                    "{{ trigger.event.data.energy_kwh | round(3) }} kWh in"
                    " {{ (trigger.event.data.duration_s / 60) | round(0) | int }}"
                    " min, {{ trigger.event.data.cost | round(2) }}"
                    " {{ trigger.event.data.currency }}."
                ),
            },
        }
    ],
    "mode": "queued",
}


def entity_starting(api: HomeAssistantApi, prefix: str, timeout_s: float) -> str:
    """Return the first entity id that starts with ``prefix`` (waited for)."""
    deadline = time.monotonic() + timeout_s
    while True:
        states = api.request("GET", "/api/states")
        found = sorted(
            s["entity_id"] for s in states if s["entity_id"].startswith(prefix)
        )
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise DemoError(f"no entity {prefix}* appeared in {timeout_s:.0f} s")
        time.sleep(1)


def add_automations(api: HomeAssistantApi) -> None:
    """Add the example automations, as the automation editor saves them."""
    washer = entity_starting(api, "switch.washing_machine", 60)
    window = entity_starting(api, "binary_sensor.pvpc_peninsula_in_cheapest_window", 60)
    automations = {
        "utility_cost_demo_run_when_cheap": {
            "alias": "Utility Cost demo: wash in PVPC's cheapest window",
            "description": "Made by scripts/demo.py from the integration's blueprint.",
            "use_blueprint": {
                "path": "utility_cost/run_when_cheap.yaml",
                "input": {
                    "cheap_sensor": window,
                    "appliance": {"entity_id": washer},
                    "switch_off": False,
                },
            },
        },
        "utility_cost_demo_session_ended": SESSION_NOTIFICATION,
    }
    for automation_id, config in automations.items():
        path = f"/api/config/automation/config/{automation_id}"
        try:
            api.request("GET", path)
        except urllib.error.HTTPError as err:
            if err.code != HTTPStatus.NOT_FOUND:
                raise
            api.request("POST", path, config)
            print(f"demo: added the automation {config['alias']!r}")


def create_demo(
    api: HomeAssistantApi, tuya_url: str, esios_url: str, url_file: Path | None
) -> None:
    """Add the demo tariffs and appliances that do not exist yet."""
    entries = {entry["title"]: entry for entry in api.entries()}
    tariff = entries.get(TARIFF["name"])
    if tariff is None:
        created = api.flow("flow", DOMAIN, {"next_step_id": "fixed_tariff"}, TARIFF)
        tariff_id = created["result"]["entry_id"]
        api.flow("options/flow", tariff_id, {"next_step_id": "add_band"}, NIGHT_BAND)
        print(f"demo: added the fixed tariff {TARIFF['name']!r} with a night band")
    else:
        tariff_id = tariff["entry_id"]
    pvpc = entries.get(PVPC_TITLE)
    if pvpc is None:
        created = api.flow(
            "flow",
            DOMAIN,
            {"next_step_id": "esios_tariff"},
            {"zone": "peninsula", "token": ESIOS_TOKEN, "base_url": esios_url},
            advanced=True,
        )
        pvpc_id = created["result"]["entry_id"]
        print(f"demo: added the PVPC tariff of the fake ESIOS at {esios_url}")
    else:
        pvpc_id = pvpc["entry_id"]
    for name, (source, hourly) in APPLIANCES.items():
        if name in entries:
            continue
        api.wait_for_state(source, 60)
        api.flow(
            "flow",
            DOMAIN,
            {"next_step_id": "tracked_sensor"},
            {
                "source": source,
                "tariff": pvpc_id if hourly else tariff_id,
                "name": name,
            },
        )
        print(f"demo: tracking {source} as {name!r}")
    if not any(entry["title"].startswith("Tuya cloud") for entry in entries.values()):
        api.flow(
            "flow",
            DOMAIN,
            {"next_step_id": "tuya_account"},
            {
                "access_id": TUYA_ACCESS_ID,
                "access_secret": TUYA_SECRET,
                "data_center": "central_europe",
                "tariff": tariff_id,
                "base_url": tuya_url,
            },
            advanced=True,
        )
        print(f"demo: added the Tuya cloud account of the fake cloud at {tuya_url}")
    entries = {entry["title"]: entry for entry in api.entries()}
    if not any(entry["title"] == HOUSEHOLD_TITLE for entry in entries.values()):
        api.flow(
            "flow",
            DOMAIN,
            {"next_step_id": "household"},
            {"name": HOUSEHOLD_TITLE, "include_http_meters": False},
        )
        print(f"demo: added the household totals {HOUSEHOLD_TITLE!r}")
    add_automations(api)
    url = http_meter_url(api, entries)
    if url_file is not None:
        # The stations run on this machine: the webhook is local-only, and the
        # address Home Assistant shows may be one it does not count as local.
        path = urllib.parse.urlparse(url).path
        url_file.write_text(f"{api.url}{path}\n")


def main() -> int:
    """Wait for Home Assistant, onboard it and add the demo."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--tuya-url", default="http://127.0.0.1:8766")
    parser.add_argument("--esios-url", default="http://127.0.0.1:8767")
    parser.add_argument(
        "--url-file", type=Path, help="where to write the HTTP meter's webhook URL"
    )
    parser.add_argument(
        "--auth-file", type=Path, help="where to keep the login for the mains meter"
    )
    parser.add_argument(
        "--identity-file",
        type=Path,
        help="the token the Home Assistant to drive serves at " + IDENTITY_PATH,
    )
    parser.add_argument(
        "--hass-pid", type=int, help="that Home Assistant's process (to notice it end)"
    )
    args = parser.parse_args()
    api = HomeAssistantApi(args.url, args.auth_file)
    try:
        api.wait_until_up(args.timeout, args.hass_pid)
        if args.identity_file is not None:
            api.check_identity(args.identity_file.read_text().strip())
        api.onboard()
        create_demo(api, args.tuya_url, args.esios_url, args.url_file)
    except DemoError as err:
        print(f"demo: {err}", file=sys.stderr)
        return 1
    except urllib.error.HTTPError as err:
        print(
            f"demo: Home Assistant answered {err.code} {err.reason} to {err.url}",
            file=sys.stderr,
        )
        return 1
    print(
        f"demo: ready at {api.url} - log in as {USERNAME!r} with password {PASSWORD!r}."
        " Open the Kettle, Fridge, TV, Tuya plug and House meter station devices"
        " (Settings > Devices & services > Utility Cost) to watch their costs rise,"
        " Household for their totals, PVPC Península for hourly prices and the"
        " cheap-time entities, and Settings > Automations for the examples."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
