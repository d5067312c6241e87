"""Where the tests find ESPHome, and a free localhost port for a device."""

from __future__ import annotations

from pathlib import Path
import socket

# scripts/setup installs ESPHome in its own virtual environment (it pins other
# versions of packages Home Assistant also uses).
ESPHOME = Path(__file__).parents[2] / ".venv-esphome" / "bin" / "esphome"


def free_port() -> int:
    """Return a TCP port on localhost that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
