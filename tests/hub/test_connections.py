"""Idle and half-open connections: timed out, shed first at the cap, never in the way."""

from __future__ import annotations

import socket
from typing import Any

from tests.waiting import wait_until

HALF_HEAD = b"GET /api/state HTTP/1.1\r\nHost: hub\r\n"  # and never the blank line


def _counters(hub: Any) -> dict[str, int]:
    return dict(hub.client().get("/health").json()["counters"])


def _closed_by_peer(sock: socket.socket) -> bool:
    sock.settimeout(10)
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, TimeoutError):
        return False


def test_200_idle_sockets_do_not_keep_out_a_pack_stop(hub_factory: Any) -> None:
    hub = hub_factory(max_connections=100, header_timeout_s=60)
    idle = []
    try:
        for n in range(200):
            sock = socket.create_connection(("127.0.0.1", hub.port))
            if n % 2:
                sock.sendall(HALF_HEAD)
            idle.append(sock)
        answer = hub.client("incident-commander").post(
            "/api/killswitch/pack/support", json={"enabled": False, "reason": "leak"}
        )
        assert answer.status_code == 200, answer.text
        shed = wait_until(lambda: _counters(hub).get("conn_shed_idle", 0) >= 100, what="shed")
        assert shed
        assert _closed_by_peer(idle[0])  # the oldest idle ones went first
    finally:
        for sock in idle:
            sock.close()


def test_a_request_head_that_never_ends_is_timed_out(hub_factory: Any) -> None:
    hub = hub_factory(header_timeout_s=0.3)
    with socket.create_connection(("127.0.0.1", hub.port)) as sock:
        sock.sendall(HALF_HEAD)
        assert _closed_by_peer(sock)
    assert _counters(hub)["conn_header_timeout"] >= 1
    # A working client is unaffected.
    assert hub.client("viewer").get("/api/state").status_code == 200
