"""The command palette offers the console's own actions: open incident…, stop pack…, export…."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from services.console.settings import ConsoleSettings
from tests.console.live import until
from tests.console.sample import FROZEN_NOW, envelope, incident, snapshot
from tui.app import WarroomApp
from tui.screens.incident import IncidentScreen
from tui.screens.killswitch import KillswitchScreen


def make_app() -> WarroomApp:
    config = ConsoleSettings(hub_url="http://hub.example:8080", token="t")
    return WarroomApp(config, clock=lambda: FROZEN_NOW, connect=False)


async def run_command(pilot: Pilot[None], typed: str, expected: str) -> None:
    await pilot.press("ctrl+p")
    await until(
        lambda: isinstance(pilot.app.screen, CommandPalette), what="palette", step=pilot.pause
    )
    await pilot.press(*typed)
    results = pilot.app.screen.query_one(CommandList)

    def found() -> bool:
        first = results.get_option_at_index(0) if results.option_count else None
        return first is not None and expected in str(first.prompt)

    await until(found, what=f"{expected!r} offered", step=pilot.pause)
    await pilot.press("enter")


async def test_the_palette_opens_an_incident_and_a_packs_stop_by_name() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.apply_envelope(snapshot())
        assert app.apply_envelope(envelope(41, "incident.opened", {"incident": incident("INC-7")}))
        await pilot.pause()
        await run_command(pilot, "open incident inc-7", "Open incident INC-7")
        await until(lambda: isinstance(app.screen, IncidentScreen), what="open", step=pilot.pause)
        assert isinstance(app.screen, IncidentScreen) and app.screen.incident_id == "INC-7"
        await pilot.press("escape")
        pack = app.state.packs[0]
        await run_command(pilot, f"stop pack {pack}", f"Stop pack {pack}")
        await until(lambda: isinstance(app.screen, KillswitchScreen), what="ks", step=pilot.pause)
