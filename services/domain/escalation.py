"""The runbook's Escalation Contacts as rules over an incident (``policy.toml [escalation]``).

The hub calls :func:`due_escalations` as often as it likes (every second is fine)
and records what it returns; the function is idempotent because every escalation
carries a **dedupe key** derived from its role and its trigger:

==========================  ===============================================
key                         trigger
==========================  ===============================================
``open:<role>``             at-open page of a SEV1/SEV2 (or once raised to one)
``ticket:<role>``           at-open ticket of a SEV3/SEV4 (skipped once paged)
``security:<role>``         a PII / authorization category, once per incident
``breach:<role>``           ``breach_confirmed``, once per incident
``no-progress@<ts>:<role>`` a quiet period: ``<ts>`` is ``last_progress_at``
==========================  ===============================================

The returned objects are :class:`KeyedEscalation` (an ``Escalation`` with a ``key``
field) so ``to_dict()`` stores the key in ``incident.escalations``; store that dict.
Entries stored without a key are still recognised from their role, action and
reason (:func:`escalation_key`), so an older record never pages twice.

Progress (ack, note, action, status or severity change) moves ``last_progress_at``,
which starts a new quiet period and so a new key. Escalating is *not* progress:
the hub must not move ``last_progress_at`` when it records one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from services.domain.models import Escalation, EscalationAction, Incident, category_label
from services.domain.policy import Policy
from services.domain.timers import Countdown
from services.domain.timeutil import format_duration, parse_optional, parse_rfc3339, to_rfc3339

ROLE_LABELS = {
    "on-call": "on-call engineer",
    "engineering-manager": "engineering manager",
    "security-lead": "security lead",
    "legal": "legal",
}
# Short names for countdown labels ("EM escalation in 30:00").
ROLE_SHORT = {"engineering-manager": "EM", "security-lead": "security lead"}

# How records written before escalations carried their key said it (recognised still).
_NO_PROGRESS_REASON = re.compile(r"^no progress for \d+ min since (\S+)")


class KeyedEscalation(Escalation):
    """An :class:`Escalation` with its dedupe key (kept by ``to_dict``)."""

    key: str = ""


def role_label(role: str) -> str:
    """``engineering-manager`` → ``engineering manager``."""
    return ROLE_LABELS.get(role, role.replace("-", " ").replace("_", " "))


def escalation_key(escalation: Mapping[str, Any] | Escalation) -> str:
    """The dedupe key of a recorded escalation (see the module docstring)."""
    data: Mapping[str, Any] = (
        escalation.to_dict() if isinstance(escalation, Escalation) else escalation
    )
    key = data.get("key")
    if isinstance(key, str) and key:
        return key
    # A record without a key: recognise it from the reasons this module writes.
    role, action = str(data.get("role", "")), str(data.get("action", "page"))
    reason = str(data.get("reason", ""))
    quiet = _NO_PROGRESS_REASON.match(reason)
    if quiet:
        return f"no-progress@{quiet.group(1)}:{role}"
    if action == "ticket":
        return f"ticket:{role}"
    if action == "notify" or reason == "data breach confirmed":
        return f"breach:{role}"
    if reason.startswith("security:"):
        return f"security:{role}"
    return f"open:{role}"


def _recorded(incident: Incident) -> set[str]:
    return {escalation_key(item) for item in incident.escalations if isinstance(item, Mapping)}


def _no_progress_since(incident: Incident) -> datetime:
    # A missing or unreadable last_progress_at falls back to the opening, never crashes.
    try:
        return parse_optional(incident.last_progress_at) or parse_rfc3339(incident.opened_at)
    except ValueError:
        return parse_rfc3339(incident.opened_at)


def _quiet_key(since: datetime, role: str) -> str:
    return f"no-progress@{to_rfc3339(since)}:{role}"


def due_escalations(incident: Incident, policy: Policy, now: datetime) -> list[Escalation]:
    """Every escalation due by ``now`` that ``incident.escalations`` does not hold yet.

    In order: at-open pages (or ticket), security lead, legal, engineering manager for
    no progress. Resolved incidents escalate nothing.
    """
    if not incident.is_open:
        return []
    rules = policy.escalation
    done = _recorded(incident)
    at = to_rfc3339(now)
    due: list[Escalation] = []

    def add(key: str, role: str, reason: str, action: EscalationAction) -> None:
        if key not in done:
            done.add(key)
            due.append(KeyedEscalation(role=role, at=at, reason=reason, action=action, key=key))

    sev = incident.severity
    if sev in rules.page_severities:
        ticketed = any(k.startswith("ticket:") for k in done)
        reason = f"raised to {sev}" if ticketed else f"{sev} incident opened"
        for role in rules.page_roles:
            add(f"open:{role}", role, reason, "page")
    elif f"open:{rules.ticket_role}" not in done:
        # Once paged, a later downgrade needs no ticket on top.
        add(f"ticket:{rules.ticket_role}", rules.ticket_role, f"{sev} incident opened", "ticket")
    if incident.category in rules.security_categories:
        role = rules.security_role
        add(f"security:{role}", role, f"security: {category_label(incident.category)}", "page")
    if incident.breach_confirmed:
        add(f"breach:{rules.breach_role}", rules.breach_role, "data breach confirmed", "notify")
    if sev in rules.no_progress_severities:
        since = _no_progress_since(incident)
        if now - since >= timedelta(seconds=rules.no_progress_seconds):
            role = rules.no_progress_role
            # Said as a person reads it; the key keeps the exact time.
            reason = (
                f"no progress for {rules.no_progress_minutes} min"
                f" (last progress {since:%H:%M:%S} UTC)"
            )
            add(_quiet_key(since, role), role, reason, "page")
    return due


def escalation_countdowns(incident: Incident, policy: Policy, now: datetime) -> list[Countdown]:
    """The escalations still to come, with the time left: today the no-progress one,
    e.g. ``EM escalation in 30:00`` for a SEV2 with fresh progress. Empty for SEV3/4,
    resolved incidents, and once this quiet period has been escalated. A countdown
    that reached zero before the hub recorded it shows ``… due now`` (overdue)."""
    rules = policy.escalation
    if not incident.is_open or incident.severity not in rules.no_progress_severities:
        return []
    since = _no_progress_since(incident)
    role = rules.no_progress_role
    key = _quiet_key(since, role)
    if key in _recorded(incident):
        return []
    due_at = since + timedelta(seconds=rules.no_progress_seconds)
    remaining = (due_at - now).total_seconds()
    name = ROLE_SHORT.get(role, role_label(role))
    if remaining > 0:
        label = f"{name} escalation in {format_duration(remaining)}"
    else:
        label = f"{name} escalation due now"
    return [
        Countdown(
            label=label, due_at=due_at, remaining_s=remaining, overdue=remaining <= 0, key=key
        )
    ]


def escalated_roles(incident: Incident, *, include_initial: bool = False) -> list[str]:
    """Display labels of the roles escalated to, in order, each once.

    The routine at-open page or ticket that every incident of its severity gets is left
    out unless ``include_initial``: "escalated: engineering manager" should mean the
    no-progress rule fired, not that a SEV2 was opened.
    """
    labels: list[str] = []
    for item in incident.escalations:
        if not isinstance(item, Mapping):
            continue
        key = escalation_key(item)
        if not include_initial and key.startswith(("open:", "ticket:")):
            continue
        label = role_label(str(item.get("role", "")))
        if label not in labels:
            labels.append(label)
    return labels
