"""Prometheus Alertmanager webhook payloads (version 4) → :class:`Alert` models.

The whole payload is checked before anything is applied, so a bad alert in a
group refuses the group (400, the field named) instead of half-applying it;
Alertmanager then retries and the failure stays visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from services.domain.api import AlertmanagerAlert, AlertmanagerPayload
from services.domain.models import SEVERITIES, Alert, Severity
from services.domain.policy import Policy
from services.domain.schema import SchemaError, convert
from services.domain.timeutil import parse_optional, parse_rfc3339, to_rfc3339
from services.hub.errors import BadRequest


@dataclass(frozen=True)
class IncomingAlert:
    """One alert of a webhook, its fields derived as docs/protocol.md says."""

    alert: Alert
    firing: bool


def parse_webhook(payload: Any, policy: Policy, now: datetime) -> list[IncomingAlert]:
    """Check a webhook body and derive each alert; raises :class:`BadRequest`."""
    try:
        webhook = convert(payload, AlertmanagerPayload)
    except SchemaError as error:
        # Every refusal is 400, so Alertmanager retries and the failure stays visible.
        raise BadRequest(str(error) if error.path else f"body: {error}") from None
    return [_parse_alert(item, i, policy, now) for i, item in enumerate(webhook.alerts)]


def _time(value: str | None, where: str, *, optional: bool) -> str | None:
    if optional and not value:
        return None
    try:
        moment = parse_optional(value) if optional else parse_rfc3339(str(value))
    except ValueError:
        raise BadRequest(f"{where}: not an RFC 3339 timestamp: {value!r:.40}") from None
    return None if moment is None else to_rfc3339(moment)


def _severity(labels: dict[str, str], category: str, policy: Policy) -> Severity:
    wanted = labels.get("warroom_severity", "")
    return cast(Severity, wanted) if wanted in SEVERITIES else policy.severity_for(category)


def _parse_alert(
    item: AlertmanagerAlert, index: int, policy: Policy, now: datetime
) -> IncomingAlert:
    where = f"alerts[{index}]"
    labels = item.labels or {}
    annotations = item.annotations or {}
    started_at = _time(item.startsAt, f"{where}.startsAt", optional=False)
    # Firing alerts carry the zero time (or a provisional end) in endsAt: not an end.
    ends_at = _time(item.endsAt, f"{where}.endsAt", optional=True)
    category = policy.category_for(labels)
    firing = item.status == "firing"
    alert = Alert(
        fingerprint=item.fingerprint,
        status=item.status,
        severity=_severity(labels, category, policy),
        category=category,
        title=annotations.get("summary") or labels.get("alertname") or item.fingerprint,
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
