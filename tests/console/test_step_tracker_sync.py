"""After `s` the step tracker and the timers agree: the step asked for is current at
once (``sending…`` until the hub confirms it) and the step left behind no longer
counts down its window; `s` again moves on from the step asked for."""

from __future__ import annotations

from pathlib import Path

from tests.console.incident_helpers import make_app, open_incident_on_hub, open_screen
from tests.console.live import until
from tests.console.test_type_ahead import burst
from tests.hubtools import RunningHub
from widgets.step_tracker import StepTracker


async def test_the_step_asked_for_is_current_and_the_old_window_stops(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(app, pilot, iid)
        tracker = screen.query_one(StepTracker)
        await pilot.press("a")
        await until(
            lambda: "contain ● " in tracker._shown and "left" in tracker._shown,
            what="contain, confirmed and counting",
            step=pilot.pause,
        )
        # The hub goes quiet (a slow link): what `s` asked for waits in the outbox.
        hub.stop()
        await pilot.press("s")
        await until(
            lambda: "investigate ● sending…" in tracker._shown, what="investigate", step=pilot.pause
        )
        assert "contain ✓" in tracker._shown and "left" not in tracker._shown
        assert app.state.incidents[iid].status == "contain"  # the hub has not said so yet
        await pilot.press("s")
        await until(
            lambda: "remediate ● sending…" in tracker._shown, what="remediate", step=pilot.pause
        )
        assert "investigate ✓" in tracker._shown


async def test_s_twice_in_one_burst_moves_two_steps(hub: RunningHub, tmp_path: Path) -> None:
    """`s s` typed quickly: the second moves on from the step the first asked for."""
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(app, pilot, iid)
        await pilot.press("a")
        await until(
            lambda: app.state.incidents[iid].status == "contain", what="contain", step=pilot.pause
        )
        burst(app, "s", "s")
        await until(
            lambda: app.state.incidents[iid].status == "remediate",
            what="two steps on",
            step=pilot.pause,
        )
        tracker = screen.query_one(StepTracker)
        await until(
            lambda: "remediate ● " in tracker._shown and "sending" not in tracker._shown,
            what="remediate, confirmed",
            step=pilot.pause,
        )
