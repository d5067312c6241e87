"""Reading plugs' data points."""

import pytest

from custom_components.utility_cost.domain.plugs import (
    FixedWatts,
    PlugReading,
    Scale,
    is_metering,
    is_plug,
    plug_scales,
    read_plug,
    switch_codes,
)

SOCKET = {"switch_1": True, "cur_power": 1234, "cur_voltage": 2301, "cur_current": 536}


def test_switch_codes_in_outlet_order() -> None:
    status = {
        "switch_10": False,
        "switch_2": True,
        "switch_led": True,
        "switch_1": False,
    }
    assert switch_codes(status) == ["switch_1", "switch_2", "switch_10"]
    assert switch_codes({"switch": True, "switch_usb1": False}) == ["switch"]


def test_what_is_a_plug() -> None:
    assert is_plug("cz", SOCKET)
    assert is_plug("kg", {"switch_1": False})
    assert not is_plug("dj", {"switch_led": True})  # a light
    assert not is_plug("cz", {"countdown_1": 0})  # no outlet
    assert is_metering(SOCKET)
    assert not is_metering({"switch_1": True})


def test_scales_from_the_specification_defaults_and_overrides() -> None:
    specified = {"cur_power": (2, "W"), "cur_current": (1, "A")}
    scales = plug_scales("anyproduct", specified)
    assert scales["cur_power"] == Scale(2, "W")
    assert scales["cur_voltage"] == Scale(1, "V")  # not specified: the usual scale
    assert scales["cur_current"] == Scale(1, "A")
    assert plug_scales("anyproduct", None)["cur_current"] == Scale(0, "mA")
    # The override table corrects a product whose specification says scale 0.
    wrong = plug_scales(
        "qxJSyTLEtX5WrzA9", {"cur_power": (0, "W"), "cur_voltage": (0, "V")}
    )
    assert wrong["cur_power"].scale == 1
    assert wrong["cur_voltage"].scale == 1


def test_reading_a_metering_socket() -> None:
    reading = read_plug(SOCKET, plug_scales("p", None))
    # 1234 at scale 1 = 123.4 W; 2301 = 230.1 V; 536 mA = 0.536 A
    assert reading == PlugReading(
        {"switch_1": True},
        pytest.approx(123.4),
        pytest.approx(230.1),
        pytest.approx(0.536),
    )
    assert reading.on


def test_current_in_amperes() -> None:
    scales = plug_scales("p", {"cur_current": (2, "A")})
    assert read_plug({"switch_1": True, "cur_current": 153}, scales).current_a == 1.53


def test_missing_or_bad_values_are_unknown() -> None:
    reading = read_plug(
        {"switch_1": False, "switch_2": "on", "cur_power": "12", "cur_voltage": True},
        plug_scales("p", None),
    )
    assert reading.switches == {"switch_1": False, "switch_2": False}
    assert not reading.on
    assert reading.power_w is None
    assert reading.voltage_v is None
    assert reading.current_a is None
    assert Scale(0, "W").value(float("inf")) is None


def test_fixed_watts_replace_the_power() -> None:
    fixed = FixedWatts(watts=1800, standby_watts=1.5)
    scales = plug_scales("p", None)
    assert read_plug({"switch_1": True}, scales, fixed).power_w == 1800
    assert read_plug({"switch_1": False}, scales, fixed).power_w == 1.5
    # It also overrides a plug that meters.
    assert read_plug(SOCKET, scales, fixed).power_w == 1800
