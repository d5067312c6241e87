"""Reading plugs' data points."""

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.utility_cost.domain.plugs import (
    CounterFollower,
    CounterKind,
    EnergyPoint,
    FixedWatts,
    PlugReading,
    PointSpec,
    Scale,
    is_metering,
    is_plug,
    mains_codes,
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
    # USB outlets are switchable too; they come after the mains outlets.
    assert switch_codes({"switch_usb1": False, "switch": True}) == [
        "switch",
        "switch_usb1",
    ]
    assert mains_codes({"switch_usb1": False, "switch_2": True}) == ["switch_2"]


def test_what_is_a_plug() -> None:
    assert is_plug("cz", SOCKET)
    assert is_plug("kg", {"switch_1": False})
    assert not is_plug("dj", {"switch_led": True})  # a light
    assert not is_plug("cz", {"countdown_1": 0})  # no outlet
    assert is_metering(SOCKET)
    assert not is_metering({"switch_1": True})


def test_scales_from_the_specification_defaults_and_overrides() -> None:
    specified = {"cur_power": PointSpec(2, "W"), "cur_current": PointSpec(1, "A")}
    scales = plug_scales("anyproduct", specified)
    assert scales["cur_power"] == Scale(2, "W")
    assert scales["cur_voltage"] == Scale(1, "V")  # not specified: the usual scale
    assert scales["cur_current"] == Scale(1, "A")
    assert plug_scales("anyproduct", None)["cur_current"] == Scale(0, "mA")
    # The override table corrects a product whose specification says scale 0.
    wrong = plug_scales(
        "qxJSyTLEtX5WrzA9",
        {"cur_power": PointSpec(0, "W"), "cur_voltage": PointSpec(0)},
    )
    assert wrong["cur_power"].scale == 1
    assert wrong["cur_voltage"].scale == 1
    # Learned corrections add to the specification's scale (not to an override).
    learned = plug_scales("anyproduct", specified, {"cur_power": 1, "cur_voltage": 1})
    assert learned["cur_power"].scale == 3
    assert learned["cur_voltage"].scale == 2
    assert plug_scales("qxJSyTLEtX5WrzA9", None, {"cur_power": 1})["cur_power"] == (
        Scale(1, "W")
    )


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
    scales = plug_scales("p", {"cur_current": PointSpec(2, "A")})
    assert read_plug({"switch_1": True, "cur_current": 153}, scales).current_a == 1.53


def test_missing_or_bad_values_are_unknown() -> None:
    reading = read_plug(
        {"switch_1": False, "switch_2": "on", "cur_power": "x", "cur_voltage": True},
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


def test_values_sent_as_text_are_numbers() -> None:
    """Device logs carry values as text: "1234" at scale 1 is 123.4."""
    assert Scale(1, "W").value("1234") == pytest.approx(123.4)


def test_fixed_watts_follow_the_mains_outlets_only() -> None:
    fixed = FixedWatts(watts=60)
    status = {"switch_1": False, "switch_usb1": True}
    assert read_plug(status, plug_scales("p", None), fixed).power_w == 0.0


def test_counters_are_followed_by_kind() -> None:
    """Increments reach back to the previous report; totals count differences."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    increments = CounterFollower(
        EnergyPoint("add_ele", Scale(3, "kWh"), CounterKind.INCREMENT)
    )
    first = increments.follow(t0, 12, since=t0 - timedelta(minutes=3))
    assert first is not None
    assert (first.start, first.energy_kwh) == (t0 - timedelta(minutes=3), 0.012)
    second = increments.follow(t0 + timedelta(minutes=5), 3)
    assert second is not None
    assert (second.start, second.energy_kwh) == (t0, 0.003)
    assert increments.follow(t0 + timedelta(minutes=5), 3) is None  # the same report
    unanchored = CounterFollower(
        EnergyPoint("add_ele", Scale(3, "Wh"), CounterKind.INCREMENT)
    )
    slice_ = unanchored.follow(t0, 500)
    assert slice_ is not None
    assert slice_.energy_kwh == pytest.approx(0.0005)  # Wh
    assert slice_.start == t0 - timedelta(minutes=15)

    totals = CounterFollower(EnergyPoint("add_ele", Scale(3, "kWh"), CounterKind.TOTAL))
    assert totals.follow(t0, 62860) is None  # the baseline
    step = totals.follow(t0 + timedelta(hours=1), 62960)
    assert step is not None
    assert step.energy_kwh == pytest.approx(0.1)
    reset = totals.follow(t0 + timedelta(hours=2), 40)  # the plug was reset
    assert reset is not None
    assert reset.energy_kwh == pytest.approx(0.04)
    dip = totals.follow(t0 + timedelta(hours=3), 39)
    assert dip is not None
    assert dip.energy_kwh == 0.0
    restored = CounterFollower(totals.point)
    restored.restore(totals.as_dict())
    assert restored == totals
    assert totals.follow(t0 + timedelta(hours=4), "x") is None
