"""The console's actions go through its journal: nothing typed is lost while the hub is down."""

from __future__ import annotations

import json
from pathlib import Path

from services.console.settings import ConsoleSettings
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
    holder = ConsoleStore(tmp_path)  # another console owns the folder
    settings = ConsoleSettings(hub_url=hub.url, token=hub.tokens["on-call"], data_dir=tmp_path)
    app = WarroomApp(settings, backoff_cap=0.3)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.outbox is None
        assert app.submit_action("note", "/api/incidents/INC-1/notes", {"text": "x"}) is None
        assert "another warroom console" in (app.outbox_problem or "")
    holder.close()
