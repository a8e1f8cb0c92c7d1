"""Bad requests: a clear error in the protocol's shape, a counter, and the hub keeps going."""

from __future__ import annotations

import http.client
import logging
from collections.abc import Iterator

import pytest

from tests.hubtools import RunningHub


def test_malformed_and_oversized_bodies(hub: RunningHub) -> None:
    client = hub.client("incident-commander")
    path = "/api/killswitch/global"
    cases = [
        (b"{not json", 400, "bad_request"),
        (b"[1, 2]", 400, "bad_request"),
        (b'{"enabled": NaN, "reason": "x"}', 400, "bad_request"),
        (b"\xff\xfe", 400, "bad_request"),
        (b"{" + b" " * (1024 * 1024) + b"}", 413, "too_large"),
    ]
    for content, status, code in cases:
        answer = client.post(path, content=content, headers={"Content-Type": "application/json"})
        assert answer.status_code == status, content[:20]
        assert answer.json() == {
            "error": {"code": code, "message": answer.json()["error"]["message"]}
        }
    counters = hub.client().get("/health").json()["counters"]
    assert counters["bad_request"] == 4
    assert counters["too_large"] == 1
    assert client.get("/api/state").status_code == 200


def test_a_chunked_body_is_limited_too(hub: RunningHub) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 65536

    answer = hub.client("agent").post("/api/agents/a/heartbeat", content=chunks())
    assert answer.status_code == 413


def test_unknown_paths_and_methods(hub: RunningHub) -> None:
    client = hub.client("viewer")
    missing = client.get("/api/nothing")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong = client.delete("/api/incidents")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"


def test_heartbeat_fields(hub: RunningHub) -> None:
    client = hub.client("agent")
    cases = [
        ({"state": "running"}, 422, "pack"),
        ({"pack": "support"}, 422, "state"),
        ({"pack": "support", "state": "dancing"}, 422, "state"),
        (
            {"pack": "support", "state": "idle", "tool_calls_per_min": "3"},
            400,
            "tool_calls_per_min",
        ),
        ({"pack": "support", "state": "idle", "tokens_per_min": -1}, 422, "tokens_per_min"),
        ({"pack": "support", "state": "idle", "run_id": 7}, 400, "run_id"),
        ({"pack": "billing", "state": "idle"}, 404, "billing"),
    ]
    for body, status, field in cases:
        answer = client.post("/api/agents/x/heartbeat", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert field in answer.json()["error"]["message"]
    ok = client.post("/api/agents/x/heartbeat", json={"pack": "support", "state": "idle"})
    assert ok.json()["allowed"] is True
    assert ok.json()["reason"] is None


def test_health(hub: RunningHub) -> None:
    health = hub.client().get("/health").json()
    assert set(health) == {"status", "version", "hub_time", "seq", "uptime_s", "counters"}
    assert health["status"] == "ok"
    assert health["version"] == "0.1.0"


def test_untrusted_text_reaches_the_log_made_visible(
    hub: RunningHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="warroom.hub")
    reason = "stop \x1b]52;c;ZXZpbA==\x07 now"
    body = {"enabled": False, "reason": reason}
    assert hub.client("incident-commander").post("/api/killswitch/global", json=body).is_success
    # http.client sends the path as written; the hub percent-decodes it to ESC.
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=5)
    conn.request("GET", "/api/incidents/%1B[2J", headers=hub.headers("viewer"))
    assert conn.getresponse().status == 404
    conn.close()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "stop ␛]52;c;ZXZpbA==␇ now" in logged
    assert "/api/incidents/␛[2J" in logged
    assert "\x1b" not in logged
