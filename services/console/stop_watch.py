"""Every stopped switch as this console follows it, by the one stop rule.

A stop is one switch (global or a pack) seen stopped with one ``changed_at``;
from the moment it is seen, the agents it covers are fed to a
:class:`services.domain.stop_rule.StopProgress` on every report, so an agent
seen ``stopped`` that then goes silent (``error``) stays stopped, and one that
was already ``error`` is never counted as stopped: the hub decides the same
way, so CONFIRMED and the 30-second warning here agree with its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.domain.models import GLOBAL
from services.domain.stop_rule import STOP_DEADLINE_S, StopProgress
from services.domain.timeutil import parse_rfc3339

__all__ = ["Members", "Seen", "StopWatch", "Switches", "Violation", "members_of", "target_of"]

Members = Sequence[tuple[str, str]]
"""The (agent id, state) pairs of one pack, as the stream last told them."""
Switches = Mapping[str, tuple[bool, datetime | None]]
"""Target (``global``, ``pack:NAME``) → (enabled, changed_at in hub time)."""
Seen = Mapping[str, tuple[str, frozenset[str]]]
"""Target → (the stop's ``stopped_at``, agents the hub had seen stopped), from a snapshot."""


def target_of(pack: str | None) -> str:
    """``None`` → ``global``; ``support`` → ``pack:support`` (the audit's target names)."""
    return GLOBAL if pack is None else f"pack:{pack}"


def members_of(agents: Mapping[str, Members], target: str) -> list[tuple[str, str]]:
    """The agents a target covers: one pack's, or every pack's for ``global``."""
    if target == GLOBAL:
        return [member for pack in agents.values() for member in pack]
    return list(agents.get(target.removeprefix("pack:"), ()))


@dataclass(frozen=True)
class Violation:
    """Agents of a stopped target still not stopped after the deadline."""

    target: str
    agents: tuple[str, ...]
    seconds: float | None  # since the stop, when known
    source: str  # hub | console

    def text(self) -> str:
        names = ", ".join(self.agents[:5]) + (" …" if len(self.agents) > 5 else "")
        since = f" {self.seconds:.0f} s" if self.seconds is not None else ""
        count = len(self.agents)
        what = "agent" if count == 1 else "agents"
        return f"{self.target}: {count} {what} still running{since} after the stop: {names}"


@dataclass
class _Stop:
    since: datetime | None  # hub time of the switch change (None: unknown)
    progress: StopProgress = field(default_factory=StopProgress)
    members: set[str] = field(default_factory=set)  # the target's agents, as last told
    running: set[str] = field(default_factory=set)  # those not counted as stopped


def _seen_for(seen: Seen | None, target: str, since: datetime | None) -> frozenset[str]:
    """The agents the hub had seen stopped for this very stop (same ``stopped_at``)."""
    if not seen or since is None or target not in seen:
        return frozenset()
    stopped_at, agents = seen[target]
    try:
        same = parse_rfc3339(stopped_at) == since
    except ValueError:
        return frozenset()
    return agents if same else frozenset()


class StopWatch:
    """The stops in force, each with what the stop rule says of its agents."""

    def __init__(self) -> None:
        self._stops: dict[str, _Stop] = {}

    def __bool__(self) -> bool:
        return bool(self._stops)

    def observe(
        self, switches: Switches, agents: Mapping[str, Members], seen: Seen | None = None
    ) -> None:
        """Follow the stopped switches (a new ``changed_at`` is a new stop; a switch
        enabled again ends its stop) and feed each stop its agents' reports.

        ``seen`` (from the hub's snapshot) starts a stop with the agents the hub had
        already seen stopped for that same stop, so a console that connects after a
        stop counts an agent that stopped and then went silent as the hub does."""
        for target, (enabled, since) in switches.items():
            stop = self._stops.get(target)
            if enabled:
                self._stops.pop(target, None)
            elif stop is None or stop.since != since:
                self._stops[target] = _Stop(since, StopProgress(_seen_for(seen, target, since)))
        for target in [t for t in self._stops if t not in switches]:
            del self._stops[target]
        for target, stop in self._stops.items():
            members = members_of(agents, target)
            stop.members = {agent_id for agent_id, _ in members}
            stop.running = set(stop.progress.running(members))

    def report(self, agent_id: str, pack: str, state: str) -> None:
        """One agent's report, for the stops in force: what :meth:`observe` would
        conclude for that agent, without looking at every other agent again (a
        global stop of thousands of agents brings thousands of reports)."""
        for target, stop in self._stops.items():
            if target in (GLOBAL, target_of(pack)):
                stop.members.add(agent_id)
                if stop.progress.counts_as_stopped(agent_id, state):
                    stop.running.discard(agent_id)
                else:
                    stop.running.add(agent_id)
            elif agent_id in stop.members:  # moved to another pack
                stop.members.discard(agent_id)
                stop.running.discard(agent_id)

    def done(self, target: str) -> int | None:
        """How many agents ``target``'s stop covers once every one counts as stopped;
        ``None`` while one does not, with no agents seen, or with no stop in force."""
        stop = self._stops.get(target)
        if stop is None or not stop.members or stop.running:
            return None
        return len(stop.members)

    def still_running(self, pack: str, members: Members) -> frozenset[str] | None:
        """The agents of ``pack`` its stop does not count as stopped: the pack's own
        stop when its switch is off, else the global one's; ``None`` with neither."""
        stop = self._stops.get(target_of(pack)) or self._stops.get(GLOBAL)
        if stop is None:
            return None
        return frozenset(agent_id for agent_id, _ in members if agent_id in stop.running)

    def late(self, hub_now: datetime, deadline_s: float = STOP_DEADLINE_S) -> list[Violation]:
        """The 30-second rule computed here: stops older than ``deadline_s`` (hub time)
        with agents the stop rule does not count as stopped."""
        found: list[Violation] = []
        for target, stop in sorted(self._stops.items()):
            if stop.since is None or not stop.running:
                continue
            seconds = (hub_now - stop.since).total_seconds()
            if seconds > deadline_s:
                found.append(Violation(target, tuple(sorted(stop.running)), seconds, "console"))
        return found
