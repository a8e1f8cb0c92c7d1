"""SVG snapshots of the dashboard with a frozen clock, fed a fixed sequence of envelopes.

Regenerate after an intended change with ``pytest tests/console/test_snapshots.py
--snapshot-update`` and look at the result before committing it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from services.console.settings import ConsoleSettings
from services.console.state import StreamCounters, StreamStatus
from tests.console.sample import FROZEN_NOW, envelope, heartbeat, snapshot
from tui.app import WarroomApp


def make_app() -> WarroomApp:
    settings = ConsoleSettings(hub_url="http://hub.example:8080", token="t")
    return WarroomApp(settings, clock=lambda: FROZEN_NOW, connect=False)


def feed(*envelopes: dict[str, Any]) -> Any:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, WarroomApp)
        app.set_connection(StreamStatus(state="live"))
        for item in envelopes:
            assert app.apply_envelope(item)
        await pilot.pause()

    return run_before


STEADY = (snapshot(seq=40), heartbeat(40))


@pytest.mark.parametrize(
    "size", [(80, 24), (120, 40), (200, 60)], ids=["80x24", "120x40", "200x60"]
)
def test_dashboard(snap_compare: Any, size: tuple[int, int]) -> None:
    """Two incidents (SEV1, SEV2), four alerts (one resolved, one with markup and
    escapes in its title shown literally), seven packs with support stopped."""
    assert snap_compare(make_app(), terminal_size=size, run_before=feed(*STEADY))


def test_dashboard_global_switch_engaged(snap_compare: Any) -> None:
    """The banner at 80x24: the global switch engaged by dana, packs held."""
    engaged = snapshot(seq=40, global_enabled=False)
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=feed(engaged))


def test_dashboard_stale_with_counters(snap_compare: Any) -> None:
    """The last frame 48 s ago while reconnecting: STALE wins, with the counters."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, WarroomApp)
        last_frame = FROZEN_NOW - timedelta(seconds=48)
        app.state.apply_dict(snapshot(seq=40), last_frame)
        app.state.apply_dict(envelope(41, "gossip", {}), last_frame)
        counters = StreamCounters(frames=90, duplicates=2, gaps=1, resyncs=1, reconnects=3)
        status = StreamStatus(
            state="reconnecting", attempt=3, last_error="cannot reach the hub", counters=counters
        )
        app.set_connection(status)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_help_screen(snap_compare: Any) -> None:
    """`?` lists the keys and what the dashboard's words mean."""
    assert snap_compare(
        make_app(), terminal_size=(80, 24), run_before=feed(*STEADY), press=["question_mark"]
    )
