"""The stream client's sequencing, backoff and reconnect decisions.

The pure parts (``classify``, ``backoff_delay``, ``decode_frame``, ``feed``) are
tested directly. The reconnect decisions are driven by a tiny scripted
websocket server whose every connection plays a script, so each case (clean
close, gap, a resume that does not fill the gap, a refused token) is exact and
fast. Against the real hub, see ``test_stream_resume.py``.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from services.console.state import ConsoleState, StreamStatus
from services.console.stream_client import StreamClient, backoff_delay, classify
from services.domain.models import Envelope
from services.domain.protocol import FrameError, decode_frame
from tests.console.sample import FROZEN_NOW, agent, envelope, heartbeat, incident, snapshot


@pytest.mark.parametrize(
    ("last", "kind", "seq", "decision"),
    [
        (None, "agent.status", 7, "apply"),
        (10, "alert.fired", 11, "apply"),
        (10, "alert.fired", 10, "duplicate"),
        (10, "alert.fired", 3, "duplicate"),
        (10, "alert.fired", 12, "gap"),
        (10, "heartbeat", 10, "heartbeat"),
        (10, "heartbeat", 9, "heartbeat"),
        (10, "heartbeat", 11, "gap"),
        (None, "heartbeat", 11, "heartbeat"),
        (10, "snapshot", 3, "snapshot"),
        (10, "snapshot", 50, "snapshot"),
        (10, "something.new", 11, "apply"),
    ],
)
def test_classify(last: int | None, kind: str, seq: int, decision: str) -> None:
    assert classify(last, kind, seq) == decision


def test_backoff_is_full_jitter_and_capped() -> None:
    rng = random.Random(7)
    for attempt in range(12):
        ceiling = min(10.0, 0.25 * 2**attempt)
        delays = [backoff_delay(attempt, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        # Jitter: spread over the range, not a constant.
        assert max(delays) - min(delays) > ceiling / 2
    assert backoff_delay(10_000, rng) <= 10.0
    same = [backoff_delay(3, random.Random(1)) for _ in range(2)]
    assert same[0] == same[1]


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        b"\xff\xfe",
        "[1, 2]",
        json.dumps({"v": 1, "seq": "7", "ts": "t", "type": "x", "data": {}}),
        json.dumps({"v": 2, "seq": 7, "ts": "t", "type": "x", "data": {}}),
        json.dumps({"v": 1, "ts": "t", "type": "x"}),
        json.dumps({"v": 1, "seq": 7, "ts": "t", "type": "x", "data": [1]}),
        json.dumps({"v": 1, "seq": 7, "ts": "t", "type": "agent.status", "data": {}}),
        json.dumps({"v": 1, "seq": 7, "ts": "t", "type": "heartbeat", "data": {"hub_time": 1}}),
    ],
)
def test_decode_frame_refuses_bad_frames(raw: str | bytes) -> None:
    with pytest.raises(FrameError):
        decode_frame(raw)


def status(seq: int) -> dict[str, Any]:
    """A valid ``agent.status`` envelope."""
    return envelope(seq, "agent.status", {"agent": agent("support-bot", "support")})


class Recorder:
    """Collects what a client delivers."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.statuses: list[StreamStatus] = []
        self.delays: list[float] = []

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0.001)  # not 0: a reconnect loop must not starve the test

    def client(self, url: str, **kwargs: Any) -> StreamClient:
        return StreamClient(
            url,
            "token",
            on_envelope=self.envelopes.append,
            on_status=self.statuses.append,
            rng=random.Random(3),
            sleep=self.sleep,
            **kwargs,
        )

    @property
    def seqs(self) -> list[int]:
        return [e.seq for e in self.envelopes if e.type not in ("heartbeat",)]


def frame(data: dict[str, Any]) -> str:
    return json.dumps(data)


