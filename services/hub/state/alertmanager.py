"""Prometheus Alertmanager webhook payloads (version 4) → :class:`Alert` models.

The whole payload is checked before anything is applied, so a bad alert in a
group refuses the group (400, the field named) instead of half-applying it;
Alertmanager then retries and the failure stays visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.domain.models import SEVERITIES, Alert
from services.domain.policy import Policy
from services.domain.timeutil import parse_optional, parse_rfc3339, to_rfc3339
from services.hub.errors import BadRequest


@dataclass(frozen=True)
class IncomingAlert:
    """One alert of a webhook, its fields derived as docs/protocol.md says."""

    alert: Alert
    firing: bool


def parse_webhook(payload: Any, policy: Policy, now: datetime) -> list[IncomingAlert]:
    """Check a webhook body and derive each alert; raises :class:`BadRequest`."""
    if not isinstance(payload, dict):
        raise BadRequest("body: expected an Alertmanager webhook object")
    version = payload.get("version")
    if version != "4":
        raise BadRequest(f'version: expected "4", got {version!r:.40}')
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise BadRequest("alerts: expected a list")
    return [_parse_alert(item, f"alerts[{i}]", policy, now) for i, item in enumerate(alerts)]


def _str_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise BadRequest(f"{where}: expected an object of strings")
    return dict(value)


def _time(value: Any, where: str, *, optional: bool) -> str | None:
    if optional and (value is None or value == ""):
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{where}: expected an RFC 3339 timestamp")
    try:
        moment = parse_optional(value) if optional else parse_rfc3339(value)
    except ValueError:
        raise BadRequest(f"{where}: not an RFC 3339 timestamp: {value!r:.40}") from None
    return None if moment is None else to_rfc3339(moment)


def _parse_alert(item: Any, where: str, policy: Policy, now: datetime) -> IncomingAlert:
    if not isinstance(item, dict):
        raise BadRequest(f"{where}: expected an object")
    status = item.get("status")
    if status not in ("firing", "resolved"):
        raise BadRequest(f'{where}.status: expected "firing" or "resolved"')
    fingerprint = item.get("fingerprint")
    if not isinstance(fingerprint, str) or not fingerprint:
        raise BadRequest(f"{where}.fingerprint: expected a non-empty string")
    labels = _str_map(item.get("labels"), f"{where}.labels")
    annotations = _str_map(item.get("annotations"), f"{where}.annotations")
    started_at = _time(item.get("startsAt"), f"{where}.startsAt", optional=False)
    # Firing alerts carry the zero time (or a provisional end) in endsAt: not an end.
    ends_at = _time(item.get("endsAt"), f"{where}.endsAt", optional=True)
    category = policy.category_for(labels)
    severity = labels.get("warroom_severity", "")
    if severity not in SEVERITIES:
        severity = policy.severity_for(category)
    firing = status == "firing"
    alert = Alert(
        fingerprint=fingerprint,
        status=status,
        severity=severity,
        category=category,
        title=annotations.get("summary") or labels.get("alertname") or fingerprint,
        started_at=started_at or to_rfc3339(now),
        pack=labels.get("pack") or None,
        agent=labels.get("agent") or None,
        description=annotations.get("description", ""),
        ended_at=None if firing else (ends_at or to_rfc3339(now)),
        last_seen_at=to_rfc3339(now),
        repeat_count=1,
        incident_id=None,
        source="alertmanager",
        labels=labels,
    )
    return IncomingAlert(alert=alert, firing=firing)
