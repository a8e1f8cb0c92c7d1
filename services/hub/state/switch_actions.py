"""Switch actions: setting kill switches, the two-person global stop, and verifying stops.

:class:`SwitchActions` is what the HTTP layer calls to change a switch. It keeps the
switch board, the incident timeline and the stop verifier in step, and — when the
hub config asks for it (``[killswitch] two_person_global``) — turns a global stop
into a pending request that a *different* operator must confirm in time.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from services.domain.models import Agent
from services.domain.timeutil import Clock, parse_rfc3339, to_rfc3339
from services.hub.errors import Conflict, Forbidden, Invalid
from services.hub.state.common import Actor
from services.hub.state.events import EventLog
from services.hub.state.incidents import IncidentDesk
from services.hub.state.switches import SwitchBoard
from services.hub.state.verification import StopVerifier, agent_counts
from storage.hub_store import HubStore

log = logging.getLogger("warroom.hub")


def _request_id(reason: str, incident_id: str | None, actor: Actor, now: datetime) -> str:
    """A pending global stop's id, from what the request is: every replica of a cluster
    applying the request names it the same (a random id would differ on each)."""
    seed = f"{to_rfc3339(now)}\0{actor.user}\0{incident_id or ''}\0{reason}"
    return f"gstop-{hashlib.sha256(seed.encode()).hexdigest()[:12]}"


class TwoPersonRule:
    """The pending global stop request, durable in the store; at most one at a time."""

    def __init__(
        self, store: HubStore, events: EventLog, *, enabled: bool, window_s: float
    ) -> None:
        self._store = store
        self._events = events
        self.enabled = enabled
        self._window = timedelta(seconds=window_s)
        self.pending: dict[str, Any] | None = store.load_pending_global()

    def reload(self) -> None:
        """Reload the pending request from the store (after a failed write)."""
        self.pending = self._store.load_pending_global()

    def request(
        self, reason: str, incident_id: str | None, actor: Actor, now: datetime
    ) -> tuple[dict[str, Any], bool]:
        """The pending request, and whether it is new. One still pending is answered
        as it is: the second operator confirms it, nobody replaces it."""
        self.expire_due(now)
        if self.pending is not None:
            return self.pending, False
        self.pending = {
            "id": _request_id(reason, incident_id, actor, now),
            "requested_by": actor.user,
            "requested_at": to_rfc3339(now),
            "expires_at": to_rfc3339(now + self._window),
            "reason": reason,
            "incident_id": incident_id,
        }
        self._store.save_pending_global(self.pending)
        self._events.append("killswitch.pending", {"state": "requested", "pending": self.pending})
        log.warning("global stop requested by %s, awaiting a second operator", actor.user)
        return self.pending, True

    def take(self, request_id: str, actor: Actor, now: datetime) -> dict[str, Any]:
        """Check a confirmation and clear the request; 409 unknown or expired, 403 same user."""
        pending = self.pending
        if pending is None or pending["id"] != request_id:
            raise Conflict(f"no pending global stop request {request_id!r}")
        if self.expire_due(now) is not None:
            raise Conflict(
                f"the global stop request {request_id} expired at {pending['expires_at']}; "
                "request the stop again"
            )
        if pending["requested_by"] == actor.user:
            raise Forbidden(
                f"a global stop needs a second operator: {actor.user} requested it, so "
                "another user with the killswitch.global permission must confirm it"
            )
        self.pending = None
        self._store.save_pending_global(None)
        return pending

    def announce_confirmed(self, pending: dict[str, Any], actor: Actor) -> None:
        data = {"state": "confirmed", "pending": pending, "confirmed_by": actor.user}
        self._events.append("killswitch.pending", data)

    def expire_due(self, now: datetime) -> dict[str, Any] | None:
        """Expire the pending request if its window has passed; the expired request."""
        pending = self.pending
        if pending is None or now < parse_rfc3339(pending["expires_at"]):
            return None
        self.pending = None
        self._store.save_pending_global(None)
        self._events.append("killswitch.pending", {"state": "expired", "pending": pending})
        log.warning("global stop request by %s expired unconfirmed", pending["requested_by"])
        return pending


class SwitchActions:
    """Kill-switch changes with their timeline entries, two-person rule and verification."""

    def __init__(
        self,
        *,
        switches: SwitchBoard,
        desk: IncidentDesk,
        store: HubStore,
        events: EventLog,
        clock: Clock,
        agents: Callable[[], list[Agent]],
        two_person_global: bool = False,
        two_person_window_s: float = 300.0,
        stop_deadline_s: float = 30.0,
    ) -> None:
        self.switches = switches
        self._desk = desk
        self._clock = clock
        self._agents = agents
        self.two_person = TwoPersonRule(
            store, events, enabled=two_person_global, window_s=two_person_window_s
        )
        self.verifier = StopVerifier(events, desk, stop_deadline_s)

    def set_switch(
        self,
        pack: str | None,
        *,
        enabled: bool,
        reason: str,
        incident_id: str | None,
        actor: Actor,
        requested_by: str | None = None,
    ) -> dict[str, Any]:
        """Set the global switch (``pack`` None) or a pack's; the protocol's answer."""
        self.switches.get(pack)  # 404 for an unknown pack before anything else
        self._check_incident(incident_id)
        counts = agent_counts(self._agents(), pack)
        switch, record = self.switches.set(
            pack, enabled, reason, incident_id, actor, requested_by=requested_by, agents=counts
        )
        if record is not None:
            now = self._clock()
            if enabled:
                self.verifier.drop(switch.target)
            else:
                self.verifier.watch(switch, now)
                self.verifier.check(self._agents(), now)
            if incident_id is not None:
                verb = "re-enabled" if enabled else "stopped"
                what = "global kill switch" if pack is None else f"pack {pack}"
                asked = f" (requested by {requested_by})" if requested_by else ""
                text = f"{what} {verb} by {actor.user}{asked}: {reason}"
                self._desk.record_action(incident_id, "killswitch", text, actor)
        return {
            "applied": switch.to_dict(),
            "changed": record is not None,
            "audit": record.to_dict() if record else None,
        }

    def set_global(
        self, *, enabled: bool, reason: str, incident_id: str | None, actor: Actor
    ) -> tuple[int, dict[str, Any]]:
        """``POST /api/killswitch/global``: applied (200), or pending a second operator (202).

        Only a stop of a running fleet waits for a second operator; re-enabling, and
        a stop of what is already stopped (``changed: false``), apply at once.
        """
        rule = self.two_person
        if enabled or not rule.enabled or not self.switches.get(None).enabled:
            return 200, self.set_switch(
                None, enabled=enabled, reason=reason, incident_id=incident_id, actor=actor
            )
        self._check_incident(incident_id)
        pending, new = rule.request(reason, incident_id, actor, self._clock())
        if new and incident_id is not None:
            text = (
                f"global stop requested by {actor.user}, awaiting a second operator "
                f"until {pending['expires_at']}: {reason}"
            )
            self._desk.record_action(incident_id, "stop_requested", text, actor)
        return 202, {"pending": pending}

    def confirm_global(self, request_id: str, actor: Actor) -> dict[str, Any]:
        """``POST /api/killswitch/global/confirm``: a second operator applies the stop."""
        pending = self.two_person.take(request_id, actor, self._clock())
        incident_id = pending.get("incident_id")
        if incident_id is not None and not self._desk.exists(incident_id):
            incident_id = None  # cannot happen today (incidents are never deleted)
        answer = self.set_switch(
            None,
            enabled=False,
            reason=str(pending["reason"]),
            incident_id=incident_id,
            actor=actor,
            requested_by=str(pending["requested_by"]),
        )
        self.two_person.announce_confirmed(pending, actor)
        return answer

    def tick(self, now: datetime) -> None:
        """Expire an unconfirmed global stop request; verify stops against the deadline."""
        expired = self.two_person.expire_due(now)
        if expired is not None and expired.get("incident_id"):
            incident_id = str(expired["incident_id"])
            if self._desk.exists(incident_id):
                text = f"global stop requested by {expired['requested_by']} expired unconfirmed"
                self._desk.add_hub_entry(incident_id, "stop_expired", text)
        self.verifier.check(self._agents(), now)

    def agents_changed(self, now: datetime, agent: Agent | None = None) -> None:
        """An agent's state changed (``agent``, when it is one): a stop may be
        confirmed now, not at the next tick."""
        if agent is None or not self.verifier.report(agent, now):
            self.verifier.check(self._agents(), now)

    def _check_incident(self, incident_id: str | None) -> None:
        if incident_id is not None and not self._desk.exists(incident_id):
            raise Invalid(f"incident_id: no incident {incident_id!r}")
