"""Finding incidents: the list of recent ones (open and resolved) and ``g`` for INC-n."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.console.settings import ConsoleSettings
from tests.console.live import HubDriver, am_alert, am_payload, until
from tests.hubtools import RunningHub
from tui.app import WarroomApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.goto_incident import GotoIncident
from tui.screens.incident import IncidentScreen
from tui.screens.incidents import RecentIncidentsScreen
from widgets.incident_list import IncidentList
from widgets.recent_incidents import RecentIncidents


@pytest.fixture
async def driver(hub: RunningHub) -> AsyncIterator[HubDriver]:
    hub_driver = HubDriver(hub)
    yield hub_driver
    await hub_driver.aclose()


async def two_incidents_one_resolved(driver: HubDriver, app: WarroomApp, pilot: object) -> None:
    incidents = app.query_one(IncidentList)
    step = pilot.pause  # type: ignore[attr-defined]
    await driver.ingest(am_payload([am_alert("cccc000000000001", pack="support")]))
    await driver.ingest(am_payload([am_alert("cccc000000000002", pack="finance")]))
    await until(lambda: incidents.row_count == 2, what="two incidents", step=step)
    body = {"root_cause": "a bad prompt"}
    await driver._post("/api/incidents/INC-1/resolve", "incident-commander", body)
    await until(lambda: incidents.keys == ["INC-2"], what="INC-1 resolved", step=step)


def console(hub: RunningHub, tmp_path: Path) -> WarroomApp:
    token = hub.tokens["incident-commander"]
    return WarroomApp(ConsoleSettings(hub_url=hub.url, token=token, data_dir=tmp_path))


async def test_shift_i_lists_open_and_resolved_incidents_and_enter_opens_one(
    hub: RunningHub, driver: HubDriver, tmp_path: Path
) -> None:
    app = console(hub, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await two_incidents_one_resolved(driver, app, pilot)
        await pilot.press("I")
        await until(
            lambda: isinstance(app.screen, RecentIncidentsScreen), what="list", step=pilot.pause
        )
        table = app.screen.query_one(RecentIncidents)
        await until(lambda: table.keys == ["INC-2", "INC-1"], what="both", step=pilot.pause)
        cells = table.cells("INC-1")
        assert cells is not None and cells[2].plain == "resolved"
        assert "1 open · 1 resolved" in str(table.border_title)
        table.move_cursor(row=1)
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, IncidentScreen), what="open", step=pilot.pause)
        assert isinstance(app.screen, IncidentScreen) and app.screen.incident_id == "INC-1"
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_g_asks_for_an_id_in_any_case_and_refuses_what_is_not_one(
    hub: RunningHub, driver: HubDriver, tmp_path: Path
) -> None:
    app = console(hub, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await two_incidents_one_resolved(driver, app, pilot)
        await pilot.press("g", "x", "y", "enter")
        dialog = app.screen
        assert isinstance(dialog, GotoIncident) and dialog.refused == 1
        error = str(dialog.query_one("#goto-error").render())
        assert "Not an incident id: xy" in error and "INC-n" in error
        await pilot.press("backspace", "backspace", *"inc-1", "enter")
        await until(lambda: isinstance(app.screen, IncidentScreen), what="open", step=pilot.pause)
        assert isinstance(app.screen, IncidentScreen) and app.screen.incident_id == "INC-1"
        await pilot.press("escape")
        # One the hub has never had: said so, and the dashboard stays.
        await pilot.press("g", "9", "9", "enter")
        said = lambda: any("INC-99" in n.message for n in app._notifications)  # noqa: E731
        await until(said, what="INC-99 refused in words", step=pilot.pause)
        assert isinstance(app.screen, DashboardScreen)
