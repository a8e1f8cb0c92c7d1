"""Every row opens: packs, agents and timeline entries in full, against a real hub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from services.console.settings import ConsoleSettings
from tests.console.live import HubDriver, am_alert, am_payload, until
from tests.hubtools import RunningHub
from tui.app import WarroomApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.detail import DetailScreen
from tui.screens.incident import IncidentScreen
from widgets.agent_table import AgentTable
from widgets.incident_list import IncidentList
from widgets.keyed_table import KeyedTable
from widgets.timeline import Timeline


@pytest.fixture
async def driver(hub: RunningHub) -> AsyncIterator[HubDriver]:
    hub_driver = HubDriver(hub)
    yield hub_driver
    await hub_driver.aclose()


def console(hub: RunningHub, tmp_path: Path) -> WarroomApp:
    token = hub.tokens["incident-commander"]
    return WarroomApp(ConsoleSettings(hub_url=hub.url, token=token, data_dir=tmp_path))


async def enter_on(pilot: Pilot[None], table: KeyedTable, key: str) -> DetailScreen:
    """Focus ``table``, put the cursor on row ``key``, press Enter: the detail opened."""
    table.focus()
    table.move_cursor(row=table.keys.index(key))
    await pilot.press("enter")
    await until(lambda: isinstance(pilot.app.screen, DetailScreen), what="detail", step=pilot.pause)
    screen = pilot.app.screen
    assert isinstance(screen, DetailScreen)
    return screen


async def test_enter_on_an_agent_shows_its_history_and_run_ids(
    hub: RunningHub, driver: HubDriver, tmp_path: Path
) -> None:
    app = console(hub, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        packs = app.query_one(AgentTable)
        await driver.heartbeat("kb-writer", "support", "running")
        await driver.heartbeat("kb-writer", "support", "stuck", 0.0)
        await driver.heartbeat("support-bot", "support", "running", 14.0)
        await until(lambda: "agent:support-bot" in packs.keys, what="agents", step=pilot.pause)
        await until(
            lambda: len(app.state.agent_history.steps("kb-writer")) == 2,
            what="two changes",
            step=pilot.pause,
        )
        detail = await enter_on(pilot, packs, "agent:kb-writer")
        text = detail.plain()
        assert detail.heading == "Agent · kb-writer"
        assert "stuck" in text and "run-kb-writer" in text
        history = dict(detail.rows)["history"]
        assert isinstance(history, list) and [line.split()[1] for line in history] == [
            "stuck",
            "running",
        ]
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)

        detail = await enter_on(pilot, packs, "pack:support")
        text = detail.plain()
        assert "agents (2)" in text and "kb-writer  stuck" in text and "support-bot" in text
        await pilot.press("escape")


async def test_enter_on_a_timeline_row_shows_the_whole_entry(
    hub: RunningHub, driver: HubDriver, tmp_path: Path
) -> None:
    app = console(hub, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        incidents = app.query_one(IncidentList)
        await driver.ingest(am_payload([am_alert("bbbb000000000001")]))
        await until(lambda: incidents.row_count == 1, what="an incident", step=pilot.pause)
        (iid,) = incidents.keys
        long = "customer data seen in replies; " * 12 + "[bold]the end[/]"
        answer = await driver._post(
            f"/api/incidents/{iid}/notes", "incident-commander", {"text": long}
        )
        entry_id = answer["entry"]["id"]
        incidents.focus()
        await pilot.press("enter")
        await until(
            lambda: isinstance(app.screen, IncidentScreen), what="incident", step=pilot.pause
        )
        timeline = app.screen.query_one(Timeline)
        await until(lambda: entry_id in timeline.keys, what="the note", step=pilot.pause)
        detail = await enter_on(pilot, timeline, entry_id)
        assert dict(detail.rows)["text"] == long
        # Wrapped in full, shown literally.
        assert "[bold]the end[/]" in detail.plain()
        await pilot.press("escape")
        assert isinstance(app.screen, IncidentScreen)
