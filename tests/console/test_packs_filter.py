"""``/`` on the packs with their agents listed: a pack that matches keeps its agents,
an agent that matches keeps its pack above it (the filter had kept the pack's row
alone, or agents without the pack they are in)."""

from __future__ import annotations

from tests.console.packs_app import PacksApp, fleet_state, show_all
from tests.console.sample import agent
from widgets.agent_table import AgentTable


async def test_the_filter_keeps_packs_with_their_agents_and_agents_with_their_pack() -> None:
    state = fleet_state(
        [
            agent("kb-writer", "support"),
            agent("triage-router", "support"),
            agent("invoice-reconciler", "finance"),
            agent("payments-sync", "finance"),
        ]
    )
    app = PacksApp()
    async with app.run_test(size=(160, 40)) as pilot:
        table = app.query_one(AgentTable)
        show_all(table, state)
        await pilot.pause()
        table.set_row_filter("support")
        assert table.keys == ["pack:support", "agent:kb-writer", "agent:triage-router"]
        table.set_row_filter("INVOICE")
        assert table.keys == ["pack:finance", "agent:invoice-reconciler"]
        table.set_row_filter("no such thing")
        assert table.keys == []
        table.set_row_filter("")
        assert len(table.keys) == len(state.pack_summaries()) + 4
        await pilot.pause()
