"""Alerts by fingerprint: telemetry held in memory, bounded, saved whole now and then
(storage/alert_file.py), and routed to incidents.

Alertmanager says an alert fires by re-sending it every ``repeat_interval`` and never
says when one is muted after delivery: an alert that stops being re-sent is marked
``stale`` once its group's interval (learned from the deliveries) has passed twice;
pull mode (services/hub/alertmanager_pull.py) tells silenced and inhibited apart and
resolves what Alertmanager no longer holds.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from services.domain.models import Alert, ModelError
from services.domain.timeutil import parse_optional, to_rfc3339
from services.hub.state.alertmanager import IncomingAlert
from services.hub.state.events import EventLog
from services.hub.state.incidents import IncidentDesk
from services.hub.state.ingest_routing import IngestRouter
from services.hub.state.mute import made_after, still_running

MAX_ALERTS = 5000
# And at about this many bytes of alert text (annotations are capped at ingest): every
# snapshot carries every alert, and must stay well under a console's 64 MiB frame limit.
MAX_ALERT_BYTES = 16 * 1024 * 1024
# Stale once not seen for this many of its group's repeat intervals: a repeat comes
# on the next group_interval tick after the interval, so one interval is too tight.
STALE_FACTOR = 2.0


class AlertBook:
    """The alerts the hub knows, keyed by fingerprint.

    Bounded at ``max_alerts`` and at ``max_bytes`` of text: the oldest resolved
    alert goes first, and only when none is resolved the oldest firing one (an
    alert storm must not grow the hub, or its snapshots, without limit).
    ``dirty`` says the set changed since it was saved.
    """

    def __init__(
        self, events: EventLog, max_alerts: int = MAX_ALERTS, max_bytes: int = MAX_ALERT_BYTES
    ) -> None:
        self._events = events
        self._max = max_alerts
        self._max_bytes = max_bytes
        self._alerts: dict[str, Alert] = {}
        # An estimate of each alert's size in a snapshot, kept as alerts come and change.
        self._sizes: dict[str, int] = {}
        # Unknown packs and the pace of incidents opened by ingest (the hub sets its packs).
        self.router = IngestRouter(None)
        # Resolved fingerprints in the order they resolved: eviction in O(1).
        self._resolved: dict[str, None] = {}
        # Per Alertmanager group: the last delivery (this run only) and the longest
        # gap seen between deliveries that only repeated (its repeat interval).
        self._last_delivery: dict[str, datetime] = {}
        self._intervals: dict[str, float] = {}
        self.dirty = False

    def save(self) -> Callable[[], None]:
        """A copy of the alerts; the result puts it back (a webhook whose write failed)."""
        alerts = {key: copy.copy(alert) for key, alert in self._alerts.items()}
        resolved, sizes = dict(self._resolved), dict(self._sizes)
        deliveries, intervals, dirty = dict(self._last_delivery), dict(self._intervals), self.dirty

        def restore() -> None:
            self._alerts, self._resolved, self._sizes = alerts, resolved, sizes
            self._last_delivery, self._intervals, self.dirty = deliveries, intervals, dirty

        return restore

    def all(self) -> list[Alert]:
        """Every alert held, oldest first."""
        return list(self._alerts.values())

    def get(self, fingerprint: str) -> Alert | None:
        return self._alerts.get(fingerprint)

    def __len__(self) -> int:
        return len(self._alerts)

    # -- saving and restoring ---------------------------------------------------------
    def restore(self, rows: list[dict[str, Any]], intervals: dict[str, float]) -> int:
        """Start from a saved set (a row that is no longer a valid alert is skipped)."""
        for row in rows:
            try:
                alert = Alert.from_dict(row)
            except ModelError:
                continue
            self._alerts[alert.fingerprint] = alert
            self._sizes[alert.fingerprint] = _size(alert)
            if alert.status == "resolved":
                self._resolved[alert.fingerprint] = None
        self._intervals.update(intervals)
        self._evict()
        return len(self._alerts)

    def saved_form(self) -> tuple[list[dict[str, Any]], dict[str, float]]:
        """What :meth:`restore` takes; clears ``dirty``."""
        self.dirty = False
        return self.snapshot(), dict(self._intervals)

    # -- a webhook -----------------------------------------------------------------
    def ingest(
        self, incoming: Iterable[IncomingAlert], desk: IncidentDesk, now: datetime | None = None
    ) -> dict[str, int]:
        """Apply one webhook's alerts; answers the counts of ``received``, ``new``, ``resolved``.

        ``now`` (the hub's clock) times the delivery, to learn its group's interval."""
        received = new = resolved = repeats = 0
        group = ""
        # Alerts joining an existing incident are written once per incident per webhook.
        joined: dict[str, list[Alert]] = {}
        for item in incoming:
            received += 1
            group = group or item.alert.group_key
            if item.firing:
                added = self._fire(item.alert, desk, joined, now)
                new += added
                repeats += added == 0
            else:
                resolved += self._resolve(item.alert)
        for incident_id, alerts in joined.items():
            desk.attach_alerts(incident_id, alerts)
        if group and now is not None:
            self._learn_interval(group, now, only_repeats=repeats == received)
        self._evict()
        return {"received": received, "new": new, "resolved": resolved}

    def _learn_interval(self, group: str, now: datetime, *, only_repeats: bool) -> None:
        last = self._last_delivery.get(group)
        self._last_delivery[group] = now
        if last is None or not only_repeats:
            return
        gap = (now - last).total_seconds()
        if gap > self._intervals.get(group, 0.0):
            self._intervals[group] = gap
            for alert in self._alerts.values():
                if alert.group_key == group:
                    alert.repeat_interval_s = gap
            self.dirty = True

    def _fire(
        self,
        alert: Alert,
        desk: IncidentDesk,
        joined: dict[str, list[Alert]],
        now: datetime | None = None,
    ) -> int:
        existing = self._alerts.get(alert.fingerprint)
        alert.repeat_interval_s = self._intervals.get(alert.group_key)
        if existing is not None and existing.status == "firing":
            # A re-send (Alertmanager's repeat_interval, a retry, the other of an HA
            # pair, or the first after a restart): counted, and its news taken.
            if alert.source != "alertmanager-pull":
                existing.repeat_count += 1
            self._refresh(existing, alert, desk)
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
        self._sizes[alert.fingerprint] = _size(alert)
        self.dirty = True
        if alert.incident_id is None and alert.opens_incident:
            pack, group_key = self.router.route(alert)
            target = desk.find_open(pack, alert.category, group_key)
            if target is None:
                # incident.opened goes out first, so the alert names an incident
                # every console already has.
                if self.router.may_open(now):
                    alert.incident_id = desk.open_from_alert(alert, pack, group_key).id
            else:
                alert.incident_id = target.id
                joined.setdefault(target.id, []).append(alert)
        self._events.append("alert.fired", {"alert": alert.to_dict()})
        return 1

    def _refresh(self, existing: Alert, seen: Alert, desk: IncidentDesk) -> None:
        """Take what a re-send may change: the annotations (so the title), the group, and
        that Alertmanager sends it (so it is neither stale nor muted any more)."""
        old_title = existing.title
        if seen.source == "alertmanager-pull":
            # Pulled: the mute state is news; the group and its interval are not. A
            # silence made through the hub after this pull began is newer than it.
            pulled = {silence.id for silence in seen.silenced_by}
            newer = [
                silence
                for silence in made_after(existing.silenced_by, seen.last_seen_at)
                if silence.id not in pulled
            ]
            existing.silenced_by = [*seen.silenced_by, *newer]
            existing.inhibited_by = seen.inhibited_by
        else:
            # A delivery Alertmanager computed before a silence was made (a retry of it
            # arrives later) must not unmute the alert: a silence still running that
            # warroom knows of stays until it ends, is expired, or a pull says otherwise.
            existing.silenced_by = still_running(existing.silenced_by, seen.last_seen_at)
            existing.inhibited_by = []
            existing.group_key = seen.group_key or existing.group_key
            existing.group_labels = seen.group_labels or existing.group_labels
            existing.external_url = seen.external_url or existing.external_url
            existing.repeat_interval_s = seen.repeat_interval_s or existing.repeat_interval_s
        existing.last_seen_at = seen.last_seen_at
        existing.stale = False
        existing.title = seen.title
        existing.description = seen.description
        existing.annotations = seen.annotations
        existing.generator_url = seen.generator_url or existing.generator_url
        self._sizes[existing.fingerprint] = _size(existing)
        self.dirty = True
        if existing.incident_id and old_title != seen.title:
            desk.retitle(existing.incident_id, old_title, seen.title)

    def _resolve(self, alert: Alert) -> int:
        existing = self._alerts.get(alert.fingerprint)
        if existing is not None and existing.status == "resolved":
            return 0  # a re-sent resolution: nothing new
        if existing is not None:
            existing.status = "resolved"
            existing.stale = False
            existing.ended_at = alert.ended_at
            existing.last_seen_at = alert.last_seen_at
            alert = existing
        else:
            self._alerts[alert.fingerprint] = alert
            self._sizes[alert.fingerprint] = _size(alert)
        self._resolved[alert.fingerprint] = None
        self.dirty = True
        self._events.append("alert.resolved", {"alert": alert.to_dict()})
        return 1

    # -- pull mode and ageing --------------------------------------------------------
    def reconcile(
        self, pulled: list[IncomingAlert], desk: IncidentDesk, now: datetime
    ) -> dict[str, int]:
        """Apply what Alertmanager holds (``GET /api/v2/alerts`` of every instance, by
        fingerprint): new alerts fire, known ones take their mute state, and firing
        alerts it no longer holds are resolved (gone)."""
        held: dict[str, IncomingAlert] = {}
        for item in pulled:
            item.alert.source = "alertmanager-pull"
            held.setdefault(item.alert.fingerprint, item)
        counts = self.ingest(held.values(), desk, now)
        gone = [
            a
            for a in self._alerts.values()
            if a.status == "firing" and a.source.startswith("alertmanager")
        ]
        for alert in gone:
            if alert.fingerprint not in held:
                ended = Alert.from_dict({**alert.to_dict(), "ended_at": to_rfc3339(now)})
                counts["resolved"] += self._resolve(ended)
        return counts

    def age(self, now: datetime) -> int:
        """Mark firing alerts not re-sent for ``STALE_FACTOR`` repeat intervals as stale
        (the tick); answers how many became stale."""
        count = 0
        for alert in self._alerts.values():
            if _goes_stale(alert, now):
                alert.stale = True
                count += 1
                self._events.append("alert.fired", {"alert": alert.to_dict()})
        self.dirty = self.dirty or count > 0
        return count

    def ages(self, now: datetime) -> bool:
        """Whether :meth:`age` would mark an alert stale now (nothing changed)."""
        return any(_goes_stale(alert, now) for alert in self._alerts.values())

    def link(self, fingerprint: str, incident_id: str) -> None:
        """Link a known alert to an incident opened by hand; re-announces the alert."""
        alert = self._alerts.get(fingerprint)
        if alert is None or alert.incident_id == incident_id:
            return
        alert.incident_id = incident_id
        self.dirty = True
        kind = "alert.fired" if alert.status == "firing" else "alert.resolved"
        self._events.append(kind, {"alert": alert.to_dict()})

    def _evict(self) -> None:
        total = sum(self._sizes.values())
        while self._alerts and (len(self._alerts) > self._max or total > self._max_bytes):
            if self._resolved:
                fingerprint = next(iter(self._resolved))
                del self._resolved[fingerprint]
            else:
                fingerprint = next(iter(self._alerts))
            del self._alerts[fingerprint]
            total -= self._sizes.pop(fingerprint, 0)

    def snapshot(self) -> list[dict[str, Any]]:
        return [alert.to_dict() for alert in self._alerts.values()]


def _size(alert: Alert) -> int:
    """About how many bytes ``alert`` takes in a snapshot: its text, plus the rest."""
    text = len(alert.title) + len(alert.description) + len(alert.generator_url)
    text += sum(len(k) + len(v) for k, v in alert.annotations.items())
    text += sum(len(k) + len(v) for k, v in alert.labels.items())
    text += sum(len(k) + len(v) for k, v in alert.group_labels.items())
    return text + 600


def _goes_stale(alert: Alert, now: datetime) -> bool:
    """Firing, unmuted, and not re-sent for ``STALE_FACTOR`` of its group's interval."""
    if alert.status != "firing" or alert.stale or alert.silenced_by or alert.inhibited_by:
        return False
    interval = alert.repeat_interval_s
    seen = parse_optional(alert.last_seen_at)
    if not interval or seen is None:
        return False
    return (now - seen).total_seconds() > STALE_FACTOR * interval
