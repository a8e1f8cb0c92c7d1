"""`warroom doctor`'s checks that need no hub, as pure functions of what they read: the
clock's skew, the terminal's size, colours, locale and OSC 52 copy (with a real tmux)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from services.console.identity import Identity
from services.ops.doctor import Check, report, role_check
from services.ops.doctor import clock_check as _clock
from services.ops.doctor_terminal import (
    colour_check,
    copy_check,
    size_check,
    tmux_clipboard,
    utf8_check,
)
from services.ops.outcome import ExitCode


@pytest.mark.parametrize(
    ("skew_s", "status"),
    [
        (0.0, "ok"),
        (1.9, "ok"),
        (-2.0, "ok"),
        (2.1, "warn"),
        (-29.9, "warn"),
        (30.1, "fail"),
        (-3600, "fail"),
    ],
)
def test_clock_thresholds(skew_s: float, status: str) -> None:
    check = _clock(timedelta(seconds=skew_s), timedelta(milliseconds=40))
    assert check.status == status
    assert (
        f"{abs(skew_s):.1f} s {'ahead of' if skew_s < 0 else 'behind'} the hub's (± 0.0 s)"
        in check.detail
    )


@pytest.mark.parametrize(
    ("size", "status"),
    [
        (None, "unknown"),
        ((80, 24), "ok"),
        ((200, 60), "ok"),
        ((79, 50), "fail"),
        ((120, 23), "fail"),
    ],
)
def test_terminal_size(size: tuple[int, int] | None, status: str) -> None:
    assert size_check(size).status == status


@pytest.mark.parametrize(
    ("env", "status", "words"),
    [
        ({}, "fail", "TERM is unset"),
        ({"TERM": "dumb"}, "fail", "TERM is dumb"),
        ({"TERM": "xterm-256color", "NO_COLOR": "1"}, "warn", "NO_COLOR is set"),
        ({"TERM": "xterm-256color", "NO_COLOR": ""}, "ok", "256 colours"),  # empty means unset
        ({"TERM": "xterm-kitty", "COLORTERM": "truecolor"}, "ok", "truecolor"),
        ({"TERM": "screen-256color"}, "ok", "256 colours"),
        ({"TERM": "linux"}, "ok", "16 colours, enough"),
    ],
)
def test_colours(env: dict[str, str], status: str, words: str) -> None:
    check = colour_check(env)
    assert (check.status, words in check.detail) == (status, True), check


@pytest.mark.parametrize(
    ("env", "status", "shown"),
    [
        ({"LANG": "en_GB.UTF-8"}, "ok", "LANG=en_GB.UTF-8"),
        ({"LANG": "de_DE.utf8"}, "ok", "LANG=de_DE.utf8"),
        ({"LANG": "C.UTF-8", "LC_ALL": "C"}, "warn", "LC_ALL=C"),  # LC_ALL wins
        ({"LANG": "C", "LC_CTYPE": "en_US.UTF-8"}, "ok", "LC_CTYPE=en_US.UTF-8"),
        ({}, "warn", "no locale set"),
        ({"LANG": "POSIX"}, "warn", "LANG=POSIX"),
        ({"LANG": "en_US.ISO-8859-1"}, "fail", "LANG=en_US.ISO-8859-1 is not UTF-8"),
        ({"LANG": "en_US"}, "fail", "LANG=en_US is not UTF-8"),
    ],
)
def test_utf8_locale(env: dict[str, str], status: str, shown: str) -> None:
    check = utf8_check(env)
    assert check.status == status
    assert check.detail.startswith(shown)


@pytest.mark.parametrize(
    ("env", "tmux_says", "status", "words"),
    [
        ({"TMUX": "/tmp/s,1,0"}, "on", "ok", "inside tmux with set-clipboard on"),
        ({"TMUX": "/tmp/s,1,0"}, "external", "warn", "set -g set-clipboard on"),
        ({"TMUX": "/tmp/s,1,0"}, "off", "warn", "set-clipboard off"),
        ({"TMUX": "/tmp/s,1,0"}, None, "unknown", "set-clipboard unreadable"),
        ({"TMUX": "/tmp/s,1,0", "SSH_TTY": "/dev/pts/1"}, "off", "warn", "set-clipboard off"),
        ({"STY": "1.pts-0.host"}, None, "unknown", "GNU screen"),
        ({"SSH_CONNECTION": "10.0.0.1 5 10.0.0.2 22"}, None, "ok", "over SSH"),
        ({"SSH_TTY": "/dev/pts/3"}, None, "ok", "over SSH"),
        ({}, None, "unknown", "cannot tell"),
    ],
)
def test_osc52_copy(env: dict[str, str], tmux_says: str | None, status: str, words: str) -> None:
    asked: list[bool] = []

    def clipboard() -> str | None:
        asked.append(True)
        return tmux_says

    check = copy_check(env, clipboard)
    assert (check.status, words in check.detail) == (status, True), check
    assert bool(asked) == ("TMUX" in env)  # tmux is asked only inside tmux


@pytest.fixture
def tmux_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real tmux server on a private socket, and the environment of a shell inside it."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (make system-deps installs it)")
    socket = tmp_path / "tmux.sock"
    tmux = ["tmux", "-S", str(socket)]
    subprocess.run([*tmux, "new-session", "-d", "-s", "doctor"], check=True, timeout=30)
    try:
        pid = subprocess.run(
            [*tmux, "display-message", "-p", "#{pid}"],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
        yield {"PATH": "/usr/bin:/bin", "TMUX": f"{socket},{pid},0"}
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, timeout=30)


@pytest.mark.parametrize(
    ("option", "status"), [("on", "ok"), ("off", "warn"), ("external", "warn")]
)
def test_osc52_copy_asks_the_real_tmux(
    tmux_server: dict[str, str], option: str, status: str
) -> None:
    socket = tmux_server["TMUX"].split(",")[0]
    subprocess.run(
        ["tmux", "-S", socket, "set-option", "-g", "set-clipboard", option], check=True, timeout=30
    )
    assert tmux_clipboard(tmux_server) == option
    assert copy_check(tmux_server, lambda: tmux_clipboard(tmux_server)).status == status


def test_outside_tmux_the_option_cannot_be_read(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "TMUX": f"{tmp_path / 'no-server'},1,0"}
    assert tmux_clipboard(env) is None


@pytest.mark.parametrize(
    ("permissions", "read_only", "status"),
    [
        (("read", "incident.write", "killswitch.pack"), False, "ok"),
        (("read", "incident.write"), False, "fail"),
        (("read", "killswitch.pack"), False, "fail"),
        (("read",), True, "ok"),
        ((), True, "fail"),
    ],
)
def test_role_needs(permissions: tuple[str, ...], read_only: bool, status: str) -> None:
    check = role_check(Identity("u", "custom", permissions), read_only)
    assert check.status == status


@pytest.mark.parametrize(
    ("statuses", "hub_answered", "code", "summary"),
    [
        (["ok", "ok", "unknown", "skipped"], True, ExitCode.OK, "ready"),
        (["ok", "warn", "warn"], True, ExitCode.OK, "ready (2 warnings: c1, c2)"),
        (["ok", "fail", "warn"], True, ExitCode.ERROR, "1 to fix: c1 (1 warning: c2)"),
        (["fail", "skipped", "fail"], False, ExitCode.UNREACHABLE, "2 to fix: c0, c2"),
    ],
)
def test_the_report_exit_code_and_summary(
    statuses: list[str], hub_answered: bool, code: ExitCode, summary: str
) -> None:
    checks = [Check(f"c{i}", status, "detail") for i, status in enumerate(statuses)]  # type: ignore[arg-type]
    outcome = report(checks, hub_answered=hub_answered)
    assert outcome.exit_code == code
    assert outcome.message.splitlines()[-1] == summary
    assert outcome.data["summary"] == summary
    assert [c["status"] for c in outcome.data["checks"]] == statuses
