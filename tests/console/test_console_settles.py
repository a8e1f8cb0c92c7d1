"""Once the first snapshot is drawn in full, the console freezes what is alive then (the
state, the rows): with 5,000 agents each full garbage collection walked ~400,000 objects
and keys waited behind it (issue 12). It thaws them when it ends."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from services.console.settings import ConsoleSettings
from services.domain.models import Envelope
from tests.console.sample import FROZEN_NOW, agent, snapshot
from tui.app import WarroomApp
from tui.messages import EnvelopeReceived
from widgets.agent_table import AgentTable


def big_snapshot(agents: int) -> dict[str, Any]:
    data = snapshot(seq=10)
    packs = [p["pack"] if isinstance(p, dict) else p for p in data["data"]["packs"]]
    data["data"]["agents"] = [agent(f"fleet-{n}", packs[n % len(packs)]) for n in range(agents)]
    return data


async def test_what_the_first_snapshot_made_is_frozen_once_drawn_and_thawed_at_the_end(
    tmp_path: Path,
) -> None:
    settings = ConsoleSettings(hub_url="http://hub.example:8080", token="t", data_dir=tmp_path)
    app = WarroomApp(settings, clock=lambda: FROZEN_NOW, connect=False)
    assert gc.get_freeze_count() == 0
    try:
        async with app.run_test(size=(200, 60)) as pilot:
            table = app.query_one(AgentTable)
            first = Envelope.from_dict(big_snapshot(2000))
            app.post_message(EnvelopeReceived([(first, FROZEN_NOW)]))
            for _ in range(200):
                await pilot.pause(0.05)
                if app.settled:
                    break
            assert table.complete and table.row_count == 2000 + len(app.state.packs)
            assert app.settled
            assert gc.get_freeze_count() > 0
            # Once: a later snapshot (a re-sync) is not frozen (the frozen objects it
            # replaced are freed as usual).
            frozen = gc.get_freeze_count()
            again = Envelope.from_dict(big_snapshot(10) | {"seq": 20})
            app.post_message(EnvelopeReceived([(again, FROZEN_NOW)]))
            await pilot.pause(0.6)
            assert gc.get_freeze_count() <= frozen
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


async def test_agents_listed_on_demand_are_frozen_once_all_in(tmp_path: Path) -> None:
    settings = ConsoleSettings(hub_url="http://hub.example:8080", token="t", data_dir=tmp_path)
    app = WarroomApp(settings, clock=lambda: FROZEN_NOW, connect=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.query_one(AgentTable)
            first = Envelope.from_dict(big_snapshot(2000))
            app.post_message(EnvelopeReceived([(first, FROZEN_NOW)]))
            for _ in range(100):
                await pilot.pause(0.05)
                if app.settled:
                    break
            assert app.settled and table.row_count == len(app.state.packs)  # summarised
            before = gc.get_freeze_count()
            await pilot.press("A")
            for _ in range(200):
                await pilot.pause(0.05)
                if table.complete and gc.get_freeze_count() > before:
                    break
            assert table.row_count == 2000 + len(app.state.packs)
            assert gc.get_freeze_count() > before + 2000  # the agents' rows among them
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
