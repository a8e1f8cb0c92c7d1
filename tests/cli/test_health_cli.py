"""`warroom health`: its exit codes against a real hub, a closed port, and a port
where something other than a healthy hub answers."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from services.ops.outcome import ExitCode
from tests.hubtools import RunningHub
from tui.cli import main

WARROOM = Path(sys.executable).with_name("warroom")


@pytest.fixture
def closed_port() -> Iterator[str]:
    """A loopback URL nothing listens on: the port is bound (so no one else takes it)
    but never listened on, so every connection is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def _other_service(status: int, body: dict[str, object]) -> ThreadingHTTPServer:
    """A real HTTP server on loopback that answers every GET with ``status`` and ``body``:
    what `warroom health` meets when --hub names the wrong service or a sick hub."""
    payload = json.dumps(body).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def other_service() -> Iterator[object]:
    servers: list[ThreadingHTTPServer] = []

    def start(status: int, body: dict[str, object]) -> str:
        server = _other_service(status, body)
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_real_hub_is_healthy(hub: RunningHub, capsys) -> None:
    code = main(["health", "--hub", hub.url])
    out, err = capsys.readouterr()
    assert code == ExitCode.OK == 0, err
    assert out.startswith(f"healthy: {hub.url} version ")
    seq = hub.client().get("/health").json()["seq"]
    assert f"seq {seq} " in out
    assert err == ""


def test_a_closed_port_is_unreachable(closed_port: str, capsys) -> None:
    code = main(["health", "--hub", closed_port])
    out, err = capsys.readouterr()
    assert code == ExitCode.UNREACHABLE == 3
    assert out == ""
    assert err.startswith(f"warroom health: cannot reach the hub at {closed_port}")
    assert "--hub / WARROOM_HUB" in err


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (503, {"status": "starting"}),  # a hub that is not ready
        (200, {"status": "degraded"}),
        (404, {"detail": "Not Found"}),  # some other service on that port
    ],
)
def test_an_answer_that_is_not_a_healthy_hub_exits_1(
    other_service, capsys, status: int, body: dict[str, object]
) -> None:
    url = other_service(status, body)
    code = main(["health", "--hub", url])
    out, err = capsys.readouterr()
    assert code == ExitCode.ERROR == 1
    assert out == ""
    assert f"warroom health: {url} is unhealthy: HTTP {status}" in err


def test_what_answers_never_reaches_the_terminal_as_an_escape(other_service, capsys) -> None:
    url = other_service(200, {"status": "ok", "version": "1\x1b]52;c;aGk=\x07", "seq": 4})
    code = main(["health", "--hub", url])
    out, _ = capsys.readouterr()
    assert code == ExitCode.OK
    assert "\x1b" not in out and "\x07" not in out
    assert "version 1␛]52;c;aGk=␇ seq 4" in out


@pytest.mark.parametrize("healthy", [True, False])
def test_the_installed_command_exits_with_the_code(
    hub: RunningHub, closed_port: str, healthy: bool
) -> None:
    """What a probe or a script sees: the process's exit status."""
    url = hub.url if healthy else closed_port
    result = subprocess.run(
        [str(WARROOM), "health", "--hub", url],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
        timeout=60,
    )
    assert result.returncode == (ExitCode.OK if healthy else ExitCode.UNREACHABLE), result.stderr


def test_the_replicas_are_asked_in_turn(
    hub: RunningHub, closed_port: str, other_service, capsys
) -> None:
    sick = other_service(503, {"status": "starting"})
    code = main(["health", "--hub", f"{closed_port},{sick},{hub.url}"])
    out, _ = capsys.readouterr()
    assert code == ExitCode.OK
    assert out.startswith(f"healthy: {hub.url} version ")
    code = main(["health", "--hub", f"{closed_port},{sick}"])
    _, err = capsys.readouterr()
    assert code == ExitCode.ERROR
    assert err.startswith("warroom health: no replica is healthy: ")
    assert closed_port in err and sick in err
