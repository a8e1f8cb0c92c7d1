"""SIGTERM and SIGHUP (an SSH session dropping) in a real pty: the console gives the
terminal back — it leaves the alternate screen, turns mouse tracking off, shows the
cursor — and exits with 128 + the signal's number, as a shell reports a signal."""

from __future__ import annotations

import os
import signal

import pytest

from tests.e2e.pty_run import PtyProgram
from tests.hubtools import RunningHub
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

RESTORED = [
    b"\x1b[?1049l",  # the main screen again
    b"\x1b[?1000l",  # mouse tracking off
    b"\x1b[?1003l",
    b"\x1b[?1006l",
    b"\x1b[?25h",  # the cursor shown
]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_signal_gives_the_terminal_back(hub: RunningHub, signum: signal.Signals) -> None:
    console = PtyProgram(["--hub", hub.url, "--token", hub.tokens["incident-commander"]])
    try:
        console.wait_for(b"LIVE")
        mark = len(console.output)
        os.kill(console.process.pid, signum)
        wait_until(lambda: console.process.poll() is not None, timeout=20, what="the exit")
        wait_until(lambda: b"\x1b[?25h" in console.output[mark:], timeout=5, what="the bytes")
        after = console.output[mark:]
        for sequence in RESTORED:
            assert sequence in after, sequence
        assert console.process.returncode == 128 + signum
    finally:
        console.stop()


def test_a_terminal_that_hangs_up_without_a_sighup_ends_the_console(hub: RunningHub) -> None:
    """The terminal gone while no SIGHUP reaches the console (a tmux pane or an SSH
    session closed with ``make demo`` between it and the console; here the console
    leads its own session, without a controlling terminal): each read of the terminal
    is empty at once, and Textual's input thread spun on them at 40-80 % of a core with
    the console running on unseen. It now ends as on SIGHUP."""
    console = PtyProgram(["--hub", hub.url, "--token", hub.tokens["incident-commander"]])
    try:
        console.wait_for(b"LIVE")
        os.close(console.master)  # the terminal's other end: gone
        console.master = os.open(os.devnull, os.O_RDONLY)  # for stop() to close
        wait_until(lambda: console.process.poll() is not None, timeout=20, what="the exit")
        assert console.process.returncode == 128 + signal.SIGHUP
    finally:
        console.stop()


def test_a_wall_whose_terminal_hangs_up_ends_too(hub: RunningHub) -> None:
    """The wall on a war-room display, its SSH session or tmux pane closed with no
    SIGHUP reaching it: it ends instead of spinning on empty reads."""
    wall = PtyProgram(["wall", "--hub", hub.url, "--token", hub.tokens["viewer"]])
    try:
        wall.wait_for(b"LIVE")
        os.close(wall.master)
        wall.master = os.open(os.devnull, os.O_RDONLY)  # for stop() to close
        wait_until(lambda: wall.process.poll() is not None, timeout=20, what="the exit")
        assert wall.process.returncode == 128 + signal.SIGHUP
    finally:
        wall.stop()
