"""Every console says when the hub started from a recovered store, and what was lost."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from services.console.settings import ConsoleSettings
from tests.console.live import until
from tests.hubtools import start_hub
from tui.app import WarroomApp
from widgets.connection_bar import ConnectionBar


async def test_the_connection_bar_shows_a_recovered_hub_store(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    first = start_hub(data)
    first.client("incident-commander").post(
        "/api/killswitch/pack/support", json={"enabled": False, "reason": "x"}
    )
    first.stop()
    (data / "hub.json").write_bytes(b"\0\0\0 not json")
    hub = start_hub(data, recover=True)
    try:
        settings = ConsoleSettings(
            hub_url=hub.url, token=hub.tokens["viewer"], data_dir=tmp_path / "console"
        )
        app = WarroomApp(settings, backoff_cap=0.3)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            bar = app.dashboard.query_one(ConnectionBar)
            await until(lambda: bar.label == "LIVE", what="LIVE", step=pilot.pause)
            detail = bar.query_one("#conn-detail", Static)
            await until(
                lambda: "HUB STORE RECOVERED" in str(detail.render()),
                what="the recovery notice",
                step=pilot.pause,
            )
            assert "is lost" in (app.state.hub_recovery or "")
    finally:
        hub.stop()
