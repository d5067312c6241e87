"""Constants of the utility_cost integration."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
import logging
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

DOMAIN: Final = "utility_cost"
LOGGER = logging.getLogger(__package__)


class EntryType(StrEnum):
    """The kinds of config entry the menu offers."""

    FIXED_TARIFF = "fixed_tariff"
    ESIOS_TARIFF = "esios_tariff"
    TRACKED_SENSOR = "tracked_sensor"
    TUYA_ACCOUNT = "tuya_account"
    HTTP_METER = "http_meter"
    OCTOPUS = "octopus"
    HOUSEHOLD = "household"


def entry_type(entry: ConfigEntry) -> EntryType:
    """Return the kind of an entry of this integration.

    What depends on the kind is looked up in the registry (``kinds.kind_of``).
    """
    return EntryType(entry.data[CONF_ENTRY_TYPE])


TARIFF_ENTRY_TYPES: Final = frozenset({EntryType.FIXED_TARIFF, EntryType.ESIOS_TARIFF})
# The kinds whose meters are appliances, which the household totals add up.
METERING_ENTRY_TYPES: Final = frozenset(
    {EntryType.TRACKED_SENSOR, EntryType.TUYA_ACCOUNT, EntryType.HTTP_METER}
)

# The model shown on each entry's device.
DEVICE_MODELS: Final[dict[str, str]] = {
    EntryType.FIXED_TARIFF: "Fixed tariff",
    EntryType.TRACKED_SENSOR: "Tracked sensor",
    EntryType.TUYA_ACCOUNT: "Tuya cloud account",
    EntryType.ESIOS_TARIFF: "Spain PVPC (ESIOS)",
    EntryType.HTTP_METER: "HTTP meter",
    EntryType.OCTOPUS: "Octopus Energy account",
    EntryType.HOUSEHOLD: "Household totals",
}
# The manufacturer shown on the devices this integration makes up (a tariff, a
# tracked sensor of its own, a station, the household).
MANUFACTURER: Final = "Utility Cost"

# Entry data and options
CONF_ENTRY_TYPE: Final = "entry_type"
CONF_CURRENCY: Final = "currency"
CONF_PRICE: Final = "price"
CONF_STANDING_CHARGE: Final = "standing_charge"
CONF_BANDS: Final = "bands"
CONF_BAND_NAME: Final = "band_name"
CONF_BAND_START: Final = "start"
CONF_BAND_END: Final = "end"
CONF_BAND_DAYS: Final = "days"
CONF_SOURCE: Final = "source"
CONF_SOURCE_KIND: Final = "source_kind"
CONF_TARIFF: Final = "tariff"
CONF_ON_THRESHOLD_W: Final = "on_threshold_w"
CONF_MIN_SESSION_S: Final = "min_session_s"
CONF_ACCESS_ID: Final = "access_id"
CONF_ACCESS_SECRET: Final = "access_secret"  # noqa: S105 - an option key
CONF_DATA_CENTER: Final = "data_center"
CONF_BASE_URL: Final = "base_url"
CONF_MONTHLY_CAP: Final = "monthly_cap"
CONF_MESSAGE_CAP: Final = "message_cap"
CONF_FLOW_CALLS: Final = "flow_calls"
CONF_RESET_DAY: Final = "reset_day"
CONF_RESET_HOUR: Final = "reset_hour"
CONF_UNKNOWN_SHARE: Final = "unknown_share"
CONF_PORTAL_URL: Final = "portal_url"
CONF_PORTAL_COOKIE: Final = "portal_cookie"
CONF_PORTAL_REMAINING_POINTER: Final = "portal_remaining_pointer"
CONF_PORTAL_USED_POINTER: Final = "portal_used_pointer"
CONF_IGNORED_DEVICES: Final = "ignored_devices"
CONF_MONITORED_DEVICES: Final = "monitored_devices"
CONF_FIXED_WATTS: Final = "fixed_watts"
CONF_DEVICE: Final = "device"
CONF_WATTS: Final = "watts"
CONF_STANDBY_WATTS: Final = "standby_watts"
CONF_ZONE: Final = "zone"
CONF_MAX_WATTS: Final = "max_watts"
CONF_ALLOW_REMOTE: Final = "allow_remote"
CONF_READING_TIMEOUT_S: Final = "reading_timeout_s"
CONF_MAX_STATIONS: Final = "max_stations"
CONF_ACCOUNT_NUMBER: Final = "account_number"
CONF_METERS: Final = "meters"
CONF_INCLUDE_VAT: Final = "include_vat"
CONF_INCLUDE_STANDING_CHARGE: Final = "include_standing_charge"
CONF_PAYMENT_METHOD: Final = "payment_method"
CONF_NIGHT_START: Final = "night_start"
CONF_NIGHT_END: Final = "night_end"
CONF_NIGHT_UTC: Final = "night_utc"
CONF_GAS_CALORIFIC_VALUE: Final = "gas_calorific_value"
CONF_GAS_SMETS2: Final = "gas_smets2"
CONF_INCLUDE_HTTP_METERS: Final = "include_http_meters"
# The household entry's name unless the user gives another: its entities are then
# sensor.household_cost_today and so on.
DEFAULT_HOUSEHOLD_NAME: Final = "Household"

# Octopus: how most accounts pay, and the smart meters' Economy 7 night (UTC). The
# options hold the methods in lower case (translation keys must be); Octopus's
# rates name them in upper case (older entries stored that: both are read).
DEFAULT_PAYMENT_METHOD: Final = "direct_debit"
PAYMENT_METHODS: Final = ("direct_debit", "non_direct_debit")
DEFAULT_NIGHT_START: Final = "00:30:00"
DEFAULT_NIGHT_END: Final = "07:30:00"
MIN_CALORIFIC_VALUE: Final = 30.0
MAX_CALORIFIC_VALUE: Final = 50.0

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Limits of user input
# A name (of a tariff, a band, a meter) long enough for any real one.
MAX_NAME_LENGTH: Final = 100
MAX_PRICE_PER_KWH: Final = 10_000.0  # high enough for currencies like IDR or KRW
MAX_STANDING_CHARGE_PER_DAY: Final = 100_000.0
# Bands of a fixed tariff: one per quarter-hour of a day, and a few more.
MAX_BANDS: Final = 100
MAX_ON_THRESHOLD_W: Final = 100_000.0
MAX_MIN_SESSION_S: Final = 86_400

MAX_FIXED_WATTS: Final = 100_000.0
MAX_MAX_WATTS: Final = 1_000_000.0
MIN_READING_TIMEOUT_S: Final = 10
MAX_READING_TIMEOUT_S: Final = 86_400
DEFAULT_READING_TIMEOUT_S: Final = 300
# Stations of one HTTP meter: a 16-circuit monitor fits; a typo in a station id
# does not silently add devices without end.
DEFAULT_MAX_STATIONS: Final = 16
MAX_MAX_STATIONS: Final = 100
MIN_MONTHLY_CAP: Final = 1_000
# Our share of the monthly cap, in %, while nothing is known of the other clients.
DEFAULT_UNKNOWN_SHARE: Final = 50.0
MAX_MONTHLY_CAP: Final = 100_000_000

DEFAULT_ON_THRESHOLD_W: Final = 5.0
DEFAULT_MIN_SESSION_S: Final = 60

# A power source held steady is accrued at least this often.
POWER_REEVALUATION_INTERVAL: Final = timedelta(seconds=60)
# Tuya plugs' meters are re-evaluated this often between polls (no cloud call).
TUYA_TICK_INTERVAL: Final = timedelta(seconds=60)
# An HTTP meter's stations are checked this often for a reading timeout.
STATION_CHECK_INTERVAL: Final = timedelta(seconds=10)
# Meter state is written to storage at most this long after a change (and on stop).
METER_SAVE_DELAY_S: Final = 30

# Sent (with no data) when a meter has shown new figures, or an entry that has
# meters was set up or unloaded: the household totals add them up again.
SIGNAL_FIGURES_PUBLISHED: Final = f"{DOMAIN}_figures_published"

# What diagnostics show in place of a secret.
REDACTED: Final = "**REDACTED**"
EVENT_SESSION_ENDED: Final = f"{DOMAIN}_session_ended"
EVENT_PRICES_PUBLISHED: Final = f"{DOMAIN}_prices_published"
EVENT_OCTOPUS_BACKFILL_FINISHED: Final = f"{DOMAIN}_octopus_backfill_finished"
