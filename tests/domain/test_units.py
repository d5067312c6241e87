"""Unit conversions."""

import pytest

from custom_components.utility_cost.domain.units import (
    SourceKind,
    average_power_w,
    energy_kwh,
    energy_to_kwh,
    power_to_w,
    source_kind_for_unit,
    to_canonical,
)


@pytest.mark.parametrize(
    ("unit", "kind"),
    [
        ("W", SourceKind.POWER),
        ("kW", SourceKind.POWER),
        ("Wh", SourceKind.ENERGY),
        ("kWh", SourceKind.ENERGY),
        ("MWh", SourceKind.ENERGY),
        ("GJ", None),
        ("A", None),
        (None, None),
    ],
)
def test_source_kind_for_unit(unit: str | None, kind: SourceKind | None) -> None:
    assert source_kind_for_unit(unit) is kind


def test_conversions() -> None:
    assert power_to_w(1.5, "kW") == 1500
    assert power_to_w(12, "W") == 12
    assert energy_to_kwh(500, "Wh") == 0.5
    assert energy_to_kwh(2, "MWh") == 2000
    assert to_canonical(2, "kW") == 2000
    assert to_canonical(2, "MWh") == 2000


def test_energy_and_mean_power() -> None:
    # 1500 W for 20 minutes = 1.5 kW x 1/3 h = 0.5 kWh
    assert energy_kwh(1500, 1200) == pytest.approx(0.5)
    assert average_power_w(0.5, 1200) == pytest.approx(1500)
    assert average_power_w(0.5, 0) == 0
