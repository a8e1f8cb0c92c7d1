"""Helpers for the hub's tests: payloads from the fixtures folder and stream reading."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from services.hub.http.context import HubContext
from tests.fixtures import alertmanager_webhook, alertmanager_webhooks, load_json
from tests.hubtools import RunningHub
from tests.waiting import wait_until

Frame = dict[str, Any]


# The captured Alertmanager payloads live in tests/fixtures/ (see its README).
fixture = alertmanager_webhook
fixture_any = load_json
fixture_lines = alertmanager_webhooks


def audit(hub: RunningHub) -> list[dict[str, Any]]:
    """The hub's stored audit records (read through its store's file)."""
    return stored(hub, "audit")


def stored(hub: RunningHub, table: str) -> list[dict[str, Any]]:
    """The rows of one table of the hub's file: what survives a crash, read safely from
    the test's thread (the file is replaced atomically)."""
    path = hub.data_dir / "hub.json"
    if not path.exists():
        return []
    raw = json.loads(path.read_text(encoding="utf-8"))
    return list(raw.get(table, {}).values())


def stream(hub: RunningHub, role: str = "viewer") -> Any:
    """``async with stream(hub) as ws``: a websocket on the hub's stream."""
    return connect(hub.ws_url, additional_headers=hub.headers(role), open_timeout=15)


async def hello(ws: ClientConnection, resume_from: int | None) -> None:
    await ws.send(json.dumps({"type": "hello", "resume_from": resume_from}))


async def recv(ws: ClientConnection, within: float = 15.0) -> Frame:
    """The next frame, as JSON, within ``within`` seconds."""
    text = await asyncio.wait_for(ws.recv(), within)
    frame: Frame = json.loads(text)
    return frame


async def recv_until(
    ws: ClientConnection, match: Callable[[Frame], bool], within: float = 15.0
) -> list[Frame]:
    """Frames up to and including the first that ``match``es (heartbeats included)."""
    deadline = time.monotonic() + within
    frames: list[Frame] = []
    while True:
        frame = await recv(ws, max(0.01, deadline - time.monotonic()))
        frames.append(frame)
        if match(frame):
            return frames


def events_only(frames: list[Frame]) -> list[Frame]:
    """Drop heartbeats and snapshots."""
    return [f for f in frames if f["type"] not in ("heartbeat", "snapshot")]


def wait_for(check: Callable[[], bool], timeout: float = 15.0, interval: float = 0.02) -> None:
    """Poll ``check`` until true, or fail after ``timeout`` seconds."""
    wait_until(check, timeout, interval=interval)


class FakeClock:
    """A hub clock the test moves by hand (read on the hub's thread, moved on the test's)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 25, 18, 0, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)


def hub_context(hub: RunningHub) -> HubContext:
    """The running hub's context (state, store, counters), for white-box checks."""
    ctx: HubContext = hub.server.app.state.ctx
    return ctx


def kinds(timeline: list[dict[str, Any]], *skip: str) -> list[str]:
    """The ``kind`` of each timeline entry, leaving out ``skip``."""
    return [e["kind"] for e in timeline if e["kind"] not in skip]


def timeline_of(hub: RunningHub, incident_id: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = (
        hub.client("viewer").get(f"/api/incidents/{incident_id}").json()["timeline"]
    )
    return entries


def wait_tick(hub: RunningHub, clock: FakeClock, timeout: float = 15.0) -> None:
    """Wait until the hub has run a whole tick at (or after) the clock's current time."""
    now = clock()

    def ticked() -> bool:
        last = hub_context(hub).state.last_tick
        return last is not None and last >= now

    wait_for(ticked, timeout)
