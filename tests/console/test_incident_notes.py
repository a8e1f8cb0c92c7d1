"""Notes: pending then confirmed, across two consoles, and typed while the hub is down."""

from __future__ import annotations

from pathlib import Path

from tests.console.incident_helpers import (
    hub_notes,
    make_app,
    open_incident_on_hub,
    open_screen,
    shown_rows,
)
from tests.console.live import until
from tests.hubtools import RunningHub


async def test_a_note_from_one_console_shows_once_on_the_other(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = open_incident_on_hub(hub)
    writer = make_app(hub, tmp_path / "a")
    reader = make_app(hub, tmp_path / "b", role="on-call")
    async with writer.run_test(size=(120, 40)) as wp, reader.run_test(size=(80, 24)) as rp:
        w_screen = await open_screen(writer, wp, iid)
        r_screen = await open_screen(reader, rp, iid)
        await wp.press("n", *"from console A", "enter")

        async def both() -> None:
            await wp.pause()
            await rp.pause()

        await until(
            lambda: ("note", "confirmed", "from console A") in shown_rows(r_screen),
            what="the note on B",
            step=both,
        )
        await until(
            lambda: ("note", "confirmed", "from console A") in shown_rows(w_screen),
            what="confirmed on A",
            step=both,
        )
        for screen in (w_screen, r_screen):
            texts = [text for _, _, text in shown_rows(screen)]
            assert texts.count("from console A") == 1
    assert hub_notes(hub, iid) == ["from console A"]


async def test_a_note_typed_while_the_hub_is_down_lands_once(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot, iid)
        hub.stop()
        await until(lambda: app.state.status.state != "live", what="down", step=pilot.pause)
        await pilot.press("n", *"typed offline", "enter")
        await until(
            lambda: ("note", "pending", "typed offline") in shown_rows(screen),
            what="pending",
            step=pilot.pause,
        )
        assert app.outbox is not None
        await until(
            lambda: any(i.attempts for i in app.outbox.pending()), what="tried", step=pilot.pause
        )
        hub.restart()
        await until(
            lambda: ("note", "confirmed", "typed offline") in shown_rows(screen),
            what="confirmed after the hub returned",
            within=15.0,
            step=pilot.pause,
        )
        texts = [text for _, _, text in shown_rows(screen)]
        assert texts.count("typed offline") == 1
    assert hub_notes(hub, iid) == ["typed offline"]


async def test_escape_keeps_a_draft(hub: RunningHub, tmp_path: Path) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, iid)
        await pilot.press("n", *"half a thought", "escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "DraftChoice"
        await pilot.press("k")
        await pilot.pause()
        assert type(app.screen).__name__ == "IncidentScreen"
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.query_one("#note-input").value == "half a thought"  # type: ignore[attr-defined]
        await pilot.press(*" done", "enter")
        await until(
            lambda: hub_notes(hub, iid) == ["half a thought done"], what="sent", step=pilot.pause
        )
