"""Start Home Assistant, relaxing only its Python version check where needed.

Home Assistant 2026.2 declares Python >= 3.13.2 and refuses to start below it. On an
older 3.13 (as on the project's development machine) this replaces that one check
and says so; everything else runs unchanged. Arguments are Home Assistant's own.
"""

from __future__ import annotations

import sys

from homeassistant import __main__ as hass_main
from homeassistant.const import REQUIRED_PYTHON_VER


def main() -> int:
    """Run Home Assistant's own entry point."""
    running = sys.version_info[:3]
    if running < REQUIRED_PYTHON_VER:
        print(
            "run_hass: Python {}.{}.{} is older than Home Assistant's declared {}.{}.{};"
            " skipping only its startup version check.".format(
                *running, *REQUIRED_PYTHON_VER
            ),
            flush=True,
        )
        hass_main.validate_python = lambda: None
    return hass_main.main()


if __name__ == "__main__":
    sys.exit(main())
