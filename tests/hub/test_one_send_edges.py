"""A connection's writes gathered into one send (:class:`OneSend`), against the real hub.

Large answers arrive whole, pipelined requests are answered in order, a websocket's
frames written in one step of the loop arrive whole and in order, and a client that
goes away while a write waits for the end of the step costs no error in the log.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.hub.helpers import fixture, hub_context
from tests.hub.rawws import RawStream
from tests.hubtools import RunningHub


class _LoopCatcher:
    """A hub background task that hands over the hub's event loop."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ready = threading.Event()

    async def __call__(self, url: str) -> None:
        self.loop = asyncio.get_running_loop()
        self.ready.set()
        await asyncio.Event().wait()

    def run(self, step: Callable[[], None]) -> None:
        """Run ``step`` on the hub's loop, as one callback (one step of the loop)."""
        assert self.ready.wait(10) and self.loop is not None
        self.loop.call_soon_threadsafe(step)


@pytest.fixture
def looped(hub_factory: Any) -> Iterator[tuple[RunningHub, _LoopCatcher]]:
    catcher = _LoopCatcher()
    hub = hub_factory(background=catcher, heartbeat_interval_s=30)
    yield hub, catcher


class _Errors(logging.Handler):
    """Warnings and errors logged anywhere (the hub's thread included)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The hub's own warnings (an escalation paged) are not about connections.
        if record.levelno >= logging.ERROR or not record.name.startswith("warroom"):
            self.records.append(record)

    def lines(self) -> list[str]:
        return [
            f"{r.name}: {r.getMessage()} {r.exc_info[1] if r.exc_info else ''}"
            for r in self.records
        ]


@pytest.fixture
def errors() -> Iterator[_Errors]:
    handler = _Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def _webhook(batch: int, alerts: int = 50, text: int = 2000) -> dict[str, Any]:
    body = fixture("webhook-firing-billing.json")
    template = body["alerts"][0]
    out = []
    for n in range(alerts):
        alert = copy.deepcopy(template)
        alert["labels"]["agent"] = f"agent-{batch}-{n}"
        alert["fingerprint"] = f"{batch:08x}{n:08x}"
        alert["annotations"]["description"] = f"{batch}-{n}:" + "x" * text
        out.append(alert)
    body["alerts"] = out
    return body


def _fill(hub: RunningHub, batches: int) -> None:
    ingest = hub.client("ingest")
    for batch in range(batches):
        answer = ingest.post("/api/ingest/alertmanager", json=_webhook(batch))
        assert answer.status_code == 200, answer.text


def _read_response(sock: socket.socket, buffer: bytes) -> tuple[bytes, bytes, bytes]:
    """One HTTP/1.1 response with a Content-Length: (head, body, what follows)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, f"closed mid-head: {buffer[:200]!r}"
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    assert length is not None, head
    body = bytearray(rest)
    while len(body) < length:
        chunk = sock.recv(1 << 20)
        assert chunk, f"closed after {len(body)} of {length} bytes"
        body += chunk
    return head, bytes(body[:length]), bytes(body[length:])


def _timeless(state: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in state.items() if key != "hub_time"}


def _get(path: str, token: str, close: bool = False) -> bytes:
    extra = "Connection: close\r\n" if close else ""
    return (
        f"GET {path} HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer {token}\r\n{extra}\r\n".encode()
    )


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset, not a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


# --- large answers ------------------------------------------------------------------


def test_a_state_of_several_mib_arrives_whole_on_a_raw_socket_and_through_httpx(
    hub: RunningHub,
) -> None:
    _fill(hub, 40)  # 2,000 alerts of ~2 KB
    viewer = hub.client("viewer")
    expected = viewer.get("/api/state")
    assert expected.status_code == 200
    assert len(expected.content) > 3 * 1024 * 1024, len(expected.content)
    expected_json = _timeless(expected.json())
    with socket.create_connection(("127.0.0.1", hub.port), timeout=20) as sock:
        rest = b""
        # Both asked at once: the second answer follows the first whole.
        sock.sendall(_get("/api/state", hub.tokens["viewer"]) * 2)
        for n in range(2):
            head, body, rest = _read_response(sock, rest)
            assert head.startswith(b"HTTP/1.1 200"), head
            assert n == 0 or rest == b""
            assert _timeless(json.loads(body)) == expected_json


def test_pipelined_requests_are_answered_in_order_and_whole(hub: RunningHub) -> None:
    _fill(hub, 4)  # a state of ~400 KB: more than one flush's worth
    token = hub.tokens["viewer"]
    requests = (
        _get("/health", token)
        + _get("/api/state", token)
        + _get("/api/whoami", token)
        + _get("/api/state", token)
        + _get("/api/whoami", token, close=True)
    )
    with socket.create_connection(("127.0.0.1", hub.port), timeout=20) as sock:
        sock.sendall(requests)  # all in one packet
        rest = b""
        bodies = []
        for _ in range(5):
            head, body, rest = _read_response(sock, rest)
            assert head.startswith(b"HTTP/1.1 200"), head
            bodies.append(json.loads(body))
        assert rest == b""
        assert sock.recv(1) == b""  # then closed, as asked
    assert "counters" in bodies[0]
    assert _timeless(bodies[1]) == _timeless(bodies[3])
    assert len(json.dumps(bodies[1])) > FLUSH_BIG
    assert bodies[2] == bodies[4] and bodies[2]["role"] == "viewer"


