"""Driving a real terminal: tmux runs the program, we type and read the screen."""

from __future__ import annotations

import subprocess
import time


def tmux(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a tmux command; never raises (callers check what they need)."""
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False)


def screen(session: str) -> str:
    """What the session's pane shows now, as text."""
    return tmux("capture-pane", "-p", "-t", session).stdout


def wait_for(session: str, needle: str, timeout: float = 30.0) -> str:
    """The screen once ``needle`` shows on it; fails with the screen after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(session)
        if needle in shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} did not appear within {timeout} s; the screen was:\n{shown}")
