"""The runbook on the incident screen, against a real hub: checklists shared by two
consoles, the root cause leading to its remediation, the retrospective and the export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.domain.checklist import checklist_lines
from tests.console.incident_helpers import (
    hub_incident,
    make_app,
    open_incident_on_hub,
    open_screen,
    shown_rows,
)
from tests.console.live import until
from tests.hub.test_runbook_hub import own_runbook
from tests.hubtools import HubFactory, RunningHub
from tui.screens.cause_picker import CausePicker
from tui.screens.incident import IncidentScreen
from tui.screens.incident_keys import export_name
from widgets.checklist import Checklist


def _marks(screen: IncidentScreen) -> dict[str, bool]:
    """The checklist as shown: item id → checked."""
    checklist = screen.query_one(Checklist)
    return {line.item.id: line.done for line in checklist.lines}


def _checklist_rows(screen: IncidentScreen) -> list[str]:
    return [text for kind, _, text in shown_rows(screen) if kind == "checklist"]


async def test_checks_on_two_consoles_show_once_on_both_timelines(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = open_incident_on_hub(hub)
    one = make_app(hub, tmp_path / "a")
    two = make_app(hub, tmp_path / "b", role="on-call")
    async with one.run_test(size=(120, 40)) as p1, two.run_test(size=(80, 24)) as p2:
        s1 = await open_screen(one, p1, iid)
        s2 = await open_screen(two, p2, iid)

        async def both() -> None:
            await p1.pause()
            await p2.pause()

        # Triage: console one checks "assess severity" (x), console two "notify" (space).
        await p1.press("down", "x")
        await p2.press("down", "down", "space")
        wanted = {
            "checked: Assess severity using the severity table",
            "checked: Notify appropriate personnel",
        }

        def settled() -> bool:
            return all(set(_checklist_rows(s)) == wanted for s in (s1, s2)) and all(
                _marks(s).get("triage.assess-severity") and _marks(s).get("triage.notify")
                for s in (s1, s2)
            )

        await until(settled, what="both checks on both consoles", step=both)
        for screen in (s1, s2):
            rows = _checklist_rows(screen)
            assert sorted(rows) == sorted(wanted), rows  # each exactly once
        data = hub_incident(hub, iid)
        checklist = data["incident"]["checklist"]
        assert checklist["triage.assess-severity"]["by"] == "incident-commander-user"
        assert checklist["triage.notify"]["by"] == "on-call-user"
        assert [e["kind"] for e in data["timeline"]].count("checklist") == 2
        # Unchecking on console two: both show it unchecked, the timeline says so.
        await p2.press("space")
        await until(
            lambda: not _marks(s1).get("triage.notify") and not _marks(s2).get("triage.notify"),
            what="unchecked on both",
            step=both,
        )
        assert "unchecked: Notify appropriate personnel" in _checklist_rows(s1)


async def test_enter_on_acknowledge_acks_and_checks_it(hub: RunningHub, tmp_path: Path) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot, iid)
        await pilot.press("enter")  # the first item: Acknowledge
        await until(
            lambda: getattr(screen.incident(), "status", None) == "contain",
            what="acked, on to contain",
            step=pilot.pause,
        )
        await until(
            lambda: "triage.acknowledge" in hub_incident(hub, iid)["incident"]["checklist"],
            what="the item checked",
            step=pilot.pause,
        )
        # Contain's checklist for a security incident: the pack stop first.
        await until(
            lambda: list(_marks(screen))[:1] == ["contain.pack-stop"],
            what="contain's checklist",
            step=pilot.pause,
        )
        await pilot.press("enter")  # Kill the affected agent pack → the kill switches
        await until(
            lambda: type(app.screen).__name__ == "KillswitchScreen",
            what="kill switches",
            step=pilot.pause,
        )
        assert app.screen.preselect == "support"  # type: ignore[attr-defined]


async def test_the_root_cause_chosen_leads_to_its_remediation(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = open_incident_on_hub(hub)
    hub.client("incident-commander").post(
        f"/api/incidents/{iid}/status", json={"status": "investigate"}
    )
    app = make_app(hub, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot, iid)
        await until(
            lambda: "investigate.root-cause" in _marks(screen), what="investigate", step=pilot.pause
        )
        await pilot.press("down", "down", "enter")  # Identify root cause
        await until(
            lambda: isinstance(app.screen, CausePicker), what="the picker", step=pilot.pause
        )
        await pilot.press("down", "down", "down", "tab", *"pool of 10 connections", "enter")
        await until(
            lambda: hub_incident(hub, iid)["incident"]["cause"] == "resource-exhaustion",
            what="the cause on the hub",
            step=pilot.pause,
        )
        assert hub_incident(hub, iid)["incident"]["root_cause"] == "pool of 10 connections"
        await pilot.press("s")  # on to Remediate
        await until(
            lambda: (
                list(_marks(screen))
                == [
                    "remediate.resource-exhaustion.adjust-limits",
                    "remediate.resource-exhaustion.backoff",
                ]
            ),
            what="the cause's remediation",
            step=pilot.pause,
        )
        title = str(screen.query_one(Checklist).border_title)
        assert "Rate limits: Adjust limits, implement backoff" in title
        assert _marks(screen) == {k: False for k in _marks(screen)}
        incident = screen.incident()
        assert incident is not None
        lines = checklist_lines(app.session.runbook, incident)
        assert [line.item.text for line in lines] == ["Adjust the limits", "Implement backoff"]


async def test_the_export_carries_the_checklist_and_retrospective(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(app, pilot, iid)
        client = hub.client("incident-commander")
        client.post(f"/api/incidents/{iid}/resolve", json={"root_cause": "prompt change"})
        # Resolved: Post-incident's checklist; check "document", answer a question.
        await until(
            lambda: "post-incident.document" in _marks(screen), what="post", step=pilot.pause
        )
        await pilot.press("space")
        await pilot.press("N")
        await until(
            lambda: type(app.screen).__name__ == "ChoicePicker", what="questions", step=pilot.pause
        )
        await pilot.press("down", "enter", *"page the EM sooner", "enter")
        await until(
            lambda: ("retrospective", "confirmed", "page the EM sooner") in shown_rows(screen),
            what="the answer on the timeline",
            step=pilot.pause,
        )
        await until(
            lambda: _marks(screen).get("post-incident.document") is True,
            what="checked",
            step=pilot.pause,
        )
        await pilot.press("e")
        path = tmp_path / "exports" / export_name(hub.url, iid)
        await until(path.exists, what="the document", step=pilot.pause)
    text = path.read_text(encoding="utf-8")
    assert "## Runbook checklist" in text
    assert "- [x] Document the incident — incident-commander-user, " in text
    assert "- [ ] Acknowledge the incident — skipped" in text
    retro = text.split("## Retrospective", 1)[1]
    assert "(72 h after resolution, SEV1)" in retro
    could_improve = retro.split("### What could improve?", 1)[1].split("###", 1)[0]
    assert "incident-commander-user: page the EM sooner" in could_improve
    assert "Not answered yet" in retro.split("### Action items", 1)[1]


async def test_gather_logs_opens_the_explorer_or_says_why_not(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = open_incident_on_hub(hub)
    hub.client("incident-commander").post(
        f"/api/incidents/{iid}/status", json={"status": "investigate"}
    )
    app = make_app(hub, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot, iid)
        await until(
            lambda: "investigate.gather-logs" in _marks(screen),
            what="investigate",
            step=pilot.pause,
        )
        await pilot.press("enter")
        await pilot.pause()
        opened = type(app.screen).__name__ == "EventExplorer"
        said: list[Any] = [n for n in app._notifications if n.title == "Gather logs"]
        assert opened or (said and "support" in said[0].message)


async def test_a_read_only_console_cannot_check(hub: RunningHub, tmp_path: Path) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path, role="viewer")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot, iid)
        await pilot.press("x")
        await pilot.pause()
        assert app.outbox is not None and app.outbox.pending() == []
        assert any("read-only" in n.message for n in app._notifications)
        assert _marks(screen)["triage.acknowledge"] is False


async def test_a_hubs_own_runbook_is_the_one_offered(
    hub_factory: HubFactory, tmp_path: Path
) -> None:
    hub = hub_factory(runbook_path=own_runbook(tmp_path))
    iid = open_incident_on_hub(hub)
    hub.client("incident-commander").post(
        f"/api/incidents/{iid}/status", json={"status": "investigate"}
    )
    app = make_app(hub, tmp_path / "console")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot, iid)
        await until(
            lambda: "investigate.root-cause" in _marks(screen), what="investigate", step=pilot.pause
        )
        assert app.session.runbook.markdown.startswith("# ACME Incident Runbook")
        await pilot.press("down", "down", "enter")
        await until(
            lambda: isinstance(app.screen, CausePicker), what="the picker", step=pilot.pause
        )
        assert isinstance(app.screen, CausePicker)
        assert [c.id for c in app.screen.causes][-1] == "hardware-failure"
        await pilot.press("up", "up", "enter")  # the last cause, above "something else"
        await until(
            lambda: hub_incident(hub, iid)["incident"]["cause"] == "hardware-failure",
            what="the hub's own cause recorded",
            step=pilot.pause,
        )
