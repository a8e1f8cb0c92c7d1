"""The console's side of containment: kill-switch actions, between the session and the tracker.

It owns the :class:`ContainmentTracker`, turns a confirmed stop into one
journalled request, feeds the tracker the stream's events and the outbox's
outcomes, says when UNKNOWN actions are due to be reconciled from ``GET
/api/packs/status`` (the app runs :meth:`Killswitches.reconcile` in a worker),
and writes every action and each of its state changes to the console's local
audit journal. No Textual here: the app keeps the glue (workers, timers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from services.console.containment import NOT_RUNNING, Action, ContainmentTracker, Phase, Violation
from services.console.hub_client import HubCallError, HubClient, hub_path, switch_request
from services.console.identity import Identity, allowed
from services.console.outbox import Delivery, Outbox
from services.console.state import ConsoleState
from services.console.stop_watch import target_of
from services.domain.models import AGENT_STATES, GLOBAL, Envelope
from services.domain.timeutil import Clock, parse_optional, to_rfc3339
from storage.console_store import OutboxItem

__all__ = ["RECONCILE_EVERY_S", "ConsoleContext", "Journal", "Killswitches", "lock_reason"]

# How often UNKNOWN actions are checked against the hub while it answers.
RECONCILE_EVERY_S = 2.0
# What each kill-switch permission lets a person do, in the lock's words.
_LOCKS = (("killswitch.pack", "stop packs"), ("killswitch.global", "use the global switch"))


class ConsoleContext(Protocol):
    """What the kill-switch logic reads from the console's session."""

    @property
    def state(self) -> ConsoleState: ...
    @property
    def identity(self) -> Identity | None: ...
    @property
    def outbox(self) -> Outbox | None: ...
    @property
    def clock(self) -> Clock: ...


class Journal(Protocol):
    """Journal an action (fsync'd), then send it; ``None`` when that is impossible."""

    def __call__(
        self, kind: str, path: str, body: dict[str, Any], *, incident_id: str | None = None
    ) -> OutboxItem | None: ...


def lock_reason(identity: Identity | None) -> str:
    """What the panel says when stopping is not allowed, or ``""``."""
    if identity is None:
        return "locked: waiting for the hub to say what this token may do"
    missing = [what for permission, what in _LOCKS if not identity.allows(permission)]
    if not missing:
        return ""
    return f"locked: role {identity.role} cannot " + " or ".join(missing)


def _report(data: Any) -> tuple[str, str, str] | None:
    """An ``agent.status`` event's (agent id, pack, state); ``None`` when it has not
    got them (the state refused it too)."""
    agent = data.get("agent") if isinstance(data, dict) else None
    if not isinstance(agent, dict):
        return None
    agent_id, pack, state = agent.get("id"), agent.get("pack"), agent.get("state")
    if not isinstance(agent_id, str) or not isinstance(pack, str) or state not in AGENT_STATES:
        return None
    return agent_id, pack, state


