"""`warroom demo` in a real terminal: tmux runs it, we read the screen and quit with q."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.tmux import tmux, wait_for

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


@pytest.mark.parametrize(("width", "height"), [(120, 40), (80, 24)])
def test_demo_goes_live_and_quits_cleanly(
    session: str, width: int, height: int, tmp_path: Path
) -> None:
    # The shell prints a marker after warroom exits, so we can see the exit code and
    # that the terminal is back in its normal screen.
    command = f"{WARROOM} demo --seed 1; echo WARROOM-EXITED:$?; sleep 60"
    env_home = f"HOME={os.environ.get('HOME', '/root')}"
    started = tmux(
        "new-session",
        "-d",
        "-s",
        session,
        "-x",
        str(width),
        "-y",
        str(height),
        "env",
        env_home,
        f"XDG_STATE_HOME={tmp_path}",  # tmux's server may hold another test's environment
        "TERM=xterm-256color",
        "bash",
        "-c",
        command,
    )
    assert started.returncode == 0, started.stderr
    screen = wait_for(session, "LIVE")
    # The simulator's packs show within a few seconds of going live.
    screen = wait_for(session, "support")
    assert "marketing" in screen
    tmux("send-keys", "-t", session, "q")
    screen = wait_for(session, "WARROOM-EXITED:", timeout=15.0)
    assert "WARROOM-EXITED:0" in screen
    # The alternate screen is gone: the dashboard's header is no longer drawn.
    assert "LIVE" not in screen
