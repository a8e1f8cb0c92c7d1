"""What each kind of row opens: the rows of :class:`tui.screens.detail.DetailScreen`
for an agent, a pack and a timeline entry, from the console's state."""

from __future__ import annotations

from collections.abc import Callable

from services.console.state import ConsoleState
from services.domain.models import TimelineEntry
from tui.screens.detail import DetailScreen, Row, model_rows
from widgets.timeline import TimelineRow

__all__ = ["agent_detail", "entry_detail", "pack_detail"]

Filter = Callable[[str], str] | None


def agent_detail(state: ConsoleState, agent_id: str, text_filter: Filter = None) -> DetailScreen:
    """An agent: its last heartbeat's fields, its recent changes and its run ids."""
    agent = state.agents.get(agent_id)
    rows: list[Row] = model_rows(agent) if agent is not None else [("id", agent_id)]
    if agent is None:
        rows.append(("state", "no longer reported by the hub"))
    steps = state.agent_history.steps(agent_id)
    rows.append(
        ("history", [f"{s.at}  {s.state}  {s.run_id or 'no run'}" for s in steps] or "none yet")
    )
    rows.append(("run ids", state.agent_history.run_ids(agent_id) or "none seen"))
    return DetailScreen(f"Agent · {agent_id}", rows, text_filter)


def pack_detail(state: ConsoleState, pack: str, text_filter: Filter = None) -> DetailScreen:
    """A pack: its switch (who, when, why), its agents' state counts and each agent."""
    summary = next((p for p in state.pack_summaries() if p.pack == pack), None)
    rows: list[Row] = [("pack", pack)]
    if summary is None:
        rows.append(("agents", "none reported"))
        return DetailScreen(f"Pack · {pack}", rows, text_filter)
    switch = summary.switch
    rows.append(("switch", "ON" if summary.enabled else "STOPPED"))
    if state.global_engaged and summary.enabled:
        rows.append(("held", "by the global stop"))
    if switch is not None:
        rows.extend(model_rows(switch, skip=("scope", "pack", "enabled")))
    rows.append(("counts", {k: v for k, v in sorted(summary.counts.items()) if v} or "none"))
    rows.append(("calls/min", f"{summary.calls_per_min:.0f}"))
    members = sorted(state.agents_by_pack().get(pack, ()), key=lambda a: a.id)
    lines = [
        f"{a.id}  {a.state}  {a.tool_calls_per_min:.0f}/min  {a.run_id or ''}".rstrip()
        for a in members
    ]
    rows.append((f"agents ({len(members)})", lines or "none"))
    return DetailScreen(f"Pack · {pack}", rows, text_filter)


def entry_detail(
    row: TimelineRow, entry: TimelineEntry | None, text_filter: Filter = None
) -> DetailScreen:
    """A timeline entry in full (the hub's, with its detail), or our own pending note."""
    if entry is not None:
        rows = model_rows(entry)
    else:
        rows = [("key", row.key), ("at", row.at), ("author", row.author), ("kind", row.kind)]
        rows += [("text", row.text), ("state", row.state)]
        if row.reason:
            rows.append(("reason", row.reason))
    return DetailScreen(f"Timeline · {row.key}", rows, text_filter)
