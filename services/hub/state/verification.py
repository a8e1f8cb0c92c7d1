"""Stop verification: are the agents of a stopped pack (or of all packs) really stopped?

AgentOS's runbook gives agents 30 s to stop. After each stop the hub watches the
target's agents as they report: once every one counts as stopped under the one
rule of :mod:`services.domain.stop_rule` it emits ``killswitch.confirmed``; if
any does not when the deadline passes, it emits ``killswitch.violation`` once
for that stop. Both go on the linked incident's
timeline. Watches are in memory: a restarted hub does not resume them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from services.domain.models import GLOBAL, Agent, SwitchState
from services.domain.stop_rule import StopProgress
from services.domain.timeutil import to_rfc3339
from services.hub.state.events import EventLog
from services.hub.state.incidents import IncidentDesk

log = logging.getLogger("warroom.hub")

# A violation entry on the timeline names this many agents, then how many more.
MAX_NAMED = 10


@dataclass
class _Watch:
    target: str
    pack: str | None  # None: every pack (the global switch)
    stopped_at: datetime
    incident_id: str | None
    violated: bool = False
    # The one stop rule (services.domain.stop_rule), shared with every console.
    progress: StopProgress = field(default_factory=StopProgress)
    # The target's agents and those the rule does not count as stopped, as of the
    # last check and the reports since (``primed`` once a check has set them).
    members: set[str] = field(default_factory=set)
    not_stopped: set[str] = field(default_factory=set)
    primed: bool = False

    @property
    def what(self) -> str:
        return "global kill switch" if self.pack is None else f"pack {self.pack}"


def agent_counts(agents: Iterable[Agent], pack: str | None) -> dict[str, int]:
    """``{"total", "running", "stopped"}`` for one pack's agents (all agents for None)."""
    members = [a for a in agents if pack is None or a.pack == pack]
    return {
        "total": len(members),
        "running": sum(a.state == "running" for a in members),
        "stopped": sum(a.state == "stopped" for a in members),
    }


def _undo_sets(watch: _Watch, agent_id: str) -> Callable[[], None]:
    """What puts ``agent_id``'s place in the watch's sets back as it is now."""
    members, not_stopped = watch.members, watch.not_stopped
    member, running = agent_id in members, agent_id in not_stopped

    def undo() -> None:
        for into, was in ((members, member), (not_stopped, running)):
            if was:
                into.add(agent_id)
            else:
                into.discard(agent_id)

    return undo


