"""What a real hub sends fits the schemas: every frame of every event type decodes as the
console decodes it, and every HTTP answer fits its schema in services/domain/api.py."""

from __future__ import annotations

import asyncio
import copy
import time
import typing
from typing import Any

import httpx
import msgspec

from services.domain import api, protocol
from services.hub.state.incidents import STATUS_UPDATE_LABELS
from tests.hub.helpers import fixture, hello, stream
from tests.hubtools import RunningHub


def fits(answer: httpx.Response, schema: type[msgspec.Struct]) -> dict[str, Any]:
    """The answer's JSON, after checking it against ``schema`` (strictly, as a client would)."""
    assert answer.is_success, answer.text
    data: dict[str, Any] = answer.json()
    msgspec.convert(data, schema)
    return data


def exercise(hub: RunningHub) -> None:
    """Make the hub emit every event type, checking each answer on the way."""
    agent, ic, cto = hub.client("agent"), hub.client("incident-commander"), hub.client("cto")
    beat = {"pack": "support", "state": "running", "tool_calls_per_min": 3}
    fits(agent.post("/api/agents/a1/heartbeat", json=beat), api.HeartbeatAnswer)
    fits(
        agent.post("/api/agents/a2/heartbeat", json={**beat, "pack": "marketing"}),
        api.HeartbeatAnswer,
    )
    webhook = fixture("webhook-firing-support.json")
    ingest = hub.client("ingest")
    fits(ingest.post("/api/ingest/alertmanager", json=webhook), api.IngestAnswer)
    [incident] = fits(ic.get("/api/incidents"), api.IncidentsAnswer)["incidents"]
    base = f"/api/incidents/{incident['id']}"
    fits(ic.post(base + "/notes", json={"text": "looking"}), api.IncidentAnswer)
    fits(ic.post(base + "/severity", json={"severity": "SEV2"}), api.IncidentAnswer)
    stop = {"enabled": False, "reason": "PII", "incident_id": incident["id"]}
    fits(ic.post("/api/killswitch/pack/support", json=stop), api.SwitchAnswer)
    fits(
        agent.post("/api/agents/a1/heartbeat", json={**beat, "state": "stopped"}),
        api.HeartbeatAnswer,
    )
    asked = ic.post("/api/killswitch/global", json=stop)
    assert asked.status_code == 202
    pending = fits(asked, api.PendingAnswer)["pending"]
    confirm = {"request_id": pending["id"]}
    fits(cto.post("/api/killswitch/global/confirm", json=confirm), api.SwitchAnswer)
    # a2 never reports stopped: after the deadline, a violation.
    resolved = copy.deepcopy(webhook)
    for item in resolved["alerts"]:
        item["status"] = "resolved"
    fits(ingest.post("/api/ingest/alertmanager", json=resolved), api.IngestAnswer)
    fits(ic.post(base + "/resolve", json={"root_cause": "a prompt"}), api.IncidentAnswer)
    fits(ic.get(base), api.IncidentDetailAnswer)
    fits(ic.get("/api/state"), api.StateAnswer)
    fits(ic.get("/api/packs/status"), api.PacksStatusAnswer)
    fits(ic.get("/api/audit"), api.AuditAnswer)
    fits(ic.get("/api/whoami"), api.WhoamiAnswer)
    refused = ingest.post("/api/ingest/alertmanager", content=b"{not json")
    assert refused.status_code == 400
    fits(hub.client().get("/health"), api.HealthAnswer)


async def test_every_frame_of_a_real_hub_fits_the_schema(hub_factory: Any) -> None:
    hub = hub_factory(
        two_person_global=True, stop_deadline_s=0.3, tick_interval_s=0.1, heartbeat_interval_s=0.2
    )
    seen: dict[str, int] = {}
    async with stream(hub) as ws:
        await hello(ws, None)
        await asyncio.get_running_loop().run_in_executor(None, exercise, hub)
        deadline = time.monotonic() + 10
        while set(seen) != set(protocol.EVENT_TYPES) and time.monotonic() < deadline:
            raw = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
            envelope = protocol.decode_frame(raw)  # raises FrameError on any misfit
            seen[envelope.type] = seen.get(envelope.type, 0) + 1
    assert sorted(set(protocol.EVENT_TYPES) - set(seen)) == []


async def test_the_snapshot_policy_is_the_hubs(hub: RunningHub) -> None:
    from services.domain.policy import policy_from_dict

    async with stream(hub) as ws:
        await hello(ws, None)
        snapshot = protocol.decode_frame(await ws.recv())
    assert snapshot.type == "snapshot"
    policy = policy_from_dict(snapshot.data["policy"], "snapshot")
    assert policy.response_seconds("SEV1") == 15 * 60


def test_status_update_kinds_are_the_hubs() -> None:
    """The body schema's closed set is the hub's own table of status updates."""
    assert typing.get_args(api.StatusUpdateKind) == tuple(STATUS_UPDATE_LABELS)
