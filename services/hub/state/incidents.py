"""Incidents and their timelines: opening, alerts joining, people's actions and the
hub's automatic entries (escalations, stop checks).

Built on :class:`~services.hub.state.incident_records.IncidentRecords`, which writes
every change to the store before its events go out.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.domain.models import (
    Alert,
    Incident,
    IncidentStatus,
    Severity,
    TimelineEntry,
    category_label,
)
from services.domain.runbook import Runbook
from services.domain.timeutil import Clock
from services.hub.state.common import HUB_AUTHOR, Actor, severity_rank
from services.hub.state.events import EventLog
from services.hub.state.incident_records import Answer
from services.hub.state.incident_runbook import IncidentRunbook
from storage.hub_store import HubStore

log = logging.getLogger("warroom.hub")

# An incident keeps the fingerprints of its newest alerts only (``alert_count``
# counts them all): an alert storm must not grow every snapshot without bound.
MAX_FINGERPRINTS = 200
# An "alerts attached" entry names this many alerts, then says how many more.
MAX_TITLES = 5
# At most one "alerts attached" entry per incident per this interval: in a storm of
# new alerts, one entry per webhook grew the timeline (and every rewrite of the
# store's file) without bound. Alerts joining in between are summed into the next
# entry, which the tick writes once the interval has passed.
ALERT_ENTRY_INTERVAL = timedelta(seconds=10)


@dataclass
class _Held:
    """Alerts that joined an incident since its last "alerts attached" entry."""

    named: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, alerts: list[Alert]) -> None:
        room = MAX_TITLES - len(self.named)
        self.named.extend(f"{a.title} ({a.fingerprint})" for a in alerts[: max(0, room)])
        self.count += len(alerts)

    def text(self) -> str:
        titles = "; ".join(self.named)
        if self.count > len(self.named):
            titles += f"; and {self.count - len(self.named)} more"
        label = "alert attached" if self.count == 1 else f"{self.count} alerts attached"
        return f"{label}: {titles}"


STATUS_UPDATE_LABELS = {
    "initial": "initial notification sent",
    "status": "status update sent",
    "resolution": "resolution sent",
}


class IncidentDesk(IncidentRunbook):
    """Owns incidents and their timelines; mutations answer ``{incident, changed, entry}``."""

    def __init__(
        self, store: HubStore, events: EventLog, clock: Clock, runbook: Runbook | None = None
    ) -> None:
        super().__init__(store, events, clock, runbook)
        self._held: dict[str, _Held] = {}
        self._last_alert_entry: dict[str, datetime] = {}

    def save(self) -> Callable[[], None]:
        """A copy of the alerts held for entries; the result puts it back."""
        saved = (copy.deepcopy(self._held), dict(self._last_alert_entry))

        def restore() -> None:
            self._held, self._last_alert_entry = saved

        return restore

    # -- opening --------------------------------------------------------------
    def open(
        self,
        *,
        title: str,
        severity: Severity,
        category: str,
        packs: list[str],
        fingerprints: list[str],
        author: str,
        text: str,
        group_key: str = "",
    ) -> Answer:
        """Open an incident at status triage; emits incident.opened + timeline.entry."""
        now = self._now()
        incident = Incident(
            id=f"INC-{self._store.next_incident_number()}",
            title=title,
            severity=severity,
            category=category,
            status="triage",
            opened_at=now,
            last_progress_at=now,
            packs=list(packs),
            alert_fingerprints=list(fingerprints),
            alert_count=len(fingerprints),
            group_key=group_key,
        )
        self._incidents[incident.id] = incident
        entry = self._entry(incident.id, "opened", text, author, at=now)
        self._commit(incident, [entry], event="incident.opened", progress=False)
        log.info("%s opened by %s: %s (%s)", incident.id, author, title, severity)
        self._changed(incident)
        return self._answer(incident, entry)

    def open_from_alert(
        self, alert: Alert, pack: str | None = None, group_key: str | None = None
    ) -> Incident:
        """Open the incident a new firing alert calls for (automatic, so no progress);
        ``pack`` and ``group_key`` as routed (services/hub/state/ingest_routing.py)."""
        name = alert.labels.get("alertname", alert.fingerprint)
        if group_key is None:
            pack, group_key = alert.pack, alert.group_key
        unrouted = f" (pack {alert.pack!r} is not one of this hub's)" if alert.pack != pack else ""
        answer = self.open(
            title=alert.title,
            severity=alert.severity,
            category=alert.category,
            packs=[pack] if pack else [],
            fingerprints=[alert.fingerprint],
            author=HUB_AUTHOR,
            text=f"opened from alert {name}: {alert.title} ({alert.severity}){unrouted}",
            # Without a pack, the alert's Alertmanager group is what its incident is.
            group_key="" if pack else group_key,
        )
        return self._incidents[answer["incident"]["id"]]

    def attach_alerts(self, incident_id: str, alerts: list[Alert]) -> None:
        """Alerts that joined an open incident: one save for the batch, and an "alerts
        attached" entry now or, within ``ALERT_ENTRY_INTERVAL`` of the last one, later.

        The severity is raised (never lowered) to the most severe alert's. Joining
        is automatic, so it is not progress.
        """
        incident = self.get(incident_id)
        entries: list[TimelineEntry] = []
        known = set(incident.alert_fingerprints)
        # An alert already on the incident (re-sent after a restart) is not attached again.
        alerts = [a for a in alerts if a.fingerprint not in known]
        if not alerts:
            return
        for alert in alerts:
            known.add(alert.fingerprint)
            incident.alert_fingerprints.append(alert.fingerprint)
            incident.alert_count += 1
        del incident.alert_fingerprints[:-MAX_FINGERPRINTS]
        self._held.setdefault(incident_id, _Held()).add(alerts)
        if self._alert_entry_due(incident_id, self._clock()):
            entries.append(self._alert_entry(incident_id))
        worst = min(alerts, key=lambda a: severity_rank(a.severity))
        raised = severity_rank(worst.severity) < severity_rank(incident.severity)
        if raised:
            text = f"severity {incident.severity} → {worst.severity} (alert {worst.fingerprint})"
            incident.severity = worst.severity
            entries.append(self._entry(incident.id, "severity", text, HUB_AUTHOR))
        self._commit(incident, entries, progress=False)
        if raised:
            self._changed(incident)

    # -- people's actions (each is progress) ----------------------------------
    def ack(self, incident_id: str, actor: Actor) -> Answer:
        """Acknowledge once; a second ack answers ``changed: false``."""
        incident = self._open_one(incident_id)
        if incident.acknowledged_at is not None:
            return self._answer(incident, None)
        entry = self._entry(incident.id, "ack", f"acknowledged by {actor.user}", actor.user)
        incident.acknowledged_at = entry.at
        incident.acknowledged_by = actor.user
        self._commit(incident, [entry])
        return self._answer(incident, entry)

    def set_severity(self, incident_id: str, severity: Severity, actor: Actor) -> Answer:
        """Set the severity by hand (up or down)."""
        incident = self._open_one(incident_id)
        if incident.severity == severity:
            return self._answer(incident, None)
        text = f"severity {incident.severity} → {severity}"
        incident.severity = severity
        entry = self._entry(incident.id, "severity", text, actor.user)
        self._commit(incident, [entry])
        self._changed(incident)
        return self._answer(incident, entry)

    def set_status(self, incident_id: str, status: IncidentStatus, actor: Actor) -> Answer:
        """Move to a response step other than ``resolved``."""
        incident = self._open_one(incident_id)
        if incident.status == status:
            return self._answer(incident, None)
        text = f"status {incident.status} → {status}"
        incident.status = status
        entry = self._entry(incident.id, "status", text, actor.user)
        self._commit(incident, [entry])
        return self._answer(incident, entry)

    def add_note(
        self,
        incident_id: str,
        text: str,
        actor: Actor,
        question: str | None = None,
        typed_at: str = "",
    ) -> Answer:
        """A note; on a resolved incident it is kept too (a person's words are never lost).

        With ``question`` (one of the runbook's retrospective questions) it is an answer
        to it: a ``retrospective`` entry whose ``detail`` is the question.
        """
        incident = self.get(incident_id)
        kind = "note" if question is None else "retrospective"
        entry = self._entry(incident.id, kind, text, actor.user)
        if typed_at and typed_at != entry.at:
            entry.typed_at = typed_at  # the person's time, kept; ``at`` stays the hub's
        if question is not None:
            entry.detail = self.retrospective_question(question)
        if incident.is_open:
            self._commit(incident, [entry])
        else:
            self._commit(incident, [entry], event=None, progress=False)
        return self._answer(incident, entry)

    def resolve(self, incident_id: str, root_cause: str, actor: Actor) -> Answer:
        """Resolve with a root cause; emits incident.resolved."""
        incident = self._open_one(incident_id)
        # Alerts still held for an entry are written before the resolution.
        held = [self._alert_entry(incident_id)] if incident_id in self._held else []
        entry = self._entry(incident.id, "resolved", f"resolved: {root_cause}", actor.user)
        incident.status = "resolved"
        incident.resolved_at = entry.at
        incident.root_cause = root_cause
        self._commit(incident, [*held, entry], event="incident.resolved")
        log.info("%s resolved by %s", incident.id, actor.user)
        return self._answer(incident, entry)

    # -- the hub's own entries ---------------------------------------------------
    def _alert_entry_due(self, incident_id: str, now: datetime) -> bool:
        last = self._last_alert_entry.get(incident_id)
        return last is None or now - last >= ALERT_ENTRY_INTERVAL

    def _alert_entry(self, incident_id: str) -> TimelineEntry:
        held = self._held.pop(incident_id)
        self._last_alert_entry[incident_id] = self._clock()
        return self._entry(incident_id, "alert", held.text(), HUB_AUTHOR)

    def flush_alert_entries(self, now: datetime) -> None:
        """Write the held "alerts attached" entries whose interval has passed (the tick)."""
        for incident_id in [i for i in self._held if self._alert_entry_due(i, now)]:
            entry = self._alert_entry(incident_id)
            self._commit(self.get(incident_id), [entry], event=None, progress=False)

    def confirm_breach(self, incident_id: str, actor: Actor) -> Answer:
        """Mark a data breach confirmed (once); the breach escalation follows."""
        incident = self._open_one(incident_id)
        if incident.breach_confirmed:
            return self._answer(incident, None)
        incident.breach_confirmed = True
        text = f"data breach confirmed by {actor.user}"
        entry = self._entry(incident.id, "breach", text, actor.user)
        self._commit(incident, [entry])
        self._changed(incident)
        return self._answer(incident, entry)

    def record_status_update(self, incident_id: str, kind: str, text: str, actor: Actor) -> Answer:
        """A status update sent (``kind`` initial, status or resolution); progress when open.

        Kept on a resolved incident too: the resolution notice goes out after resolving.
        """
        incident = self.get(incident_id)
        entry = self._entry(incident.id, "status_update", STATUS_UPDATE_LABELS[kind], actor.user)
        entry.detail = text
        incident.last_status_update_at = entry.at
        self._commit(incident, [entry], progress=incident.is_open)
        return self._answer(incident, entry)

    def record_action(self, incident_id: str, kind: str, text: str, actor: Actor) -> None:
        """An action taken for an incident elsewhere (a kill switch): progress when open."""
        incident = self.get(incident_id)
        entry = self._entry(incident.id, kind, text, actor.user)
        if incident.is_open:
            self._commit(incident, [entry])
        else:
            self._commit(incident, [entry], event=None, progress=False)

    def add_hub_entry(self, incident_id: str, kind: str, text: str) -> None:
        """An automatic entry (a stop verified or violated): not progress, incident unchanged."""
        incident = self.get(incident_id)
        entry = self._entry(incident.id, kind, text, HUB_AUTHOR)
        self._commit(incident, [entry], event=None, progress=False)

    def record_escalations(
        self, incident_id: str, escalations: list[tuple[dict[str, Any], str]]
    ) -> None:
        """Escalations due (each a stored dict with its ``key``, and its timeline text).

        Escalating is not progress: ``last_progress_at`` stays, or the no-progress rule
        would restart its own countdown. Emits one ``incident.escalated`` and one
        ``timeline.entry`` per escalation, after the store has them all.
        """
        incident = self.get(incident_id)
        entries = [
            self._entry(incident_id, "escalation", text, HUB_AUTHOR) for _, text in escalations
        ]
        incident.escalations.extend(item for item, _ in escalations)
        data = incident.to_dict()
        self._store.save_incident(data)
        rows = self._keep(incident, entries)
        for (item, _), row in zip(escalations, rows, strict=True):
            self._events.append("incident.escalated", {"incident": data, "escalation": item})
            self._events.append("timeline.entry", {"entry": row})


def describe_new(title: str, severity: str, category: str, user: str) -> str:
    """The text of the ``opened`` entry of an incident opened by hand."""
    return f"opened by {user}: {title} ({severity}, {category_label(category)})"
