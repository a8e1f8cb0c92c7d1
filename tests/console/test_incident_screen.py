"""The incident screen against a real hub: ack, severity, status, breach, resolve, read-only."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button

from tests.console.incident_helpers import (
    hub_incident,
    hub_notes,
    make_app,
    open_incident_on_hub,
    open_screen,
    shown_rows,
)
from tests.console.live import am_alert, am_payload, until
from tests.hubtools import RunningHub
from tui.screens.confirm_text import ConfirmText
from tui.screens.incident import WRITES
from tui.screens.resolve import ResolveScreen
from widgets.alert_feed import AlertFeed
from widgets.response_timer import ResponseTimer


async def test_ack_severity_status_note_breach_resolve(hub: RunningHub, tmp_path: Path) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(app, pilot, iid)
        timer = screen.query_one(ResponseTimer)
        assert "to respond" in timer.label

        await pilot.press("a")
        await until(lambda: "— met" in timer.label, what="timer met", step=pilot.pause)
        assert timer.has_class("-met")
        incident = hub_incident(hub, iid)["incident"]
        assert incident["acknowledged_by"] == "incident-commander-user"
        assert incident["status"] == "contain"  # ack from triage moves on to containment

        await pilot.press("4")
        await until(
            lambda: app.state.incidents[iid].severity == "SEV4", what="sev4", step=pilot.pause
        )
        await pilot.press("1")
        await until(
            lambda: app.state.incidents[iid].severity == "SEV1", what="sev1", step=pilot.pause
        )
        await pilot.press("s")
        await until(
            lambda: app.state.incidents[iid].status == "investigate",
            what="advanced",
            step=pilot.pause,
        )

        await pilot.press("n", *"pack stopped", "enter")
        await until(
            lambda: ("note", "confirmed", "pack stopped") in shown_rows(screen),
            what="note confirmed",
            step=pilot.pause,
        )
        assert hub_notes(hub, iid) == ["pack stopped"]

        # Breach: a near miss keeps the button disabled and Enter does nothing.
        await pilot.press("b")
        assert isinstance(app.screen, ConfirmText)
        await pilot.press(*iid.lower(), "enter")
        assert isinstance(app.screen, ConfirmText)
        assert app.screen.query_one("#confirm-ok", Button).disabled
        await pilot.press(*["backspace"] * len(iid), *iid, "enter")
        await until(
            lambda: app.state.incidents[iid].breach_confirmed, what="breach", step=pilot.pause
        )

        # Resolve: the root cause is required.
        await pilot.press("r")
        assert isinstance(app.screen, ResolveScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, ResolveScreen)
        assert app.screen.query_one("#resolve-ok", Button).disabled
        await pilot.press(*"prompt change", "enter")
        await until(lambda: not app.state.incidents[iid].is_open, what="resolved", step=pilot.pause)
        assert hub_incident(hub, iid)["incident"]["root_cause"] == "prompt change"
        # Resolved: the changes are gone, notes remain.
        await pilot.pause()
        keys = {b.binding.action for b in app.screen.active_bindings.values()}
        assert "ack" not in keys and "resolve" not in keys and "note" in keys
    assert not [i for i in app.outbox.store.items() if i.state != "done"] if app.outbox else True


async def test_viewer_has_no_mutating_bindings_and_sends_nothing(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path, role="viewer")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot, iid)
        actions = {b.binding.action.split("(")[0] for b in screen.active_bindings.values()}
        assert not actions & WRITES
        assert all(screen.check_action(a, ()) is False for a in WRITES)
        assert screen.query_one("#inc-readonly").display
        await pilot.press("a", "1", "s", "n", "b", "r", "c")
        await pilot.pause()
        assert app.screen is screen  # no modal opened
        await pilot.press("escape")
        assert "note" not in {b.binding.action for b in app.screen.active_bindings.values()}
    assert app.outbox is not None and app.outbox.store.items() == []
    health = hub.client().get("/health").json()
    assert "forbidden" not in health["counters"]
    assert hub_incident(hub, iid)["incident"]["acknowledged_at"] is None


async def test_o_on_an_alert_of_a_resolved_incident_opens_a_new_one(
    hub: RunningHub, tmp_path: Path
) -> None:
    hub.client("ingest").post("/api/ingest/alertmanager", json=am_payload([am_alert("fp-o")]))
    first = open_incident_on_hub_id(hub)
    ic = hub.client("incident-commander")
    ic.post(f"/api/incidents/{first}/resolve", json={"root_cause": "looked fine"})
    app = make_app(hub, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        feed = app.query_one(AlertFeed)
        # Wait for the row on screen, not only in the state: `o` acts on the drawn row.
        await until(
            lambda: feed.cells("fp-o") is not None and app.identity is not None,
            what="the alert's row",
            step=pilot.pause,
        )
        await pilot.press("f", "o")
        await until(
            lambda: any(i.is_open for i in app.state.incidents.values()),
            what="a new open incident",
            step=pilot.pause,
        )
    incidents = ic.get("/api/incidents").json()["incidents"]
    opened = [i for i in incidents if i["status"] != "resolved"]
    assert len(opened) == 1 and opened[0]["alert_fingerprints"] == ["fp-o"]
    assert opened[0]["id"] != first


def open_incident_on_hub_id(hub: RunningHub) -> str:
    """The id of the only incident on the hub."""
    return str(hub.client("viewer").get("/api/incidents").json()["incidents"][0]["id"])


async def test_k_on_the_incident_screen_opens_its_packs_switch(
    hub: RunningHub, tmp_path: Path
) -> None:
    """Walkthrough 1, step 4: from the incident, k preselects the incident's pack."""
    from tui.screens.killswitch import KillswitchScreen
    from widgets.killswitch_panel import KillswitchPanel

    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_screen(app, pilot, iid)
        await pilot.press("k")
        await until(
            lambda: isinstance(app.screen, KillswitchScreen), what="switches", step=pilot.pause
        )
        panel = app.screen.query_one(KillswitchPanel)
        await until(
            lambda: panel.selected_key() == "pack:support",
            what="support selected",
            step=pilot.pause,
        )
