"""SVG snapshots of the wall with a frozen clock at 80x24, 120x40 and 200x60, live and
stale (the overlay covering the screen, the countdowns frozen underneath).

Regenerate after an intended change with ``pytest tests/console/test_wall_snapshots.py
--snapshot-update`` and look at the result before committing it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from services.console.state import StreamStatus
from tests.console.sample import FROZEN_NOW, envelope, heartbeat, incident, snapshot
from tests.console.wall_helpers import MovableClock, make_wall
from tui.wall.app import WallApp

SIZES = [(80, 24), (120, 40), (200, 60)]
IDS = ["80x24", "120x40", "200x60"]
# A third incident: a SEV3 with an escape and markup in its title, shown literally.
EXTRA = incident(
    "INC-5",
    severity="SEV3",
    category="integration_failure",
    title="[bold]Tool[/] errors \x1b[31mon\x1b[0m payments-sync",
    packs=["finance"],
    opened_at="2026-11-25T18:12:00.000Z",
)


def _feed(stale: bool) -> Any:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, WallApp)
        received = FROZEN_NOW - timedelta(seconds=48) if stale else FROZEN_NOW
        app.state.apply_dict(snapshot(seq=40), received)
        app.state.apply_dict(envelope(41, "incident.opened", {"incident": EXTRA}), received)
        app.state.apply_dict(heartbeat(41), received)
        state = "reconnecting" if stale else "live"
        app.set_connection(StreamStatus(state=state, attempt=3 if stale else 0))
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_wall_live(snap_compare: Any, size: tuple[int, int]) -> None:
    """Three incidents in severity colours, the big timers, support stopped, LIVE."""
    assert snap_compare(make_wall(MovableClock()), terminal_size=size, run_before=_feed(False))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_wall_stale(snap_compare: Any, size: tuple[int, int]) -> None:
    """The last frame 48 s ago: the STALE overlay covers everything, with the age."""
    assert snap_compare(make_wall(MovableClock()), terminal_size=size, run_before=_feed(True))
