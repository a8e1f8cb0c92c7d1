"""Agents grouped by pack: one row per pack with its switch and state counts.

The switch reads ``ON``, ``STOPPED`` or ``held`` (on, but held by the global
stop) in words; then counts of agents running, idle, degraded, stuck,
stopped and in error, and the pack's tool calls per minute (a runaway agent
shows here first). With ``show_agents`` (the wide layout has the room) each
pack's agents follow it, the troubled ones first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.style import Style
from rich.text import Text

from services.console.state import PackSummary
from services.domain.models import Agent
from widgets.keyed_table import Cells, ColumnSpec, KeyedTable
from widgets.safe_text import safe_text

__all__ = ["AgentTable"]

# State column: (agent state, header, emphasis when nonzero).
STATE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("running", "Run", ""),
    ("idle", "Idle", ""),
    ("degraded", "Deg", "warn"),
    ("stuck", "Stuck", "warn"),
    ("stopped", "Stop", "muted"),
    ("error", "Err", "bad"),
)
EMPHASIS = {state: emphasis for state, _, emphasis in STATE_COLUMNS}
# Troubled agents first within a pack.
AGENT_ORDER = {"error": 0, "stuck": 1, "degraded": 2, "running": 3, "idle": 4, "stopped": 5}
SWITCH_WIDTH = 8  # "degraded" in an agent row


class AgentTable(KeyedTable):
    """The dashboard's packs (and, when there is room, their agents)."""

    DEFAULT_CSS = """
    AgentTable { height: auto; }
    AgentTable > .agent-table--stopped { background: $error; color: $text; text-style: bold; }
    AgentTable > .agent-table--on { color: $text-success; }
    AgentTable > .agent-table--held { color: $text-warning; text-style: italic; }
    AgentTable > .agent-table--warn { color: $text-warning; text-style: bold; }
    AgentTable > .agent-table--bad { color: $text-error; text-style: bold; }
    AgentTable > .agent-table--muted { text-style: dim; }
    AgentTable > .agent-table--zero { text-style: dim; }
    AgentTable > .agent-table--pack { text-style: bold; }
    """

    COMPONENT_CLASSES = {
        "agent-table--stopped",
        "agent-table--on",
        "agent-table--held",
        "agent-table--warn",
        "agent-table--bad",
        "agent-table--muted",
        "agent-table--zero",
        "agent-table--pack",
    }

    COLUMNS = (
        ColumnSpec("pack", "Pack"),
        ColumnSpec("switch", "Switch", SWITCH_WIDTH),
        *(ColumnSpec(state, header, len(header), "right") for state, header, _ in STATE_COLUMNS),
        ColumnSpec("calls", "Calls/m", 7, "right"),
    )

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        # Agent id -> (what its row shows, its cells): rows reused while unchanged.
        self._agent_rows: dict[str, tuple[tuple[str, str, str], Cells]] = {}
        self._agent_styles: tuple[str, ...] = ()

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"agent-table--{name}", partial=True)

    def row(self, summary: PackSummary, global_engaged: bool = False) -> Cells:
        """The cells for one pack; under a global stop an ON pack is shown held."""
        if not summary.enabled:
            switch = Text("STOPPED", style=self._style("stopped"), end="")
        elif global_engaged:
            switch = Text("held", style=self._style("held"), end="")
        else:
            switch = Text("ON", style=self._style("on"), end="")
        counts = []
        for state, _, emphasis in STATE_COLUMNS:
            value = summary.counts.get(state, 0)
            if not value:
                style = self._style("zero")
            else:
                style = self._style(emphasis) if emphasis else Style()
            counts.append(Text(str(value), style=style, end=""))
        calls = Text(f"{summary.calls_per_min:.0f}", end="")
        name = safe_text(summary.pack, self._style("pack"), max_length=40)
        return (name, switch, *counts, calls)

    def agent_row(self, agent: Agent) -> Cells:
        """The cells for one agent under its pack: name, state word, calls/min.

        The same cells while what they show is the same: with 5,000 agents listed,
        building and comparing every row on every redraw was most of its cost."""
        shown = (agent.id, agent.state, f"{agent.tool_calls_per_min:.0f}")
        cached = self._agent_rows.get(agent.id)
        if cached is not None and cached[0] == shown:
            return cached[1]
        cells = self._build_agent_row(agent)
        self._agent_rows[agent.id] = (shown, cells)
        return cells

    def _build_agent_row(self, agent: Agent) -> Cells:
        emphasis = EMPHASIS.get(agent.state, "")
        state = safe_text(agent.state, self._style(emphasis) if emphasis else Style())
        name = Text("  ", end="")
        name.append_text(safe_text(agent.id, max_length=60))
        blanks = tuple(Text("", end="") for _ in STATE_COLUMNS)
        calls = Text(f"{agent.tool_calls_per_min:.0f}", end="")
        return (name, state, *blanks, calls)

    def show_packs(
        self,
        packs: Sequence[PackSummary],
        global_engaged: bool = False,
        agents: Mapping[str, Sequence[Agent]] | None = None,
    ) -> None:
        """Show one row per pack in the hub's order, each followed by its agents if given."""
        rows: list[tuple[str, Cells]] = []
        # A style change (a theme; not a focus change, which restyles every table and
        # leaves these styles as they were) is the only reason to rebuild cached rows.
        styles = tuple(str(self._style(name)) for name in ("bad", "warn", "muted"))
        if styles != self._agent_styles:
            self._agent_styles = styles
            self._agent_rows.clear()
        for summary in packs:
            rows.append((f"pack:{summary.pack}", self.row(summary, global_engaged)))
            if agents is None:
                continue
            # Troubled first, then by name: a row moves when its agent's state does,
            # not when rates jitter past each other (a move repaints the whole table,
            # and rows that keep swapping are hard to read).
            members = sorted(
                agents.get(summary.pack, ()),
                key=lambda a: (AGENT_ORDER.get(a.state, 9), a.id),
            )
            rows.extend((f"agent:{a.id}", self.agent_row(a)) for a in members)
        if len(self._agent_rows) > 2 * (len(rows) + 100):  # agents gone
            listed = {key.removeprefix("agent:") for key, _ in rows}
            self._agent_rows = {k: v for k, v in self._agent_rows.items() if k in listed}
        self.sync(rows)
