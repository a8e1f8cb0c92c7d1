"""A fixed, realistic sequence of envelopes for unit and snapshot tests.

Hub time is 2026-11-25T18:20:00Z; the frozen local clock runs 2 s behind it.
tests/console/test_sample_frames.py checks every envelope here against the schema and
against the keys and types of frames recorded from a real hub: keep them in step.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from services.domain.policy import load_policy
from services.domain.runbook import load_runbook

FROZEN_NOW = datetime(2026, 11, 25, 18, 19, 58, tzinfo=UTC)
HUB_TIME = "2026-11-25T18:20:00.000Z"

PACKS = ["marketing", "finance", "engineering", "devops", "legal", "research", "support"]
FLEET: dict[str, list[tuple[str, str, float]]] = {
    "marketing": [
        ("campaign-writer", "running", 212.0),
        ("seo-auditor", "running", 11.0),
        ("social-scheduler", "stuck", 0.0),
        ("ad-optimizer", "idle", 0.0),
    ],
    "finance": [
        ("invoice-reconciler", "running", 9.0),
        ("payments-sync", "running", 14.0),
        ("expense-classifier", "degraded", 3.0),
        ("forecast-builder", "idle", 0.0),
    ],
    "engineering": [
        ("code-reviewer", "running", 22.0),
        ("test-triager", "running", 17.0),
        ("dependency-bumper", "error", 0.0),
        ("release-noter", "idle", 0.0),
    ],
    "devops": [
        ("deploy-watcher", "running", 8.0),
        ("log-summarizer", "running", 12.0),
        ("capacity-planner", "idle", 0.0),
    ],
    "legal": [("contract-reviewer", "running", 4.0), ("policy-checker", "idle", 0.0)],
    "research": [("web-researcher", "running", 31.0), ("paper-digester", "running", 6.0)],
    "support": [
        ("support-bot", "stopped", 0.0),
        ("ticket-summarizer", "stopped", 0.0),
        ("triage-router", "stopped", 0.0),
        ("refund-agent", "stopped", 0.0),
    ],
}


def envelope(seq: int, kind: str, data: dict[str, Any], ts: str = HUB_TIME) -> dict[str, Any]:
    """One server message."""
    return {"v": 1, "seq": seq, "ts": ts, "type": kind, "data": data}


def switch(pack: str | None, enabled: bool = True, **extra: Any) -> dict[str, Any]:
    """A switch object (global when ``pack`` is None)."""
    base: dict[str, Any] = {
        "scope": "global" if pack is None else "pack",
        "pack": pack,
        "enabled": enabled,
        "changed_by": None,
        "changed_at": None,
        "reason": None,
        "incident_id": None,
    }
    base.update(extra)
    return base


def agent(agent_id: str, pack: str, state: str = "running", rate: float = 10.0) -> dict[str, Any]:
    """An agent object."""
    return {
        "id": agent_id,
        "pack": pack,
        "state": state,
        "last_heartbeat": "2026-11-25T18:19:59.500Z",
        "run_id": None if state in ("stopped", "idle") else f"run-{agent_id[:6]}",
        "tool_calls_per_min": rate,
        "tokens_per_min": rate * 300,
    }


def alert(fingerprint: str, **fields: Any) -> dict[str, Any]:
    """An alert object with sensible defaults."""
    base: dict[str, Any] = {
        "fingerprint": fingerprint,
        "status": "firing",
        "severity": "SEV2",
        "category": "runaway_agent",
        "title": "Agent tool-call rate above threshold",
        "started_at": "2026-11-25T18:02:11.087Z",
        "pack": "marketing",
        "agent": "campaign-writer",
        "description": "",
        "ended_at": None,
        "last_seen_at": "2026-11-25T18:02:11.087Z",
        "repeat_count": 1,
        "incident_id": None,
        "source": "alertmanager",
        "labels": {},
        "annotations": {},
        "generator_url": "",
        "external_url": "",
        "group_key": "",
        "group_labels": {},
        "label_severity": "",
        "opens_incident": True,
        "silenced_by": [],
        "inhibited_by": [],
        "stale": False,
        "repeat_interval_s": None,
    }
    base.update(fields)
    return base


def incident(incident_id: str, **fields: Any) -> dict[str, Any]:
    """An incident object with sensible defaults."""
    base: dict[str, Any] = {
        "id": incident_id,
        "title": "Runaway agent in marketing",
        "severity": "SEV2",
        "category": "runaway_agent",
        "status": "triage",
        "opened_at": "2026-11-25T18:02:12.000Z",
        "last_progress_at": "2026-11-25T18:02:12.000Z",
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": None,
        "root_cause": None,
        "impact": "",
        "lead": None,
        "packs": ["marketing"],
        "alert_fingerprints": [],
        "escalations": [],
        "breach_confirmed": False,
        "last_status_update_at": None,
        "alert_count": 0,
        "group_key": "",
        "silences": [],
        "cause": None,
        "checklist": {},
    }
    base.update(fields)
    return base


SUPPORT_STOP = switch(
    "support",
    False,
    changed_by="alice",
    changed_at="2026-11-25T18:12:00.000Z",
    reason="PII in replies",
    incident_id="INC-3",
)

ALERTS = [
    alert(
        "65e4f9066fb1276e",
        severity="SEV1",
        category="pii_exposure",
        title="Possible PII in ticket-summarizer output",
        pack="support",
        agent="ticket-summarizer",
        started_at="2026-11-25T18:07:11.087Z",
        last_seen_at="2026-11-25T18:11:12.000Z",
        repeat_count=4,
        incident_id="INC-3",
    ),
    alert(
        "a1b2c3d4e5f60718",
        last_seen_at="2026-11-25T18:19:40.000Z",
        repeat_count=12,
        incident_id="INC-4",
    ),
    alert(
        "0f0e0d0c0b0a0908",
        status="resolved",
        severity="SEV3",
        category="integration_failure",
        title="Tool error rate high on payments-sync",
        pack="finance",
        agent="payments-sync",
        started_at="2026-11-25T17:51:00.000Z",
        last_seen_at="2026-11-25T17:58:00.000Z",
        ended_at="2026-11-25T17:58:00.000Z",
    ),
    alert(
        "deadbeefdeadbeef",
        severity="SEV4",
        category="incorrect_output",
        title="[bold red]markup[/] and \x1b[31mescapes\x1b[0m shown literally",
        pack="research",
        agent="web-researcher",
        last_seen_at="2026-11-25T18:15:05.000Z",
    ),
]

INCIDENTS = [
    incident(
        "INC-3",
        title="Possible PII in ticket-summarizer output",
        severity="SEV1",
        category="pii_exposure",
        status="contain",
        opened_at="2026-11-25T18:07:12.000Z",
        acknowledged_at="2026-11-25T18:08:00.000Z",
        acknowledged_by="alice",
        packs=["support"],
    ),
    incident("INC-4"),
]


# The stream epoch of the sample hub (docs/protocol.md).
EPOCH = "5f0c9a1e2b7d4c33"


def snapshot(seq: int = 40, *, global_enabled: bool = True) -> dict[str, Any]:
    """A snapshot: agents in every pack, support stopped, a SEV1 and a SEV2."""
    glob = switch(None)
    if not global_enabled:
        glob = switch(
            None,
            False,
            changed_by="dana",
            changed_at="2026-11-25T18:18:30.000Z",
            reason="agents writing to prod DB",
            incident_id="INC-3",
        )
    switches = [glob] + [SUPPORT_STOP if p == "support" else switch(p) for p in PACKS]
    agents = [agent(a, pack, state, rate) for pack in PACKS for a, state, rate in FLEET[pack]]
    data = {
        "reason": "initial",
        "hub_time": HUB_TIME,
        "epoch": EPOCH,
        "recovery": None,
        "packs": PACKS,
        "switches": switches,
        "agents": agents,
        "alerts": ALERTS,
        "incidents": INCIDENTS,
        "timeline": [],
        "pending_global": None,
        # The hub's effective policy; the shipped one, as a hub without a policy file sends.
        "policy": load_policy().raw,
        # The hub's runbook; the shipped one, as a hub without [hub] runbook sends.
        "runbook": load_runbook().to_dict(),
        # Stops in force with the agents the hub has seen stopped (none here).
        "stops": [],
    }
    # A copy: tests edit what they get, and must not edit the next test's data.
    return envelope(seq, "snapshot", copy.deepcopy(data))


def heartbeat(seq: int = 40, hub_time: str = HUB_TIME) -> dict[str, Any]:
    """A heartbeat at ``hub_time``."""
    data = {"hub_time": hub_time, "interval_s": 2.0, "epoch": EPOCH, "recovery": None}
    return envelope(seq, "heartbeat", data, ts=hub_time)
