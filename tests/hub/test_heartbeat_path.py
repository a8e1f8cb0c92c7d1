"""The heartbeat's short way through the hub answers exactly as the long way did.

A heartbeat skips Starlette's middleware and routing table, is read by msgspec in
one pass when its body is well-formed, and is answered with msgspec's bytes; a
connection sends a response's head and body in one write. Each shortcut is
checked here against what it replaces.
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import pytest
from starlette.responses import JSONResponse

from services.domain.api import HeartbeatBody
from services.hub.connections import FLUSH_AT, OneSend
from services.hub.errors import HubError
from services.hub.http import validate
from services.hub.http.context import parse_json
from services.hub.http.endpoints import HeartbeatAnswer

GOOD = {"pack": "support", "state": "running", "run_id": "r-1", "tool_calls_per_min": 3}

BODIES: list[bytes] = [
    json.dumps(GOOD).encode(),
    b'{"pack":"support","state":"running"}',
    b'{"pack":"support","pack":"research","state":"idle"}',  # the last one counts
    b'{"pack":"support","state":"running","wait_s":2.5,"tokens_per_min":10}',
    b'  {"pack":"support","state":"stopped","run_id":null}  ',
    b"",
    b"   ",
    b"[]",
    b"null",
    b"{",
    b'{"pack":"support","state":"running"} x',
    b"\xef\xbb\xbf{}",
    b'{"pack":"\xff","state":"running"}',
    b'{"pack":"support","state":"flying"}',
    b'{"pack":" ","state":"running"}',
    b'{"pack":null,"state":"running"}',
    b'{"pack":1,"state":"running"}',
    b'{"pack":"support","state":"running","tool_calls_per_min":-1}',
    b'{"pack":"support","state":"running","tool_calls_per_min":true}',
    b'{"pack":"support","state":"running","tokens_per_min":1e999}',
    b'{"pack":"support","state":"running","tokens_per_min":NaN}',
    b'{"pack":"support","state":"running","wait_s":1e9}',
    b'{"pack":"support","state":"running","extra":1e999}',
    b'{"pack":"support","state":"running","extra":"\\ud800"}',
    b'{"pack":"support","state":"running","extra":' + b"[" * 40 + b"]" * 40 + b"}",
    b'{"pack":"support","state":"running","extra":{"a":1}}',
    b'{"pack":"support","state":"running","run_id":"\\ud800"}',
    b'{"pack":"sup\\u0070ort","state":"running"}',
    b'{"pack":"support","state":"running","run_id":"a\tb"}',
]


def _outcome(decode: Any, raw: bytes) -> tuple[str, Any]:
    try:
        beat = decode(raw)
    except HubError as error:
        return "refused", (error.status, error.code, error.message)
    fields = ("pack", "state", "run_id", "tool_calls_per_min", "tokens_per_min", "wait_s")
    return "read", {name: getattr(beat, name) for name in fields}


@pytest.mark.parametrize("raw", BODIES)
def test_a_heartbeat_body_reads_as_the_long_way_reads_it(raw: bytes) -> None:
    long_way = _outcome(lambda body: validate.decode(parse_json(body), HeartbeatBody), raw)
    short_way = _outcome(lambda body: validate.decode_json(body, HeartbeatBody, parse_json), raw)
    assert short_way == long_way


@pytest.mark.parametrize(
    "answer",
    [
        {"allowed": True, "reason": None, "hub_time": "2026-11-30T12:00:00.000Z"},
        {"allowed": False, "reason": 'pack support stopped by ic: "leak" \\ é ☃ \x01\n\u2028 🙂'},
    ],
)
def test_a_heartbeat_answer_is_the_bytes_json_response_wrote(answer: dict[str, Any]) -> None:
    ours, theirs = HeartbeatAnswer(answer), JSONResponse(answer)
    assert ours.body == theirs.body
    assert ours.raw_headers == theirs.raw_headers


def test_every_character_a_reason_can_hold_is_encoded_as_json_response_does() -> None:
    text = "".join(chr(c) for c in range(0x3000) if not 0xD800 <= c < 0xE000)
    answer = {"allowed": False, "reason": text, "hub_time": "t"}
    assert HeartbeatAnswer(answer).body == JSONResponse(answer).body


def test_heartbeats_are_answered_and_refused_as_before(hub: Any) -> None:
    agent = hub.client("agent")
    fine = agent.post("/api/agents/a-1/heartbeat", json=GOOD)
    assert fine.status_code == 200
    assert fine.headers["content-type"] == "application/json"
    assert set(fine.json()) == {"allowed", "reason", "hub_time"}
    assert fine.json()["allowed"] is True
    # The wrong method still goes through the routing table: 405 in the protocol's shape.
    wrong = agent.get("/api/agents/a-1/heartbeat")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    # Authentication and the permission come first, as on every endpoint.
    nobody = hub.client().post("/api/agents/a-1/heartbeat", json=GOOD)
    assert nobody.status_code == 401
    reader = hub.client("viewer").post("/api/agents/a-1/heartbeat", json=GOOD)
    assert reader.status_code == 403
    bad = agent.post("/api/agents/a-1/heartbeat", json={**GOOD, "state": "flying"})
    assert bad.status_code == 422
    assert bad.json()["error"]["message"].startswith("state:")
    unknown = agent.post("/api/agents/a-1/heartbeat", json={**GOOD, "pack": "nope"})
    assert unknown.status_code == 404
    counters = hub.client().get("/health").json()["counters"]
    assert counters["unauthenticated"] == 1
    assert counters["forbidden"] == 1
    assert counters["invalid"] == 1


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return self.closed


def test_one_step_of_writes_is_one_send() -> None:
    async def run() -> _Transport:
        real = _Transport()
        one = OneSend(real, asyncio.get_running_loop())  # type: ignore[arg-type]
        one.write(b"HTTP/1.1 200 OK\r\n\r\n")
        one.write(b"{}")
        assert real.writes == []
        assert one.get_write_buffer_size() == 21
        assert one.is_closing() is False  # anything else is the transport's own
        await asyncio.sleep(0)
        assert real.writes == [b"HTTP/1.1 200 OK\r\n\r\n{}"]
        one.write(b"a")
        one.write(b"b" * FLUSH_AT)  # a large write goes at once
        assert real.writes[-1] == b"a" + b"b" * FLUSH_AT
        one.write(b"bye")
        one.close()  # what is pending goes before the close
        assert real.writes[-1] == b"bye" and real.closed
        return real

    real = asyncio.run(run())
    assert len(real.writes) == 3


def test_an_abort_drops_what_is_pending() -> None:
    async def run() -> _Transport:
        real = _Transport()
        one = OneSend(real, asyncio.get_running_loop())  # type: ignore[arg-type]
        one.write(b"never")
        one.abort()
        await asyncio.sleep(0)
        return real

    real = asyncio.run(run())
    assert real.writes == [] and real.aborted


def test_a_keep_alive_connection_reads_whole_answers(hub: Any) -> None:
    body = json.dumps(GOOD).encode()
    request = (
        f"POST /api/agents/a-2/heartbeat HTTP/1.1\r\nHost: hub\r\n"
        f"Authorization: Bearer {hub.tokens['agent']}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", hub.port), timeout=10) as sock:
        for _ in range(3):
            sock.sendall(request)
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
                answer += sock.recv(4096)
            head, _, payload = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 OK")
            assert json.loads(payload)["allowed"] is True