def test_feed_counts_duplicates_bad_frames_and_gaps() -> None:
    rec = Recorder()
    client = rec.client("ws://unused")
    assert client.feed(frame(snapshot(seq=5))) == "snapshot"
    assert rec.statuses[-1].state == "live"
    assert client.feed(frame(status(6))) == "apply"
    assert client.feed(frame(status(6))) == "duplicate"
    assert client.feed("{{{") is None
    assert client.feed(frame(heartbeat(6))) == "heartbeat"
    assert client.feed(frame(status(9))) == "gap"
    counters = client.status.counters
    assert (counters.frames, counters.duplicates, counters.bad_frames, counters.gaps) == (
        6,
        1,
        1,
        1,
    )
    assert "bad frame" in (rec.statuses[-2].last_error or "")
    assert rec.seqs == [5, 6] and client.last_seq == 6


Script = Callable[[ServerConnection, dict[str, Any]], Awaitable[None]]


@asynccontextmanager
async def scripted_server(scripts: list[Script]) -> AsyncIterator[tuple[str, list[Any]]]:
    """A websocket server whose n-th connection runs ``scripts[n]`` (the last repeats)."""
    hellos: list[Any] = []

    async def handler(ws: ServerConnection) -> None:
        hello = json.loads(await ws.recv())
        hellos.append(hello.get("resume_from"))
        script = scripts[min(len(hellos) - 1, len(scripts) - 1)]
        await script(ws, hello)

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/api/stream", hellos


async def run_until(client: StreamClient, done: Callable[[], bool]) -> None:
    task = asyncio.create_task(client.run())
    deadline = asyncio.get_running_loop().time() + 15  # roomy: the machine may be busy
    try:
        while asyncio.get_running_loop().time() < deadline:
            if done():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("condition not reached")
    finally:
        client.stop()
        task.cancel()
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 15)


def send_all(*frames: dict[str, Any], close: bool = True, hold: bool = False) -> Script:
    async def script(ws: ServerConnection, hello: dict[str, Any]) -> None:
        for item in frames:
            await ws.send(frame(item))
        if hold:
            await ws.wait_closed()
        if close:
            await ws.close()

    return script


async def test_reconnects_after_a_clean_close_and_resumes() -> None:
    rec = Recorder()
    scripts = [
        send_all(snapshot(seq=10), status(11)),
        send_all(status(12), heartbeat(12), hold=True),
    ]
    async with scripted_server(scripts) as (url, hellos):
        client = rec.client(url)
        await run_until(client, lambda: rec.seqs[-1:] == [12])
        assert hellos == [None, 11]
    assert rec.seqs == [10, 11, 12]
    assert client.status.counters.reconnects == 1
    assert client.status.counters.resyncs == 0  # a clean resume is not a re-sync
    states = [s.state for s in rec.statuses]
    assert states[:3] == ["connecting", "live", "reconnecting"] and states[-1] == "live"
    assert rec.delays and 0.0 <= rec.delays[0] <= 0.25


async def test_a_gap_resumes_from_the_last_applied_seq_and_reports_resynced() -> None:
    rec = Recorder()
    scripts = [
        # 13 is missing: the client must not apply 14, and must resume from 12.
        send_all(snapshot(seq=10), envelope(11, "x", {}), envelope(12, "x", {}),
                 envelope(14, "x", {}), hold=True),
        send_all(envelope(13, "x", {}), envelope(14, "x", {}), heartbeat(14), hold=True),
    ]  # fmt: skip
    async with scripted_server(scripts) as (url, hellos):
        client = rec.client(url)
        await run_until(client, lambda: rec.seqs[-1:] == [14])
        assert hellos == [None, 12]
    assert rec.seqs == [10, 11, 12, 13, 14]
    counters = client.status.counters
    assert (counters.gaps, counters.resyncs) == (1, 1)
    assert rec.delays == [0.0]  # a gap is repaired at once


