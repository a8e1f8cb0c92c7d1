"""The stream client asks for batch messages and checks a batch's events one by one.

A batch is decoded in one go; each event inside goes the way a single frame goes:
its seq checked (a duplicate ignored, a gap ends the batch and resumes), a bad one
counted and dropped while the others apply.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.server import ServerConnection

from services.console.stream_client import offers_compression
from services.domain.protocol import FrameError, decode_message
from tests.console.sample import envelope, heartbeat, snapshot
from tests.console.test_stream_client import Recorder, frame, run_until, scripted_server, status
from tests.hub.test_stream_batch import ingest
from tests.hubtools import RunningHub


def batch(*events: dict[str, Any]) -> str:
    """A batch message as the hub sends it: the last event's seq, the events inside."""
    seq = events[-1]["seq"] if events else 0
    return json.dumps(
        {"v": 1, "seq": seq, "ts": "2026-11-30T12:00:00.000Z", "type": "batch",
         "data": {"events": list(events)}}
    )  # fmt: skip


def test_a_batch_is_decoded_in_one_go_into_its_events() -> None:
    items = decode_message(batch(status(6), {"v": 1, "seq": 7}, status(8)))
    assert [type(item).__name__ for item in items] == ["Envelope", "FrameError", "Envelope"]
    assert [getattr(item, "seq", None) for item in items] == [6, None, 8]
    assert [e.seq for e in decode_message(frame(status(6)))] == [6]  # a single frame still
    for raw in ("{", json.dumps({"v": 1, "seq": 2, "ts": "t", "type": "batch", "data": {}})):
        try:
            decode_message(raw)
        except FrameError:
            continue
        raise AssertionError(f"accepted {raw!r}")


def test_a_batch_applies_every_good_event_and_counts_a_bad_one() -> None:
    rec = Recorder()
    client = rec.client("ws://unused")
    assert client.feed(frame(snapshot(seq=5))) == "snapshot"
    bad = envelope(7, "agent.status", {"agent": {"id": 3}})
    assert client.feed(batch(status(6), bad, status(7), status(8))) == "apply"
    assert rec.seqs == [5, 6, 7, 8] and client.last_seq == 8
    counters = client.status.counters
    assert (counters.frames, counters.bad_frames, counters.gaps) == (5, 1, 0)
    assert "bad frame: in a batch: agent.status" in (client.status.last_error or "")


def test_duplicates_and_gaps_inside_and_between_batches() -> None:
    rec = Recorder()
    client = rec.client("ws://unused")
    client.feed(frame(snapshot(seq=5)))
    assert client.feed(batch(status(5), status(6), status(7))) == "apply"  # 5: a duplicate
    assert client.status.counters.duplicates == 1
    # A gap inside a batch: what precedes it applies, the rest is left to the resume.
    assert client.feed(batch(status(8), status(10), status(11))) == "gap"
    assert rec.seqs == [5, 6, 7, 8] and client.last_seq == 8
    # A gap between batches: the next batch starts above the next seq.
    assert client.feed(batch(status(9))) == "apply"
    assert client.feed(batch(status(11), status(12))) == "gap"
    assert rec.seqs == [5, 6, 7, 8, 9] and client.status.counters.gaps == 2
    assert client.feed(frame(heartbeat(9))) == "heartbeat"  # single frames still go


async def test_the_hello_asks_for_batches_and_a_gap_in_a_batch_resumes() -> None:
    rec = Recorder()
    hellos: list[dict[str, Any]] = []

    async def first(ws: ServerConnection, hello: dict[str, Any]) -> None:
        hellos.append(hello)
        await ws.send(frame(snapshot(seq=10)))
        await ws.send(batch(status(11), status(12), status(14)))
        await ws.wait_closed()

    async def second(ws: ServerConnection, hello: dict[str, Any]) -> None:
        hellos.append(hello)
        await ws.send(batch(status(13), status(14)))
        await ws.wait_closed()

    async with scripted_server([first, second]) as (url, _):
        client = rec.client(url)
        await run_until(client, lambda: rec.seqs[-1:] == [14])
    assert [h["batch"] for h in hellos] == [True, True]
    assert [h["resume_from"] for h in hellos] == [None, 12]
    assert rec.seqs == [10, 11, 12, 13, 14]


async def test_against_the_hub_events_arrive_in_batches_and_all_apply(hub: RunningHub) -> None:
    rec = Recorder()
    client = rec.client(hub.ws_url, base_delay=0.01)
    client.token = hub.tokens["viewer"]
    messages: list[int] = []
    extensions: list[str | None] = []
    feed = client.feed

    def counting(raw: str | bytes) -> Any:
        messages.append(len(decode_message(raw)))
        if client._ws is not None and client._ws.response is not None:
            extensions.append(client._ws.response.headers.get("Sec-WebSocket-Extensions"))
        return feed(raw)

    client.feed = counting  # type: ignore[method-assign]
    task = asyncio.create_task(client.run())
    try:
        while client.last_seq is None:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        start = client.last_seq
        await asyncio.get_running_loop().run_in_executor(None, ingest, hub, 8)
        latest = hub.client().get("/health").json()["seq"]
        while (client.last_seq or 0) < latest:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    finally:
        client.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert rec.seqs == [start, *range(start + 1, latest + 1)]
    assert max(messages) >= 8  # one message carried the post's events
    assert client.status.counters.bad_frames == 0 and client.status.counters.gaps == 0
    # Beside its hub (loopback), the console does not ask the hub to compress for it.
    assert extensions and set(extensions) == {None}


def test_compression_is_offered_only_to_a_hub_not_on_loopback() -> None:
    for url in ("ws://127.0.0.1:8080/api/stream", "ws://[::1]:1/x", "ws://LOCALHOST:9/x"):
        assert not offers_compression(url), url
    for url in ("wss://hub.example.org/api/stream", "ws://10.0.0.5:8080/api/stream"):
        assert offers_compression(url), url
