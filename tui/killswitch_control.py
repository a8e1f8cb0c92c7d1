"""The console's side of containment, between the app and the kill-switch screens.

It owns the :class:`ContainmentTracker`, turns a confirmed modal into one
journalled request (``app.submit_action``), feeds the tracker the stream's
events and the outbox's outcomes, reconciles UNKNOWN actions from ``GET
/api/packs/status`` once the stream is live again, and writes every action and
each of its state changes to the console's local audit journal.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from services.console.containment import (
    STOP_DEADLINE_S,
    Action,
    ContainmentTracker,
    Phase,
    Violation,
    late_agents,
    target_of,
)
from services.console.hub_client import HubClient, HubError
from services.console.outbox import Delivery
from services.domain.models import GLOBAL, Envelope
from services.domain.timeutil import parse_optional, to_rfc3339

if TYPE_CHECKING:
    from tui.app import WarroomApp

__all__ = ["KillswitchControl"]

# How often UNKNOWN actions are checked against the hub while it answers.
RECONCILE_EVERY_S = 2.0
AGENT_EVENTS = frozenset({"snapshot", "agent.status"})


class KillswitchControl:
    """Kill-switch actions of one console; the app calls its hooks."""

    def __init__(self, app: WarroomApp) -> None:
        self.app = app
        self.tracker = ContainmentTracker()
        self._audited: dict[str, Phase] = {}
        self._reconciled_at: datetime | None = None

    # -- permissions ------------------------------------------------------------

    def allowed(self, permission: str) -> bool:
        """True when the hub said our token holds ``permission`` (whoami)."""
        identity = self.app.identity
        return identity is not None and permission in identity.permissions

    def lock_reason(self) -> str:
        """What the panel says when stopping is not allowed, or ``""``."""
        identity = self.app.identity
        if identity is None:
            return "locked: waiting for the hub to say what this token may do"
        missing = [
            what
            for permission, what in (
                ("killswitch.pack", "stop packs"),
                ("killswitch.global", "use the global switch"),
            )
            if permission not in identity.permissions
        ]
        if not missing:
            return ""
        return f"locked: role {identity.role} cannot " + " or ".join(missing)

    # -- actions (only ever called from ConfirmStop's confirm) -------------------

    def set_switch(
        self, pack: str | None, enabled: bool, reason: str, incident_id: str | None
    ) -> Action | None:
        """Journal and send one switch change; the tracker follows it from now."""
        path = "/api/killswitch/global"
        if pack is not None:
            path = f"/api/killswitch/pack/{quote(pack, safe='')}"
        body: dict[str, Any] = {"enabled": enabled, "reason": reason}
        if incident_id:
            body["incident_id"] = incident_id
        now = self.app.clock()
        item = self.app.submit_action("killswitch", path, body, incident_id=incident_id)
        if item is None:
            return None
        action = self.tracker.request(item.key, target_of(pack), enabled, reason, incident_id, now)
        self._audit(action, now)
        return action

    def confirm_pending(self, request_id: str, reason: str) -> Action | None:
        """The second operator confirms a pending global stop."""
        now = self.app.clock()
        body = {"request_id": request_id}
        item = self.app.submit_action("killswitch", "/api/killswitch/global/confirm", body)
        if item is None:
            return None
        action = self.tracker.request(item.key, GLOBAL, False, reason, None, now)
        self._audit(action, now)
        return action

    # -- hooks from the app --------------------------------------------------------

    def on_delivery(self, delivery: Delivery) -> None:
        """An outbox outcome; only kill-switch items concern the tracker."""
        if delivery.item.kind != "killswitch":
            return
        now = self.app.clock()
        answer = delivery.item.answer if delivery.state == "done" else None
        self.tracker.delivered(delivery.item.key, delivery.state, answer, delivery.error, now)
        self._observe(now)
        self._audit_changes(now)

    def on_envelope(self, envelope: Envelope, now: datetime) -> None:
        """A stream event (already applied to the state)."""
        self.tracker.on_event(envelope.type, envelope.data, now)
        if envelope.type in AGENT_EVENTS or envelope.type.startswith("killswitch."):
            self._observe(now)

    def tick(self, now: datetime) -> None:
        """Timeouts, reconciliation and the audit of state changes (a few times a second)."""
        self.tracker.tick(now)
        self._audit_changes(now)
        unknown = any(a.phase is Phase.UNKNOWN for a in self.tracker.actions.values())
        live = self.app.state.status.state == "live"
        due = self._reconciled_at is None or (
            (now - self._reconciled_at).total_seconds() >= RECONCILE_EVERY_S
        )
        if unknown and live and due and self.app.connect:
            self._reconciled_at = now
            self.app.run_worker(
                self._reconcile(), group="killswitch-reconcile", exclusive=True, exit_on_error=False
            )

    async def _reconcile(self) -> None:
        async with HubClient(self.app.settings.hub_url, self.app.settings.token) as hub:
            try:
                status = await hub.packs_status()
            except HubError:
                return
        now = self.app.clock()
        self.tracker.reconcile(status, now)
        self._observe(now)
        self._audit_changes(now)

    def _observe(self, now: datetime) -> None:
        if not any(a.phase is Phase.APPLIED for a in self.tracker.actions.values()) and not (
            self.tracker.hub_violations
        ):
            return
        states: dict[str, list[str]] = {pack: [] for pack in self.app.state.packs}
        for agent in self.app.state.agents.values():
            states.setdefault(agent.pack, []).append(agent.state)
        self.tracker.observe_agents(states, now)

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
        state = self.app.state
        switches: dict[str, tuple[bool, datetime | None]] = {}
        for name, switch in state.switches.items():
            try:
                changed = parse_optional(switch.changed_at)
            except ValueError:
                changed = None
            switches[name] = (switch.enabled, changed)
        agents = {
            pack: [(a.id, a.state) for a in members]
            for pack, members in state.agents_by_pack().items()
        }
        local = late_agents(switches, agents, state.hub_now(now), STOP_DEADLINE_S)
        return self.tracker.violations(local)

    # -- the local audit -------------------------------------------------------------

    def _audit_changes(self, now: datetime) -> None:
        for action in self.tracker.actions.values():
            if self._audited.get(action.key) is not action.phase:
                self._audit(action, now)

    def _audit(self, action: Action, now: datetime) -> None:
        self._audited[action.key] = action.phase
        outbox = self.app.outbox
        if outbox is None:
            return
        identity = self.app.identity
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
