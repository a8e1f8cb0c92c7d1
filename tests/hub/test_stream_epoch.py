"""The stream's epoch: a client whose state came from another epoch re-syncs, loudly,
even when its seq happens to be the restarted hub's latest (a block boundary)."""

from __future__ import annotations

import json
from typing import Any

from services.console.stream_client import StreamClient
from tests.console.sample import snapshot
from tests.hub.helpers import recv, recv_until, stream
from tests.hubtools import RunningHub


async def test_a_resume_across_a_restart_gets_a_snapshot_even_at_the_same_seq(
    hub: RunningHub,
) -> None:
    async with stream(hub) as ws:
        await ws.send(json.dumps({"type": "hello", "resume_from": None}))
        first = await recv(ws)
        beat = await recv_until(ws, lambda f: f["type"] == "heartbeat")
    epoch = first["data"]["epoch"]
    assert beat[-1]["data"]["epoch"] == epoch
    hub.restart()
    latest = hub.client("viewer").get("/api/state").json()["seq"]
    # The client claims the restarted hub's own latest seq: a replay would be empty
    # and the client would stay LIVE on state the hub no longer has.
    async with stream(hub) as ws:
        await ws.send(json.dumps({"type": "hello", "resume_from": latest, "epoch": epoch}))
        opening = await recv(ws)
    assert opening["type"] == "snapshot"
    assert opening["data"]["reason"] == "epoch_changed"
    assert opening["data"]["epoch"] != epoch


def _heartbeat(seq: int, epoch: str) -> str:
    data = {"hub_time": "2026-11-25T18:00:00.000Z", "interval_s": 2.0, "epoch": epoch}
    return json.dumps(
        {"v": 1, "seq": seq, "ts": data["hub_time"], "type": "heartbeat", "data": data}
    )


def test_a_heartbeat_from_another_epoch_makes_the_console_resync() -> None:
    seen: list[Any] = []
    client = StreamClient("ws://unused", "t", on_envelope=seen.append, on_status=lambda _: None)
    first = snapshot(seq=5)
    first["data"]["epoch"] = "aaaa"
    assert client.feed(json.dumps(first)) == "snapshot"
    assert client.epoch == "aaaa"
    assert client.feed(_heartbeat(5, "aaaa")) == "heartbeat"
    assert client.feed(_heartbeat(5, "bbbb")) == "gap"
    # The next hello asks for a snapshot, not a replay.
    assert client._gap_streak >= 2
