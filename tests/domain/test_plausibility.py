"""Plausibility of plugs' readings, on dumps recorded from users' plugs.

The dumps (``tests/fixtures/tuya/ha_core_dumps.json``, from Home Assistant core's
Tuya test fixtures, Apache-2.0) are read as the integration reads a polled status:
the specification's scales, then the evidence of three identical polls. The expected
values below were worked out by hand from each dump's raw values: for instance
6294HA reports ``cur_power`` 11374 with scale 0 for 5.466 A at 239.6 V; 11,374 W is
8.7 times the 1,309.6 VA flowing, 1,137.4 W is plausible (power factor 0.87).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.utility_cost.domain.plausibility import (
    Doubt,
    Finding,
    ProductEvidence,
    judge,
    judge_counter,
    judge_energy,
)
from custom_components.utility_cost.domain.plugs import (
    CounterKind,
    PlugReading,
    PointSpec,
    counter_kind,
    plug_scales,
    read_plug,
)

DUMPS = json.loads(
    (
        Path(__file__).parent.parent / "fixtures" / "tuya" / "ha_core_dumps.json"
    ).read_text()
)["dumps"]
BY_FILE = {Path(d["file"]).name.removesuffix(".json"): d for d in DUMPS}


def specs(dump: dict[str, Any]) -> dict[str, PointSpec]:
    return {
        code: PointSpec(
            point["value"]["scale"],
            point["value"].get("unit") or None,
            point["value"].get("max"),
            point.get("report_type"),
        )
        for code, point in dump["status_range"].items()
        if point["type"] == "Integer"
    }


def poll(dump: dict[str, Any], times: int = 3) -> tuple[Any, ProductEvidence]:
    """Read the same status ``times`` times, as polls would, with the evidence."""
    evidence = ProductEvidence()
    judged = None
    for _ in range(times):
        scales = plug_scales(dump["product_id"], specs(dump), evidence.corrections)
        reading = read_plug(dump["status"], scales)
        judged = judge(
            reading, evidence, moved_since_off=None if reading.mains_on else False
        )
    return judged, evidence


# (dump, power booked after three polls, voltage shown); None: not believed.
EXPECTED = [
    ("cz_qxJSyTLEtX5WrzA9", 0.0, 235.2),  # relay off: the 8.3 W from before
    ("cz_wifvoilfrqeo6hvu", 0.0, 234.6),  # 2346 "V" is decivolts
    ("cz_0fHWRe8ULjtmnBNd", 0.0, 235.1),
    ("cz_2jxesipczks0kdct", 6.4, 121.7),  # current in A, scale 3
    ("cz_2iepauebcvo74ujc", 0.0, 157.4),
    ("cz_37mnhia3pojleqfh", 31.3, 235.7),  # 313 "W" for 31.8 VA: deciwatts
    ("cz_39sy2g68gsjwo2xv", 6.1, 232.1),
    ("cz_4mbgrfotyNzMxDAv", 24.3, 120.4),  # both scales off, at 120 V
    ("cz_6fa7odsufen374x2", 38.9, 239.6),
    ("cz_9ivirni8wemum6cw", 0.0, 240.7),
    ("cz_EYfNTuTPZln9e4cn", 0.0, 239.3),  # off: 198.8 W kept from before
    ("cz_IGzCi97RpN2Lf9cu", 0.0, 228.7),
    ("cz_fbvia0apnlnattcy", 0.0, 237.1),
    ("cz_fencxse0bnut96ig", 1201.8, 238.1),
    ("cz_gbtxrqfy9xcsakyp", 0.0, 231.9),
    ("cz_gjnozsaz", 3.0, 244.0),
    ("cz_guitoc9iylae4axs", 5.4, 224.0),
    ("cz_hj0a5c7ckzzexu8l", 593.5, 222.4),
    ("cz_ik9sbig3mthx9hjz", 0.0, 229.9),
    ("cz_ipabufmlmodje1ws", None, 224.6),  # 164 W even as deciwatts > 97.7 VA
    ("cz_jti3ce2hzvsposgj", 369.4, 121.1),
    ("cz_mQUhiTg9kwydBFBd", None, 238.1),  # kilowatts at 1 mA, relay off
    ("cz_nkb0fmtlfyqosnvk", 41.1, 245.4),
    ("cz_qm0iq4nqnrlzh4qc", 0.0, 233.4),
    ("cz_sb6bwb1n8ma2c5q4", 0.0, 232.5),
    ("cz_tf6qp8t3hl9h7m94", 0.0, 241.6),  # CT meter: believed once it moves
    ("cz_tkn2s79mzedk6pwr", 0.0, 0.0),
    ("cz_vrbpx6h7fsi5mujb", 0.0, 0.0),
    ("cz_vxqn72kwtosoy4d3", 0.0, 235.0),
    ("cz_w0qqde0g", 0.0, 244.0),
    ("cz_wrz6vzch8htux2zp", 10.0, 237.7),
    ("cz_z6pht25s3p0gs26q", 1137.4, 239.6),  # 11374 "W" for 1309.6 VA
]


def test_every_metered_dump_is_covered() -> None:
    metered = {name for name, dump in BY_FILE.items() if "cur_power" in dump["status"]}
    assert metered == {name for name, _, _ in EXPECTED}


@pytest.mark.parametrize(("name", "watts", "volts"), EXPECTED)
def test_dumps_are_read_as_the_plugs_meant(
    name: str, watts: float | None, volts: float
) -> None:
    judged, _ = poll(BY_FILE[name])
    if watts is None:
        assert judged.power_w is None
    else:
        assert judged.power_w == pytest.approx(watts)
    assert judged.voltage_v == pytest.approx(volts)


def test_a_scale_is_corrected_only_on_consistent_evidence() -> None:
    """6294HA: not booked while one reading says so; read as 0.1 W from the third."""
    dump = BY_FILE["cz_z6pht25s3p0gs26q"]
    first, evidence = poll(dump, times=1)
    assert first.power_w is None
    assert first.doubt is Doubt.SCALE_PENDING
    third, evidence = poll(dump, times=3)
    assert third.findings == ((Finding.CORRECTED, "cur_power", 1),)
    assert evidence.corrections == {"cur_power": 1}
    # Restored, the correction applies at once.
    restored = ProductEvidence.from_dict(json.loads(json.dumps(evidence.as_dict())))
    scales = plug_scales(dump["product_id"], specs(dump), restored.corrections)
    assert read_plug(dump["status"], scales).power_w == pytest.approx(1137.4)


def test_what_nothing_explains_is_reported_once() -> None:
    judged, evidence = poll(BY_FILE["cz_ipabufmlmodje1ws"], times=5)
    assert judged.doubt is Doubt.CONTRADICTED
    assert evidence.reported
    findings = [
        f for f, _, _ in poll(BY_FILE["cz_ipabufmlmodje1ws"], times=3)[0].findings
    ]
    assert findings == [Finding.MISREPORTING]


def test_power_against_its_own_current_is_never_booked() -> None:
    """10,455 W (or 1,045.5) with 1 mA flowing: nothing booked, however often."""
    judged, evidence = poll(BY_FILE["cz_mQUhiTg9kwydBFBd"], times=10)
    assert judged.power_w is None
    assert judged.doubt is Doubt.CONTRADICTED
    assert "cur_power" not in evidence.corrections


def test_a_ct_meter_that_measures_while_off_is_learned() -> None:
    """Both switches off and 425.8 W: believed once the power is seen to move."""
    dump = BY_FILE["cz_tf6qp8t3hl9h7m94"]
    judged, evidence = poll(dump, times=1)
    assert judged.power_w == 0.0
    assert judged.doubt is Doubt.STALE_WHILE_OFF
    moved = {**dump["status"], "cur_power": 4102, "cur_current": 2510}
    scales = plug_scales(dump["product_id"], specs(dump), evidence.corrections)
    judged = judge(read_plug(moved, scales), evidence, moved_since_off=True)
    assert judged.power_w == pytest.approx(410.2)
    assert (Finding.NOT_GATED, "cur_power", 0) in judged.findings
    assert evidence.gated is False
    # From then on a power while off is believed at once.
    judged = judge(read_plug(dump["status"], scales), evidence, moved_since_off=False)
    assert judged.power_w == pytest.approx(425.8)


def test_more_than_a_plug_can_pass_is_not_booked() -> None:
    evidence = ProductEvidence()
    reading = PlugReading({"switch_1": True}, 9000.0, None, None)
    judged = judge(reading, evidence)
    assert judged.power_w is None
    assert judged.doubt is Doubt.OVER_LIMIT


def test_counter_kinds_of_the_dumps() -> None:
    """Zigbee sub-devices and lifetime ranges count totals; the rest increments."""
    kinds = {
        name: counter_kind(specs(d).get("add_ele"), sub=d["sub"])
        for name, d in BY_FILE.items()
        if "add_ele" in d["status"]
    }
    totals = {name for name, kind in kinds.items() if kind is CounterKind.TOTAL}
    assert totals == {"cz_gjnozsaz", "cz_w0qqde0g", "cz_vrbpx6h7fsi5mujb"}
    assert kinds["cz_guitoc9iylae4axs"] is CounterKind.INCREMENT  # report_type sum


def test_energy_scale_from_the_power_seen() -> None:
    """wifvoilfrqeo6hvu declares add_ele scale 0 in kWh; it counts 0.001 kWh."""
    evidence = ProductEvidence()
    # A plug passing 120 W for 5 minutes counted 10 units: 10 "kWh" at scale 0
    # against 0.01 kWh from its power: three decades off.
    booked = [judge_energy(evidence, 10.0, 300, 0.010)[0] for _ in range(3)]
    assert booked == [False, False, False]  # 120 kW: more than a plug passes
    assert evidence.corrections == {"add_ele": 3}
    assert judge_energy(evidence, 0.010, 300, 0.010) == (True, None)


def test_a_running_total_read_as_increments_is_found() -> None:
    evidence = ProductEvidence()
    findings = [
        judge_counter(evidence, 62.80 + 0.02 * n, 62.82 + 0.02 * n, 0.02)
        for n in range(3)
    ]
    assert findings == [None, None, Finding.TOTAL_COUNTER]
    assert evidence.total_counter
    assert judge_counter(evidence, 63.0, 63.02, 0.02) is None
