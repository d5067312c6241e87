"""scripts/develop's guards: taken ports refused, another Home Assistant left alone."""

from __future__ import annotations

from collections.abc import Iterator
import fcntl
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import importlib.util
from pathlib import Path
import socket
import threading
from types import ModuleType

import pytest
import yaml

SCRIPTS = Path(__file__).parents[2] / "scripts"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def listening(socket_enabled: None) -> Iterator[int]:
    """Return a port something listens on (as another Home Assistant would)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_taken_port_is_refused(
    listening: int, capsys: pytest.CaptureFixture[str]
) -> None:
    preflight = _script("demo_preflight")
    status = preflight.main([f"Home Assistant (--port)={listening}"])
    assert status == 1
    err = capsys.readouterr().err
    assert f"port {listening}, for Home Assistant (--port), is already in use" in err
    assert "nothing was started" in err
    assert "--port 8124" in err


@pytest.mark.usefixtures("socket_enabled")
def test_free_ports_pass_and_nonsense_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    preflight = _script("demo_preflight")
    port = _free_port()
    assert preflight.main([f"Home Assistant (--port)={port}"]) == 0
    assert preflight.main(["Home Assistant (--port)=http"]) == 2
    assert "'http' is not a port" in capsys.readouterr().err
    assert preflight.main([f"a={port}", f"b={port}"]) == 2
    assert "cannot share port" in capsys.readouterr().err


class _OtherHomeAssistant(BaseHTTPRequestHandler):
    """Answers as a Home Assistant that scripts/develop did not start: 404."""

    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Keep the test's output quiet."""


@pytest.mark.usefixtures("socket_enabled")
def test_demo_leaves_another_home_assistant_alone() -> None:
    """Without this start's token at /local/, the demo stops before logging in."""
    demo = _script("demo")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OtherHomeAssistant)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        api = demo.HomeAssistantApi(f"http://127.0.0.1:{server.server_port}")
        api.wait_until_up(5, None)
        with pytest.raises(demo.DemoError, match="not the one scripts/develop started"):
            api.check_identity("this start's token")
        assert api.token is None
    finally:
        server.shutdown()
        server.server_close()


def test_a_running_demo_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Home Assistant's lock on the folder held: a second one must not start."""
    preflight = _script("demo_preflight")
    assert preflight.main(["--config", str(tmp_path)]) == 0  # no lock file yet
    lock = tmp_path / ".ha_run.lock"
    lock.write_text('{"pid": 4242}')
    assert preflight.main(["--config", str(tmp_path)]) == 0  # not held: it ended
    with lock.open("r") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        # flock locks belong to the open file: another open of it is refused.
        assert preflight.main(["--config", str(tmp_path)]) == 1
    assert "(process 4242) already runs on" in capsys.readouterr().err


def test_pre_commit_runs_the_checks_of_the_test_command() -> None:
    """Each pre-commit hook is a command of scripts/test, with the same tool."""
    config = yaml.safe_load((SCRIPTS.parent / ".pre-commit-config.yaml").read_text())
    test_command = (SCRIPTS / "test").read_text()
    entries = [hook["entry"] for repo in config["repos"] for hook in repo["hooks"]]
    assert len(entries) == 3
    for entry in entries:
        command = entry.replace(" --force-exclude", "")
        assert command in test_command, entry
