"""``warroom export INC-ID``: fetch an incident from the hub and write its document.

The document itself is :mod:`services.domain.export`; this module only fetches what it
needs (the incident, its timeline and its kill-switch audit) and reports
failures with the shared exit codes.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from services.console.hub_client import HubClient, HubRefused, HubUnreachable
from services.domain.export import export_json, export_markdown
from services.domain.models import AuditRecord, Incident, ModelError, TimelineEntry
from services.domain.policy import Policy, PolicyError, load_policy
from services.domain.textsafe import make_visible
from services.ops.outcome import ExitCode, Outcome


async def _audit(client: HubClient, incident_id: str) -> list[AuditRecord] | None:
    """The incident's kill-switch audit; ``None`` when the hub keeps none we may read."""
    try:
        data = await client.audit(incident_id=incident_id)
    except HubRefused:
        return None
    return [AuditRecord.from_dict(row) for row in data]


async def export_incident(
    hub_url: str,
    token: str,
    incident_id: str,
    *,
    fmt: str,
    redact: bool,
    policy: Policy,
    now: datetime,
) -> Outcome:
    """The document as ``Outcome.message`` (``md``) or JSON text (``json``)."""
    try:
        async with HubClient(hub_url, token) as client:
            data = await client.incident(incident_id)
            audit = await _audit(client, incident_id)
    except HubRefused as error:
        return Outcome(
            ExitCode.REFUSED, f"refused: {make_visible(error.message)} (HTTP {error.status})"
        )
    except HubUnreachable as error:
        return Outcome(
            ExitCode.UNREACHABLE, f"the hub at {hub_url} did not answer ({error}); check --hub"
        )
    try:
        incident = Incident.from_dict(data.get("incident"))
        timeline = [TimelineEntry.from_dict(row) for row in data.get("timeline", [])]
    except ModelError as error:
        return Outcome(ExitCode.REFUSED, f"the hub's answer is not an incident: {error}")
    if fmt == "json":
        doc: dict[str, Any] = export_json(
            incident, timeline, policy, now, redact=redact, audit=audit
        )
        return Outcome(ExitCode.OK, json.dumps(doc, indent=2, ensure_ascii=False))
    return Outcome(
        ExitCode.OK, export_markdown(incident, timeline, policy, now, redact=redact, audit=audit)
    )


async def export_with_policy(
    hub_url: str,
    token: str,
    incident_id: str,
    *,
    fmt: str,
    redact: bool,
    policy_path: Path | None,
    now: datetime,
) -> Outcome:
    """:func:`export_incident` with the policy read from ``policy_path`` (the shipped
    one when ``None``); a bad policy file is refused before the hub is asked."""
    try:
        policy = load_policy(policy_path)
    except PolicyError as error:
        return Outcome(ExitCode.REFUSED, str(error))
    return await export_incident(
        hub_url, token, incident_id, fmt=fmt, redact=redact, policy=policy, now=now
    )
