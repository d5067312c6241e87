"""The ESPHome configurations in esphome/ are valid, and validation catches mistakes.

Each file is checked with the pinned ESPHome (``esphome config``), next to a copy of
``secrets.example.yaml`` as its ``secrets.yaml``, as a user would after filling it in.
"""

from __future__ import annotations

from pathlib import Path
import shutil
import subprocess

import pytest

from .esphome_tools import ESPHOME

ESPHOME_DIR = Path(__file__).parents[2] / "esphome"
CONFIGS = sorted(
    path for path in ESPHOME_DIR.glob("*.yaml") if not path.name.startswith("secrets")
)

pytestmark = pytest.mark.skipif(
    not ESPHOME.exists(), reason=f"ESPHome is not installed ({ESPHOME})"
)


def _validate(config: Path, work: Path) -> subprocess.CompletedProcess[str]:
    """Run ``esphome config`` on a copy of ``config`` in ``work``."""
    shutil.copy(ESPHOME_DIR / "secrets.example.yaml", work / "secrets.yaml")
    copy = work / config.name
    if config != copy:
        shutil.copy(config, copy)
    return subprocess.run(  # noqa: S603 - our own ESPHome on our own files
        [str(ESPHOME), "config", str(copy)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_configurations_are_there() -> None:
    assert [path.name for path in CONFIGS] == ["meter.yaml", "power_monitor.yaml"]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda path: path.name)
def test_configuration_is_valid(config: Path, tmp_path: Path) -> None:
    result = _validate(config, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration is valid!" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("mistake", "replacement", "message"),
    [
        # A pin the board does not have.
        ("pulse_pin: GPIO5", "pulse_pin: GPIO42", "GPIO42"),
        # A secret that secrets.yaml does not define.
        ("!secret wifi_password", "!secret wifi_pasword", "wifi_pasword"),
        # A misspelt option.
        ("internal_filter: 50ms", "internal_filtre: 50ms", "internal_filtre"),
    ],
)
def test_a_broken_copy_fails(
    tmp_path: Path, mistake: str, replacement: str, message: str
) -> None:
    """Validation is real: a mistake makes it fail and names the culprit."""
    text = (ESPHOME_DIR / "meter.yaml").read_text()
    assert mistake in text
    broken = tmp_path / "meter.yaml"
    broken.write_text(text.replace(mistake, replacement))
    result = _validate(broken, tmp_path)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
