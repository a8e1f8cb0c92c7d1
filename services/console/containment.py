"""Kill-switch actions as the console follows them: a pure state machine, no I/O.

Each action a person confirms (stop or re-enable a pack, or the global switch)
moves through states that are shown as such and never merged:

* ``REQUESTED`` — journalled (fsync'd) and sent; no answer yet.
* ``WAITING`` — a global stop the hub holds for a second operator (202).
* ``APPLIED`` — the hub answered with the applied switch state.
* ``CONFIRMED`` — every agent of the target seen in its new state on the
  stream (or the hub's ``killswitch.confirmed``); the time from the keypress
  is measured on the console's clock. Whether an agent counts as stopped is
  the one rule of :mod:`services.domain.stop_rule`, followed per stop, as the
  hub follows it: CONFIRMED here never precedes a violation there.
* ``UNKNOWN`` — no answer (timeout, lost connection). Never success: it is
  reconciled from ``GET /api/packs/status`` once the hub answers again.
* ``REFUSED`` / ``EXPIRED`` — final: the hub said no / nobody confirmed in time.

Every transition takes ``now`` (the local clock), so tests drive it by hand.
The guided restore after a global stop is in :mod:`services.console.restore_plan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.console.stop_watch import (
    Members,
    Seen,
    StopWatch,
    Switches,
    Violation,
    members_of,
    target_of,
)
from services.domain.models import GLOBAL

__all__ = [
    "ANSWER_TIMEOUT_S",
    "NOT_RUNNING",
    "Action",
    "ContainmentTracker",
    "Members",
    "Phase",
    "Switches",
    "Violation",
    "target_of",
]

# No answer this long after sending: UNKNOWN (the outbox keeps retrying).
ANSWER_TIMEOUT_S = 5.0
# States in which an agent is not running. Only for a re-enable (every agent out of
# them: running again) and for counting agents of a pack nobody stopped; whether a
# stop is done is the stop rule's (services.domain.stop_rule), never this set's.
NOT_RUNNING = frozenset({"stopped", "error"})


class Phase(StrEnum):
    """Where one action stands."""

    REQUESTED = "REQUESTED"
    WAITING = "WAITING"
    APPLIED = "APPLIED"
    CONFIRMED = "CONFIRMED"
    UNKNOWN = "UNKNOWN"
    REFUSED = "REFUSED"
    EXPIRED = "EXPIRED"


@dataclass
class Action:
    """One kill-switch change from the confirming keypress to its outcome."""

    key: str  # the idempotency key it was journalled and sent under
    target: str  # global | pack:NAME
    enabled: bool  # False: stop
    reason: str
    incident_id: str | None
    pressed_at: datetime  # console clock at the confirming keypress
    phase: Phase = Phase.REQUESTED
    applied_at: datetime | None = None
    confirmed_at: datetime | None = None
    agents: int | None = None
    detail: str = ""
    pending_id: str | None = None
    expires_at: str | None = None  # hub time (RFC 3339) of a WAITING stop
    history: list[tuple[Phase, datetime]] = field(default_factory=list)

    @property
    def verb(self) -> str:
        return "re-enable" if self.enabled else "stop"

    @property
    def pack(self) -> str | None:
        return None if self.target == GLOBAL else self.target.removeprefix("pack:")

    def elapsed(self, until: datetime | None) -> float | None:
        """Seconds from the keypress to ``until`` (None when it has not happened)."""
        return None if until is None else max(0.0, (until - self.pressed_at).total_seconds())

    def summary(self) -> str:
        """What the row says after the state word, e.g. ``all 6 agents stopped in 1.4 s``."""
        if self.phase is Phase.CONFIRMED:
            seconds = self.elapsed(self.confirmed_at) or 0.0
            word = "running again" if self.enabled else "stopped"
            count = "no agents" if not self.agents else f"all {self.agents} agents"
            return f"{count} {word} in {seconds:.1f} s"
        if self.phase is Phase.APPLIED:
            seconds = self.elapsed(self.applied_at) or 0.0
            return f"applied in {seconds:.1f} s; watching agents" + (
                f" ({self.detail})" if self.detail else ""
            )
        return self.detail

    def _move(self, phase: Phase, now: datetime, detail: str | None = None) -> None:
        self.phase = phase
        self.history.append((phase, now))
        if detail is not None:
            self.detail = detail


# Actions still waiting for an outcome.
_OPEN = (Phase.REQUESTED, Phase.WAITING, Phase.APPLIED, Phase.UNKNOWN)


@dataclass
class _Restart:
    """A re-enable's agents, and those not running again yet."""

    members: set[str]
    waiting: set[str]

    @classmethod
    def of(cls, members: Members) -> _Restart:
        waiting = {agent_id for agent_id, state in members if state in NOT_RUNNING}
        return cls({agent_id for agent_id, _ in members}, waiting)

    def report(self, target: str, agent_id: str, pack: str, state: str) -> None:
        if target in (GLOBAL, target_of(pack)):
            self.members.add(agent_id)
            if state in NOT_RUNNING:
                self.waiting.add(agent_id)
            else:
                self.waiting.discard(agent_id)
        elif agent_id in self.members:  # moved to another pack
            self.members.discard(agent_id)
            self.waiting.discard(agent_id)


