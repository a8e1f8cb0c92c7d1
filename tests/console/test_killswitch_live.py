"""The kill-switch screen against a real hub running the simulator: agents really stop."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.console.containment import Phase
from tests.console.killswitch_live import (
    confirm_modal,
    console,
    open_switches,
    ready,
    sim_hub,
    stop_pack,
    wait,
)
from tests.hubtools import RunningHub
from tui.screens.audit import AuditScreen
from tui.screens.confirm_stop import ConfirmStop
from tui.screens.killswitch import KillswitchScreen
from widgets.killswitch_panel import KillswitchPanel


@pytest.fixture
def pii_hub(tmp_path: Path) -> Iterator[RunningHub]:
    """The pii-leak scenario: a SEV1 PII incident on support, 27 simulated agents."""
    running = sim_hub(tmp_path / "hub", "pii-leak")
    yield running
    running.stop()


async def test_stop_the_incidents_pack_confirmed_with_count_and_time(
    pii_hub: RunningHub, tmp_path: Path
) -> None:
    app = console(pii_hub, tmp_path / "console")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app, agents=27)
        await wait(pilot, lambda: app.state.open_incidents() != [], "the PII incident")
        (incident,) = app.state.open_incidents()
        await pilot.pause()
        screen = await open_switches(pilot, app)
        panel = screen.query_one(KillswitchPanel)
        assert panel.selected_key() == "pack:support"  # the incident's pack, preselected
        await pilot.press("s")
        modal = await confirm_modal(pilot, app)
        assert modal.reason == f"{incident.id}: PII exposure"
        await pilot.press(*"support", "enter")
        action = app.killswitch.tracker.latest("pack:support")
        assert action is not None
        await wait(pilot, lambda: action.phase is Phase.CONFIRMED, "CONFIRMED")
        phases = [phase for phase, _ in action.history]
        assert phases == [Phase.REQUESTED, Phase.APPLIED, Phase.CONFIRMED]
        await wait(pilot, lambda: "CONFIRMED" in str(panel.cells("pack:support")), "drawn")
        cells = panel.cells("pack:support")
        assert cells is not None
        shown = cells[5].plain
        assert re.fullmatch(r"stop CONFIRMED all 6 agents stopped in \d+\.\d s", shown), shown
        assert cells[1].plain == "STOPPED" and cells[2].plain == "0/6"
        # The hub put it on the incident's timeline; the console kept its own audit.
        timeline = pii_hub.client("viewer").get(f"/api/incidents/{incident.id}").json()
        kinds = [e["kind"] for e in timeline["timeline"]]
        assert "killswitch" in kinds
        assert app.outbox is not None
        local = [(r["target"], r["state"]) for r in app.outbox.store.audit()]
        assert local == [
            ("pack:support", "REQUESTED"),
            ("pack:support", "APPLIED"),
            ("pack:support", "CONFIRMED"),
        ]
        # The audit view shows the hub's record for this target.
        await pilot.press("a")
        await wait(pilot, lambda: isinstance(app.screen, AuditScreen), "the audit view")
        audit = app.screen
        assert isinstance(audit, AuditScreen)
        await wait(pilot, lambda: audit.loaded, "audit records")
        assert [(r["target"], r["action"]) for r in audit.records] == [("pack:support", "stop")]
        assert audit.records[0]["incident_id"] == incident.id


async def test_unknown_when_the_hub_dies_right_after_the_keypress_then_reconciled(
    tmp_path: Path,
) -> None:
    hub = sim_hub(tmp_path / "hub")
    try:
        app = console(hub, tmp_path / "console")
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot, app, agents=27)
            await open_switches(pilot, app)
            real = app.killswitch.set_switch

            def stop_hub_then_send(*args: object) -> object:
                hub.stop()  # the hub dies between the keypress and the send
                return real(*args)  # type: ignore[arg-type]

            app.killswitch.set_switch = stop_hub_then_send  # type: ignore[method-assign]
            action = await stop_pack(pilot, app, "finance")
            await wait(pilot, lambda: action.phase is Phase.UNKNOWN, "UNKNOWN")
            assert "CONFIRMED" not in str(
                app.screen.query_one(KillswitchPanel).cells("pack:finance")
            )
            hub.restart()
            await wait(pilot, lambda: action.phase is Phase.CONFIRMED, "reconciled", within=20)
            phases = [phase for phase, _ in action.history]
            assert phases[:2] == [Phase.REQUESTED, Phase.UNKNOWN]
            # APPLIED (the journal's retry answered, or the pack status read) usually
            # comes next; the hub's own killswitch.confirmed may arrive first and
            # confirm the UNKNOWN action directly. Never success without one of them.
            assert phases[-1] is Phase.CONFIRMED and Phase.REFUSED not in phases
        status = hub.client("viewer").get("/api/packs/status").json()
        finance = next(p for p in status["packs"] if p["name"] == "finance")
        assert finance["enabled"] is False
        audit = hub.client("viewer").get("/api/audit?target=pack:finance").json()["records"]
        assert len(audit) == 1  # applied exactly once
    finally:
        hub.stop()


@pytest.mark.parametrize(
    ("role", "present", "lock"),
    [
        ("viewer", set(), "locked: role viewer cannot stop packs or use the global switch"),
        ("on-call", {"s", "e"}, "locked: role on-call cannot use the global switch"),
        ("incident-commander", {"s", "e", "G"}, ""),
    ],
)
async def test_role_matrix_bindings_present_or_absent(
    hub: RunningHub, tmp_path: Path, role: str, present: set[str], lock: str
) -> None:
    app = console(hub, tmp_path, role)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        screen = await open_switches(pilot, app)
        await pilot.pause()
        keys = set(screen.active_bindings)
        assert keys & {"s", "e", "G"} == present
        assert {"a", "escape"} <= keys  # reading is for everyone
        assert str(screen.query_one("#ks-lock").content) == lock  # type: ignore[attr-defined]
        await pilot.press("s")  # an absent binding does nothing
        await pilot.pause()
        assert isinstance(app.screen, KillswitchScreen) or "s" in present
    # The hub refuses regardless of what a console shows.
    answer = hub.client(role).post("/api/killswitch/global", json={"enabled": False, "reason": "x"})
    assert answer.status_code == (200 if role == "incident-commander" else 403)


async def test_two_person_global_stop(hub_factory: object, tmp_path: Path) -> None:
    hub: RunningHub = hub_factory(two_person_global=True)  # type: ignore[operator]
    first = console(hub, tmp_path / "a", "incident-commander")
    async with first.run_test(size=(120, 40)) as pilot:
        await ready(pilot, first)
        assert first.identity is not None and first.identity.two_person_global
        screen = await open_switches(pilot, first)
        await pilot.press("G")
        modal = await confirm_modal(pilot, first)
        assert "second operator" in str(modal.query_one("#confirm-warning").content)  # type: ignore[attr-defined]
        modal.query_one("#confirm-reason").value = "agents exfiltrating PII"  # type: ignore[attr-defined]
        await pilot.press(*"STOP", "space", *"ALL", "enter")
        action = first.killswitch.tracker.latest("global")
        assert action is not None
        await wait(pilot, lambda: action.phase is Phase.WAITING, "WAITING")
        await wait(
            pilot,
            lambda: (
                "waiting for a second operator (expires in 4:5"
                in str(
                    screen.query_one("#ks-global").content  # type: ignore[attr-defined]
                )
            ),
            "the waiting line",
        )
        assert "c" not in screen.active_bindings  # not for one's own request
        # The hub refuses a same-user confirmation, with its reason shown.
        first.killswitch.confirm_pending(str(action.pending_id), "me again")
        mine = first.killswitch.tracker.latest("global")
        assert mine is not None
        await wait(pilot, lambda: mine.phase is Phase.REFUSED, "refused")
        assert "second operator" in mine.detail
    second = console(hub, tmp_path / "b", "cto")
    async with second.run_test(size=(120, 40)) as pilot:
        await ready(pilot, second)
        screen = await open_switches(pilot, second)
        await wait(pilot, lambda: "c" in screen.active_bindings, "the confirm key")
        assert "PENDING global stop requested by incident-commander-user" in str(
            screen.query_one("#ks-global").content  # type: ignore[attr-defined]
        )
        await pilot.press("c")
        modal = await confirm_modal(pilot, second)
        assert isinstance(modal, ConfirmStop)
        await pilot.press(*"STOP", "space", *"ALL", "enter")
        confirm = second.killswitch.tracker.latest("global")
        assert confirm is not None
        await wait(pilot, lambda: confirm.phase in (Phase.APPLIED, Phase.CONFIRMED), "applied")
        await wait(pilot, lambda: second.state.global_engaged, "global engaged on the stream")
    (record,) = hub.client("viewer").get("/api/audit?target=global").json()["records"]
    assert (record["requested_by"], record["confirmed_by"]) == (
        "incident-commander-user",
        "cto-user",
    )


async def test_n_on_the_switch_screen_notes_the_incident(
    pii_hub: RunningHub, tmp_path: Path
) -> None:
    """A note from any screen: the decision to stop is written down where it is made."""
    app = console(pii_hub, tmp_path / "console")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await wait(pilot, lambda: app.state.open_incidents() != [], "the PII incident")
        (incident,) = app.state.open_incidents()
        await pilot.pause()
        await open_switches(pilot, app)
        await pilot.press("n", *"stopping support now", "enter")

        def notes() -> list[str]:
            path = f"/api/incidents/{incident.id}"
            timeline = pii_hub.client("viewer").get(path).json()["timeline"]
            return [e["text"] for e in timeline if e["kind"] == "note"]

        # Wait for the hub to have it: "nothing pending" is also true before Enter lands.
        await wait(pilot, lambda: notes() != [], "the note on the hub")
        assert notes() == ["stopping support now"]
