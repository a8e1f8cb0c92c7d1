"""LIVE / RECONNECTING / STALE on every screen, not only the dashboard.

A screen pushed over the dashboard hides its connection bar, so each one carries
its own (:class:`widgets.connection_bar.ConnectionBar`) and, while the data is
STALE, the class ``-stale`` (dims its countdowns, tui/app.tcss) and a line that
says the countdowns are frozen and how old the data is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from services.console.state import ConsoleState
from services.domain.timeutil import format_duration
from widgets.connection_bar import ConnectionBar

__all__ = ["FROZEN_ID", "frozen_line", "show_live_state"]

FROZEN_ID = "frozen-note"


def frozen_line(state: ConsoleState, now: datetime) -> Text:
    """``countdowns frozen at 18:20:00 UTC — data 48 s old`` (empty while live)."""
    if not state.is_stale(now):
        return Text("", end="")
    age = format_duration(state.data_age(now) or 0.0, "short")
    at = state.data_now(now)
    return Text(f"STALE: countdowns frozen at {at:%H:%M:%S} UTC — data {age} old", end="")


def show_live_state(screen: Screen[Any], state: ConsoleState, now: datetime) -> None:
    """Update ``screen``'s connection bar, its ``-stale`` class and its frozen note."""
    stale = state.is_stale(now)
    screen.set_class(stale, "-stale")
    for bar in screen.query(ConnectionBar):
        clock = f"{state.hub_now(now):%H:%M:%S} UTC" if state.last_frame_at else "--:--:-- UTC"
        bar.show(state.connection_view(now), clock, state.anomalies())
    for note in screen.query(f"#{FROZEN_ID}").results(Static):
        note.update(frozen_line(state, now))
        note.display = stale