class ContainmentTracker:
    """Every action this console took, plus what the hub says about stops and pending ones."""

    def __init__(self, answer_timeout_s: float = ANSWER_TIMEOUT_S) -> None:
        self.answer_timeout_s = answer_timeout_s
        self.actions: dict[str, Action] = {}
        self.pending_global: dict[str, Any] | None = None
        """The two-person global stop awaiting a second operator (the hub's object)."""
        self.hub_violations: dict[str, Violation] = {}
        self.stops = StopWatch()
        """The stops in force, followed by the one stop rule."""
        self._restarts: dict[str, _Restart] = {}
        """APPLIED re-enables (by key): their agents, and those not running yet."""
        self.changed = True
        """Set by every transition; the screen redraws when it is."""

    # -- this console's actions ------------------------------------------------

    def request(
        self,
        key: str,
        target: str,
        enabled: bool,
        reason: str,
        incident_id: str | None,
        now: datetime,
    ) -> Action:
        """The action was journalled and handed to the outbox at ``now``."""
        action = Action(key, target, enabled, reason, incident_id, pressed_at=now)
        action.history.append((Phase.REQUESTED, now))
        self.actions[key] = action
        self.changed = True
        return action

    def latest(self, target: str) -> Action | None:
        """The newest action on ``target``."""
        matching = [a for a in self.actions.values() if a.target == target]
        return max(matching, key=lambda a: a.pressed_at) if matching else None

    def delivered(
        self,
        key: str,
        state: str,
        answer: Mapping[str, Any] | None,
        error: str | None,
        now: datetime,
    ) -> Action | None:
        """The outbox's outcome for ``key``: done (with the hub's answer), refused, pending."""
        action = self.actions.get(key)
        if action is None or action.phase in (Phase.CONFIRMED, Phase.REFUSED, Phase.EXPIRED):
            return action
        if state == "refused":
            action._move(Phase.REFUSED, now, error or "refused")
        elif state == "pending":
            if action.phase is not Phase.APPLIED:
                action._move(Phase.UNKNOWN, now, f"no answer: {error}" if error else "no answer")
        elif isinstance(answer, Mapping) and isinstance(answer.get("pending"), Mapping):
            pending = dict(answer["pending"])
            action.pending_id = str(pending.get("id"))
            action.expires_at = str(pending.get("expires_at"))
            self.pending_global = pending
            action._move(Phase.WAITING, now, "waiting for a second operator")
        elif action.phase is not Phase.APPLIED:
            action.applied_at = now
            changed = isinstance(answer, Mapping) and answer.get("changed") is False
            action._move(Phase.APPLIED, now, "already in that state" if changed else "")
        self.changed = True
        return action

    def tick(self, now: datetime) -> None:
        """A request unanswered for ``answer_timeout_s`` becomes UNKNOWN."""
        for action in self.actions.values():
            if action.phase is Phase.REQUESTED:
                waited = (now - action.pressed_at).total_seconds()
                if waited >= self.answer_timeout_s:
                    action._move(Phase.UNKNOWN, now, f"no answer in {waited:.0f} s")
                    self.changed = True

    def watching(self) -> bool:
        """True while agent reports matter: a stop in force, an action open, a violation."""
        return bool(self.stops or self.hub_violations) or any(
            action.phase in _OPEN for action in self.actions.values()
        )

    def observe(
        self,
        switches: Switches,
        agents: Mapping[str, Members],
        now: datetime,
        seen: Seen | None = None,
    ) -> None:
        """The switches and every pack's agents as the stream last told them.

        Feeds the stops (:class:`StopWatch`); APPLIED actions whose target is
        done confirm; the hub's violations that are over are dropped. Call it on
        every agent report while :meth:`watching`, so that an agent seen
        ``stopped`` then ``error`` is remembered as stopped.
        """
        self.stops.observe(switches, agents, seen)
        self._restarts = {
            action.key: _Restart.of(members_of(agents, action.target))
            for action in self.actions.values()
            if action.phase is Phase.APPLIED and action.enabled
        }
        self._settle(now)

    def report(self, agent_id: str, pack: str, state: str, now: datetime) -> bool:
        """One agent's report while :meth:`watching`: what :meth:`observe` would
        conclude, for that agent alone (a global stop of thousands of agents brings
        thousands of reports; looking at every agent for each is quadratic).

        False when it cannot (a re-enable applied since the last :meth:`observe`):
        the caller observes everything instead."""
        restarts = [a for a in self.actions.values() if a.phase is Phase.APPLIED and a.enabled]
        if any(action.key not in self._restarts for action in restarts):
            return False
        self.stops.report(agent_id, pack, state)
        for action in restarts:
            self._restarts[action.key].report(action.target, agent_id, pack, state)
        self._settle(now)
        return True

    def _settle(self, now: datetime) -> None:
        """Confirm APPLIED actions whose target is done; drop the hub's violations
        that are over."""
        for action in self.actions.values():
            if action.phase is not Phase.APPLIED:
                continue
            if action.enabled:
                restart = self._restarts.get(action.key)
                if restart is not None and restart.members and not restart.waiting:
                    self._confirm(action, len(restart.members), now)
            else:
                count = self.stops.done(action.target)
                if count is not None:
                    self._confirm(action, count, now)
        for target in list(self.hub_violations):
            if self.stops.done(target) is not None:
                del self.hub_violations[target]
                self.changed = True

    def _confirm(self, action: Action, count: int, now: datetime) -> None:
        action.agents = count
        action.confirmed_at = now
        action._move(Phase.CONFIRMED, now)
        self.changed = True

    def reconcile(self, packs_status: Mapping[str, Any], now: datetime) -> None:
        """UNKNOWN actions, checked against ``GET /api/packs/status`` once the hub answers."""
        enabled: dict[str, bool] = {}
        glob = packs_status.get("global")
        if isinstance(glob, Mapping):
            enabled[GLOBAL] = bool(glob.get("enabled", True))
        for pack in packs_status.get("packs") or ():
            if isinstance(pack, Mapping):
                enabled[target_of(str(pack.get("name")))] = bool(pack.get("enabled", True))
        for action in self.actions.values():
            if action.phase is not Phase.UNKNOWN or action.target not in enabled:
                continue
            if enabled[action.target] == action.enabled:
                action.applied_at = action.applied_at or now
                action._move(Phase.APPLIED, now, "reconciled from the hub's pack status")
            else:
                action.detail = f"not applied at {now:%H:%M:%S}; the journal keeps retrying"
            self.changed = True

    # -- the hub's events ------------------------------------------------------

    def on_event(self, kind: str, data: Mapping[str, Any], now: datetime) -> None:
        """Apply one stream event's data (any type; the irrelevant ones are ignored)."""
        if kind == "snapshot":
            pending = data.get("pending_global")
            self.pending_global = dict(pending) if isinstance(pending, Mapping) else None
            self.changed = True
        elif kind == "killswitch.pending":
            self._pending(data, now)
        elif kind == "killswitch.confirmed":
            target = str(data.get("target"))
            open_phases = (Phase.APPLIED, Phase.UNKNOWN, Phase.WAITING)
            agents = data.get("agents")
            for action in self.actions.values():
                if action.target == target and not action.enabled and action.phase in open_phases:
                    self._confirm(action, agents if isinstance(agents, int) else 0, now)
            self.hub_violations.pop(target, None)
            self.changed = True
        elif kind == "killswitch.violation":
            target = str(data.get("target"))
            names = tuple(str(a) for a in data.get("agents") or ())
            self.hub_violations[target] = Violation(target, names, None, "hub")
            self.changed = True
        elif kind == "killswitch.changed":
            switch = data.get("switch")
            if isinstance(switch, Mapping) and switch.get("enabled"):
                pack = switch.get("pack")
                self.hub_violations.pop(target_of(str(pack)) if pack else GLOBAL, None)
                self.changed = True

    def _pending(self, data: Mapping[str, Any], now: datetime) -> None:
        state = data.get("state")
        pending = data.get("pending")
        pending_id = pending.get("id") if isinstance(pending, Mapping) else None
        if state == "requested" and isinstance(pending, Mapping):
            self.pending_global = dict(pending)
        elif self.pending_global is None or self.pending_global.get("id") == pending_id:
            self.pending_global = None
        for action in self.actions.values():
            if action.pending_id is None or action.pending_id != pending_id:
                continue
            if state == "confirmed" and action.phase is Phase.WAITING:
                action.applied_at = now
                action._move(Phase.APPLIED, now, f"confirmed by {data.get('confirmed_by')}")
            elif state == "expired" and action.phase is Phase.WAITING:
                action._move(Phase.EXPIRED, now, "nobody confirmed it in time")
        self.changed = True

    def violations(self, hub_now: datetime) -> list[Violation]:
        """The 30-second rule: the hub's violations plus the ones computed here from the
        stops in force at hub time ``hub_now`` (one per target, the hub's first)."""
        merged = dict(self.hub_violations)
        for violation in self.stops.late(hub_now):
            merged.setdefault(violation.target, violation)
        return [merged[t] for t in sorted(merged)]
