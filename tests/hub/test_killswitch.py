"""Kill switches: what agents are told, the audit trail, refusals, durability."""

from __future__ import annotations

from tests.hub.helpers import audit
from tests.hubtools import RunningHub

STOP = {"enabled": False, "reason": "PII in replies"}
ENABLE = {"enabled": True, "reason": "fixed"}


def beat(hub: RunningHub, agent: str, pack: str, state: str = "running") -> dict[str, object]:
    answer = hub.client("agent").post(
        f"/api/agents/{agent}/heartbeat", json={"pack": pack, "state": state}
    )
    assert answer.status_code == 200, answer.text
    data: dict[str, object] = answer.json()
    return data


def test_pack_stop_reaches_that_packs_agents_only(hub: RunningHub) -> None:
    assert beat(hub, "support-bot", "support")["allowed"] is True
    answer = hub.client("on-call").post("/api/killswitch/pack/support", json=STOP)
    assert answer.status_code == 200
    body = answer.json()
    assert body["changed"] is True
    assert body["applied"] == {
        "scope": "pack",
        "pack": "support",
        "enabled": False,
        "changed_by": "on-call-user",
        "changed_at": body["applied"]["changed_at"],
        "reason": "PII in replies",
        "incident_id": None,
    }
    assert body["audit"]["action"] == "stop"
    assert body["audit"]["target"] == "pack:support"
    assert body["audit"]["role"] == "on-call"
    assert body["audit"]["client"] == "127.0.0.1"
    told = beat(hub, "support-bot", "support")
    assert told["allowed"] is False
    assert told["reason"] == "pack support stopped by on-call-user: PII in replies"
    assert beat(hub, "seo-auditor", "marketing")["allowed"] is True


def test_global_stop_stops_every_pack_and_enable_restores(hub: RunningHub) -> None:
    ic = hub.client("incident-commander")
    assert ic.post("/api/killswitch/global", json=STOP).json()["changed"] is True
    for pack in hub.config.packs:
        told = beat(hub, f"agent-{pack}", pack)
        assert told["allowed"] is False
        assert str(told["reason"]).startswith("global kill switch stopped by")
    assert ic.post("/api/killswitch/global", json=ENABLE).json()["audit"]["action"] == "enable"
    for pack in hub.config.packs:
        assert beat(hub, f"agent-{pack}", pack)["allowed"] is True


def test_a_pack_needs_both_switches(hub: RunningHub) -> None:
    ic = hub.client("incident-commander")
    ic.post("/api/killswitch/pack/legal", json=STOP)
    ic.post("/api/killswitch/global", json=STOP)
    ic.post("/api/killswitch/global", json=ENABLE)
    assert beat(hub, "nda-drafter", "legal")["allowed"] is False
    assert beat(hub, "kb-writer", "support")["allowed"] is True


def test_unchanged_switch_records_nothing(hub: RunningHub) -> None:
    client = hub.client("team-lead")
    answer = client.post("/api/killswitch/pack/devops", json=ENABLE).json()
    assert answer["changed"] is False
    assert answer["audit"] is None
    assert audit(hub) == []


def test_refusals(hub: RunningHub) -> None:
    client = hub.client("incident-commander")
    unknown = client.post("/api/killswitch/pack/billing", json=STOP)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    empty = client.post("/api/killswitch/pack/support", json={"enabled": False, "reason": "  "})
    assert empty.status_code == 422
    assert "reason" in empty.json()["error"]["message"]
    missing = client.post("/api/killswitch/global", json={"enabled": False})
    assert missing.status_code == 422
    wrong = client.post("/api/killswitch/global", json={"enabled": "no", "reason": "x"})
    assert wrong.status_code == 400
    assert "enabled" in wrong.json()["error"]["message"]
    no_incident = client.post("/api/killswitch/global", json={**STOP, "incident_id": "INC-99"})
    assert no_incident.status_code == 422
    assert audit(hub) == []
    assert beat(hub, "support-bot", "support")["allowed"] is True


def test_switch_change_goes_on_the_incident_timeline(hub: RunningHub) -> None:
    client = hub.client("incident-commander")
    opened = client.post(
        "/api/incidents",
        json={
            "title": "leak",
            "severity": "SEV1",
            "category": "pii_exposure",
            "packs": ["support"],
        },
    ).json()["incident"]
    body = {**STOP, "incident_id": opened["id"]}
    answer = client.post("/api/killswitch/pack/support", json=body).json()
    assert answer["audit"]["incident_id"] == opened["id"]
    detail = client.get(f"/api/incidents/{opened['id']}").json()
    last = detail["timeline"][-1]
    assert last["kind"] == "killswitch"
    assert last["text"] == "pack support stopped by incident-commander-user: PII in replies"
    assert detail["incident"]["last_progress_at"] >= opened["last_progress_at"]


def test_switches_and_audit_survive_restart(hub: RunningHub) -> None:
    hub.client("cto").post("/api/killswitch/global", json=STOP)
    hub.client("team-lead").post("/api/killswitch/pack/research", json=STOP)
    before = audit(hub)
    hub.restart()
    status = hub.client("viewer").get("/api/packs/status").json()
    assert status["global"]["enabled"] is False
    assert status["global"]["changed_by"] == "cto-user"
    research = next(p for p in status["packs"] if p["name"] == "research")
    assert research["enabled"] is False
    assert audit(hub) == before
    again = hub.client("cto").post("/api/killswitch/global", json=ENABLE).json()
    assert again["audit"]["id"] == "AUD-3"  # numbering continues after a restart


def test_packs_status_counts_agents(hub: RunningHub) -> None:
    beat(hub, "a", "support", "running")
    beat(hub, "b", "support", "stopped")
    beat(hub, "c", "support", "stuck")
    status = hub.client("viewer").get("/api/packs/status").json()
    support = next(p for p in status["packs"] if p["name"] == "support")
    assert support["agents"] == {
        "total": 3,
        "running": 1,
        "idle": 0,
        "degraded": 0,
        "stuck": 1,
        "stopped": 1,
        "error": 0,
    }
    assert [p["name"] for p in status["packs"]] == hub.config.packs
    assert status["global"]["scope"] == "global"
