"""Global stop, then the guided restore: simulated agents stop, then come back pack by pack."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from services.console.containment import Phase
from services.simulator.simulator import FLEET
from tests.console.killswitch_live import (
    confirm_modal,
    console,
    open_switches,
    ready,
    sim_hub,
    type_text,
    wait,
)
from tui.app import WarroomApp
from tui.screens.restore import HOLD_PHRASE, RELEASE_PHRASE, RestoreScreen


def _running(app: WarroomApp, pack: str) -> bool:
    members = [a for a in app.state.agents.values() if a.pack == pack]
    return bool(members) and all(a.state == "running" for a in members)


async def test_global_stop_then_guided_restore_keeps_the_incidents_pack_off(
    tmp_path: Path,
) -> None:
    hub = sim_hub(tmp_path / "hub", "pii-leak")
    try:
        # Each pack is watched 0.6 s here (the setting; 5 min by default).
        app = console(hub, tmp_path / "console", restore_watch_s=0.6)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot, app, agents=27)
            await wait(pilot, lambda: app.state.open_incidents() != [], "the PII incident")
            await pilot.pause()
            await open_switches(pilot, app)
            await pilot.press("G")
            await confirm_modal(pilot, app)
            await type_text(pilot, "STOP ALL")
            await pilot.press("enter")
            stop = app.killswitch.tracker.latest("global")
            assert stop is not None
            await wait(pilot, lambda: stop.phase is Phase.CONFIRMED, "all 27 stopped")
            assert stop.agents == 27

            await pilot.press("r")
            await wait(pilot, lambda: isinstance(app.screen, RestoreScreen), "restore")
            restore = app.screen
            assert isinstance(restore, RestoreScreen)
            assert restore.plan is not None and restore.plan.keep_off == {"support"}
            await wait(pilot, lambda: restore.step.kind == "hold", "hold offered")
            await pilot.press("n")
            await confirm_modal(pilot, app)
            await type_text(pilot, HOLD_PHRASE)
            await pilot.press("enter")
            await wait(pilot, lambda: restore.step.kind == "release", "release offered")
            await wait(pilot, lambda: not restore.step.packs, "every pack held and stopped")
            await pilot.press("n")
            await confirm_modal(pilot, app)
            await type_text(pilot, RELEASE_PHRASE)
            await pilot.press("enter")
            await wait(pilot, lambda: not app.state.global_engaged, "global released")
            restored: list[str] = []
            order = [p for p in FLEET if p != "support"]
            for pack in order:
                await wait(pilot, lambda: restore.step.kind == "enable", f"{pack} offered", 15)
                assert restore.step.packs == (pack,)
                # Until now the others stay off: one at a time.
                assert [p for p in order if _running(app, p)] == restored
                await pilot.press("n")
                modal = await confirm_modal(pilot, app)
                reason = modal.query_one("#confirm-reason", Input).value
                assert reason == f"restore: re-enable {pack}"
                await type_text(pilot, pack)
                await pilot.press("enter")
                await wait(pilot, lambda p=pack: _running(app, p), f"{pack} running again")
                restored.append(pack)
                if pack != order[-1]:
                    # The watch is 0.6 s here: it may be over before we look, so wait
                    # for the restore to move past this pack rather than to see "wait".
                    await wait(
                        pilot,
                        lambda p=pack: restore.step.kind != "enable" or restore.step.packs != (p,),
                        f"{pack} watched",
                    )
            await wait(pilot, lambda: restore.step.kind == "done", "restore complete")
            # Past its watch, the last pack reads as done, not as still watched.
            app.flush()
            await pilot.pause()
            plan_text = str(restore.query_one("#restore-plan", Static).render())
            assert "(watching)" not in plan_text and f"{order[-1]} ✓" in plan_text
            support = [a.state for a in app.state.agents.values() if a.pack == "support"]
            assert "running" not in support
        status = hub.client("viewer").get("/api/packs/status").json()
        assert status["global"]["enabled"] is True
        off = [p["name"] for p in status["packs"] if not p["enabled"]]
        assert off == ["support"]
    finally:
        hub.stop()