async def test_a_resume_that_does_not_fill_the_gap_escalates_to_a_snapshot() -> None:
    rec = Recorder()
    scripts = [
        send_all(snapshot(seq=10), heartbeat(15), hold=True),  # hub says 15, we hold 10
        send_all(heartbeat(15), hold=True),  # the resume replays nothing: still a gap
        send_all(snapshot(seq=15), heartbeat(15), hold=True),
    ]
    async with scripted_server(scripts) as (url, hellos):
        client = rec.client(url)
        await run_until(client, lambda: client.last_seq == 15)
        assert hellos == [None, 10, None]
    assert client.status.counters.gaps == 2 and client.status.counters.resyncs == 1
    assert [e.type for e in rec.envelopes if e.type == "snapshot"] == ["snapshot"] * 2


async def test_a_refused_token_is_reported_and_retried_at_the_slowest_pace() -> None:
    rec = Recorder()

    async def refuse(ws: ServerConnection, hello: dict[str, Any]) -> None:
        await ws.close(4401, "unknown token")

    async with scripted_server([refuse]) as (url, _):
        client = rec.client(url, max_delay=0.05)
        await run_until(client, lambda: len(rec.delays) >= 2)
    refused = [s for s in rec.statuses if s.state == "unauthorized"]
    assert refused and refused[0].close_code == 4401
    assert "unauthenticated" in (refused[0].last_error or "")
    assert "unknown token" in (refused[0].last_error or "")
    assert rec.delays[:2] == [0.05, 0.05]
    assert all(s.state != "live" for s in rec.statuses)


async def test_bad_frames_are_dropped_and_the_stream_goes_on() -> None:
    rec = Recorder()

    async def noisy(ws: ServerConnection, hello: dict[str, Any]) -> None:
        await ws.send(frame(snapshot(seq=1)))
        await ws.send("<html>")
        await ws.send(json.dumps({"v": 1, "seq": 2}))
        await ws.send(frame(envelope(2, "x", {})))
        await ws.wait_closed()

    async with scripted_server([noisy]) as (url, _):
        client = rec.client(url)
        await run_until(client, lambda: rec.seqs[-1:] == [2])
    assert client.status.counters.bad_frames == 2
    assert client.status.state == "live"


async def test_an_unreachable_hub_backs_off_with_growing_ceilings() -> None:
    rec = Recorder()
    client = rec.client("ws://127.0.0.1:9/api/stream", open_timeout=1.0)
    await run_until(client, lambda: len(rec.delays) >= 6)
    for attempt, delay in enumerate(rec.delays):
        assert 0.0 <= delay <= min(10.0, 0.25 * 2**attempt)
    reconnecting = [s for s in rec.statuses if s.state == "reconnecting"]
    assert [s.attempt for s in reconnecting[:3]] == [1, 2, 3]
    assert "cannot reach the hub" in (reconnecting[0].last_error or "")


def test_an_incident_with_malformed_packs_never_reaches_the_state() -> None:
    """packs [1, 2] once crashed the console at its next redraw: now the frame is refused."""
    rec = Recorder()
    state = ConsoleState()

    def deliver(envelope: Envelope) -> None:
        rec.envelopes.append(envelope)
        state.apply(envelope, FROZEN_NOW)

    client = StreamClient(
        "ws://unused", "token", on_envelope=deliver, on_status=rec.statuses.append
    )
    bad = incident("INC-9", packs=[1, 2])
    spoilt = snapshot(seq=5)
    spoilt["data"]["incidents"].append(bad)
    assert client.feed(frame(spoilt)) is None
    assert client.feed(frame(snapshot(seq=5))) == "snapshot"
    assert client.feed(frame(envelope(6, "incident.opened", {"incident": bad}))) is None
    good = incident("INC-9", packs=["support"])
    assert client.feed(frame(envelope(6, "incident.opened", {"incident": good}))) == "apply"
    assert client.status.counters.bad_frames == 2
    assert "incident.opened: data.incident.packs[0]: Expected `str`, got `int`" in (
        rec.statuses[-1].last_error or ""
    )
    assert "INC-9" in state.incidents and state.incidents["INC-9"].packs == ["support"]
    assert all(isinstance(p, str) for i in state.incidents.values() for p in i.packs)
    assert [e.type for e in rec.envelopes] == ["snapshot", "incident.opened"]
