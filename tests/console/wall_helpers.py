"""Helpers for the wall's tests: a wall on a frozen, movable clock, fed sample envelopes."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.console.settings import ConsoleSettings
from tests.console.sample import FROZEN_NOW
from tui.wall.app import WallApp


class MovableClock:
    """A clock tests move by hand; also the wall's monotonic clock for page turns."""

    def __init__(self, start: datetime = FROZEN_NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_wall(clock: MovableClock | None = None, **settings: object) -> WallApp:
    """A wall that leaves the hub alone, on ``clock`` (frozen at the sample's time)."""
    clock = clock or MovableClock()
    base = ConsoleSettings(hub_url="http://hub.example:8080", token="t")
    config = ConsoleSettings(**{**base.__dict__, **settings})  # type: ignore[arg-type]
    return WallApp(config, clock=clock, connect=False, monotonic=clock)
