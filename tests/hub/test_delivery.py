"""Escalation webhooks against a real receiver on loopback: retried with backoff,
delivered exactly once per escalation key, counted, and kept across a restart."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.hub.helpers import hub_context, stored, timeline_of, wait_for
from tests.hubtools import HubFactory

OPEN = {"title": "PII in replies", "severity": "SEV1", "category": "pii_exposure"}
ROLES = ("on-call", "engineering-manager", "security-lead")


@dataclass
class Receiver:
    """Answers each key's first ``fail_first`` attempts with 500, then 200."""

    url: str = ""
    fail_first: int = 1
    attempts: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, key: str, body: dict[str, Any]) -> int:
        with self.lock:
            seen = sum(1 for k, _, _ in self.attempts if k == key)
            status = 500 if seen < self.fail_first else 200
            self.attempts.append((key, status, body))
            return status

    def delivered(self) -> list[str]:
        with self.lock:
            return [key for key, status, _ in self.attempts if status == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            status = box.answer(self.headers.get("Idempotency-Key", ""), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet tests

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/page"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


def webhooks(receiver: Receiver) -> dict[str, Any]:
    return {
        "escalation_webhooks": {role: f"{receiver.url}/{role}" for role in ROLES},
        "delivery_backoff_s": 0.02,
    }


def test_each_escalation_is_delivered_once_after_a_retry(
    hub_factory: HubFactory, receiver: Receiver
) -> None:
    hub = hub_factory(**webhooks(receiver))
    incident = hub.client("on-call").post("/api/incidents", json=OPEN).json()["incident"]
    expected = [f"{incident['id']}/{e['key']}" for e in incident["escalations"]]
    assert len(expected) == 3
    wait_for(lambda: sorted(receiver.delivered()) == sorted(expected))
    wait_for(lambda: hub_context(hub).delivery.in_flight == 0)  # type: ignore[union-attr]
    assert len(receiver.attempts) == 6  # one refused, one accepted, per key
    body = next(b for k, s, b in receiver.attempts if s == 200 and k.endswith("security-lead"))
    assert body["escalation"]["role"] == "security-lead"
    assert body["incident"]["id"] == incident["id"]
    counters = hub.client().get("/health").json()["counters"]
    assert counters["escalation_delivered"] == 3
    assert counters["escalation_delivery_retry"] == 3
    assert "escalation_delivery_failed" not in counters
    assert stored(hub, "deliveries") == []


def test_roles_without_a_webhook_are_not_sent(hub_factory: HubFactory, receiver: Receiver) -> None:
    receiver.fail_first = 0
    hub = hub_factory(escalation_webhooks={"legal": receiver.url})
    client = hub.client("incident-commander")
    incident = client.post("/api/incidents", json=OPEN).json()["incident"]
    client.post(f"/api/incidents/{incident['id']}/breach", json={"confirmed": True})
    wait_for(lambda: receiver.delivered() == [f"{incident['id']}/breach:legal"])


def test_a_delivery_that_gives_up_says_so_on_the_timeline(
    hub_factory: HubFactory, receiver: Receiver
) -> None:
    receiver.fail_first = 99
    hub = hub_factory(**webhooks(receiver), delivery_attempts=2)
    incident = hub.client("on-call").post("/api/incidents", json=OPEN).json()["incident"]
    wait_for(
        lambda: (
            hub.client().get("/health").json()["counters"].get("escalation_delivery_failed") == 3
        )
    )
    assert len(receiver.attempts) == 6
    failed = [e["text"] for e in timeline_of(hub, incident["id"]) if "not delivered" in e["text"]]
    assert "escalation to security lead not delivered by webhook: HTTP 500" in failed
    assert stored(hub, "deliveries") == []


def test_an_unsent_delivery_is_sent_after_a_restart(
    hub_factory: HubFactory, receiver: Receiver
) -> None:
    receiver.fail_first = 1
    # The first attempt fails and the retry waits far longer than the test does.
    hub = hub_factory(escalation_webhooks={"security-lead": receiver.url}, delivery_backoff_s=600.0)
    incident = hub.client("on-call").post("/api/incidents", json=OPEN).json()["incident"]
    wait_for(lambda: len(receiver.attempts) == 1)
    hub.restart()
    key = f"{incident['id']}/security:security-lead"
    wait_for(lambda: receiver.delivered() == [key])
    wait_for(lambda: stored(hub, "deliveries") == [])
