"""One meaning per key: `q` quits on every screen, escape goes back, a key that can do
nothing now leaves the footer, and what the console says about keys is plain text."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.console.settings import ConsoleSettings
from tests.console.incident_helpers import make_app, open_incident_on_hub, open_screen
from tests.console.live import until
from tests.console.sample import FROZEN_NOW
from tests.hubtools import RunningHub
from tui.app import WarroomApp, known_binding_ids
from tui.screens.audit import AuditScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.help import HelpScreen
from tui.screens.incident import IncidentScreen
from tui.screens.killswitch import KillswitchScreen
from tui.screens.restore import RestoreScreen


def offline_app(**settings: object) -> WarroomApp:
    config = ConsoleSettings(hub_url="http://hub.example:8080", token="t", **settings)  # type: ignore[arg-type]
    return WarroomApp(config, clock=lambda: FROZEN_NOW, connect=False)


@pytest.mark.parametrize(
    "screen", [DashboardScreen, IncidentScreen, KillswitchScreen, RestoreScreen, AuditScreen]
)
def test_q_is_quit_and_escape_is_back_on_every_screen(screen: type) -> None:
    keys = {b.key: b.action for b in screen.BINDINGS}  # type: ignore[attr-defined]
    assert keys["q"] == "app.quit"
    if screen is not DashboardScreen:
        assert keys["escape"] == "back"


async def test_q_quits_from_the_kill_switch_screen() -> None:
    app = offline_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("k")
        await until(lambda: isinstance(app.screen, KillswitchScreen), what="kill switches")
        await pilot.press("question_mark")
        await until(lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.press("escape")  # escape closes help: back to the kill switches
        assert isinstance(app.screen, KillswitchScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_ctrl_c_says_which_key_quits_without_markup() -> None:
    app = offline_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        said = [n.message for n in app._notifications]
    assert said == ["Press q to quit the console"]


async def test_unknown_key_ids_in_the_config_are_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    app = offline_app(
        keymap={"dashbord.quit": "x", "dashboard.packs": "ctrl+k"}, config_path=config
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        said = [n.message for n in app._notifications]
    assert any(m.startswith(f"{config}: keys.dashbord.quit: unknown binding id") for m in said)
    assert not any("dashboard.packs:" in m for m in said)
    assert {"dashboard.quit", "incident.ack", "killswitch.stop_pack", "app.quit"} <= (
        known_binding_ids()
    )


async def test_a_on_an_acked_incident_leaves_the_footer(hub: RunningHub, tmp_path: Path) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path / "console")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(app, pilot, iid)

        def offered() -> set[str]:
            return {b.binding.action for b in screen.active_bindings.values()}

        assert "ack" in offered()
        await pilot.press("a")
        await until(lambda: "ack" not in offered(), what="ack gone once acked", step=pilot.pause)


async def test_quitting_with_undelivered_actions_says_how_many(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path / "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: app.state.status.state == "live", what="live", step=pilot.pause)
        hub.stop()
        await until(lambda: app.state.status.state != "live", what="not live", step=pilot.pause)
        for text in ("one", "two"):
            app.submit_action(
                "note", f"/api/incidents/{iid}/notes", {"text": text}, incident_id=iid
            )
        await pilot.press("q")
        await pilot.pause()
    assert app.exit_message is not None
    assert "2 actions not yet delivered" in app.exit_message
    assert "next starts" in app.exit_message
