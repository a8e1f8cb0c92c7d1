"""Incidents and their timelines: durable in the store, cached in memory.

Every change is written to the store before its events go out, so what a
console has seen survives a ``kill -9`` of the hub.
"""

from __future__ import annotations

import logging
from typing import Any

from services.hub.common import HUB_AUTHOR, Actor, load_models, number_of, severity_rank
from services.hub.errors import Conflict, NotFound
from services.hub.events import EventLog
from services.models import Alert, Incident, TimelineEntry, category_label
from services.timeutil import Clock, to_rfc3339
from storage.hub_store import HubStore

log = logging.getLogger("warroom.hub")

Answer = dict[str, Any]


class IncidentDesk:
    """Owns incidents and their timelines; mutations answer ``{incident, changed, entry}``."""

    def __init__(self, store: HubStore, events: EventLog, clock: Clock) -> None:
        self._store = store
        self._events = events
        self._clock = clock
        incidents = load_models(Incident, store.load_incidents(), "incident")
        self._incidents: dict[str, Incident] = {i.id: i for i in incidents}
        self._timeline: dict[str, list[TimelineEntry]] = {}
        self._entry_counter = 0
        for entry in load_models(TimelineEntry, store.load_timeline(), "timeline entry"):
            self._timeline.setdefault(entry.incident_id, []).append(entry)
            self._entry_counter = max(self._entry_counter, number_of(entry.id, "TL-"))

    # -- queries --------------------------------------------------------------
    def all(self) -> list[Incident]:
        """Every incident, open ones first, newest first within each group."""
        ordered = sorted(
            self._incidents.values(),
            key=lambda i: (i.opened_at, number_of(i.id, "INC-")),
            reverse=True,
        )
        return sorted(ordered, key=lambda i: not i.is_open)

    def get(self, incident_id: str) -> Incident:
        """The incident ``incident_id``; raises :class:`NotFound`."""
        incident = self._incidents.get(incident_id)
        if incident is None:
            raise NotFound(f"incident {incident_id!r} not found")
        return incident

    def exists(self, incident_id: str) -> bool:
        return incident_id in self._incidents

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        """The timeline of one incident, oldest first."""
        return list(self._timeline.get(incident_id, []))

    def open_timelines(self) -> list[TimelineEntry]:
        """Timeline entries of every open incident (the snapshot's ``timeline``)."""
        return [
            entry
            for incident in self._incidents.values()
            if incident.is_open
            for entry in self._timeline.get(incident.id, [])
        ]

    def find_open(self, pack: str | None, category: str) -> Incident | None:
        """The open incident an alert of ``pack`` and ``category`` joins, if any."""
        for incident in self._incidents.values():
            if not incident.is_open or incident.category != category:
                continue
            if (pack in incident.packs) if pack else not incident.packs:
                return incident
        return None

    # -- building blocks ------------------------------------------------------
    def _now(self) -> str:
        return to_rfc3339(self._clock())

    def _entry(self, incident_id: str, kind: str, text: str, author: str) -> TimelineEntry:
        self._entry_counter += 1
        return TimelineEntry(
            id=f"TL-{self._entry_counter}",
            incident_id=incident_id,
            at=self._now(),
            author=author,
            kind=kind,
            text=text,
        )

    def _commit(
        self,
        incident: Incident,
        entries: list[TimelineEntry],
        event: str | None = "incident.updated",
        progress: bool = True,
    ) -> None:
        """Write, then announce: the store first, so nothing announced can be lost."""
        if progress:
            incident.last_progress_at = self._now()
        if event is not None:
            self._store.save_incident(incident.to_dict())
        for entry in entries:
            self._store.append_timeline(entry.to_dict())
            self._timeline.setdefault(incident.id, []).append(entry)
        if event is not None:
            self._events.append(event, {"incident": incident.to_dict()})
        for entry in entries:
            self._events.append("timeline.entry", {"entry": entry.to_dict()})

    @staticmethod
    def _answer(incident: Incident, entry: TimelineEntry | None) -> Answer:
        return {
            "incident": incident.to_dict(),
            "changed": entry is not None,
            "entry": entry.to_dict() if entry else None,
        }

    def _open_one(self, incident_id: str) -> Incident:
        incident = self.get(incident_id)
        if not incident.is_open:
            raise Conflict(f"incident {incident_id} is resolved")
        return incident

    # -- opening --------------------------------------------------------------
    def open(
        self,
        *,
        title: str,
        severity: str,
        category: str,
        packs: list[str],
        fingerprints: list[str],
        author: str,
        text: str,
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
        )
        self._incidents[incident.id] = incident
        entry = self._entry(incident.id, "opened", text, author)
        self._commit(incident, [entry], event="incident.opened", progress=False)
        log.info("%s opened by %s: %s (%s)", incident.id, author, title, severity)
        return self._answer(incident, entry)

    def open_from_alert(self, alert: Alert) -> Incident:
        """Open the incident a new firing alert calls for (automatic, so no progress)."""
        name = alert.labels.get("alertname", alert.fingerprint)
        answer = self.open(
            title=alert.title,
            severity=alert.severity,
            category=alert.category,
            packs=[alert.pack] if alert.pack else [],
            fingerprints=[alert.fingerprint],
            author=HUB_AUTHOR,
            text=f"opened from alert {name}: {alert.title} ({alert.severity})",
        )
        return self._incidents[answer["incident"]["id"]]

    def attach_alerts(self, incident_id: str, alerts: list[Alert]) -> None:
        """Alerts that joined an open incident: one save and one entry for the batch.

        The severity is raised (never lowered) to the most severe alert's. Joining
        is automatic, so it is not progress.
        """
        incident = self.get(incident_id)
        entries: list[TimelineEntry] = []
        for alert in alerts:
            if alert.fingerprint not in incident.alert_fingerprints:
                incident.alert_fingerprints.append(alert.fingerprint)
        titles = "; ".join(f"{a.title} ({a.fingerprint})" for a in alerts)
        label = "alert attached" if len(alerts) == 1 else f"{len(alerts)} alerts attached"
        entries.append(self._entry(incident.id, "alert", f"{label}: {titles}", HUB_AUTHOR))
        worst = min(alerts, key=lambda a: severity_rank(a.severity))
        if severity_rank(worst.severity) < severity_rank(incident.severity):
            text = f"severity {incident.severity} → {worst.severity} (alert {worst.fingerprint})"
            incident.severity = worst.severity
            entries.append(self._entry(incident.id, "severity", text, HUB_AUTHOR))
        self._commit(incident, entries, progress=False)

    # -- people's actions (each is progress) ----------------------------------
    def ack(self, incident_id: str, actor: Actor) -> Answer:
        """Acknowledge once; a second ack answers ``changed: false``."""
        incident = self._open_one(incident_id)
        if incident.acknowledged_at is not None:
            return self._answer(incident, None)
        incident.acknowledged_at = self._now()
        incident.acknowledged_by = actor.user
        entry = self._entry(incident.id, "ack", f"acknowledged by {actor.user}", actor.user)
        self._commit(incident, [entry])
        return self._answer(incident, entry)

    def set_severity(self, incident_id: str, severity: str, actor: Actor) -> Answer:
        """Set the severity by hand (up or down)."""
        incident = self._open_one(incident_id)
        if incident.severity == severity:
            return self._answer(incident, None)
        text = f"severity {incident.severity} → {severity}"
        incident.severity = severity
        entry = self._entry(incident.id, "severity", text, actor.user)
        self._commit(incident, [entry])
        return self._answer(incident, entry)

    def set_status(self, incident_id: str, status: str, actor: Actor) -> Answer:
        """Move to a response step other than ``resolved``."""
        incident = self._open_one(incident_id)
        if incident.status == status:
            return self._answer(incident, None)
        text = f"status {incident.status} → {status}"
        incident.status = status
        entry = self._entry(incident.id, "status", text, actor.user)
        self._commit(incident, [entry])
        return self._answer(incident, entry)

    def add_note(self, incident_id: str, text: str, actor: Actor) -> Answer:
        """A note; on a resolved incident it is kept too (a person's words are never lost)."""
        incident = self.get(incident_id)
        entry = self._entry(incident.id, "note", text, actor.user)
        if incident.is_open:
            self._commit(incident, [entry])
        else:
            self._commit(incident, [entry], event=None, progress=False)
        return self._answer(incident, entry)

    def resolve(self, incident_id: str, root_cause: str, actor: Actor) -> Answer:
        """Resolve with a root cause; emits incident.resolved."""
        incident = self._open_one(incident_id)
        incident.status = "resolved"
        incident.resolved_at = self._now()
        incident.root_cause = root_cause
        entry = self._entry(incident.id, "resolved", f"resolved: {root_cause}", actor.user)
        self._commit(incident, [entry], event="incident.resolved")
        log.info("%s resolved by %s", incident.id, actor.user)
        return self._answer(incident, entry)

    def record_action(self, incident_id: str, kind: str, text: str, actor: Actor) -> None:
        """An action taken for an incident elsewhere (a kill switch): progress when open."""
        incident = self.get(incident_id)
        entry = self._entry(incident.id, kind, text, actor.user)
        if incident.is_open:
            self._commit(incident, [entry])
        else:
            self._commit(incident, [entry], event=None, progress=False)


def describe_new(title: str, severity: str, category: str, user: str) -> str:
    """The text of the ``opened`` entry of an incident opened by hand."""
    return f"opened by {user}: {title} ({severity}, {category_label(category)})"
