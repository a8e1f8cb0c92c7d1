"""Idempotency-Key: a retried mutation never applies twice."""

from __future__ import annotations

import asyncio

import httpx

from tests.hub.helpers import audit, events_only, hello, recv, recv_until, stream
from tests.hubtools import RunningHub

STOP = {"enabled": False, "reason": "runaway"}


async def test_retry_replays_the_first_answer(hub: RunningHub) -> None:
    client = hub.client("incident-commander")
    headers = {"Idempotency-Key": "key-1"}
    async with stream(hub) as ws:
        await hello(ws, None)
        snapshot = await recv(ws)
        first = client.post("/api/killswitch/pack/marketing", json=STOP, headers=headers)
        second = client.post("/api/killswitch/pack/marketing", json=STOP, headers=headers)
        assert first.status_code == second.status_code == 200
        assert first.json() == second.json()
        assert "Idempotency-Replayed" not in first.headers
        assert second.headers["Idempotency-Replayed"] == "true"
        assert first.json()["audit"]["idempotency_key"] == "key-1"
        # A later, different change shows where the stream is: one event for the key.
        client.post("/api/killswitch/pack/legal", json=STOP)
        frames = await recv_until(
            ws, lambda f: f.get("data", {}).get("switch", {}).get("pack") == "legal"
        )
    changes = [f for f in events_only(frames) if f["type"] == "killswitch.changed"]
    assert [c["data"]["switch"]["pack"] for c in changes] == ["marketing", "legal"]
    assert changes[0]["seq"] == snapshot["seq"] + 1
    assert len(audit(hub)) == 2


def test_the_key_is_per_user_and_path(hub: RunningHub) -> None:
    headers = {"Idempotency-Key": "same"}
    ic = hub.client("incident-commander")
    first = ic.post("/api/killswitch/pack/marketing", json=STOP, headers=headers)
    other_path = ic.post("/api/killswitch/pack/legal", json=STOP, headers=headers)
    other_user = hub.client("on-call").post(
        "/api/killswitch/pack/finance", json=STOP, headers=headers
    )
    assert (
        first.json()["changed"]
        is other_path.json()["changed"]
        is other_user.json()["changed"]
        is True
    )
    assert "Idempotency-Replayed" not in other_user.headers


def test_a_refusal_is_not_stored(hub: RunningHub) -> None:
    client = hub.client("incident-commander")
    headers = {"Idempotency-Key": "fix-and-retry"}
    bad = client.post(
        "/api/killswitch/global", json={"enabled": False, "reason": ""}, headers=headers
    )
    assert bad.status_code == 422
    good = client.post("/api/killswitch/global", json=STOP, headers=headers)
    assert good.status_code == 200 and good.json()["changed"] is True


def test_bad_keys_are_refused(hub: RunningHub) -> None:
    client = hub.client("incident-commander")
    answer = client.post(
        "/api/killswitch/global", json=STOP, headers={"Idempotency-Key": "k" * 201}
    )
    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()["error"]["message"]


def test_incident_mutations_replay_too(hub: RunningHub) -> None:
    client = hub.client("on-call")
    body = {"title": "slow", "severity": "SEV3", "category": "service_outage"}
    headers = {"Idempotency-Key": "open-1"}
    first = client.post("/api/incidents", json=body, headers=headers).json()
    second = client.post("/api/incidents", json=body, headers=headers).json()
    assert first == second
    assert len(client.get("/api/incidents").json()["incidents"]) == 1
    note = {"text": "looking"}
    path = f"/api/incidents/{first['incident']['id']}/notes"
    client.post(path, json=note, headers={"Idempotency-Key": "n1"})
    client.post(path, json=note, headers={"Idempotency-Key": "n1"})
    timeline = client.get(f"/api/incidents/{first['incident']['id']}").json()["timeline"]
    assert [e["kind"] for e in timeline if e["kind"] != "escalation"] == ["opened", "note"]


def test_replay_survives_restart(hub: RunningHub) -> None:
    headers = {"Idempotency-Key": "durable"}
    first = hub.client("cto").post("/api/killswitch/global", json=STOP, headers=headers)
    hub.restart()
    again = hub.client("cto").post("/api/killswitch/global", json=STOP, headers=headers)
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.json() == first.json()


async def test_concurrent_duplicates_apply_once(hub: RunningHub) -> None:
    headers = {**hub.headers("incident-commander"), "Idempotency-Key": "burst"}
    async with httpx.AsyncClient(base_url=hub.url, headers=headers) as client:
        answers = await asyncio.gather(
            *(client.post("/api/killswitch/pack/support", json=STOP) for _ in range(12))
        )
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    replayed = [a for a in answers if a.headers.get("Idempotency-Replayed") == "true"]
    assert len(replayed) == 11
    assert len(audit(hub)) == 1