class StopVerifier:
    """One watch per stopped target, from its stop until confirmed or re-enabled."""

    def __init__(self, events: EventLog, desk: IncidentDesk, deadline_s: float) -> None:
        self._events = events
        self._desk = desk
        self.deadline_s = deadline_s
        self._deadline = timedelta(seconds=deadline_s)
        self._watches: dict[str, _Watch] = {}
        # Every stop in force, confirmed or not, with its progress under the stop rule:
        # a console that connects later seeds its own from it (``stops`` in the snapshot).
        self._in_force: dict[str, tuple[str | None, StopProgress]] = {}
        self._undo: list[Callable[[], None]] = []  # the current change's, for ``save``

    def save(self) -> Callable[[], None]:
        """A copy of the watches; the result puts it back (a failed write undoes a stop)."""
        # No copy of the agents' sets: this runs for every change the hub makes, and
        # a stop of thousands of agents brings thousands. What a change does to them
        # in place is logged (``_undo``) and undone in reverse; a check replaces them.
        saved = {target: replace(watch) for target, watch in self._watches.items()}
        progress = {target: watch.progress.mark() for target, watch in saved.items()}
        undo: list[Callable[[], None]] = []
        self._undo = undo

        def restore() -> None:
            for step in reversed(undo):
                step()
            for target, watch in saved.items():
                watch.progress.rewind(progress[target])
            self._watches = saved

        return restore

    def watching(self) -> list[str]:
        """The targets still being verified."""
        return list(self._watches)

    def watch(self, switch: SwitchState, now: datetime) -> None:
        """Start verifying a stop that was just applied."""
        pack = None if switch.scope == GLOBAL else switch.pack
        watch = _Watch(switch.target, pack, now, switch.incident_id)
        self._watches[switch.target] = watch
        self._in_force[switch.target] = (switch.changed_at, watch.progress)

    def drop(self, target: str) -> None:
        """Stop verifying ``target`` (it was re-enabled)."""
        self._watches.pop(target, None)
        self._in_force.pop(target, None)

    def progress(self) -> list[dict[str, Any]]:
        """The snapshot's ``stops``: each stop in force, since when (the switch's
        ``changed_at``), and the agents the stop rule has seen stopped."""
        return [
            {"target": target, "stopped_at": since, "seen_stopped": progress.seen()}
            for target, (since, progress) in sorted(self._in_force.items())
            if since is not None
        ]

    def check(self, agents: Iterable[Agent], now: datetime) -> None:
        """Confirm or flag every watched stop against the agents as last reported."""
        if not self._watches:
            return
        known = list(agents)
        for watch in list(self._watches.values()):
            members = [a for a in known if watch.pack is None or a.pack == watch.pack]
            watch.members = {a.id for a in members}
            watch.not_stopped = set(watch.progress.running((a.id, a.state) for a in members))
            watch.primed = True
            self._settle(watch, now)

    def report(self, agent: Agent, now: datetime) -> bool:
        """One agent's changed report: what :meth:`check` would conclude, looking
        at that agent alone (a global stop of thousands of agents brings thousands
        of reports; looking at every agent for each is quadratic). False when a
        watch has not been checked whole yet: the caller checks instead."""
        if not all(watch.primed for watch in self._watches.values()):
            return False
        for watch in list(self._watches.values()):
            self._undo.append(_undo_sets(watch, agent.id))
            if watch.pack is None or agent.pack == watch.pack:
                watch.members.add(agent.id)
                if watch.progress.counts_as_stopped(agent.id, agent.state):
                    watch.not_stopped.discard(agent.id)
                else:
                    watch.not_stopped.add(agent.id)
            elif agent.id in watch.members:  # moved to another pack
                watch.members.discard(agent.id)
                watch.not_stopped.discard(agent.id)
            self._settle(watch, now)
        return True

    def _settle(self, watch: _Watch, now: datetime) -> None:
        """Confirm the watch when nothing is left running, flag it once past the deadline."""
        if not watch.not_stopped:
            del self._watches[watch.target]
            self._confirmed(watch, len(watch.members), now)
        elif not watch.violated and now - watch.stopped_at >= self._deadline:
            watch.violated = True
            self._violated(watch, sorted(watch.not_stopped))

    def _confirmed(self, watch: _Watch, count: int, now: datetime) -> None:
        elapsed = (now - watch.stopped_at).total_seconds()
        data: dict[str, Any] = {
            "target": watch.target,
            "stopped_at": to_rfc3339(watch.stopped_at),
            "confirmed_at": to_rfc3339(now),
            "agents": count,
            "elapsed_s": round(elapsed, 3),
            "incident_id": watch.incident_id,
        }
        self._events.append("killswitch.confirmed", data)
        late = " (past the deadline)" if watch.violated else ""
        if count:
            seen = f"all {count} agents seen stopped {elapsed:.1f} s after the stop"
            text = f"{watch.what}: {seen}{late}"
        else:
            # Nothing to watch is not the same as having watched it stop: say which.
            text = f"{watch.what}: no agents known to the hub, so none left running"
        log.info("%s", text)
        self._entry(watch, "stop_confirmed", text)

    def _violated(self, watch: _Watch, not_stopped: list[str]) -> None:
        data: dict[str, Any] = {
            "target": watch.target,
            "agents": not_stopped,
            "stopped_at": to_rfc3339(watch.stopped_at),
            "deadline_s": self.deadline_s,
            "incident_id": watch.incident_id,
        }
        self._events.append("killswitch.violation", data)
        named = ", ".join(not_stopped[:MAX_NAMED])
        if len(not_stopped) > MAX_NAMED:
            named += f" and {len(not_stopped) - MAX_NAMED} more"
        text = (
            f"{watch.what}: {len(not_stopped)} agents not stopped "
            f"{self.deadline_s:g} s after the stop: {named}"
        )
        log.error("%s", text)
        self._entry(watch, "stop_violation", text)

    def _entry(self, watch: _Watch, kind: str, text: str) -> None:
        if watch.incident_id is not None and self._desk.exists(watch.incident_id):
            self._desk.add_hub_entry(watch.incident_id, kind, text)
