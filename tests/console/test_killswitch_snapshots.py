"""SVG snapshots of the kill-switch screen with a frozen clock (80x24, 120x40 and 200x60).

Regenerate after an intended change with ``--snapshot-update`` and look at the result.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from services.console.identity import Identity
from services.console.settings import ConsoleSettings
from services.console.state import StreamStatus
from tests.console.sample import FROZEN_NOW, heartbeat, snapshot
from tui.app import WarroomApp


def make_app() -> WarroomApp:
    settings = ConsoleSettings(hub_url="http://hub.example:8080", token="t")
    return WarroomApp(settings, clock=lambda: FROZEN_NOW, connect=False)


async def setup(pilot: Pilot[None]) -> None:
    """The sample state, an incident commander, support stopped by this console 1.4 s ago."""
    app = pilot.app
    assert isinstance(app, WarroomApp)
    app.set_connection(StreamStatus(state="live"))
    app.apply_envelope(snapshot(seq=40))
    app.apply_envelope(heartbeat(40))
    app.session.identity = Identity(
        "dana", "incident-commander", ("killswitch.global", "killswitch.pack", "read")
    )
    tracker = app.killswitch.tracker
    pressed = FROZEN_NOW - timedelta(seconds=1.4)
    tracker.request("k1", "pack:support", False, "INC-3: PII exposure", "INC-3", pressed)
    tracker.delivered("k1", "done", {"changed": True}, None, pressed + timedelta(seconds=0.05))
    app.killswitch.observe(FROZEN_NOW)  # the snapshot's four support agents, all stopped
    await pilot.pause()
    await pilot.press("k")
    await pilot.pause()
    app.flush()
    await pilot.pause()


@pytest.mark.parametrize(
    "size", [(80, 24), (120, 40), (200, 60)], ids=["80x24", "120x40", "200x60"]
)
def test_killswitch_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    """Global on, seven packs, support STOPPED and CONFIRMED, its row preselected."""
    assert snap_compare(make_app(), terminal_size=size, run_before=setup)
