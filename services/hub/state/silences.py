"""Silences made from warroom: each on its incident's timeline, in the audit, and on the
alerts it mutes at once (pull mode confirms it later)."""

from __future__ import annotations

from services.domain.models import Alert, Silence
from services.domain.timeutil import format_duration
from services.hub.state.alerts import AlertBook
from services.hub.state.common import Actor
from services.hub.state.events import EventLog
from services.hub.state.incidents import IncidentDesk
from services.hub.state.switches import SwitchBoard
from storage.hub_store import HubStore


class SilenceRecords:
    """Record silences created and expired through the hub."""

    def __init__(
        self,
        alerts: AlertBook,
        desk: IncidentDesk,
        switches: SwitchBoard,
        events: EventLog,
        store: HubStore,
    ) -> None:
        self._alerts = alerts
        self._desk = desk
        self._switches = switches
        self._events = events
        self._store = store

    def targets(self, fingerprint: str | None, incident_id: str | None) -> list[Alert]:
        """The alerts a silence request names: one alert, or an incident's firing ones."""
        if fingerprint:
            alert = self._alerts.get(fingerprint)
            return [alert] if alert is not None else []
        return [
            a for a in self._alerts.all() if a.incident_id == incident_id and a.status == "firing"
        ]

    def created(
        self, silence: Silence, alert: Alert, minutes: int, incident_id: str | None, actor: Actor
    ) -> None:
        """A silence Alertmanager now holds for ``alert``."""
        text = (
            f"silenced {alert.title} ({alert.fingerprint}) for "
            f"{format_duration(minutes * 60, 'words')}: {silence.comment} (silence {silence.id})"
        )
        with self._store.transaction():
            self._switches.record("silence", f"silence:{silence.id}", text, incident_id, actor)
            if incident_id and self._desk.exists(incident_id):
                incident = self._desk.get(incident_id)
                if silence.id not in incident.silences:
                    incident.silences.append(silence.id)
                self._desk.record_action(incident_id, "silence", text, actor)
                self._store.save_incident(incident.to_dict())
        alert.silenced_by = [*alert.silenced_by, silence]
        self._alerts.dirty = True
        self._events.append("alert.fired", {"alert": alert.to_dict()})

    def expired(self, silence_id: str, incident_id: str | None, actor: Actor) -> None:
        """A silence expired in Alertmanager: recorded, and unmuted on its alerts."""
        if incident_id is None:
            incident_id = next((i.id for i in self._desk.all() if silence_id in i.silences), None)
        text = f"silence {silence_id} expired"
        with self._store.transaction():
            self._switches.record(
                "expire-silence", f"silence:{silence_id}", text, incident_id, actor
            )
            if incident_id and self._desk.exists(incident_id):
                incident = self._desk.get(incident_id)
                if silence_id in incident.silences:
                    incident.silences.remove(silence_id)
                    self._store.save_incident(incident.to_dict())
                self._desk.record_action(incident_id, "silence", text, actor)
        for alert in self._alerts.all():
            if any(s.id == silence_id for s in alert.silenced_by):
                alert.silenced_by = [s for s in alert.silenced_by if s.id != silence_id]
                self._alerts.dirty = True
                kind = "alert.fired" if alert.status == "firing" else "alert.resolved"
                self._events.append(kind, {"alert": alert.to_dict()})