FLUSH_BIG = 64 * 1024


def test_a_client_gone_mid_answer_leaves_the_hub_serving_and_logs_nothing(
    hub: RunningHub, errors: _Errors
) -> None:
    _fill(hub, 20)  # ~2 MB answers
    token = hub.tokens["viewer"]
    for n in range(20):
        sock = socket.create_connection(("127.0.0.1", hub.port), timeout=10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(_get("/api/state", token) * 3)
        if n % 2:
            sock.recv(1000)  # part of the head: the rest is on its way
        _reset(sock) if n % 4 < 2 else sock.close()
    # Right after a request: no chance to read anything.
    for _ in range(20):
        sock = socket.create_connection(("127.0.0.1", hub.port), timeout=10)
        sock.sendall(_get("/health", token))
        _reset(sock)
    assert hub.client("viewer").get("/api/whoami").status_code == 200
    time.sleep(0.3)
    assert hub.client().get("/health").status_code == 200
    assert errors.lines() == []


# --- websockets -----------------------------------------------------------------------


def _stream(hub: RunningHub) -> RawStream:
    client = RawStream("127.0.0.1", hub.port, hub.tokens["viewer"])
    client.hello()
    assert client.json()["type"] == "snapshot"
    return client


def test_many_frames_written_in_one_step_arrive_whole_and_in_order(
    looped: tuple[RunningHub, _LoopCatcher],
) -> None:
    hub, loop = looped
    client = _stream(hub)
    try:
        events = hub_context(hub).events
        sizes = [1, 10, 125, 126, 1000, 65535, 65536, 70000, 3, 0] * 5

        def step() -> None:
            for n, size in enumerate(sizes):
                events.broadcast({"type": "heartbeat", "n": n, "pad": "y" * size})

        loop.run(step)
        for n, size in enumerate(sizes):
            frame = client.json()
            assert frame["type"] == "heartbeat", frame
            assert (frame["n"], len(frame["pad"])) == (n, size)
    finally:
        client.close()


def test_a_ping_is_answered_and_a_close_is_echoed(hub: RunningHub) -> None:
    client = _stream(hub)
    try:
        mask = b"\x01\x02\x03\x04"
        payload = b"are you there"
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        # Two pings and a close in one packet: answered in that order.
        ping = bytes([0x89, 0x80 | len(payload)]) + mask + masked
        code = struct.pack("!H", 1000)
        close = bytes([0x88, 0x82]) + mask + bytes(b ^ mask[i] for i, b in enumerate(code))
        client.sock.sendall(ping + ping + close)
        seen = []
        while True:
            opcode, data = client.frame()
            if opcode == 1:
                continue  # a heartbeat
            seen.append((opcode, bytes(data)))
            if opcode == 8:
                break
        assert seen == [(0xA, payload), (0xA, payload), (8, code)]
        client.sock.settimeout(10)
        assert client.sock.recv(1) == b""  # and the hub closes the connection
    finally:
        client.close()


def test_a_stalled_stream_client_holds_up_no_other(
    looped: tuple[RunningHub, _LoopCatcher],
) -> None:
    hub, loop = looped
    stalled = _stream(hub)
    reader = _stream(hub)
    try:
        events = hub_context(hub).events
        pad = "z" * 4000
        for round_ in range(8):  # ~2 MB each round: the stalled client's buffers fill

            def step(round_: int = round_) -> None:
                for n in range(500):
                    events.broadcast({"type": "heartbeat", "r": round_, "n": n, "pad": pad})

            loop.run(step)
            for n in range(500):
                frame = reader.json()
                assert (frame["r"], frame["n"]) == (round_, n)
        counters = hub.client().get("/health").json()["counters"]
        assert counters.get("stream_slow_consumer", 0) == 1
        assert stalled.close_code() == 1013
    finally:
        stalled.close()
        reader.close()


def test_stream_clients_reset_while_their_frames_wait_log_no_error(
    looped: tuple[RunningHub, _LoopCatcher], errors: _Errors
) -> None:
    """A frame written in the step in which the client's reset is read: the hub's
    writer is woken in one step, the reset is read before its next; the frame waits
    for the end of the step, the connection is lost meanwhile."""
    hub, loop = looped
    clients = [_stream(hub) for _ in range(8)]
    published, reset = threading.Event(), threading.Event()
    events = hub_context(hub).events

    def step() -> None:
        events.broadcast({"type": "heartbeat", "note": "wakes every writer"})
        published.set()
        reset.wait(10)
        time.sleep(0.05)  # the resets reach the hub's sockets before its next poll

    loop.run(step)
    assert published.wait(10)
    for client in clients:
        _reset(client.sock)
    reset.set()
    time.sleep(0.5)
    assert hub.client().get("/health").status_code == 200
    assert errors.lines() == []