class Killswitches:
    """Kill-switch actions of one console; the app calls its hooks."""

    def __init__(self, context: ConsoleContext, journal: Journal) -> None:
        self.context = context
        self.journal = journal
        self.tracker = ContainmentTracker()
        self._audited: dict[str, Phase] = {}
        self._reconciled_at: datetime | None = None

    # -- permissions ------------------------------------------------------------

    def allowed(self, permission: str) -> bool:
        """True when the hub said our token holds ``permission`` (whoami)."""
        return allowed(self.context.identity, permission)

    def lock_reason(self) -> str:
        """What the panel says when stopping is not allowed, or ``""``."""
        return lock_reason(self.context.identity)

    # -- actions (only ever called from ConfirmStop's confirm) -------------------

    def set_switch(
        self, pack: str | None, enabled: bool, reason: str, incident_id: str | None
    ) -> Action | None:
        """Journal and send one switch change; the tracker follows it from now."""
        path, body = switch_request(pack, enabled, reason, incident_id)
        now = self.context.clock()
        item = self.journal("killswitch", path, body, incident_id=incident_id)
        if item is None:
            return None
        action = self.tracker.request(item.key, target_of(pack), enabled, reason, incident_id, now)
        self._audit(action, now)
        return action

    def confirm_pending(self, request_id: str, reason: str) -> Action | None:
        """The second operator confirms a pending global stop."""
        now = self.context.clock()
        path = hub_path("api", "killswitch", "global", "confirm")
        item = self.journal("killswitch", path, {"request_id": request_id})
        if item is None:
            return None
        action = self.tracker.request(item.key, GLOBAL, False, reason, None, now)
        self._audit(action, now)
        return action

    def record_override(self, pack: str, reason: str) -> None:
        """A restore carried on past a flagged pack: recorded in the local audit."""
        outbox = self.context.outbox
        if outbox is not None:
            at = to_rfc3339(self.context.clock())
            record = {"action": "restore-override", "target": target_of(pack)}
            outbox.store.append_audit({**record, "reason": reason, "at": at})

    # -- hooks from the app --------------------------------------------------------

    def on_delivery(self, delivery: Delivery) -> None:
        """An outbox outcome; only kill-switch items concern the tracker."""
        if delivery.item.kind != "killswitch" or delivery.state == "saved":
            return
        now = self.context.clock()
        answer = delivery.item.answer if delivery.state == "done" else None
        self.tracker.delivered(delivery.item.key, delivery.state, answer, delivery.error, now)
        self.observe(now)
        self._audit_changes(now)

    def on_envelope(self, envelope: Envelope, now: datetime) -> None:
        """A stream event (already applied to the state)."""
        self.tracker.on_event(envelope.type, envelope.data, now)
        kind = envelope.type
        # Switch changes always (they start and end stops); agent reports while
        # they matter, and every one of them then: the stop rule remembers.
        if kind == "snapshot" or kind.startswith("killswitch."):
            self.observe(now, always=True)
        elif kind == "agent.status" and self.tracker.watching():
            report = _report(envelope.data)
            if report is None or not self.tracker.report(*report, now):
                self.observe(now)

    def tick(self, now: datetime) -> bool:
        """Timeouts and the audit of state changes (a few times a second).

        True when UNKNOWN actions are due to be reconciled: the app then runs
        :meth:`reconcile` in a worker.
        """
        self.tracker.tick(now)
        self._audit_changes(now)
        unknown = any(a.phase is Phase.UNKNOWN for a in self.tracker.actions.values())
        live = self.context.state.status.state == "live"
        due = self._reconciled_at is None or (
            (now - self._reconciled_at).total_seconds() >= RECONCILE_EVERY_S
        )
        if unknown and live and due:
            self._reconciled_at = now
            return True
        return False

    async def reconcile(self, hub: HubClient) -> None:
        """Check UNKNOWN actions against the hub's pack status (silent when it fails)."""
        try:
            status = await hub.packs_status()
        except HubCallError:
            return
        now = self.context.clock()
        self.tracker.reconcile(status, now)
        self.observe(now)
        self._audit_changes(now)

    def observe(self, now: datetime, *, always: bool = False) -> None:
        """Hand the tracker the switches and agents as the state has them."""
        if not always and not self.tracker.watching():
            return
        state = self.context.state
        switches: dict[str, tuple[bool, datetime | None]] = {}
        for name, switch in state.switches.items():
            try:
                changed = parse_optional(switch.changed_at)
            except ValueError:
                changed = None
            switches[GLOBAL if name == GLOBAL else target_of(name)] = (switch.enabled, changed)
        agents = {
            pack: [(a.id, a.state) for a in members]
            for pack, members in state.agents_by_pack().items()
        }
        self.tracker.observe(switches, agents, now, state.stops_seen)

    # -- views -----------------------------------------------------------------------

    def latest_actions(self) -> dict[str, Action]:
        """This console's newest action per target."""
        latest: dict[str, Action] = {}
        for action in self.tracker.actions.values():
            known = latest.get(action.target)
            if known is None or action.pressed_at >= known.pressed_at:
                latest[action.target] = action
        return latest

    def violations(self, now: datetime) -> list[Violation]:
        """The 30-second rule: the hub's violations plus the ones computed here."""
        return self.tracker.violations(self.context.state.hub_now(now))

    def running_counts(self) -> dict[str, int]:
        """Agents not counted as stopped, by target (``global`` sums the packs).

        Where a stop is in force that is the stop rule's answer; in a pack
        nobody stopped, the agents neither stopped nor in error.
        """
        counts: dict[str, int] = {}
        for pack, agents in self.context.state.agents_by_pack().items():
            members = [(a.id, a.state) for a in agents]
            running = self.tracker.stops.still_running(pack, members)
            if running is None:
                counts[target_of(pack)] = sum(state not in NOT_RUNNING for _, state in members)
            else:
                counts[target_of(pack)] = len(running)
        counts[GLOBAL] = sum(counts.values())
        return counts

    def stopped_packs(self) -> dict[str, bool]:
        """Per pack: every agent counts as stopped (the restore's "stable")."""
        return {
            target.removeprefix("pack:"): count == 0
            for target, count in self.running_counts().items()
            if target != GLOBAL
        }

    # -- the local audit -------------------------------------------------------------

    def _audit_changes(self, now: datetime) -> None:
        for action in self.tracker.actions.values():
            if self._audited.get(action.key) is not action.phase:
                self._audit(action, now)

    def _audit(self, action: Action, now: datetime) -> None:
        self._audited[action.key] = action.phase
        outbox = self.context.outbox
        if outbox is None:
            return
        identity = self.context.identity
        outbox.store.append_audit(
            {
                "at": to_rfc3339(now),
                "key": action.key,
                "user": identity.user if identity else None,
                "action": action.verb,
                "target": action.target,
                "reason": action.reason,
                "incident_id": action.incident_id,
                "state": action.phase.value,
                "detail": action.summary(),
            }
        )
