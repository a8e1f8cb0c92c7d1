"""The hub's escalation engine on a real hub with a fake clock: at-open pages at once,
no progress in 30 min, breach → legal; idempotent across ticks and restarts."""

from __future__ import annotations

from typing import Any

import httpx

from tests.hub.helpers import (
    FakeClock,
    events_only,
    hello,
    recv,
    recv_until,
    stream,
    timeline_of,
    wait_tick,
)
from tests.hubtools import HubFactory, RunningHub

OPEN = {"title": "wrong refunds", "severity": "SEV2", "category": "incorrect_output"}
FAST = {"tick_interval_s": 0.02}


def open_incident(client: httpx.Client, **body: Any) -> dict[str, Any]:
    answer = client.post("/api/incidents", json={**OPEN, **body})
    assert answer.status_code == 200, answer.text
    incident: dict[str, Any] = answer.json()["incident"]
    return incident


def escalations(hub: RunningHub, incident_id: str) -> list[dict[str, Any]]:
    detail = hub.client("viewer").get(f"/api/incidents/{incident_id}").json()
    found: list[dict[str, Any]] = detail["incident"]["escalations"]
    return found


def escalation_texts(hub: RunningHub, incident_id: str) -> list[str]:
    return [e["text"] for e in timeline_of(hub, incident_id) if e["kind"] == "escalation"]


def test_at_open_pages_are_in_the_answer(hub: RunningHub) -> None:
    incident = open_incident(hub.client("on-call"))
    keys = [e["key"] for e in incident["escalations"]]
    assert keys == ["open:on-call", "open:engineering-manager"]
    assert escalation_texts(hub, incident["id"]) == [
        "escalated to on-call engineer: SEV2 incident opened",
        "escalated to engineering manager: SEV2 incident opened",
    ]
    ticket = open_incident(hub.client("on-call"), severity="SEV4")
    assert [(e["key"], e["action"]) for e in ticket["escalations"]] == [
        ("ticket:on-call", "ticket")
    ]


def test_security_category_pages_the_security_lead_at_once(hub: RunningHub) -> None:
    incident = open_incident(hub.client("on-call"), category="pii_exposure", severity="SEV1")
    last = incident["escalations"][-1]
    assert (last["role"], last["key"], last["reason"]) == (
        "security-lead",
        "security:security-lead",
        "security: PII exposure",
    )


def test_breach_confirmed_notifies_legal(hub: RunningHub) -> None:
    client = hub.client("incident-commander")
    incident = open_incident(client)
    path = f"/api/incidents/{incident['id']}/breach"
    answer = client.post(path, json={"confirmed": True}).json()
    assert answer["changed"] is True
    assert answer["entry"]["kind"] == "breach"
    assert answer["entry"]["text"] == "data breach confirmed by incident-commander-user"
    assert answer["incident"]["breach_confirmed"] is True
    assert answer["incident"]["escalations"][-1]["key"] == "breach:legal"
    assert escalation_texts(hub, incident["id"])[-1] == "notified legal: data breach confirmed"
    again = client.post(path, json={"confirmed": True}).json()
    assert (again["changed"], again["entry"]) == (False, None)
    withdrawn = client.post(path, json={"confirmed": False})
    assert withdrawn.status_code == 422
    assert client.post(path, json={"confirmed": "yes"}).status_code == 400
    assert [e["key"] for e in escalations(hub, incident["id"])].count("breach:legal") == 1


async def test_no_progress_escalates_without_being_progress(hub_factory: HubFactory) -> None:
    clock = FakeClock()
    hub = hub_factory(clock=clock, **FAST)
    incident = open_incident(hub.client("on-call"))
    clock.advance(29 * 60 + 59)
    wait_tick(hub, clock)
    assert len(escalations(hub, incident["id"])) == 2
    async with stream(hub) as ws:
        await hello(ws, None)
        await recv(ws)  # snapshot
        clock.advance(1)
        frames = await recv_until(ws, lambda f: f["type"] == "incident.escalated")
        entry = await recv_until(ws, lambda f: f["type"] == "timeline.entry")
    escalated = events_only(frames)[-1]["data"]
    assert escalated["escalation"] == {
        "role": "engineering-manager",
        "at": "2026-11-25T18:30:00.000Z",
        "reason": "no progress for 30 min (last progress 18:00:00 UTC)",
        "action": "page",
        "key": "no-progress@2026-11-25T18:00:00.000Z:engineering-manager",
    }
    assert escalated["incident"]["last_progress_at"] == incident["last_progress_at"]
    assert entry[-1]["data"]["entry"]["text"] == (
        "escalated to engineering manager: no progress in 30 min"
    )
    assert entry[-1]["data"]["entry"]["author"] == "hub"
    # Idempotent: more ticks, more time, the same quiet period escalates once.
    clock.advance(600)
    wait_tick(hub, clock)
    hub.restart()
    clock.advance(60)
    wait_tick(hub, clock)
    assert len(escalations(hub, incident["id"])) == 3
    assert len(escalation_texts(hub, incident["id"])) == 3


def test_progress_restarts_the_quiet_period(hub_factory: HubFactory) -> None:
    clock = FakeClock()
    hub = hub_factory(clock=clock, **FAST)
    client = hub.client("on-call")
    incident = open_incident(client)
    clock.advance(20 * 60)
    client.post(f"/api/incidents/{incident['id']}/notes", json={"text": "found it"})
    clock.advance(20 * 60)  # 40 min after opening, 20 after the note: not due
    wait_tick(hub, clock)
    assert len(escalations(hub, incident["id"])) == 2
    clock.advance(10 * 60)
    wait_tick(hub, clock)
    assert len(escalations(hub, incident["id"])) == 3
    assert escalations(hub, incident["id"])[-1]["key"] == (
        "no-progress@2026-11-25T18:20:00.000Z:engineering-manager"
    )


def test_status_update_sent_is_progress_and_kept(hub_factory: HubFactory) -> None:
    clock = FakeClock()
    hub = hub_factory(clock=clock)
    client = hub.client("incident-commander")
    incident = open_incident(client)
    clock.advance(90)
    path = f"/api/incidents/{incident['id']}/status-update"
    text = "INCIDENT: wrong refunds\nSEVERITY: SEV2\nSTATUS: Investigating"
    answer = client.post(path, json={"kind": "initial", "text": text}).json()
    assert answer["entry"]["kind"] == "status_update"
    assert answer["entry"]["text"] == "initial notification sent"
    assert answer["entry"]["detail"] == text
    assert answer["incident"]["last_status_update_at"] == "2026-11-25T18:01:30.000Z"
    assert answer["incident"]["last_progress_at"] == "2026-11-25T18:01:30.000Z"
    client.post(f"/api/incidents/{incident['id']}/resolve", json={"root_cause": "bad prompt"})
    clock.advance(60)
    done = client.post(path, json={"kind": "resolution", "text": "RESOLVED: refunds"}).json()
    assert done["entry"]["text"] == "resolution sent"
    assert done["incident"]["last_status_update_at"] == "2026-11-25T18:02:30.000Z"
    assert client.post(path, json={"kind": "tweet", "text": "x"}).status_code == 422
    assert client.post(path, json={"kind": "status", "text": " "}).status_code == 422
