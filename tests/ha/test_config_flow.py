"""Config, options and reconfigure flows: every step, every error."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.utility_cost.const import (
    CONF_BANDS,
    CONF_CURRENCY,
    CONF_ENTRY_TYPE,
    CONF_MIN_SESSION_S,
    CONF_ON_THRESHOLD_W,
    CONF_PRICE,
    CONF_SOURCE,
    CONF_SOURCE_KIND,
    CONF_STANDING_CHARGE,
    CONF_TARIFF,
    DOMAIN,
)

from .conftest import (
    ENERGY_ATTRS,
    ENERGY_SOURCE,
    NIGHT_BAND,
    POWER_ATTRS,
    POWER_SOURCE,
    fixed_tariff_entry,
    set_power,
    setup_entries,
    tracked_entry,
)


async def _start(hass: HomeAssistant, step: str) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [
        "fixed_tariff",
        "esios_tariff",
        "tracked_sensor",
        "tuya_account",
        "http_meter",
        "octopus",
        "household",
    ]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )


# --- fixed tariff --------------------------------------------------------------


async def test_fixed_tariff_created(hass: HomeAssistant) -> None:
    """A name, a price and a currency make a tariff; bands start empty."""
    result = await _start(hass, "fixed_tariff")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "fixed_tariff"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "name": " Home ",
            CONF_PRICE: 0.2,
            CONF_CURRENCY: "GBP",
            CONF_STANDING_CHARGE: 0.6,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home"
    assert result["data"] == {CONF_ENTRY_TYPE: "fixed_tariff", CONF_CURRENCY: "GBP"}
    assert result["options"] == {
        CONF_PRICE: 0.2,
        CONF_STANDING_CHARGE: 0.6,
        CONF_BANDS: [],
    }
    assert result["result"].unique_id == "fixed_tariff_home"
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_current_price").state == "0.2"


async def test_fixed_tariff_form_fills_in_no_price(hass: HomeAssistant) -> None:
    """The price box starts empty: a required number box would show 0, refused."""
    result = await _start(hass, "fixed_tariff")
    price = next(key for key in result["data_schema"].schema if key == CONF_PRICE)
    assert isinstance(price, vol.Optional)
    assert price.default is vol.UNDEFINED
    assert "suggested_value" not in (price.description or {})


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({"name": "  ", CONF_PRICE: 0.2}, {"name": "name_required"}),
        ({"name": "Home", CONF_PRICE: 0}, {CONF_PRICE: "invalid_price"}),
        ({"name": "Home", CONF_PRICE: -0.1}, {CONF_PRICE: "invalid_price"}),
        ({"name": "Home", CONF_PRICE: "abc"}, {CONF_PRICE: "invalid_price"}),
        ({"name": "Home", CONF_PRICE: "inf"}, {CONF_PRICE: "invalid_price"}),
        ({"name": "Home", CONF_PRICE: 10_001}, {CONF_PRICE: "invalid_price"}),
        ({"name": "Home", CONF_PRICE: True}, {CONF_PRICE: "invalid_price"}),
        ({"name": "Home"}, {CONF_PRICE: "invalid_price"}),
        ({"name": "x" * 100_000, CONF_PRICE: 0.2}, {"name": "name_too_long"}),
        ({"name": "Ho\x00me", CONF_PRICE: 0.2}, {"name": "name_control_character"}),
        (
            {"name": "Home", CONF_PRICE: 0.2, CONF_STANDING_CHARGE: -1},
            {CONF_STANDING_CHARGE: "invalid_standing_charge"},
        ),
    ],
)
async def test_fixed_tariff_errors(
    hass: HomeAssistant, user_input: dict[str, Any], errors: dict[str, str]
) -> None:
    """Bad input is answered on its field and creates nothing until corrected."""
    result = await _start(hass, "fixed_tariff")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CURRENCY: "EUR", **user_input}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert hass.config_entries.async_entries(DOMAIN) == []
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Home", CONF_PRICE: 0.2, CONF_CURRENCY: "EUR"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_fixed_tariff_name_must_be_unique(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """Two tariffs cannot share a name: the field says which tariff has it."""
    tariff.add_to_hass(hass)
    result = await _start(hass, "fixed_tariff")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "HOME", CONF_PRICE: 0.2, CONF_CURRENCY: "EUR"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"name": "name_taken"}
    assert result["description_placeholders"]["existing"] == tariff.title
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Night", CONF_PRICE: 0.2, CONF_CURRENCY: "EUR"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


# --- tracked sensor ------------------------------------------------------------


@pytest.fixture
def registered_power(entity_registry: er.EntityRegistry) -> er.RegistryEntry:
    """Register the power source as an integration would."""
    return entity_registry.async_get_or_create(
        "sensor",
        "test",
        "washer-power",
        suggested_object_id="washer_power",
        original_device_class="power",
        unit_of_measurement="W",
    )


async def test_tracked_sensor_requires_a_tariff(hass: HomeAssistant) -> None:
    """Without any tariff there is nothing to price with."""
    result = await _start(hass, "tracked_sensor")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_tariffs"


async def test_tracked_sensor_created(
    hass: HomeAssistant, tariff: MockConfigEntry, registered_power: er.RegistryEntry
) -> None:
    """A power sensor and a tariff make a tracked sensor named like the source."""
    tariff.add_to_hass(hass)
    hass.states.async_set(POWER_SOURCE, "0", {**POWER_ATTRS, "friendly_name": "Washer"})
    result = await _start(hass, "tracked_sensor")
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOURCE: POWER_SOURCE, CONF_TARIFF: tariff.entry_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Washer"
    assert result["data"] == {
        CONF_ENTRY_TYPE: "tracked_sensor",
        CONF_SOURCE: POWER_SOURCE,
        CONF_SOURCE_KIND: "power",
        CONF_CURRENCY: "EUR",
    }
    assert result["options"] == {
        CONF_TARIFF: tariff.entry_id,
        CONF_ON_THRESHOLD_W: 5.0,
        CONF_MIN_SESSION_S: 60,
    }
    # Identified by its registry id, which survives renames.
    assert result["result"].unique_id == registered_power.id
    await hass.async_block_till_done()
    assert hass.states.get("sensor.washer_energy") is not None


async def test_tracked_sensor_name_is_checked(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """A name given must be a name; then it names the entry instead of the source."""
    tariff.add_to_hass(hass)
    hass.states.async_set(POWER_SOURCE, "0", POWER_ATTRS)
    result = await _start(hass, "tracked_sensor")
    for name, error in (
        ("x" * 101, "name_too_long"),
        ("a\tb", "name_control_character"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_SOURCE: POWER_SOURCE, CONF_TARIFF: tariff.entry_id, "name": name},
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"name": error}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_SOURCE: POWER_SOURCE, CONF_TARIFF: tariff.entry_id, "name": " Dryer "},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Dryer"


async def test_tracked_energy_sensor_without_registry_entry(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """A source that only has a state works too; a given name is used."""
    tariff.add_to_hass(hass)
    hass.states.async_set(ENERGY_SOURCE, "12", ENERGY_ATTRS)
    result = await _start(hass, "tracked_sensor")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_SOURCE: ENERGY_SOURCE, CONF_TARIFF: tariff.entry_id, "name": "House"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "House"
    assert result["data"][CONF_SOURCE_KIND] == "energy"
    assert result["result"].unique_id == ENERGY_SOURCE


async def test_tracked_sensor_known_only_to_the_registry(
    hass: HomeAssistant, tariff: MockConfigEntry, registered_power: er.RegistryEntry
) -> None:
    """A source whose integration has not started yet is judged by its registry entry."""
    tariff.add_to_hass(hass)
    result = await _start(hass, "tracked_sensor")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOURCE: POWER_SOURCE, CONF_TARIFF: tariff.entry_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == POWER_SOURCE


@pytest.mark.parametrize(
    ("entity_id", "attributes", "error"),
    [
        ("sensor.nothing", None, "entity_not_found"),
        (
            "sensor.temperature",
            {"device_class": "temperature", "unit_of_measurement": "°C"},
            "not_power_or_energy",
        ),
        ("sensor.no_class", {"unit_of_measurement": "W"}, "not_power_or_energy"),
        (
            "sensor.milliwatts",
            {"device_class": "power", "unit_of_measurement": "mW"},
            "unsupported_unit",
        ),
        (
            "sensor.gigajoules",
            {"device_class": "energy", "unit_of_measurement": "GJ"},
            "unsupported_unit",
        ),
    ],
)
async def test_tracked_sensor_source_errors(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    entity_id: str,
    attributes: dict[str, str] | None,
    error: str,
) -> None:
    """Only power and energy sensors in supported units can be tracked."""
    tariff.add_to_hass(hass)
    if attributes is not None:
        hass.states.async_set(entity_id, "1", attributes)
    result = await _start(hass, "tracked_sensor")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOURCE: entity_id, CONF_TARIFF: tariff.entry_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SOURCE: error}
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_tracked_sensor_tariff_deleted_meanwhile(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """A tariff deleted while the form was open is a form error, not a crash."""
    spare = fixed_tariff_entry("Spare")
    tariff.add_to_hass(hass)
    spare.add_to_hass(hass)
    hass.states.async_set(POWER_SOURCE, "0", POWER_ATTRS)
    result = await _start(hass, "tracked_sensor")
    await hass.config_entries.async_remove(spare.entry_id)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOURCE: POWER_SOURCE, CONF_TARIFF: spare.entry_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_TARIFF: "tariff_missing"}


async def test_tracked_sensor_last_tariff_deleted_meanwhile(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """If the only tariff goes while the form is open, the flow says so."""
    tariff.add_to_hass(hass)
    result = await _start(hass, "tracked_sensor")
    await hass.config_entries.async_remove(tariff.entry_id)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOURCE: POWER_SOURCE, CONF_TARIFF: tariff.entry_id}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_tariffs"


async def test_tracked_sensor_already_tracked(
    hass: HomeAssistant, tariff: MockConfigEntry, washer: MockConfigEntry
) -> None:
    """The same source cannot be tracked twice: the field names the entry."""
    tariff.add_to_hass(hass)
    washer.add_to_hass(hass)
    hass.states.async_set(POWER_SOURCE, "0", POWER_ATTRS)
    result = await _start(hass, "tracked_sensor")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOURCE: POWER_SOURCE, CONF_TARIFF: tariff.entry_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SOURCE: "source_taken"}
    assert result["description_placeholders"]["existing"] == washer.title


# --- reconfigure -----------------------------------------------------------------


async def test_reconfigure_changes_the_source(
    hass: HomeAssistant, tariff: MockConfigEntry, washer: MockConfigEntry
) -> None:
    """The source (even of another kind) can be replaced; the entry reloads."""
    hass.states.async_set(POWER_SOURCE, "0", POWER_ATTRS)
    hass.states.async_set(ENERGY_SOURCE, "5", ENERGY_ATTRS)
    await setup_entries(hass, tariff, washer)
    result = await washer.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOURCE: "sensor.missing"}
    )
    assert result["errors"] == {CONF_SOURCE: "entity_not_found"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOURCE: ENERGY_SOURCE}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert washer.data[CONF_SOURCE] == ENERGY_SOURCE
    assert washer.data[CONF_SOURCE_KIND] == "energy"
    assert washer.unique_id == ENERGY_SOURCE
    assert washer.state is ConfigEntryState.LOADED


async def test_reconfigure_to_the_same_source(
    hass: HomeAssistant, tariff: MockConfigEntry, washer: MockConfigEntry
) -> None:
    """Submitting the current source is allowed."""
    hass.states.async_set(POWER_SOURCE, "0", POWER_ATTRS)
    await setup_entries(hass, tariff, washer)
    result = await washer.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOURCE: POWER_SOURCE}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_to_a_source_tracked_elsewhere(
    hass: HomeAssistant, tariff: MockConfigEntry, washer: MockConfigEntry
) -> None:
    """A source already tracked by another entry is refused."""
    other = tracked_entry(tariff, ENERGY_SOURCE, "energy", title="House")
    hass.states.async_set(POWER_SOURCE, "0", POWER_ATTRS)
    hass.states.async_set(ENERGY_SOURCE, "5", ENERGY_ATTRS)
    await setup_entries(hass, tariff, washer, other)
    result = await washer.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOURCE: ENERGY_SOURCE}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SOURCE: "source_taken"}
    assert result["description_placeholders"]["existing"] == "House"
    assert washer.data[CONF_SOURCE] == POWER_SOURCE


async def test_reconfigure_a_tariff_is_refused(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """A tariff changes through its options, not reconfigure."""
    await setup_entries(hass, tariff)
    result = await tariff.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_tariff"


# --- fixed tariff options ----------------------------------------------------------


async def _tariff_options(
    hass: HomeAssistant, entry: MockConfigEntry, step: str
) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": step}
    )


async def test_tariff_menu_offers_removal_only_with_bands(hass: HomeAssistant) -> None:
    """There is nothing to remove from a tariff without bands."""
    plain = fixed_tariff_entry()
    banded = fixed_tariff_entry("Banded", bands=[NIGHT_BAND])
    await setup_entries(hass, plain, banded)
    result = await hass.config_entries.options.async_init(plain.entry_id)
    assert result["menu_options"] == ["prices", "add_band"]
    result = await hass.config_entries.options.async_init(banded.entry_id)
    assert result["menu_options"] == ["prices", "add_band", "remove_band"]


async def test_tariff_prices_changed(hass: HomeAssistant) -> None:
    """The price can change and the standing charge be removed; sensors follow."""
    tariff = fixed_tariff_entry(standing_charge=0.4)
    await setup_entries(hass, tariff)
    result = await _tariff_options(hass, tariff, "prices")
    assert result["step_id"] == "prices"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PRICE: 0}
    )
    assert result["errors"] == {CONF_PRICE: "invalid_price"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PRICE: 0.31}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert tariff.options == {CONF_PRICE: 0.31, CONF_BANDS: []}
    assert hass.states.get("sensor.home_current_price").state == "0.31"
    assert hass.states.get("sensor.home_standing_charge") is None


async def test_band_added(hass: HomeAssistant, tariff: MockConfigEntry) -> None:
    """A band is stored with normalised times and takes effect after the reload."""
    await setup_entries(hass, tariff)
    result = await _tariff_options(hass, tariff, "add_band")
    assert result["step_id"] == "add_band"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**NIGHT_BAND, "start": "22:00", "end": "07:00", "days": ["sun", "mon"]},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert tariff.options[CONF_BANDS] == [
        {
            "band_name": "Night",
            CONF_PRICE: 0.1,
            "start": "22:00:00",
            "end": "07:00:00",
            "days": ["mon", "sun"],
        }
    ]
    assert hass.states.get("sensor.home_next_price").state == "0.1"


@pytest.mark.parametrize(
    ("start", "end", "stored"),
    [
        ("7:00", "9:5", ("07:00:00", "09:05:00")),
        ("1:2:3", "02:00:00", ("01:02:03", "02:00:00")),
    ],
)
async def test_band_times_in_every_shape_the_time_field_accepts(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    start: str,
    end: str,
    stored: tuple[str, str],
) -> None:
    """Home Assistant's time field takes ``7:5``; the band is stored as 07:05:00."""
    await setup_entries(hass, tariff)
    result = await _tariff_options(hass, tariff, "add_band")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**NIGHT_BAND, "start": start, "end": end}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    band = tariff.options[CONF_BANDS][0]
    assert (band["start"], band["end"]) == stored


