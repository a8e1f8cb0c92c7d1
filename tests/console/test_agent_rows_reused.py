"""The packs table with 5,000 agents: a redraw reuses the rows whose agent shows the
same, rather than building and comparing every row each time (most of its cost)."""

from __future__ import annotations

from services.domain.models import Envelope
from tests.console.packs_app import PacksApp, fleet_state, show_all
from tests.console.sample import FROZEN_NOW, PACKS, agent, envelope
from widgets.agent_table import AgentTable


async def test_an_unchanged_agent_keeps_its_cells_and_a_changed_one_gets_new() -> None:
    state = fleet_state([agent(f"a{n}", PACKS[n % len(PACKS)]) for n in range(50)])
    app = PacksApp()
    async with app.run_test(size=(160, 60)) as pilot:
        table = app.query_one(AgentTable)
        show_all(table, state)
        await pilot.pause()
        first = table.agent_row(state.agents["a1"])
        third = table.agent_row(state.agents["a3"])
        moved = agent("a3", PACKS[3], state="stuck", rate=99.0)
        state.apply(Envelope.from_dict(envelope(11, "agent.status", {"agent": moved})), FROZEN_NOW)
        show_all(table, state)
        await pilot.pause()
        assert table.agent_row(state.agents["a1"]) is first  # reused, not rebuilt
        assert table.agent_row(state.agents["a3"]) is not third
        assert table.cells("agent:a3") is table.agent_row(state.agents["a3"]).get()
        assert "stuck" in str(table.cells("agent:a3"))


async def test_agents_listed_keep_to_their_columns_when_the_column_set_changes() -> None:
    """Narrowed to the summary's columns and widened again, an agent whose rate did
    not change had kept the cells laid out for the other columns: its calls per
    minute showed under Idle."""
    state = fleet_state([agent(f"a{n}", PACKS[n % len(PACKS)]) for n in range(20)])
    app = PacksApp()
    async with app.run_test(size=(100, 40)) as pilot:
        table = app.query_one(AgentTable)
        show_all(table, state)
        await pilot.pause()
        for width in (50, 100):
            await pilot.resize_terminal(width, 40)
            await pilot.pause()
            columns = len(table.COLUMNS)
            assert columns == (5 if width == 50 else 9)
            assert all(len(table.cells(key) or ()) == columns for key in table.keys)
