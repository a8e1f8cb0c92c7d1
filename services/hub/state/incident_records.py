"""The incident records the desk works on: loading, queries, write-then-announce.

:class:`~services.hub.state.incidents.IncidentDesk` builds the rules on top; this
base keeps the in-memory cache and the store in step. Every change is written to
the store before its events go out, so what a console has seen survives a
``kill -9`` of the hub.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.domain.models import Incident, TimelineEntry
from services.domain.timeutil import Clock, to_rfc3339
from services.hub.errors import Conflict, NotFound
from services.hub.state.common import load_models, number_of
from services.hub.state.events import EventLog
from storage.hub_store import HubStore

Answer = dict[str, Any]


class IncidentRecords:
    """Incidents and timelines: loading, queries and the write-then-announce step."""

    def __init__(self, store: HubStore, events: EventLog, clock: Clock) -> None:
        self._store = store
        self._events = events
        self._clock = clock
        # Called with an incident's id after a change the escalation rules look at
        # (opening, severity, breach), so at-open pages go out at once, not a tick later.
        self.after_change: Callable[[str], object] | None = None
        self.reload()

    def reload(self) -> None:
        """(Re)load incidents and timelines from the store (after a failed write)."""
        incidents = load_models(Incident, self._store.load_incidents(), "incident")
        for incident in incidents:
            # Incidents stored before alert_count existed.
            incident.alert_count = max(incident.alert_count, len(incident.alert_fingerprints))
        self._incidents: dict[str, Incident] = {i.id: i for i in incidents}
        self._timeline: dict[str, list[TimelineEntry]] = {}
        self._entry_counter = 0
        for entry in load_models(TimelineEntry, self._store.load_timeline(), "timeline entry"):
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

    def open_ids(self) -> list[str]:
        """The ids of the open incidents."""
        return [i.id for i in self._incidents.values() if i.is_open]

    def find_open(self, pack: str | None, category: str, group_key: str = "") -> Incident | None:
        """The open incident an alert joins, if any: by pack and category; an alert
        without a pack by its Alertmanager group (``group_key``), or, without one
        either, by category among the incidents that have neither."""
        for incident in self._incidents.values():
            if not incident.is_open:
                continue
            if pack:
                if incident.category == category and pack in incident.packs:
                    return incident
            elif group_key:
                if incident.group_key == group_key and not incident.packs:
                    return incident
            elif incident.category == category and not incident.packs and not incident.group_key:
                return incident
        return None

    def retitle(self, incident_id: str, old: str, new: str) -> None:
        """An alert's summary changed: an incident that still bears the old title
        (opened from that alert, not renamed since) takes the new one."""
        incident = self._incidents.get(incident_id)
        if incident is None or incident.title != old or old == new:
            return
        incident.title = new
        self._commit(incident, [], progress=False)

    # -- building blocks ------------------------------------------------------
    def _now(self) -> str:
        return to_rfc3339(self._clock())

    def _entry(
        self, incident_id: str, kind: str, text: str, author: str, at: str = ""
    ) -> TimelineEntry:
        self._entry_counter += 1
        return TimelineEntry(
            id=f"TL-{self._entry_counter}",
            incident_id=incident_id,
            at=at or self._now(),
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
        """Write, then announce: the store first, so nothing announced can be lost.

        Progress is stamped with the last entry's time, not a second reading of the
        clock: the incident and its timeline tell of one moment.
        """
        if progress:
            incident.last_progress_at = entries[-1].at if entries else self._now()
        # One dict for the store and the event: an incident with 200 fingerprints is
        # costly to convert, and a storm commits thousands of them. The store copies.
        data = incident.to_dict() if event is not None else None
        if data is not None:
            self._store.save_incident(data)
        rows = self._keep(incident, entries)
        if event is not None:
            self._events.append(event, {"incident": data})
        for row in rows:
            self._events.append("timeline.entry", {"entry": row})

    def _keep(self, incident: Incident, entries: list[TimelineEntry]) -> list[dict[str, Any]]:
        """Store the entries and cache them; their dicts, for the events."""
        rows = []
        for entry in entries:
            row = entry.to_dict()
            self._store.append_timeline(row)
            self._timeline.setdefault(incident.id, []).append(entry)
            rows.append(row)
        return rows

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

    def _changed(self, incident: Incident) -> None:
        if self.after_change is not None and incident.is_open:
            self.after_change(incident.id)
