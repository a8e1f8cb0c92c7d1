"""Agents grouped by pack: one row per pack with its switch and state counts.

The switch reads ``ON``, ``STOPPED`` or ``held`` (on, but held by the global
stop) in words. Where the table is wide (stacked at 80 columns, or beside the
feed from 160) the counts of agents running, idle, degraded, stuck, stopped
and in error follow; in a narrow side panel (120 columns) one summary per
pack: agents running of all, the troubled ones, so that the alert and
incident titles get the room. Then the pack's tool calls per minute (a
runaway agent shows here first), coloured by :func:`calls_level`. With
``show_agents`` each pack's agents follow it, the troubled ones first; in the
summary an agent's state stands under Trouble and its name runs on over the
blank Switch and Run columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

from rich.style import Style
from rich.text import Text
from textual import events

from services.console.state import PackSummary
from services.domain.models import Agent
from widgets.keyed_table import Cells, ColumnSpec, KeyedTable, LazyCells, RowCells, built
from widgets.row_filter import row_text
from widgets.safe_text import safe_text

__all__ = ["AgentTable", "calls_level"]

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
# Troubles in the summary's words, the worst first.
TROUBLES = (("error", "err"), ("stuck", "stuck"), ("degraded", "deg"))
# Below this width the table shows the per-pack summary instead of every count.
DETAIL_MIN_WIDTH = 60

# The rule for calls per minute: an agent at RUNAWAY_CALLS_PER_MIN or more is
# what the simulator's monitor fires RunawayAgent on (critical); from
# BUSY_CALLS_PER_MIN it is on its way (warning). A pack takes its busiest
# agent's level: 1,855 calls/min from one looping agent must not look like 5.
BUSY_CALLS_PER_MIN = 100.0
RUNAWAY_CALLS_PER_MIN = 150.0


def calls_level(rate: float) -> str:
    """``zero``, ``normal``, ``warn`` or ``bad`` for one agent's calls per minute."""
    if rate >= RUNAWAY_CALLS_PER_MIN:
        return "bad"
    if rate >= BUSY_CALLS_PER_MIN:
        return "warn"
    return "normal" if rate > 0 else "zero"


def calls_text(rate: float, level: str, style: Style) -> Text:
    """``1,855`` with the level's style, and ``!`` after it when critical (said without
    colour too; a space otherwise, so the digits stay aligned)."""
    text = Text(f"{rate:,.0f}", style=style, end="")
    text.append("!" if level == "bad" else " ")
    return text


