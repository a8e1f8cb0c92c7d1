"""When is a stopped target really stopped? The one rule, for the hub and every console.

AgentOS gives agents 30 s to stop after a kill switch is engaged. An agent
counts as stopped once it reports ``stopped``. An agent the hub marks ``error``
(it went silent) counts only if it had been seen ``stopped`` since the stop:
its process ended after it stopped. One that was already ``error`` (silent, or
failing) before it was ever seen stopped may still be running somewhere, so it
does not count. The hub uses this rule to emit ``killswitch.confirmed`` and the
30-second violation; a console uses the same rule for CONFIRMED and its local
check, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["STOP_DEADLINE_S", "StopProgress"]

# The runbook's limit: agents of a stopped target must be seen stopped by then.
STOP_DEADLINE_S = 30.0


class StopProgress:
    """Which agents of one stopped target count as stopped; one per stop."""

    def __init__(self, seen_stopped: Iterable[str] = ()) -> None:
        # ``seen_stopped``: agents already seen stopped for this stop (by the hub,
        # before this console connected). A dict for its order: agents are only ever
        # added, so ``mark``/``rewind`` undo what was added since a mark.
        self._seen: dict[str, None] = dict.fromkeys(seen_stopped)

    def counts_as_stopped(self, agent_id: str, state: str) -> bool:
        """True when ``agent_id`` in ``state`` counts as stopped for this stop.

        Remembers the agents seen ``stopped``, so feed it every report in order.
        """
        if state == "stopped":
            self._seen[agent_id] = None
            return True
        return state == "error" and agent_id in self._seen

    def running(self, agents: Iterable[tuple[str, str]]) -> tuple[str, ...]:
        """The ids, sorted, of the (agent id, state) pairs that do not count as stopped."""
        return tuple(sorted(a for a, state in agents if not self.counts_as_stopped(a, state)))

    def mark(self) -> int:
        """A point to :meth:`rewind` to (how many agents were seen stopped)."""
        return len(self._seen)

    def rewind(self, mark: int) -> None:
        """Forget the agents first seen stopped after ``mark`` (an undone change)."""
        for agent_id in list(self._seen)[mark:]:
            del self._seen[agent_id]

    def seen_stopped(self, agent_id: str) -> bool:
        """True once ``agent_id`` has been seen ``stopped`` since the stop."""
        return agent_id in self._seen

    def seen(self) -> list[str]:
        """Every agent seen ``stopped`` since the stop, sorted."""
        return sorted(self._seen)
