"""`warroom doctor` against a real hub: ready with an incident commander's token; a
wrong token, a role that cannot stop a pack, a journal folder that cannot be written,
a clock off from the hub's, a small terminal or no hub are each named, and exit non-zero.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import pty
import re
import socket
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from services.domain.timeutil import utcnow
from services.hub.config import TokenEntry
from services.ops.outcome import ExitCode
from tests.cli.test_health_cli import _other_service
from tests.hubtools import HubFactory, RunningHub
from tui.cli import main

WARROOM = Path(sys.executable).with_name("warroom")
ROOT = Path(__file__).resolve().parents[2]
NAMES = ["hub", "clock", "token", "role", "journal"]
NAMES += ["terminal", "colours", "utf-8", "copy", "runbook"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """A well-set-up terminal session with no WARROOM_* settings and no config file; the
    terminal's size is 100x30 (a test runner has no terminal: see the pty test for one)."""
    for name in list(os.environ):
        if name.startswith(("WARROOM_", "LC_", "SSH_")) or name in ("TMUX", "STY", "NO_COLOR"):
            monkeypatch.delenv(name)
    values = {
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "WARROOM_CONFIG": str(tmp_path / "no-config.toml"),
        "WARROOM_DATA": str(tmp_path / "journal"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("tui.cli.doctor.terminal_size", lambda: (100, 30))
    return values


def _doctor(
    *args: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, tuple[str, str]], str]:
    """Run `warroom doctor ARGS`: the exit code, each check's (status, detail), the summary."""
    code = main(["doctor", *args])
    out = capsys.readouterr().out
    lines = out.splitlines()
    checks = {line[8:20].strip(): (line[:8].strip(), line[20:]) for line in lines[:-2]}
    assert list(checks) == NAMES, out
    assert lines[-2].startswith("-       not checked production logs")
    return code, checks, lines[-1]


def _flags(hub: RunningHub, role: str = "incident-commander") -> list[str]:
    return ["--hub", hub.url, "--token", hub.tokens[role]]


def test_ready_with_a_healthy_hub_and_an_incident_commanders_token(
    hub: RunningHub, env: dict[str, str], capsys
) -> None:
    code, checks, summary = _doctor(*_flags(hub), capsys=capsys)
    assert code == ExitCode.OK
    assert summary == "ready"
    assert checks["hub"] == ("ok", f"{hub.url} answers (version {_version(hub)})")
    assert checks["clock"][0] == "ok" and checks["clock"][1].startswith("agrees with the hub's")
    assert checks["token"] == ("ok", "valid: incident-commander-user (incident-commander)")
    assert checks["role"] == (
        "ok",
        "incident-commander may stop a pack and change incidents; and the global stop",
    )
    assert checks["journal"] == (
        "ok",
        f"{env['WARROOM_DATA']} will be made (in "
        f"{Path(env['WARROOM_DATA']).parent}, which is writable)",
    )
    assert checks["terminal"] == ("ok", "100x30")
    assert checks["colours"] == ("ok", "256 colours (TERM=xterm-256color)")
    assert checks["utf-8"] == ("ok", "LANG=C.UTF-8")
    assert checks["copy"][0] == "unknown"  # not over SSH, not in tmux: it cannot tell
    assert checks["runbook"] == ("ok", "offline copy with 6 steps: `warroom runbook`")
    assert not Path(env["WARROOM_DATA"]).exists()  # checked, not made


def _version(hub: RunningHub) -> str:
    return str(hub.client().get("/health").json()["version"])


def test_the_json_report_from_the_installed_command(hub: RunningHub, tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    journal.mkdir()
    result = subprocess.run(
        [str(WARROOM), "doctor", "--json"],
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "TERM": "xterm",
            "LANG": "en_GB.UTF-8",
            "WARROOM_HUB": hub.url,
            "WARROOM_TOKEN": hub.tokens["on-call"],
            "WARROOM_DATA": str(journal),
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == ExitCode.OK, result.stdout
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["exit_code"] == 0 and report["summary"] == "ready"
    statuses = {check["name"]: check["status"] for check in report["checks"]}
    assert list(statuses) == NAMES
    assert statuses["terminal"] == "unknown"  # its output is a pipe, its input too
    assert statuses["journal"] == "ok" and list(journal.iterdir()) == []  # the probe is gone
    role = next(c for c in report["checks"] if c["name"] == "role")
    assert role["detail"].endswith("not the global stop (incident commander, security lead, CTO)")


def test_a_wrong_token_is_named(hub: RunningHub, env: dict[str, str], capsys) -> None:
    code, checks, summary = _doctor("--hub", hub.url, "--token", "not-a-token", capsys=capsys)
    assert code == ExitCode.ERROR
    status, detail = checks["token"]
    assert status == "FAIL"
    assert detail.startswith("the hub refused the token (HTTP 401 unauthenticated")
    assert "check --token / WARROOM_TOKEN" in detail
    assert checks["role"] == ("skipped", "not checked: the token was refused")
    assert checks["hub"][0] == "ok"
    assert summary == "1 to fix: token"


def test_no_token_at_all_says_where_to_put_one(hub: RunningHub, env, capsys) -> None:
    code, checks, _ = _doctor("--hub", hub.url, capsys=capsys)
    assert code == ExitCode.ERROR
    assert checks["token"][0] == "FAIL"
    assert checks["token"][1].startswith("no token: give --token, set WARROOM_TOKEN")


RESPONDERS = "on-call, team-lead, incident-commander"
WALL = "; for a wall display or an observer, use --read-only"
ASK = (
    f"ask for a token whose role holds killswitch.pack and incident.write (by default {RESPONDERS})"
)
NO_GLOBAL = (
    "may stop a pack and change incidents; "
    "not the global stop (incident commander, security lead, CTO)"
)
READS = "can read (--read-only: nothing more is needed)"


@pytest.mark.parametrize(
    ("role", "read_only", "status", "detail"),
    [
        ("viewer", False, "FAIL", f"viewer lacks killswitch.pack, incident.write: {ASK}{WALL}"),
        ("viewer", True, "ok", f"viewer {READS}"),
        ("security-lead", False, "FAIL", f"security-lead lacks killswitch.pack: {ASK}{WALL}"),
        ("cto", False, "FAIL", f"cto lacks killswitch.pack: {ASK}{WALL}"),
        ("on-call", False, "ok", f"on-call {NO_GLOBAL}"),
        ("team-lead", False, "ok", f"team-lead {NO_GLOBAL}"),
        ("incident-commander", True, "ok", f"incident-commander {READS}"),
    ],
)
def test_the_role_holds_what_the_person_needs(
    hub: RunningHub, env, capsys, role: str, read_only: bool, status: str, detail: str
) -> None:
    flags = _flags(hub, role) + (["--read-only"] if read_only else [])
    code, checks, _ = _doctor(*flags, capsys=capsys)
    assert checks["token"][0] == "ok"
    assert checks["role"] == (status, detail)
    assert code == (ExitCode.OK if status == "ok" else ExitCode.ERROR)


def test_a_service_token_cannot_even_read(hub: RunningHub, env, capsys) -> None:
    code, checks, _ = _doctor(*_flags(hub, "agent"), capsys=capsys)
    assert code == ExitCode.ERROR
    assert checks["token"][1].startswith("the hub refused the token (HTTP 403 forbidden")


def test_the_hub_and_token_come_from_the_config_file_as_for_warroom_stop(
    hub: RunningHub, env: dict[str, str], tmp_path: Path, monkeypatch, capsys
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'hub = "{hub.url}"\ntoken = "{hub.tokens["on-call"]}"\n')
    monkeypatch.setenv("WARROOM_CONFIG", str(config))
    code, checks, _ = _doctor(capsys=capsys)
    assert code == ExitCode.OK
    assert checks["token"] == ("ok", "valid: on-call-user (on-call)")
    # The environment wins over the file, and a flag over the environment.
    monkeypatch.setenv("WARROOM_TOKEN", hub.tokens["viewer"])
    assert _doctor(capsys=capsys)[1]["token"] == ("ok", "valid: viewer-user (viewer)")
    flags = ("--token", hub.tokens["team-lead"])
    assert _doctor(*flags, capsys=capsys)[1]["token"] == ("ok", "valid: team-lead-user (team-lead)")


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A journal folder this process cannot write, and the line doctor should print.

    ``chmod 0500`` stops an ordinary user, but not root (tests run as root in CI) nor a
    process with CAP_DAC_OVERRIDE: the bits are tried, and when a file can still be
    written the folder is instead a path under a regular file, which nobody can create.
    """
    folder = tmp_path / "read-only-journal"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        (folder / "probe").write_text("x")
    except PermissionError:
        yield folder, f"{folder} is not writable (Permission denied)"
    else:
        (folder / "probe").unlink()
        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder")
        yield (
            blocker / "journal",
            f"{blocker} is not a folder, so {blocker / 'journal'} cannot be made",
        )
    finally:
        folder.chmod(0o700)


def test_a_journal_folder_that_cannot_be_written_is_named(
    hub: RunningHub, env, unwritable_folder: tuple[Path, str], monkeypatch, capsys
) -> None:
    folder, expected = unwritable_folder
    monkeypatch.setenv("WARROOM_DATA", str(folder))
    code, checks, summary = _doctor(*_flags(hub), capsys=capsys)
    assert code == ExitCode.ERROR
    assert checks["journal"][0] == "FAIL"
    assert checks["journal"][1].startswith(expected)
    assert "WARROOM_DATA" in checks["journal"][1]
    assert summary == "1 to fix: journal"


def test_a_journal_under_a_regular_file_cannot_be_made(
    hub: RunningHub, env, tmp_path, monkeypatch, capsys
) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where a folder should be")
    monkeypatch.setenv("WARROOM_DATA", str(blocker / "warroom" / "journal"))
    code, checks, _ = _doctor(*_flags(hub), capsys=capsys)
    assert code == ExitCode.ERROR
    assert checks["journal"][1].startswith(f"{blocker} is not a folder")


@pytest.fixture
def closed_port() -> Iterator[str]:
    """A loopback URL whose port is bound but never listened on: connections are refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def test_no_hub_exits_unreachable_and_still_checks_the_rest(closed_port: str, env, capsys) -> None:
    code, checks, summary = _doctor("--hub", closed_port, "--token", "t", capsys=capsys)
    assert code == ExitCode.UNREACHABLE
    assert checks["hub"][0] == "FAIL"
    assert checks["hub"][1].startswith(f"cannot reach the hub at {closed_port}")
    for name in ("clock", "token", "role"):
        assert checks[name][0] == "skipped"
    assert checks["journal"][0] == checks["terminal"][0] == checks["runbook"][0] == "ok"
    assert summary == "1 to fix: hub"


def test_something_else_on_the_port_is_a_problem_not_an_absence(env, capsys) -> None:
    server = _other_service(503, {"status": "starting"})
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code, checks, _ = _doctor("--hub", url, "--token", "t", capsys=capsys)
    finally:
        server.shutdown()
        server.server_close()
    assert code == ExitCode.ERROR
    assert checks["hub"] == ("FAIL", f'{url} is unhealthy: HTTP 503 \'{{"status": "starting"}}\'')


@pytest.mark.parametrize(
    ("offset_s", "status", "words", "code"),
    [
        (10, "WARN", "behind", ExitCode.OK),
        (-10, "WARN", "ahead of", ExitCode.OK),
        (60, "FAIL", "behind", ExitCode.ERROR),
    ],
)
def test_a_clock_off_from_the_hubs_is_named(
    hub_factory: HubFactory, env, capsys, offset_s: int, status: str, words: str, code: int
) -> None:
    shifted = hub_factory(clock=lambda: utcnow() + timedelta(seconds=offset_s))
    result, checks, _ = _doctor(*_flags(shifted), capsys=capsys)
    assert result == code
    assert checks["clock"][0] == status
    said = re.match(r"this clock is (\d+\.\d) s (behind|ahead of) the hub's", checks["clock"][1])
    assert said is not None, checks["clock"][1]
    assert said.group(2) == words
    # The round trip is well under 50 ms at rest; a loaded machine may skew the estimate.
    assert abs(float(said.group(1)) - abs(offset_s)) <= 0.5


def test_what_the_hub_says_reaches_the_terminal_without_escapes(
    hub_factory: HubFactory, env, capsys
) -> None:
    evil = "ev\x1b]52;c;aGk=\x07il"
    running = hub_factory(tokens=[TokenEntry("evil-token", evil, "on-call")])
    code, checks, _ = _doctor("--hub", running.url, "--token", "evil-token", capsys=capsys)
    assert code == ExitCode.OK
    assert checks["token"] == ("ok", "valid: ev␛]52;c;aGk=␇il (on-call)")


def _run_in_a_pty(args: list[str], env: dict[str, str], columns: int, rows: int) -> tuple[int, str]:
    """The installed command in a real pseudo-terminal of the given size."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError as error:  # EIO: the child closed the terminal
            assert error.errno == errno.EIO
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    return process.wait(timeout=60), output.decode().replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("columns", "rows", "ok"), [(120, 40, True), (80, 24, True), (79, 24, False), (100, 20, False)]
)
def test_the_terminals_size_in_a_real_terminal(
    hub: RunningHub, tmp_path: Path, columns: int, rows: int, ok: bool
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "WARROOM_DATA": str(tmp_path / "journal"),
    }
    args = [str(WARROOM), "doctor", *_flags(hub)]
    code, out = _run_in_a_pty(args, env, columns, rows)
    line = next(line for line in out.splitlines() if line[8:20].strip() == "terminal")
    if ok:
        assert (code, line) == (ExitCode.OK, f"ok      terminal    {columns}x{rows}"), out
    else:
        assert code == ExitCode.ERROR, out
        assert line.startswith(
            f"FAIL    terminal    {columns}x{rows}: the console needs at least 80x24"
        )


# Runs `warroom ARGS...` in a fresh interpreter, then says whether Textual was loaded.
HARNESS = """
import sys
from tui.cli import main
code = main(sys.argv[1:])
print("exit", int(code), "textual", "textual" in sys.modules, file=sys.stderr)
"""


def test_it_never_imports_textual(hub: RunningHub) -> None:
    result = subprocess.run(
        [sys.executable, "-c", HARNESS, "doctor", *_flags(hub)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.stderr.splitlines()[-1].endswith(" textual False"), result.stderr
