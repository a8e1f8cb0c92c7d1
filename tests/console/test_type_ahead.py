"""Keys typed in one burst with the key that opens a dialog land where they were meant,
and a dialog that refuses says what it expected."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from tests.console.incident_helpers import (
    hub_incident,
    make_app,
    open_incident_on_hub,
    open_screen,
)
from tests.console.killswitch_live import confirm_modal, retype
from tests.console.live import until
from tests.console.test_incident_snapshots import _open as open_inc3
from tests.console.test_snapshots import make_app as make_snapshot_app
from tests.hubtools import RunningHub
from tui.app import WarroomApp
from tui.screens.confirm_stop import ConfirmStop
from tui.screens.confirm_text import ConfirmText


def burst(app: WarroomApp, *keys: str) -> None:
    """Keys queued all at once, as a paste or a slow SSH link delivers them: no key
    waits for the screen the one before it opened."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        character = key if len(key) == 1 else ("\r" if key == "enter" else None)
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        event = events.Key(name, character)
        event.set_sender(app)
        driver.send_message(event)  # as the terminal driver does, with no wait between


def _switch(hub: RunningHub, pack: str) -> dict[str, object]:
    packs = hub.client("viewer").get("/api/packs/status").json()["packs"]
    found: dict[str, object] = next(p for p in packs if p["name"] == pack)
    return found


async def test_k_s_support_enter_in_one_burst_stops_the_pack_with_its_prefilled_reason(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path / "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, iid)
        burst(app, "k", "s", *"support", "enter")
        await until(
            lambda: _switch(hub, "support")["enabled"] is False,
            what="support stopped",
            step=pilot.pause,
        )
    audit = hub.client("viewer").get("/api/audit").json()["records"][0]
    assert audit["reason"] != "support"  # the prefilled reason was kept
    assert audit["reason"].strip()


async def test_breach_and_resolve_take_keys_typed_with_the_key_that_opened_them(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path / "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, iid)
        burst(app, "b", *iid, "enter")
        await until(
            lambda: hub_incident(hub, iid)["incident"]["breach_confirmed"],
            what="breach confirmed",
            step=pilot.pause,
        )
        burst(app, "r", *"prompt leak", "enter")
        await until(
            lambda: hub_incident(hub, iid)["incident"]["root_cause"] == "prompt leak",
            what="resolved",
            step=pilot.pause,
        )


async def test_a_confirmation_that_refuses_says_what_it_expected(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path / "console")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_screen(app, pilot, iid)
        await pilot.press("k")
        await until(lambda: type(app.screen).__name__ == "KillswitchScreen", what="switches")
        await pilot.press("s")
        modal = await confirm_modal(pilot, app)
        assert isinstance(modal, ConfirmStop)
        assert "Type support to enable Confirm" in str(modal.query_one("#confirm-why").render())
        await retype(pilot, modal, "Support")
        await pilot.press("enter")
        assert app.screen is modal
        said = [n.message for n in app._notifications]
        assert any("Type support exactly" in m and "'Support'" in m for m in said), said


async def test_keys_after_the_burst_follow_what_was_typed_ahead() -> None:
    """`b I` in one burst, then `N C - 3` typed: the field reads INC-3 (the dialog's focus
    selected the typed-ahead `I`, and `N` replaced it)."""
    app = make_snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_inc3(pilot)
        burst(app, "b", "I")
        await until(lambda: isinstance(app.screen, ConfirmText), what="dialog", step=pilot.pause)
        await pilot.pause()
        await pilot.press("N", "C", "minus", "3")
        assert app.screen.query_one(Input).value == "INC-3"
