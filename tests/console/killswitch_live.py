"""Helpers for the kill-switch Pilot tests: a hub running the simulator, a console, typing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, Input

from services.console.containment import Action
from services.console.settings import ConsoleSettings
from services.simulator.simulator import Simulator
from tests.console.live import until
from tests.hubtools import RunningHub, start_hub, token_for
from tui.app import WarroomApp
from tui.screens.confirm_stop import ConfirmStop
from tui.screens.dashboard import DashboardScreen
from tui.screens.killswitch import KillswitchScreen
from widgets.incident_list import IncidentList
from widgets.killswitch_panel import KillswitchPanel

# The simulator heartbeats every 0.2 s here (1 s in a real demo), so agents stop fast.
SIM_TICK_S = 0.2


def sim_hub(data_dir: Path, scenario: str = "calm", **overrides: Any) -> RunningHub:
    """A hub with the simulator running inside it (every AgentOS pack, 27 agents)."""

    async def background(base_url: str) -> None:
        simulator = Simulator(
            base_url,
            token_for("agent"),
            token_for("ingest"),
            scenario=scenario,
            seed=3,
            tick_s=SIM_TICK_S,
            time_scale=0.05,
        )
        await simulator.run()

    return start_hub(data_dir, background=background, tick_interval_s=0.2, **overrides)


def console(
    hub: RunningHub, folder: Path, role: str = "incident-commander", restore_watch_s: float = 300.0
) -> WarroomApp:
    settings = ConsoleSettings(
        hub_url=hub.url,
        token=hub.tokens[role],
        data_dir=folder,
        restore_watch_s=restore_watch_s,
    )
    return WarroomApp(settings, backoff_cap=0.3)


async def wait(pilot: Pilot[None], check: Any, what: str, within: float = 10.0) -> None:
    await until(check, what=what, within=within, step=pilot.pause)


async def ready(pilot: Pilot[None], app: WarroomApp, agents: int = 0) -> None:
    """LIVE, the identity known and (with ``agents``) that many agents seen."""
    await wait(pilot, lambda: app.state.status.state == "live", "live")
    await wait(pilot, lambda: app.identity is not None, "whoami")
    if agents:
        await wait(pilot, lambda: len(app.state.agents) >= agents, f"{agents} agents", 15)


async def open_switches(pilot: Pilot[None], app: WarroomApp) -> KillswitchScreen:
    """``k`` once every open incident is drawn: ``k`` takes the incident from the drawn row."""
    if isinstance(app.screen, DashboardScreen):
        rows = app.query_one(IncidentList)
        await wait(
            pilot,
            lambda: all(rows.cells(i.id) is not None for i in app.state.open_incidents()),
            "the incidents drawn",
        )
    await pilot.press("k")
    await wait(pilot, lambda: isinstance(app.screen, KillswitchScreen), "the switch screen")
    assert isinstance(app.screen, KillswitchScreen)
    return app.screen


async def select(pilot: Pilot[None], screen: KillswitchScreen, key: str) -> None:
    screen.query_one(KillswitchPanel).select(key)
    await pilot.pause()


async def type_text(pilot: Pilot[None], text: str) -> None:
    """Type ``text`` key by key into the focused input."""
    await pilot.press(*("space" if ch == " " else ch for ch in text))


async def confirm_modal(pilot: Pilot[None], app: WarroomApp) -> ConfirmStop:
    await wait(pilot, lambda: isinstance(app.screen, ConfirmStop), "the confirmation")
    assert isinstance(app.screen, ConfirmStop)
    return app.screen


def confirm_enabled(modal: ConfirmStop) -> bool:
    return not modal.query_one("#confirm-ok", Button).disabled


async def retype(pilot: Pilot[None], modal: ConfirmStop, text: str) -> None:
    modal.query_one("#confirm-phrase", Input).value = ""
    await pilot.pause()
    await type_text(pilot, text)
    await pilot.pause()


async def stop_pack(pilot: Pilot[None], app: WarroomApp, pack: str) -> Action:
    """From the switch screen: select ``pack``, s, type its name, Enter."""
    screen = app.screen
    assert isinstance(screen, KillswitchScreen)
    await select(pilot, screen, f"pack:{pack}")
    await pilot.press("s")
    modal = await confirm_modal(pilot, app)
    reason = modal.query_one("#confirm-reason", Input)
    if not reason.value:
        reason.value = f"test: stop {pack}"
    await type_text(pilot, pack)
    await pilot.press("enter")
    await wait(pilot, lambda: app.screen is screen, "back on the switch screen")
    action = app.killswitch.tracker.latest(f"pack:{pack}")
    assert action is not None
    return action
