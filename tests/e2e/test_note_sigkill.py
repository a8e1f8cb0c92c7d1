"""A note typed with the hub down, the console killed (SIGKILL) right after Enter,
then the hub and the console restarted: the hub has the note exactly once.

The real ``warroom`` runs in tmux against a hub started here; ``WARROOM_DATA``
points both runs of the console at one data folder (its journal). A SIGKILL keeps the
kernel's page cache, so this proves the journal is written (atomically) before the note
shows as pending, not that it is fsynced: tests/unit/test_storage.py proves that.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.incident_helpers import hub_notes, open_incident_on_hub
from tests.e2e.tmux import screen, tmux, wait_for
from tests.hubtools import RunningHub, start_hub
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

WARROOM = Path(sys.executable).with_name("warroom")
NOTE = "support pack stopped after the leak"


def _start(session: str, hub: RunningHub, data: Path) -> None:
    command = f"{WARROOM} --hub {hub.url} --token {hub.tokens['on-call']}; sleep 30"
    started = tmux(
        "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
        "env", f"HOME={os.environ.get('HOME', '/root')}", "TERM=xterm-256color",
        f"WARROOM_DATA={data}", "bash", "-c", command,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr


def _journal(data: Path) -> list[str] | None:
    """The states of the console's journalled actions, once none is pending (``None``
    before). The file is replaced atomically, so reading it from here is safe."""
    journals = list(data.glob("journals/*/console.json"))  # one per hub and token
    if not journals:
        return None
    rows = json.loads(journals[0].read_text(encoding="utf-8"))["outbox"].values()
    states = [row["state"] for row in rows]
    return None if "pending" in states else states


def _warroom_pid(session: str) -> int:
    """The console's pid: the child of the pane's shell."""
    shell = tmux("list-panes", "-t", session, "-F", "#{pane_pid}").stdout.split()[0]
    children = subprocess.run(
        ["pgrep", "-P", shell], capture_output=True, text=True, check=False
    ).stdout.split()
    assert len(children) == 1, children
    return int(children[0])


@pytest.fixture
def sessions() -> Iterator[list[str]]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (make test installs it)")
    names = [f"warroom-note-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    yield names
    for name in names:
        tmux("kill-session", "-t", name)


def test_note_survives_sigkill_and_lands_once(sessions: list[str], tmp_path: Path) -> None:
    hub = start_hub(tmp_path / "hub")
    try:
        iid = open_incident_on_hub(hub)
        data = tmp_path / "console"
        first, second = sessions
        _start(first, hub, data)
        wait_for(first, "on-call-user@")  # identity known: the note key is there
        wait_for(first, iid)
        hub.stop()
        # RECONNECTING shows until STALE takes its place 1.5 s after the last frame.
        wait_until(
            lambda: any(word in screen(first) for word in ("RECONNECTING", "STALE")),
            30.0,
            "the hub seen gone",
        )
        tmux("send-keys", "-t", first, "i", "Enter")
        wait_for(first, "Timeline")
        tmux("send-keys", "-t", first, "n")
        wait_for(first, "Enter saves")
        tmux("send-keys", "-t", first, "-l", NOTE)
        tmux("send-keys", "-t", first, "Enter")
        wait_for(first, "pending")  # journalled before it shows
        os.kill(_warroom_pid(first), signal.SIGKILL)

        hub.restart()
        _start(second, hub, data)
        wait_until(lambda: hub_notes(hub, iid) == [NOTE], 10.0, "the note on the hub")
        wait_for(second, "LIVE")
        # Once the journal holds the note as answered, nothing will send it again: a
        # duplicate would have to be a second journal entry, or a send still pending.
        assert wait_until(lambda: _journal(data), 10.0, "the note answered") == ["done"]
        assert hub_notes(hub, iid) == [NOTE]
    finally:
        hub.stop()
