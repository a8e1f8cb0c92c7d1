"""Bytes that are not UTF-8 on the console's standard input (a binary paste, 8-bit
Meta) are replaced, not fatal: a real terminal (tmux) sends them."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.tmux import screen, tmux, wait_for
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

WARROOM = Path(sys.executable).with_name("warroom")


@pytest.fixture
def session() -> Iterator[str]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing; `make test` installs it")
        pytest.skip("tmux is not installed (make test installs it)")
    name = f"warroom-e2e-{uuid.uuid4().hex[:8]}"
    yield name
    tmux("kill-session", "-t", name)


def test_invalid_utf8_on_stdin_does_not_end_the_console(session: str, tmp_path: Path) -> None:
    command = f"{WARROOM} demo --seed 1; echo WARROOM-EXITED:$?; sleep 60"
    started = tmux(
        "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
        "env", f"HOME={tmp_path}", "TERM=xterm-256color", "bash", "-c", command,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    wait_for(session, "LIVE")
    # 0xff never occurs in UTF-8; 0xe9 alone is Meta-i from an 8-bit terminal.
    tmux("send-keys", "-t", session, "-H", "ff", "e9", "c3")
    tmux("send-keys", "-t", session, "?")  # help: the console still answers keys
    wait_for(session, "Help · escape")
    shown = screen(session)
    assert "UnicodeDecodeError" not in shown and "WARROOM-EXITED" not in shown
    tmux("send-keys", "-t", session, "Escape")
    # Escape and q in one read would be Meta-q: wait for the help to close first.
    wait_until(lambda: "Help · escape" not in screen(session), 10.0)
    tmux("send-keys", "-t", session, "q")
    shown = wait_for(session, "WARROOM-EXITED:", timeout=15.0)
    assert "WARROOM-EXITED:0" in shown
