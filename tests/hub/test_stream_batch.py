"""Batch messages on the stream: only for a client whose hello asks, the same events inside.

A client that says ``"batch": true`` in its hello gets every event queued for it at
once in one ``batch`` message; any other client gets one frame per event, as before.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection

from services.domain.timeutil import utcnow
from services.hub.state.events import Frames, MemoryEventLog, batched
from storage.hub_store import TinyHubStore
from tests.hub.helpers import Frame, events_only, fixture, recv, recv_until, stream
from tests.hub.test_stream import closed_code, latest_seq
from tests.hubtools import RunningHub


def webhook(alerts: int, tag: str = "a") -> dict[str, Any]:
    """One Alertmanager post of ``alerts`` new alerts: that many events in one loop step."""
    body = fixture("webhook-firing-billing.json")
    template = body["alerts"][0]
    body["alerts"] = []
    for n in range(alerts):
        alert = copy.deepcopy(template)
        alert["labels"]["agent"] = f"agent-{tag}-{n}"
        alert["fingerprint"] = f"{tag}{n:015x}"
        body["alerts"].append(alert)
    return body


async def hello(ws: ClientConnection, resume_from: int | None, batch: bool) -> None:
    message: dict[str, Any] = {"type": "hello", "resume_from": resume_from}
    if batch:
        message["batch"] = True
    await ws.send(json.dumps(message))


def unpacked(frames: list[Frame]) -> list[Frame]:
    """Each batch replaced by its events (after checking the batch's own fields)."""
    out: list[Frame] = []
    for frame in frames:
        if frame["type"] != "batch":
            out.append(frame)
            continue
        events = frame["data"]["events"]
        assert events and frame["v"] == 1 and frame["ts"].endswith("Z")
        assert frame["seq"] == events[-1]["seq"]
        assert set(frame["data"]) == {"events"}
        out.extend(events)
    return out


def ingest(hub: RunningHub, alerts: int, tag: str = "a") -> None:
    answer = hub.client("ingest").post("/api/ingest/alertmanager", json=webhook(alerts, tag))
    assert answer.status_code == 200, answer.text


async def test_batches_go_only_to_clients_that_asked_and_carry_the_same_events(
    hub: RunningHub,
) -> None:
    async with stream(hub) as batching, stream(hub) as single:
        await hello(batching, None, batch=True)
        await hello(single, None, batch=False)
        assert (await recv(batching))["type"] == "snapshot"
        assert (await recv(single))["type"] == "snapshot"
        first = latest_seq(hub) + 1
        ingest(hub, 8)
        last = latest_seq(hub)
        assert last - first + 1 >= 8
        got_batches = await recv_until(
            batching, lambda f: f["type"] == "batch" and f["seq"] >= last
        )
        got_single = await recv_until(
            single, lambda f: f["seq"] >= last and f["type"] != "heartbeat"
        )
    batches = [f for f in got_batches if f["type"] == "batch"]
    # One post's events are queued in one step: one message for them all.
    assert len(batches) == 1 and len(batches[0]["data"]["events"]) == last - first + 1
    assert all(f["type"] in ("batch", "heartbeat") for f in got_batches)
    # The old-style client: one frame per event, never a batch.
    assert not any(f["type"] == "batch" for f in got_single)
    events = events_only(unpacked(got_batches))
    assert [e["seq"] for e in events] == list(range(first, last + 1))
    assert events == events_only(got_single)  # exactly what single frames carry


async def test_a_resume_from_inside_a_former_batch_replays_the_rest(hub: RunningHub) -> None:
    async with stream(hub) as ws:
        await hello(ws, None, batch=True)
        await recv(ws)
        first = latest_seq(hub) + 1
        ingest(hub, 6)
        last = latest_seq(hub)
        frames = await recv_until(ws, lambda f: f["type"] == "batch" and f["seq"] >= last)
    former = [f for f in frames if f["type"] == "batch"][-1]["data"]["events"]
    assert [e["seq"] for e in former] == list(range(first, last + 1))
    middle = first + 2  # the client applied the batch's first three events, then dropped
    async with stream(hub) as ws:
        await hello(ws, middle, batch=True)
        replay = await recv(ws)
        assert replay["type"] == "batch"
        assert replay["data"]["events"] == former[3:]
        ingest(hub, 2, tag="b")
        after = latest_seq(hub)
        live = await recv_until(ws, lambda f: f["type"] == "batch")
    assert [e["seq"] for e in live[-1]["data"]["events"]] == list(range(last + 1, after + 1))
    assert hub.client().get("/health").json()["counters"]["stream_resumed"] == 1


async def test_a_slow_batching_consumer_is_closed_with_1013(hub_factory: Any) -> None:
    hub = hub_factory(stream_queue_size=2, heartbeat_interval_s=30)
    async with stream(hub) as ws:
        await hello(ws, None, batch=True)
        await recv(ws)
        # More events in one step than the queue may hold: batching does not raise the bound.
        ingest(hub, 5)
        assert await closed_code(ws) == 1013
    assert hub.client().get("/health").json()["counters"]["stream_slow_consumer"] == 1


def test_batched_caps_batches_and_keeps_heartbeats_apart(tmp_path: Path) -> None:
    log = MemoryEventLog(TinyHubStore(tmp_path, fsync=False), utcnow)
    sub = log.subscribe(1000)
    for n in range(7):
        log.append("x", {"n": n})
    log.broadcast({"v": 1, "seq": log.latest_seq, "ts": "t", "type": "heartbeat", "data": {}})
    for n in range(2):
        log.append("x", {"n": n})
    item = sub.queue.get_nowait()
    assert isinstance(item, Frames) and item.seqs == [1, 2, 3, 4, 5, 6, 7, -1, 8, 9]
    messages = [json.loads(m) for m in batched(item, "2026-11-30T12:00:00.000Z", max_events=3)]
    assert [m["type"] for m in messages] == ["batch"] * 3 + ["heartbeat", "batch"]
    assert [[e["seq"] for e in m["data"]["events"]] for m in messages if m["type"] == "batch"] == [
        [1, 2, 3],
        [4, 5, 6],
        [7],
        [8, 9],
    ]
    assert [m["seq"] for m in messages] == [3, 6, 7, 7, 9]
    assert [e for m in messages for e in m["data"].get("events", [])] == [
        json.loads(text) for text, seq in zip(item, item.seqs, strict=True) if seq >= 0
    ]
    # A bound in bytes too; an event larger than it goes alone.
    size = len(item[0])
    by_bytes = batched(item, "t", max_bytes=2 * size + 1)
    assert [len(json.loads(m)["data"].get("events", [])) for m in by_bytes] == [2, 2, 2, 1, 0, 2]
    big = Frames()
    for text, seq in zip(item[:2], item.seqs[:2], strict=True):
        big.add(text, seq)
    assert [len(json.loads(m)["data"]["events"]) for m in batched(big, "t", max_bytes=1)] == [1, 1]
