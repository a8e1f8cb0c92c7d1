"""The console's actions go through its journal: nothing typed is lost while the hub is down."""

from __future__ import annotations

import json
from pathlib import Path

from services.console.settings import ConsoleSettings, journal_folder
from storage.console_store import ConsoleStore
from tests.console.live import until
from tests.fixtures import ALERTMANAGER
from tests.hubtools import RunningHub
from tui.app import WarroomApp

FIXTURES = ALERTMANAGER


def _incident(hub: RunningHub) -> str:
    body = json.loads((FIXTURES / "webhook-firing-support.json").read_text())
    hub.client("ingest").post("/api/ingest/alertmanager", json=body)
    return hub.client("viewer").get("/api/incidents").json()["incidents"][0]["id"]


def _notes(hub: RunningHub, iid: str) -> list[str]:
    timeline = hub.client("viewer").get(f"/api/incidents/{iid}").json()["timeline"]
    return [e["text"] for e in timeline if e["kind"] == "note"]


async def test_action_waits_for_the_hub_then_lands_once(hub: RunningHub, tmp_path: Path) -> None:
    iid = _incident(hub)
    settings = ConsoleSettings(hub_url=hub.url, token=hub.tokens["on-call"], data_dir=tmp_path)
    app = WarroomApp(settings, backoff_cap=0.3)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.state.status.state == "live", what="live", step=pilot.pause)
        hub.stop()
        await until(lambda: app.state.status.state != "live", what="not live", step=pilot.pause)
        item = app.submit_action(
            "note", f"/api/incidents/{iid}/notes", {"text": "typed offline"}, incident_id=iid
        )
        assert item is not None
        await until(
            lambda: app.outbox is not None and app.outbox.store.get(item.key).attempts >= 1,
            what="a failed attempt",
            step=pilot.pause,
        )
        assert [i.key for i in app.outbox.pending()] == [item.key]
        hub.restart()
        await until(lambda: not app.outbox.pending(), what="delivered", step=pilot.pause)
    assert _notes(hub, iid) == ["typed offline"]


async def test_a_second_console_on_the_same_folder_refuses_actions(
    hub: RunningHub, tmp_path: Path
) -> None:
    settings = ConsoleSettings(hub_url=hub.url, token=hub.tokens["on-call"], data_dir=tmp_path)
    holder = ConsoleStore(journal_folder(settings))  # the same user's other console
    app = WarroomApp(settings, backoff_cap=0.3)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.outbox is None
        assert app.submit_action("note", "/api/incidents/INC-1/notes", {"text": "x"}) is None
        assert "another warroom console" in (app.outbox_problem or "")
    holder.close()


async def test_a_viewer_and_a_commander_on_one_machine_both_have_journals(
    hub: RunningHub, tmp_path: Path
) -> None:
    def settings(role: str) -> ConsoleSettings:
        return ConsoleSettings(hub_url=hub.url, token=hub.tokens[role], data_dir=tmp_path)

    wall = ConsoleStore(journal_folder(settings("viewer")))  # the wall display's console
    try:
        app = WarroomApp(settings("on-call"), backoff_cap=0.3)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert app.outbox is not None, app.outbox_problem
            assert app.outbox_problem is None
    finally:
        wall.close()
    folders = sorted(p.name for p in (tmp_path / "journals").iterdir())
    assert len(folders) == 2 and all(name.startswith("127.0.0.1_") for name in folders)
    assert not any(hub.tokens["on-call"] in name for name in folders)
