"""``warroom export INC-ID``: fetch an incident from the hub and write its document.

The document itself is :mod:`services.domain.export`; this module only fetches what it
needs (the incident, its timeline, its kill-switch audit, and the hub's effective
policy and runbook, so the retrospective's due date and the checklist are the
hub's own) and reports failures with the shared exit codes.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from services.console.hub_client import HubClient, HubRefused, HubUnreachable, hub_path
from services.console.replicas import Hubs, shown_hubs
from services.domain.export import export_json, export_markdown
from services.domain.models import AuditRecord, Incident, ModelError, TimelineEntry
from services.domain.policy import Policy, PolicyError, load_policy, policy_from_dict
from services.domain.runbook import Runbook, RunbookError, load_runbook, runbook_from_snapshot
from services.domain.textsafe import make_visible
from services.ops.outcome import ExitCode, Outcome


async def _audit(client: HubClient, incident_id: str) -> list[AuditRecord] | None:
    """The incident's kill-switch audit; ``None`` when the hub keeps none we may read."""
    try:
        data = await client.audit(incident_id=incident_id)
    except HubRefused:
        return None
    return [AuditRecord.from_dict(row) for row in data]


async def _hub_rules(client: HubClient) -> tuple[Policy, Runbook]:
    """The hub's effective policy and runbook (from its state); the shipped ones for a
    hub that sends neither. Raises :class:`PolicyError` / :class:`RunbookError`."""
    state = await client.request("GET", hub_path("api", "state"))
    raw_policy = state.get("policy")
    policy = (
        policy_from_dict(raw_policy, "the hub's policy")
        if isinstance(raw_policy, dict)
        else load_policy()
    )
    raw_runbook = state.get("runbook")
    runbook = (
        runbook_from_snapshot(raw_runbook, "the hub's runbook")
        if raw_runbook is not None
        else load_runbook()
    )
    return policy, runbook


async def export_incident(
    hub_url: Hubs,
    token: str,
    incident_id: str,
    *,
    fmt: str,
    redact: bool,
    policy: Policy | None,
    now: datetime,
) -> Outcome:
    """The document as ``Outcome.message`` (``md``) or JSON text (``json``).

    ``policy`` None: the hub's effective policy, as every console uses it."""
    try:
        async with HubClient(hub_url, token) as client:
            data = await client.incident(incident_id)
            audit = await _audit(client, incident_id)
            hub_policy, runbook = await _hub_rules(client)
    except HubRefused as error:
        return Outcome(
            ExitCode.REFUSED, f"refused: {make_visible(error.message)} (HTTP {error.status})"
        )
    except HubUnreachable as error:
        return Outcome(
            ExitCode.UNREACHABLE,
            f"the hub at {shown_hubs(hub_url)} did not answer ({error}); check --hub",
        )
    except (PolicyError, RunbookError) as error:
        return Outcome(ExitCode.REFUSED, f"refused: {make_visible(str(error))}")
    policy = policy if policy is not None else hub_policy
    try:
        incident = Incident.from_dict(data.get("incident"))
        timeline = [TimelineEntry.from_dict(row) for row in data.get("timeline", [])]
    except ModelError as error:
        return Outcome(ExitCode.REFUSED, f"the hub's answer is not an incident: {error}")
    if fmt == "json":
        doc: dict[str, Any] = export_json(
            incident, timeline, policy, now, redact=redact, audit=audit, runbook=runbook
        )
        return Outcome(ExitCode.OK, json.dumps(doc, indent=2, ensure_ascii=False))
    document = export_markdown(
        incident, timeline, policy, now, redact=redact, audit=audit, runbook=runbook
    )
    return Outcome(ExitCode.OK, document)


async def export_with_policy(
    hub_url: Hubs,
    token: str,
    incident_id: str,
    *,
    fmt: str,
    redact: bool,
    policy_path: Path | None,
    now: datetime,
) -> Outcome:
    """:func:`export_incident` with the policy read from ``policy_path`` (the hub's own
    when ``None``); a bad policy file is refused before the hub is asked."""
    policy: Policy | None = None
    if policy_path is not None:
        try:
            policy = load_policy(policy_path)
        except PolicyError as error:
            return Outcome(ExitCode.REFUSED, str(error))
    return await export_incident(
        hub_url, token, incident_id, fmt=fmt, redact=redact, policy=policy, now=now
    )