@pytest.mark.parametrize(
    ("band", "errors"),
    [
        ({"band_name": " "}, {"band_name": "name_required"}),
        (
            {"band_name": "night", "start": "01:00", "end": "02:00"},
            {"band_name": "band_name_taken"},
        ),
        (
            {"band_name": "Peak", CONF_PRICE: -1, "start": "18:00", "end": "20:00"},
            {CONF_PRICE: "invalid_band_price"},
        ),
        (
            {"band_name": "Peak", "start": "18:00", "end": "20:00", "days": []},
            {"days": "no_days"},
        ),
        (
            {"band_name": "Early", "start": "06:00", "end": "08:00"},
            {"base": "band_overlap"},
        ),
    ],
)
async def test_band_errors(
    hass: HomeAssistant, band: dict[str, Any], errors: dict[str, str]
) -> None:
    """A bad or overlapping band is refused with a reason."""
    tariff = fixed_tariff_entry(bands=[NIGHT_BAND])
    await setup_entries(hass, tariff)
    result = await _tariff_options(hass, tariff, "add_band")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**NIGHT_BAND, **band}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert len(tariff.options[CONF_BANDS]) == 1


async def test_free_band_is_allowed(
    hass: HomeAssistant, tariff: MockConfigEntry
) -> None:
    """Bands may be free (price 0), unlike the base price."""
    await setup_entries(hass, tariff)
    result = await _tariff_options(hass, tariff, "add_band")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**NIGHT_BAND, "band_name": "Free", CONF_PRICE: 0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_bands_removed(hass: HomeAssistant) -> None:
    """Removed bands give way to the base price."""
    peak = {**NIGHT_BAND, "band_name": "Peak", "start": "18:00:00", "end": "21:00:00"}
    tariff = fixed_tariff_entry(bands=[peak, NIGHT_BAND])
    await setup_entries(hass, tariff)
    result = await _tariff_options(hass, tariff, "remove_band")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_BANDS: ["Peak"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert tariff.options[CONF_BANDS] == [NIGHT_BAND]


# --- tracked sensor options ----------------------------------------------------------


async def test_tracked_options_changed(
    hass: HomeAssistant, tariff: MockConfigEntry, washer: MockConfigEntry
) -> None:
    """Tariff, threshold and minimum session length can change."""
    cheaper = fixed_tariff_entry("Cheaper", 0.1)
    await setup_entries(hass, tariff, cheaper, washer)
    result = await hass.config_entries.options.async_init(washer.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_TARIFF: cheaper.entry_id,
            CONF_ON_THRESHOLD_W: 12.5,
            CONF_MIN_SESSION_S: 300,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert washer.options == {
        CONF_TARIFF: cheaper.entry_id,
        CONF_ON_THRESHOLD_W: 12.5,
        CONF_MIN_SESSION_S: 300,
    }
    assert washer.runtime_data.rules.on_threshold_w == 12.5


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({CONF_ON_THRESHOLD_W: -1}, {CONF_ON_THRESHOLD_W: "invalid_threshold"}),
        ({CONF_MIN_SESSION_S: 86_401}, {CONF_MIN_SESSION_S: "invalid_min_session"}),
        ({CONF_MIN_SESSION_S: "soon"}, {CONF_MIN_SESSION_S: "invalid_min_session"}),
    ],
)
async def test_tracked_options_errors(
    hass: HomeAssistant,
    tariff: MockConfigEntry,
    washer: MockConfigEntry,
    user_input: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Bad options are refused and nothing changes."""
    await setup_entries(hass, tariff, washer)
    user_input = {
        CONF_TARIFF: tariff.entry_id,
        CONF_ON_THRESHOLD_W: 5,
        CONF_MIN_SESSION_S: 60,
        **user_input,
    }
    result = await hass.config_entries.options.async_init(washer.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], user_input
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert washer.options[CONF_TARIFF] == tariff.entry_id


async def test_tracked_options_tariff_deleted_meanwhile(
    hass: HomeAssistant, tariff: MockConfigEntry, washer: MockConfigEntry
) -> None:
    """A tariff deleted while the options were open is a form error."""
    spare = fixed_tariff_entry("Spare")
    await setup_entries(hass, tariff, spare, washer)
    result = await hass.config_entries.options.async_init(washer.entry_id)
    await hass.config_entries.async_remove(spare.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_TARIFF: spare.entry_id, CONF_ON_THRESHOLD_W: 5, CONF_MIN_SESSION_S: 60},
    )
    assert result["errors"] == {CONF_TARIFF: "tariff_missing"}


async def test_tracked_options_without_tariffs(
    hass: HomeAssistant, tariff: MockConfigEntry, washer: MockConfigEntry
) -> None:
    """With no tariff left in its currency there is nothing to choose from."""
    pounds = fixed_tariff_entry("Pounds", currency="GBP")
    await setup_entries(hass, tariff, pounds, washer)
    await hass.config_entries.async_remove(tariff.entry_id)
    result = await hass.config_entries.options.async_init(washer.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_tariffs"


async def test_a_tariff_has_at_most_100_bands(hass: HomeAssistant) -> None:
    """Past the limit a band is refused with a reason, and nothing changes."""
    quarters = [
        {
            "band_name": f"Q{n}",
            CONF_PRICE: 0.1 + n / 1000,
            "start": f"{n // 4:02d}:{n % 4 * 15:02d}:00",
            "end": f"{(n + 1) // 4 % 24:02d}:{(n + 1) % 4 * 15:02d}:00",
            "days": ["mon", "tue", "wed", "thu", "fri"],
        }
        for n in range(96)
    ] + [
        {
            "band_name": f"Weekend {n}",
            CONF_PRICE: 0.05,
            "start": f"{6 * n:02d}:00:00",
            "end": f"{6 * n + 6:02d}:00:00" if n < 3 else "00:00:00",
            "days": ["sat", "sun"],
        }
        for n in range(4)
    ]
    tariff = fixed_tariff_entry(bands=quarters)
    await setup_entries(hass, tariff)
    assert hass.states.get("sensor.home_current_price") is not None
    result = await _tariff_options(hass, tariff, "add_band")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**NIGHT_BAND, "band_name": "One more", "days": []},
    )
    assert result["errors"] == {"days": "no_days", "base": "too_many_bands"}
    assert len(tariff.options[CONF_BANDS]) == 100


async def test_own_sensors_cannot_be_tracked(
    hass: HomeAssistant, tariff: MockConfigEntry, washer: MockConfigEntry
) -> None:
    """The picker leaves out this integration's sensors, and the flow refuses them."""
    await set_power(hass, 100)
    tariff.add_to_hass(hass)
    # A form opened before the washer's sensors existed does not list them...
    early = await _start(hass, "tracked_sensor")
    await setup_entries(hass, washer)
    result = await _start(hass, "tracked_sensor")
    selector = result["data_schema"].schema[CONF_SOURCE].config
    assert "sensor.washer_energy" in selector["exclude_entities"]
    assert POWER_SOURCE not in selector["exclude_entities"]
    # ... and the flow refuses them all the same.
    result = await hass.config_entries.flow.async_configure(
        early["flow_id"],
        {CONF_SOURCE: "sensor.washer_energy", CONF_TARIFF: tariff.entry_id},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SOURCE: "own_entity"}
