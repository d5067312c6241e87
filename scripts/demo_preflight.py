"""Refuse, with a clear message, to start the demo where it cannot run.

    python scripts/demo_preflight.py [--config DIR] "Home Assistant (--port)=8123" ...

Each argument names what will listen and the port it needs. A port is taken when
something answers on it on this machine or it cannot be bound on every interface
(as Home Assistant binds it). With ``--config``, a Home Assistant already running
on that configuration folder (its lock file held) refuses as well: two on one
folder would corrupt it. Exits 0 when all is free, 2 when an argument is not a
port, 1 (after saying what and what to do) when something is taken.
"""

from __future__ import annotations

import errno
import fcntl
import json
from pathlib import Path
import socket
import sys

# Home Assistant's own lock on a configuration folder (homeassistant.runner).
LOCK_FILE = ".ha_run.lock"


def taken(port: int) -> bool:
    """Return True if ``port`` is in use on this machine."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        try:
            server.bind(("", port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def running_on(config: Path) -> str | None:
    """Return the process id of a Home Assistant running on ``config``, if any."""
    lock = config / LOCK_FILE
    if not lock.exists():
        return None
    with lock.open("r", encoding="utf-8") as held:
        try:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                return str(json.loads(held.read()).get("pid", "?"))
            except ValueError:
                return "?"
        fcntl.flock(held.fileno(), fcntl.LOCK_UN)
    return None


def main(arguments: list[str]) -> int:
    """Check the folder and every ``label=port`` argument; return the exit status."""
    if arguments[:1] == ["--config"]:
        config, arguments = Path(arguments[1]), arguments[2:]
        if (pid := running_on(config)) is not None:
            print(
                f"scripts/develop: a Home Assistant (process {pid}) already runs on"
                f" {config}/ (a demo started before?); nothing was started. Stop it"
                " first: two on one configuration folder would corrupt it.",
                file=sys.stderr,
            )
            return 1
    wanted: dict[int, str] = {}
    for argument in arguments:
        label, _, text = argument.rpartition("=")
        if not text.isdigit() or not 0 < int(text) < 65536:
            print(
                f"scripts/develop: {text!r} is not a port for {label}", file=sys.stderr
            )
            return 2
        port = int(text)
        if port in wanted:
            print(
                f"scripts/develop: {label} and {wanted[port]} cannot share port {port}",
                file=sys.stderr,
            )
            return 2
        wanted[port] = label
    busy = [(port, label) for port, label in wanted.items() if taken(port)]
    for port, label in busy:
        print(
            f"scripts/develop: port {port}, for {label}, is already in use"
            " (another Home Assistant, or a demo already running?).",
            file=sys.stderr,
        )
    if busy:
        print(
            "scripts/develop: nothing was started. Stop what uses the port, or choose"
            " others: scripts/develop --port 8124 --tuya-port 8776 --esios-port 8777",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