class AgentTable(KeyedTable):
    """The dashboard's packs (and, when there is room, their agents)."""

    FLEX_OVERFLOWS = True

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

    DETAIL_COLUMNS = (
        ColumnSpec("pack", "Pack"),
        ColumnSpec("switch", "Switch", SWITCH_WIDTH),
        *(ColumnSpec(state, header, len(header), "right") for state, header, _ in STATE_COLUMNS),
        ColumnSpec("calls", "Calls/m", 7, "right"),
    )
    SUMMARY_COLUMNS = (
        ColumnSpec("pack", "Pack"),
        ColumnSpec("switch", "Switch", SWITCH_WIDTH),
        ColumnSpec("running", "Run", 5, "right"),
        ColumnSpec("trouble", "Trouble", 9),
        ColumnSpec("calls", "Calls/m", 7, "right"),
    )
    COLUMNS = DETAIL_COLUMNS

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._last: tuple[Sequence[PackSummary], bool, Mapping[str, Sequence[Agent]], bool] = (
            (),
            False,
            {},
            False,
        )
        # Agent id -> (what its row shows, its cells): rows reused while unchanged.
        self._agent_rows: dict[str, tuple[tuple[str, str, str], LazyCells]] = {}
        self._agent_styles: tuple[str, ...] = ()

    @property
    def summary(self) -> bool:
        """True when the table shows one summary per pack rather than every count."""
        return self.COLUMNS is self.SUMMARY_COLUMNS

    def on_resize(self, event: events.Resize) -> None:
        """The summary in a narrow panel, every count where there is room."""
        wide = event.size.width >= DETAIL_MIN_WIDTH
        if self.set_columns(self.DETAIL_COLUMNS if wide else self.SUMMARY_COLUMNS):
            self._agent_rows.clear()  # their cells are laid out for the other columns
            self.show_packs(*self._last)
            return
        super().on_resize(event)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"agent-table--{name}", partial=True)

    def _calls(self, rate: float, busiest: float) -> Text:
        level = calls_level(busiest)
        return calls_text(rate, level, self._style(level) if level != "normal" else Style())

    def row(
        self, summary: PackSummary, global_engaged: bool = False, busiest: float | None = None
    ) -> Cells:
        """The cells for one pack; under a global stop an ON pack is shown held.
        ``busiest`` is its busiest agent's calls per minute (the colour's rule)."""
        if not summary.enabled:
            switch = Text("STOPPED", style=self._style("stopped"), end="")
        elif global_engaged:
            switch = Text("held", style=self._style("held"), end="")
        else:
            switch = Text("ON", style=self._style("on"), end="")
        calls = self._calls(
            summary.calls_per_min, summary.calls_per_min if busiest is None else busiest
        )
        name = safe_text(summary.pack, self._style("pack"), max_length=40)
        if self.summary:
            running = summary.counts.get("running", 0)
            ratio = Text(f"{running}/{summary.total}", end="")
            if not running:
                ratio.stylize(self._style("zero"))
            trouble = Text(end="")
            for state, word in TROUBLES:
                if summary.counts.get(state, 0):
                    if trouble:
                        trouble.append(" ")
                    trouble.append(
                        f"{summary.counts[state]} {word}", style=self._style(EMPHASIS[state])
                    )
            return (name, switch, ratio, trouble, calls)
        counts = []
        for state, _, emphasis in STATE_COLUMNS:
            value = summary.counts.get(state, 0)
            if not value:
                style = self._style("zero")
            else:
                style = self._style(emphasis) if emphasis else Style()
            counts.append(Text(str(value), style=style, end=""))
        return (name, switch, *counts, calls)

    def agent_row(self, agent: Agent) -> LazyCells:
        """The cells for one agent under its pack: name, state word, calls/min, built
        when the row is first drawn (a screenful of 5,000 agents is all that is built).

        The same cells while what they show is the same: with 5,000 agents listed,
        building and comparing every row on every redraw was most of its cost."""
        shown = (agent.id, agent.state, f"{agent.tool_calls_per_min:.0f}")
        cached = self._agent_rows.get(agent.id)
        if cached is not None and cached[0] == shown:
            return cached[1]
        # The name column's width: the id indented, as safe_text cuts it.
        cells = LazyCells(partial(self._build_agent_row, agent), 2 + min(len(agent.id), 60))
        self._agent_rows[agent.id] = (shown, cells)
        return cells

    def _build_agent_row(self, agent: Agent) -> Cells:
        emphasis = EMPHASIS.get(agent.state, "")
        state = safe_text(agent.state, self._style(emphasis) if emphasis else Style())
        name = Text("  ", end="")
        name.append_text(safe_text(agent.id, max_length=60))
        calls = self._calls(agent.tool_calls_per_min, agent.tool_calls_per_min)
        # In the summary the state goes under Trouble (a pack's troubles are its agents'
        # states), so that the name runs on over the blank Switch and Run columns:
        # "campaign-writer", not "campaign-w…", in a side panel 50 columns wide.
        placed = {"pack": name, "trouble" if self.summary else "switch": state, "calls": calls}
        return tuple(placed.get(column.key, Text("", end="")) for column in self.COLUMNS)

    def filter_rows(
        self, rows: Sequence[tuple[str, RowCells]], needle: str
    ) -> Sequence[tuple[str, RowCells]]:
        """A pack's row with the agents that match, or with all its agents when the pack
        matches: filtering ``support`` lists the support pack's agents, filtering an
        agent's name keeps the pack it is in above it."""
        wanted = needle.strip().casefold()

        def hit(cells: RowCells) -> bool:
            return wanted in row_text(built(cells)).casefold()

        kept: list[tuple[str, RowCells]] = []
        group: list[tuple[str, RowCells]] = []

        def close() -> None:
            if not group:
                return
            head, members = group[0], group[1:]
            if not head[0].startswith("pack:"):
                kept.extend(row for row in group if hit(row[1]))
            elif hit(head[1]):
                kept.extend(group)
            else:
                matching = [row for row in members if hit(row[1])]
                if matching:
                    kept.append(head)
                    kept.extend(matching)

        for row in rows:
            if row[0].startswith("pack:"):
                close()
                group = [row]
            else:
                group.append(row)
        close()
        return kept

    def show_packs(
        self,
        packs: Sequence[PackSummary],
        global_engaged: bool = False,
        agents: Mapping[str, Sequence[Agent]] | None = None,
        show_agents: bool | None = None,
    ) -> None:
        """Show one row per pack in the hub's order, each followed by its agents when
        ``show_agents`` (by default: when ``agents`` are given). ``agents`` also give each
        pack's busiest agent, whose rate colours the pack's calls per minute."""
        members_of = agents or {}
        listed = agents is not None if show_agents is None else show_agents
        self._last = (packs, global_engaged, members_of, listed)
        rows: list[tuple[str, RowCells]] = []
        # A style change (a theme; not a focus change, which restyles every table and
        # leaves these styles as they were) is the only reason to rebuild cached rows.
        styles = tuple(str(self._style(name)) for name in ("bad", "warn", "muted"))
        if styles != self._agent_styles:
            self._agent_styles = styles
            self._agent_rows.clear()
        for summary in packs:
            members = members_of.get(summary.pack, ())
            busiest = max((a.tool_calls_per_min for a in members), default=None)
            rows.append((f"pack:{summary.pack}", self.row(summary, global_engaged, busiest)))
            if not listed:
                continue
            # Troubled first, then by name: a row moves when its agent's state does,
            # not when rates jitter past each other (a move repaints the whole table,
            # and rows that keep swapping are hard to read).
            ordered = sorted(members, key=lambda a: (AGENT_ORDER.get(a.state, 9), a.id))
            rows.extend((f"agent:{a.id}", self.agent_row(a)) for a in ordered)
        if len(self._agent_rows) > 2 * (len(rows) + 100):  # agents gone
            present = {key.removeprefix("agent:") for key, _ in rows}
            self._agent_rows = {k: v for k, v in self._agent_rows.items() if k in present}
        self.sync(rows)
