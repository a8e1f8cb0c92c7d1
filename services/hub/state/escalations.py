"""The escalation engine: the runbook's Escalation Contacts, applied by the hub.

The hub is the authority even when no console is open: every tick, and right after
an incident opens or its severity or breach flag changes, each open incident's
due escalations (:func:`services.domain.escalation.due_escalations`, deduped by key) are
recorded on the incident, announced, and handed to the webhook delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.domain.escalation import due_escalations, role_label
from services.domain.policy import Policy
from services.domain.timeutil import Clock
from services.hub.state.incidents import IncidentDesk

log = logging.getLogger("warroom.hub")

# Called with (incident, escalation) dicts for each escalation recorded.
Deliver = Callable[[dict[str, Any], dict[str, Any]], None]


def describe(escalation: dict[str, Any], policy: Policy) -> str:
    """The timeline text: ``escalated to engineering manager: no progress in 30 min``."""
    label = role_label(str(escalation.get("role", "")))
    key = str(escalation.get("key", ""))
    reason = str(escalation.get("reason", ""))
    if key.startswith("no-progress@"):
        # The stored reason names the quiet period's start, for the dedupe key;
        # people need the rule.
        reason = f"no progress in {policy.escalation.no_progress_minutes} min"
    action = escalation.get("action")
    if action == "ticket":
        return f"ticket opened for {label}: {reason}"
    if action == "notify":
        return f"notified {label}: {reason}"
    return f"escalated to {label}: {reason}"


class EscalationEngine:
    """Records what :func:`due_escalations` says is due; idempotent by construction.

    What is recorded lives in ``incident.escalations`` (with its ``key``) in the
    store, so neither a second tick nor a restart escalates twice.
    """

    def __init__(
        self,
        desk: IncidentDesk,
        policy: Policy,
        clock: Clock,
        deliver: Deliver | None = None,
    ) -> None:
        self._desk = desk
        self._policy = policy
        self._clock = clock
        self._deliver = deliver

    def run(self, now: datetime) -> int:
        """Escalate every open incident that is due; the number of escalations recorded."""
        return sum(self.run_for(incident_id, now) for incident_id in self._desk.open_ids())

    def run_for(self, incident_id: str, now: datetime | None = None) -> int:
        """Escalate one incident if due; the number of escalations recorded."""
        incident = self._desk.get(incident_id)
        due = due_escalations(incident, self._policy, now or self._clock())
        if not due:
            return 0
        items = [item.to_dict() for item in due]
        self._desk.record_escalations(
            incident_id, [(item, describe(item, self._policy)) for item in items]
        )
        incident_data = incident.to_dict()
        for item in items:
            log.warning(
                "%s escalated to %s (%s): %s",
                incident_id,
                item["role"],
                item["action"],
                item["reason"],
            )
            if self._deliver is not None:
                self._deliver(incident_data, item)
        return len(items)
