"""Alerts by fingerprint: in memory only (telemetry), bounded, and routed to incidents."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from services.domain.models import Alert
from services.hub.state.alertmanager import IncomingAlert
from services.hub.state.events import EventLog
from services.hub.state.incidents import IncidentDesk

MAX_ALERTS = 5000


class AlertBook:
    """The alerts the hub knows, keyed by fingerprint.

    Bounded at ``max_alerts``: the oldest resolved alert goes first, and only
    when none is resolved the oldest firing one (an alert storm must not grow
    the hub without limit).
    """

    def __init__(self, events: EventLog, max_alerts: int = MAX_ALERTS) -> None:
        self._events = events
        self._max = max_alerts
        self._alerts: dict[str, Alert] = {}
        # Resolved fingerprints in the order they resolved: eviction in O(1).
        self._resolved: dict[str, None] = {}

    def save(self) -> Callable[[], None]:
        """A copy of the alerts; the result puts it back (a webhook whose write failed)."""
        alerts = {key: copy.copy(alert) for key, alert in self._alerts.items()}
        resolved = dict(self._resolved)

        def restore() -> None:
            self._alerts, self._resolved = alerts, resolved

        return restore

    def all(self) -> list[Alert]:
        """Every alert held, oldest first."""
        return list(self._alerts.values())

    def get(self, fingerprint: str) -> Alert | None:
        return self._alerts.get(fingerprint)

    def __len__(self) -> int:
        return len(self._alerts)

    def ingest(self, incoming: Iterable[IncomingAlert], desk: IncidentDesk) -> dict[str, int]:
        """Apply one webhook's alerts; answers the counts of ``received``, ``new``, ``resolved``."""
        received = new = resolved = 0
        # Alerts joining an existing incident are written once per incident per webhook.
        joined: dict[str, list[Alert]] = {}
        for item in incoming:
            received += 1
            if item.firing:
                new += self._fire(item.alert, desk, joined)
            else:
                resolved += self._resolve(item.alert)
        for incident_id, alerts in joined.items():
            desk.attach_alerts(incident_id, alerts)
        self._evict()
        return {"received": received, "new": new, "resolved": resolved}

    def _fire(self, alert: Alert, desk: IncidentDesk, joined: dict[str, list[Alert]]) -> int:
        existing = self._alerts.get(alert.fingerprint)
        if existing is not None and existing.status == "firing":
            # An identical re-send (Alertmanager's repeat_interval, or a retry).
            existing.repeat_count += 1
            existing.last_seen_at = alert.last_seen_at
            self._events.append("alert.fired", {"alert": existing.to_dict()})
            return 0
        if existing is not None:
            # Firing again after it resolved: a new episode, but it stays on an
            # incident that is still open.
            self._resolved.pop(alert.fingerprint, None)
            del self._alerts[alert.fingerprint]
            linked = existing.incident_id
            if linked and desk.exists(linked) and desk.get(linked).is_open:
                alert.incident_id = linked
        self._alerts[alert.fingerprint] = alert
        if alert.incident_id is None:
            target = desk.find_open(alert.pack, alert.category)
            if target is None:
                # incident.opened goes out first, so the alert names an incident
                # every console already has.
                alert.incident_id = desk.open_from_alert(alert).id
            else:
                alert.incident_id = target.id
                joined.setdefault(target.id, []).append(alert)
        self._events.append("alert.fired", {"alert": alert.to_dict()})
        return 1

    def _resolve(self, alert: Alert) -> int:
        existing = self._alerts.get(alert.fingerprint)
        if existing is not None and existing.status == "resolved":
            return 0  # a re-sent resolution: nothing new
        if existing is not None:
            existing.status = "resolved"
            existing.ended_at = alert.ended_at
            existing.last_seen_at = alert.last_seen_at
            alert = existing
        else:
            self._alerts[alert.fingerprint] = alert
        self._resolved[alert.fingerprint] = None
        self._events.append("alert.resolved", {"alert": alert.to_dict()})
        return 1

    def link(self, fingerprint: str, incident_id: str) -> None:
        """Link a known alert to an incident opened by hand; re-announces the alert."""
        alert = self._alerts.get(fingerprint)
        if alert is None or alert.incident_id == incident_id:
            return
        alert.incident_id = incident_id
        kind = "alert.fired" if alert.status == "firing" else "alert.resolved"
        self._events.append(kind, {"alert": alert.to_dict()})

    def _evict(self) -> None:
        while len(self._alerts) > self._max:
            if self._resolved:
                fingerprint = next(iter(self._resolved))
                del self._resolved[fingerprint]
            else:
                fingerprint = next(iter(self._alerts))
            del self._alerts[fingerprint]

    def snapshot(self) -> list[dict[str, Any]]:
        return [alert.to_dict() for alert in self._alerts.values()]
