"""Prometheus Alertmanager's bodies → :class:`Alert` models: the webhook (version 4)
and, for pull mode, ``GET /api/v2/alerts`` and ``GET /api/v2/silences``.

The whole payload is checked before anything is applied, so a bad alert in a
group refuses the group (400, the field named) instead of half-applying it;
Alertmanager then retries and the failure stays visible. These functions are
pure and may run off the event loop (a 50 MB group takes a while to parse).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import msgspec

from services.domain import jsonsafe
from services.domain.api import (
    AlertmanagerAlert,
    AlertmanagerPayload,
    AlertmanagerPulledAlert,
    AlertmanagerSilence,
)
from services.domain.models import SEVERITIES, Alert, Severity, Silence
from services.domain.policy import Policy
from services.domain.schema import SchemaError, convert
from services.domain.timeutil import parse_optional, parse_rfc3339, to_rfc3339
from services.hub.errors import BadRequest


@dataclass(frozen=True)
class IncomingAlert:
    """One alert of a webhook, its fields derived as docs/protocol.md says."""

    alert: Alert
    firing: bool


def decode_json(raw: bytes) -> Any:
    """A body's JSON (an empty body is ``{}``); :class:`BadRequest` if malformed."""
    if not raw.strip():
        return {}
    try:
        # The same checks as every other body: no lone surrogates, no deep nesting,
        # no 1e999 (services.domain.jsonsafe).
        return jsonsafe.load(raw)
    except jsonsafe.UnsafeJSON as error:
        raise BadRequest(f"body: {error}") from None


def parse_webhook(payload: Any, policy: Policy, now: datetime) -> list[IncomingAlert]:
    """Check a webhook body and derive each alert; raises :class:`BadRequest`."""
    if not isinstance(payload, dict):
        raise BadRequest("body: expected a JSON object")
    try:
        webhook = convert(payload, AlertmanagerPayload)
    except SchemaError as error:
        # Every refusal is 400, so Alertmanager retries and the failure stays visible.
        raise BadRequest(str(error) if error.path else f"body: {error}") from None
    group = _Group(
        key=webhook.groupKey or "",
        labels=dict(webhook.groupLabels or {}),
        external_url=webhook.externalURL or "",
    )
    return [
        _parse_alert(item, f"alerts[{i}]", policy, now, group, firing=item.status == "firing")
        for i, item in enumerate(webhook.alerts)
    ]


def parse_pulled(
    payload: Any, policy: Policy, now: datetime, external_url: str
) -> list[IncomingAlert]:
    """``GET /api/v2/alerts`` → alerts, with their silenced/inhibited state (silence ids
    only: :func:`attach_silences` fills in who and why); raises :class:`BadRequest`."""
    try:
        pulled = convert(payload, list[AlertmanagerPulledAlert])
    except SchemaError as error:
        raise BadRequest(str(error) if error.path else f"alerts: {error}") from None
    found: list[IncomingAlert] = []
    group = _Group(key="", labels={}, external_url=external_url)
    for index, item in enumerate(pulled):
        ends = parse_optional(item.endsAt) if item.endsAt else None
        # Alertmanager lists an alert until it is garbage-collected; past its end it is over.
        firing = ends is None or ends.year <= 1 or ends > now
        as_webhook = AlertmanagerAlert(
            status="firing" if firing else "resolved",
            fingerprint=item.fingerprint,
            startsAt=item.startsAt,
            endsAt=item.endsAt,
            labels=item.labels,
            annotations=item.annotations,
            generatorURL=item.generatorURL,
        )
        incoming = _parse_alert(as_webhook, f"[{index}]", policy, now, group, firing=firing)
        incoming.alert.silenced_by = [Silence(id=s) for s in item.status.silencedBy or []]
        incoming.alert.inhibited_by = list(item.status.inhibitedBy or [])
        found.append(incoming)
    return found


def parse_silences(payload: Any) -> dict[str, Silence]:
    """``GET /api/v2/silences`` → silences by id; raises :class:`BadRequest`."""
    try:
        items = convert(payload, list[AlertmanagerSilence])
    except SchemaError as error:
        raise BadRequest(str(error) if error.path else f"silences: {error}") from None
    return {item.id: silence_of(item) for item in items}


def silence_of(item: AlertmanagerSilence) -> Silence:
    """Alertmanager's silence as warroom's model."""
    return Silence(
        id=item.id,
        created_by=item.createdBy,
        comment=item.comment,
        starts_at=item.startsAt,
        ends_at=item.endsAt,
        state=item.status.state if item.status else "active",
        matchers=[msgspec.to_builtins(m) for m in item.matchers],
    )


@dataclass(frozen=True)
class _Group:
    key: str
    labels: dict[str, str]
    external_url: str


def _time(value: str | None, where: str, *, optional: bool) -> str | None:
    if optional and not value:
        return None
    try:
        moment = parse_optional(value) if optional else parse_rfc3339(str(value))
    except ValueError:
        raise BadRequest(f"{where}: not an RFC 3339 timestamp: {value!r:.40}") from None
    return None if moment is None else to_rfc3339(moment)


def _severity(labels: dict[str, str], category: str, policy: Policy) -> tuple[Severity, bool]:
    """The alert's severity, and whether it may open an incident."""
    wanted = labels.get("warroom_severity", "")
    if wanted in SEVERITIES:
        return cast(Severity, wanted), True
    mapped = policy.alert_severity_for(labels, category)
    if mapped is None:
        return "SEV4", False
    return mapped, True


def _parse_alert(
    item: AlertmanagerAlert,
    where: str,
    policy: Policy,
    now: datetime,
    group: _Group,
    *,
    firing: bool,
) -> IncomingAlert:
    labels = item.labels or {}
    annotations = item.annotations or {}
    started_at = _time(item.startsAt, f"{where}.startsAt", optional=False)
    # Firing alerts carry the zero time (or a provisional end) in endsAt: not an end.
    ends_at = _time(item.endsAt, f"{where}.endsAt", optional=True)
    category = policy.category_for(labels)
    severity, opens = _severity(labels, category, policy)
    alert = Alert(
        fingerprint=item.fingerprint,
        status="firing" if firing else "resolved",
        severity=severity,
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
        annotations=annotations,
        generator_url=item.generatorURL or "",
        external_url=group.external_url,
        group_key=group.key,
        group_labels=group.labels,
        label_severity=labels.get("severity", ""),
        opens_incident=opens,
    )
    return IncomingAlert(alert=alert, firing=firing)
