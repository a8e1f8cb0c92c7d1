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
    assert set(health) == {
        "status",
        "version",
        "hub_time",
        "seq",
        "uptime_s",
        "counters",
        "recovery",
        "ingest",
    }
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


def test_an_incident_with_malformed_fields_is_refused(hub: RunningHub) -> None:
    """The hub refuses at the boundary, naming the field, and opens nothing."""
    client = hub.client("incident-commander")
    good = {"title": "t", "severity": "SEV2", "category": "runaway_agent"}
    cases = [
        ({**good, "packs": [1, 2]}, 400, "packs[0]: Expected `str`, got `int`"),
        ({**good, "packs": "support"}, 400, "packs: Expected `array | null`, got `str`"),
        ({**good, "packs": ["support", " "]}, 422, "packs[1]: must not be empty"),
        ({**good, "severity": "SEV9"}, 422, "severity: 'SEV9' is not one of 'SEV1'"),
        ({**good, "category": "gossip"}, 422, "category: 'gossip' is not one of"),
        ({**good, "title": "  "}, 422, "title: must not be empty"),
        ({**good, "title": None}, 422, "title: must not be null"),
        ({"severity": "SEV2", "category": "runaway_agent"}, 422, "title: required field missing"),
        ({**good, "alert_fingerprint": 7}, 400, "alert_fingerprint: Expected `str | null`"),
    ]
    for body, status, message in cases:
        answer = client.post("/api/incidents", json=body)
        assert answer.status_code == status, (body, answer.text)
        error = answer.json()["error"]
        assert error["code"] == ("bad_request" if status == 400 else "invalid")
        assert error["message"].startswith(message), (body, error["message"])
    assert client.get("/api/incidents").json() == {"incidents": []}


def test_every_incident_action_names_the_bad_field(hub: RunningHub) -> None:
    client = hub.client("incident-commander")
    opened = client.post(
        "/api/incidents", json={"title": "t", "severity": "SEV3", "category": "runaway_agent"}
    )
    base = f"/api/incidents/{opened.json()['incident']['id']}"
    cases = [
        ("/severity", {"severity": 1}, 400, "severity: Expected `str`, got `int`"),
        ("/severity", {"severity": "sev1"}, 422, "severity: 'sev1' is not one of"),
        ("/status", {"status": "resolved"}, 422, "status: use POST"),
        ("/status", {}, 422, "status: required field missing"),
        ("/notes", {"text": ["a"]}, 400, "text: Expected `str`, got `array`"),
        ("/notes", {"text": ""}, 422, "text: must not be empty"),
        ("/breach", {"confirmed": "yes"}, 400, "confirmed: Expected `bool`, got `str`"),
        ("/breach", {"confirmed": False}, 422, "confirmed: must be true"),
        ("/status-update", {"kind": "gossip", "text": "x"}, 422, "kind: 'gossip' is not one"),
        ("/status-update", {"kind": "status"}, 422, "text: required field missing"),
        ("/resolve", {"root_cause": " "}, 422, "root_cause: must not be empty"),
    ]
    for path, body, status, message in cases:
        answer = client.post(base + path, json=body)
        assert answer.status_code == status, (path, body, answer.text)
        assert answer.json()["error"]["message"].startswith(message), (path, answer.text)
    incident = client.get(base).json()["incident"]
    assert (incident["severity"], incident["status"], incident["breach_confirmed"]) == (
        "SEV3",
        "triage",
        False,
    )


def test_kill_switch_bodies_name_the_bad_field(hub: RunningHub) -> None:
    client = hub.client("incident-commander")
    cases = [
        ({"enabled": "false", "reason": "x"}, 400, "enabled: Expected `bool`, got `str`"),
        ({"reason": "x"}, 422, "enabled: required field missing"),
        ({"enabled": False, "reason": ""}, 422, "reason: must not be empty"),
        ({"enabled": False, "reason": "x", "incident_id": 3}, 400, "incident_id: Expected"),
    ]
    for body, status, message in cases:
        for path in ("/api/killswitch/global", "/api/killswitch/pack/support"):
            answer = client.post(path, json=body)
            assert answer.status_code == status, (path, body, answer.text)
            assert answer.json()["error"]["message"].startswith(message), answer.text
    confirm = client.post("/api/killswitch/global/confirm", json={"request_id": 5})
    assert confirm.status_code == 400
    assert confirm.json()["error"]["message"].startswith("request_id: Expected `str`")
    status = client.get("/api/packs/status").json()
    assert status["global"]["enabled"] is True
    assert all(pack["enabled"] for pack in status["packs"])
