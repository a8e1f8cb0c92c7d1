"""Each agent's recent states and run ids, as heartbeats reported them, bounded.

The hub sends an agent's latest state only; a person opening an agent wants to
see how it got there (running → stuck → stopped) and which runs it was on. Only
changes are kept (a heartbeat repeating the state adds nothing), at most
``HISTORY_LIMIT`` per agent, so a chatty fleet costs a fixed amount of memory.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

from services.domain.models import Agent
from services.domain.timeutil import to_rfc3339

__all__ = ["HISTORY_LIMIT", "AgentHistory", "AgentStep"]

HISTORY_LIMIT = 20
"""Changes kept per agent (the oldest is dropped first)."""


@dataclass(frozen=True)
class AgentStep:
    """One change of an agent: when it was reported, its state and run id then."""

    at: str
    state: str
    run_id: str | None


class AgentHistory:
    """Bounded per-agent history of state and run-id changes."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self.limit = limit
        self._steps: dict[str, deque[AgentStep]] = {}

    def record(self, agent: Agent, at: datetime) -> None:
        """Note ``agent`` as reported at ``at`` if its state or run id changed.

        A report that changes nothing (most of a storm's) costs a lookup and a
        comparison: ``at`` is only formatted for a change without a heartbeat time.
        """
        steps = self._steps.get(agent.id)
        if steps is None:
            steps = self._steps[agent.id] = deque(maxlen=self.limit)
        elif steps and steps[-1].state == agent.state and steps[-1].run_id == agent.run_id:
            return
        when = agent.last_heartbeat or to_rfc3339(at)
        steps.append(AgentStep(when, agent.state, agent.run_id))

    def forget_missing(self, present: set[str]) -> None:
        """Drop agents the hub no longer reports (after a snapshot)."""
        for agent_id in [a for a in self._steps if a not in present]:
            del self._steps[agent_id]

    def steps(self, agent_id: str) -> list[AgentStep]:
        """The agent's changes, newest first."""
        return list(reversed(self._steps.get(agent_id, ())))

    def run_ids(self, agent_id: str) -> list[str]:
        """The run ids the agent was seen on, newest first, each once."""
        seen: list[str] = []
        for step in self.steps(agent_id):
            if step.run_id and step.run_id not in seen:
                seen.append(step.run_id)
        return seen
