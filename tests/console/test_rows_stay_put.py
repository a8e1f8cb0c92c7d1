"""Rows that stay put: alerts arriving while the cursor is on one do not move it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.console.settings import ConsoleSettings
from tests.console.live import HubDriver, am_alert, am_payload, until
from tests.hubtools import RunningHub
from tui.app import WarroomApp
from tui.screens.incident import IncidentScreen
from widgets.alert_feed import AlertFeed


@pytest.fixture
async def driver(hub: RunningHub) -> AsyncIterator[HubDriver]:
    hub_driver = HubDriver(hub)
    yield hub_driver
    await hub_driver.aclose()


async def test_o_opens_the_selected_alerts_incident_while_alerts_arrive(
    hub: RunningHub, driver: HubDriver, tmp_path: Path
) -> None:
    settings = ConsoleSettings(
        hub_url=hub.url, token=hub.tokens["incident-commander"], data_dir=tmp_path
    )
    app = WarroomApp(settings, backoff_cap=0.3)
    async with app.run_test(size=(120, 40)) as pilot:
        feed = app.query_one(AlertFeed)
        await driver.ingest(am_payload([am_alert("aaaa000000000001", pack="support")]))
        await until(lambda: "aaaa000000000001" in feed.keys, what="first", step=pilot.pause)
        await until(
            lambda: app.state.alerts["aaaa000000000001"].incident_id is not None,
            what="its incident",
            step=pilot.pause,
        )
        chosen = app.state.alerts["aaaa000000000001"].incident_id
        await pilot.press("f")
        assert feed.has_focus and feed.cursor_row == 0
        # Newer alerts (started later) land above the highlighted one (and open
        # incidents of their own).
        for n, pack in enumerate(("marketing", "finance"), start=2):
            fingerprint = f"aaaa00000000000{n}"
            started = f"2026-11-25T18:0{n}:00.000Z"
            alert = am_alert(fingerprint, pack=pack, agent=pack, starts_at=started)
            await driver.ingest(am_payload([alert]))
            await until(lambda fp=fingerprint: fp in feed.keys, what=fingerprint, step=pilot.pause)
        assert feed.keys[0] != "aaaa000000000001"
        cell = feed.coordinate_to_cell_key(feed.cursor_coordinate)
        assert cell.row_key.value == "aaaa000000000001"
        await pilot.press("o")
        await until(lambda: isinstance(app.screen, IncidentScreen), what="open", step=pilot.pause)
        assert isinstance(app.screen, IncidentScreen)
        assert app.screen.incident_id == chosen
