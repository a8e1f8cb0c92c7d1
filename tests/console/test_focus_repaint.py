"""Moving the focus between the dashboard's panels repaints those panels, not the whole
screen: with 5,000 agents listed, a whole-screen repaint held each Tab 0.1-0.3 s."""

from __future__ import annotations

from typing import Any

import pytest
from textual._compositor import Compositor

from services.console.settings import ConsoleSettings
from tests.console.sample import FROZEN_NOW, snapshot
from tui.app import WarroomApp
from widgets.agent_table import AgentTable
from widgets.alert_feed import AlertFeed
from widgets.incident_list import IncidentList


async def test_tab_repaints_the_panels_not_the_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    full: list[int] = []
    original = Compositor.render_full_update

    def spy(compositor: Compositor, *args: Any, **kw: Any) -> Any:
        full.append(1)
        return original(compositor, *args, **kw)

    config = ConsoleSettings(hub_url="http://hub.example:8080", token="t")
    app = WarroomApp(config, clock=lambda: FROZEN_NOW, connect=False)
    async with app.run_test(size=(200, 60)) as pilot:
        app.apply_envelope(snapshot())
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        monkeypatch.setattr(Compositor, "render_full_update", spy)
        for panel in (AlertFeed, AgentTable, IncidentList):
            await pilot.press("tab")
            await pilot.pause()
            assert isinstance(app.focused, panel)
        assert not full
        # The panel that has the focus says so (its top border), the others do not.
        packs = app.query_one(AgentTable)
        await pilot.press("p")
        await pilot.pause()
        assert (
            packs.has_focus
            and packs.styles.border_top != app.query_one(AlertFeed).styles.border_top
        )
