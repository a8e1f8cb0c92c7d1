"""The two-person rule for the global stop: request (202), confirmation by a different
operator, refusals (403 same user, 409 unknown or expired), events, durability."""

from __future__ import annotations

from typing import Any

from tests.hub.helpers import (
    FakeClock,
    audit,
    events_only,
    hello,
    recv,
    recv_until,
    stream,
    timeline_of,
    wait_tick,
)
from tests.hubtools import HubFactory, RunningHub

STOP = {"enabled": False, "reason": "agents exfiltrating PII"}
TWO = {"two_person_global": True, "two_person_window_s": 120.0, "tick_interval_s": 0.02}


def request_stop(hub: RunningHub, role: str = "incident-commander", **extra: Any) -> Any:
    return hub.client(role).post("/api/killswitch/global", json={**STOP, **extra})


def beat(hub: RunningHub) -> dict[str, Any]:
    answer = hub.client("agent").post(
        "/api/agents/bot/heartbeat", json={"pack": "support", "state": "running"}
    )
    data: dict[str, Any] = answer.json()
    return data


def global_enabled(hub: RunningHub) -> bool:
    enabled: bool = hub.client("viewer").get("/api/packs/status").json()["global"]["enabled"]
    return enabled


async def test_a_second_operator_confirms_the_global_stop(hub_factory: HubFactory) -> None:
    hub = hub_factory(clock=FakeClock(), **TWO)
    incident = (
        hub.client("on-call")
        .post("/api/incidents", json={"title": "t", "severity": "SEV1", "category": "pii_exposure"})
        .json()["incident"]
    )
    async with stream(hub) as ws:
        await hello(ws, None)
        await recv(ws)
        asked = request_stop(hub, incident_id=incident["id"])
        assert asked.status_code == 202
        pending = asked.json()["pending"]
        assert pending == {
            "id": pending["id"],
            "requested_by": "incident-commander-user",
            "requested_at": "2026-11-25T18:00:00.000Z",
            "expires_at": "2026-11-25T18:02:00.000Z",
            "reason": STOP["reason"],
            "incident_id": incident["id"],
        }
        assert global_enabled(hub) and beat(hub)["allowed"] is True
        assert hub.client("viewer").get("/api/packs/status").json()["pending_global"] == pending
        assert hub.client("viewer").get("/api/state").json()["pending_global"] == pending
        # A second request while one is pending answers the same request.
        assert request_stop(hub, "cto").json()["pending"]["id"] == pending["id"]
        same = hub.client("incident-commander").post(
            "/api/killswitch/global/confirm", json={"request_id": pending["id"]}
        )
        assert same.status_code == 403
        assert "needs a second operator" in same.json()["error"]["message"]
        confirmed = hub.client("cto").post(
            "/api/killswitch/global/confirm", json={"request_id": pending["id"]}
        )
        assert confirmed.status_code == 200, confirmed.text
        frames = await recv_until(
            ws, lambda f: f["type"] == "killswitch.pending" and f["data"]["state"] == "confirmed"
        )
    body = confirmed.json()
    assert body["changed"] is True
    assert body["applied"]["changed_by"] == "cto-user"
    assert (body["audit"]["user"], body["audit"]["requested_by"]) == (
        "cto-user",
        "incident-commander-user",
    )
    assert body["audit"]["confirmed_by"] == "cto-user"
    assert body["audit"]["incident_id"] == incident["id"]
    assert beat(hub)["allowed"] is False
    kinds = [f["type"] for f in events_only(frames)]
    assert kinds.count("killswitch.pending") == 2  # requested, confirmed
    assert kinds.index("killswitch.changed") < len(kinds) - 1
    assert frames[-1]["data"]["confirmed_by"] == "cto-user"
    assert hub.client("viewer").get("/api/packs/status").json()["pending_global"] is None
    entries = [e["text"] for e in timeline_of(hub, incident["id"]) if e["kind"] != "escalation"]
    assert entries[-2].startswith("global stop requested by incident-commander-user")
    assert entries[-1] == (
        "global kill switch stopped by cto-user (requested by incident-commander-user): "
        + STOP["reason"]
    )
    [record] = audit(hub)
    assert record["requested_by"] == "incident-commander-user"
    # Re-enabling stays one-person.
    again = hub.client("cto").post("/api/killswitch/global", json={"enabled": True, "reason": "ok"})
    assert again.status_code == 200 and again.json()["changed"] is True


def test_unknown_and_expired_requests_are_409(hub_factory: HubFactory) -> None:
    clock = FakeClock()
    hub = hub_factory(clock=clock, **TWO)
    confirm = hub.client("cto")
    unknown = confirm.post("/api/killswitch/global/confirm", json={"request_id": "gstop-x"})
    assert unknown.status_code == 409
    pending = request_stop(hub).json()["pending"]
    clock.advance(120)
    late = confirm.post("/api/killswitch/global/confirm", json={"request_id": pending["id"]})
    assert late.status_code == 409
    assert "expired" in late.json()["error"]["message"]
    assert global_enabled(hub)
    assert audit(hub) == []


async def test_an_unconfirmed_request_expires_on_its_own(hub_factory: HubFactory) -> None:
    clock = FakeClock()
    hub = hub_factory(clock=clock, **TWO)
    pending = request_stop(hub).json()["pending"]
    async with stream(hub) as ws:
        await hello(ws, None)
        await recv(ws)
        clock.advance(121)
        frames = await recv_until(ws, lambda f: f["type"] == "killswitch.pending")
    assert frames[-1]["data"] == {"state": "expired", "pending": pending}
    assert hub.client("viewer").get("/api/packs/status").json()["pending_global"] is None


def test_a_pending_request_survives_a_restart(hub_factory: HubFactory) -> None:
    clock = FakeClock()
    hub = hub_factory(clock=clock, **TWO)
    pending = request_stop(hub).json()["pending"]
    hub.restart()
    wait_tick(hub, clock)
    assert hub.client("viewer").get("/api/packs/status").json()["pending_global"] == pending
    answer = hub.client("security-lead").post(
        "/api/killswitch/global/confirm",
        json={"request_id": pending["id"]},
        headers={"Idempotency-Key": "confirm-1"},
    )
    replay = hub.client("security-lead").post(
        "/api/killswitch/global/confirm",
        json={"request_id": pending["id"]},
        headers={"Idempotency-Key": "confirm-1"},
    )
    assert answer.status_code == replay.status_code == 200
    assert replay.headers["Idempotency-Replayed"] == "true"
    assert replay.json() == answer.json()
    assert len(audit(hub)) == 1


def test_off_by_default_and_pack_stops_are_one_person(hub: RunningHub) -> None:
    assert request_stop(hub).status_code == 200
    assert hub.client("viewer").get("/api/packs/status").json()["pending_global"] is None
    status = hub.client("viewer").get("/api/whoami").json()
    assert status["two_person_global"] is False


def test_pack_stops_never_wait(hub_factory: HubFactory) -> None:
    hub = hub_factory(**TWO)
    answer = hub.client("on-call").post("/api/killswitch/pack/support", json=STOP)
    assert answer.status_code == 200 and answer.json()["changed"] is True
