"""The outbox against a real hub: written before sending, delivered once, in order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.console.hub_client import HubClient
from services.console.outbox import Outbox
from storage.console_store import ConsoleStore
from tests.fixtures import ALERTMANAGER
from tests.hubtools import RunningHub

FIXTURES = ALERTMANAGER


def _open_incident(hub: RunningHub) -> str:
    body = json.loads((FIXTURES / "webhook-firing-support.json").read_text())
    hub.client("ingest").post("/api/ingest/alertmanager", json=body)
    return hub.client("viewer").get("/api/incidents").json()["incidents"][0]["id"]


def _notes(hub: RunningHub, iid: str) -> list[str]:
    timeline = hub.client("viewer").get(f"/api/incidents/{iid}").json()["timeline"]
    return [entry["text"] for entry in timeline if entry["kind"] == "note"]


async def test_typed_while_down_lands_once_in_order(hub: RunningHub, tmp_path: Path) -> None:
    iid = _open_incident(hub)
    store = ConsoleStore(tmp_path / "console")
    # A stopped hub refuses at once; a running one may take a while to fsync under load.
    async with HubClient(hub.url, hub.tokens["on-call"], timeout=10.0) as client:
        outbox = Outbox(store, client)
        seen: list[str] = []
        outbox.subscribe(lambda d: seen.append(d.state))
        hub.stop()
        for text in ("first", "second"):
            outbox.submit("note", f"/api/incidents/{iid}/notes", {"text": text}, incident_id=iid)
        results = await outbox.flush()
        # The first send got no answer; the second waits behind it.
        assert [r.state for r in results] == ["pending"]
        assert [i.body["text"] for i in outbox.pending()] == ["first", "second"]
        assert store.get(outbox.pending()[0].key).attempts == 1
        hub.restart()
        results = await outbox.flush()
        assert [r.state for r in results] == ["done", "done"]
        assert await outbox.flush() == []  # nothing left, nothing sent again
    assert _notes(hub, iid) == ["first", "second"]
    assert seen == ["pending", "done", "done"]


async def test_resend_after_a_lost_answer_applies_once(hub: RunningHub, tmp_path: Path) -> None:
    """The console died after the hub applied the note but before it heard back."""
    iid = _open_incident(hub)
    store = ConsoleStore(tmp_path / "console")
    async with HubClient(hub.url, hub.tokens["on-call"]) as client:
        outbox = Outbox(store, client)
        item = outbox.submit(
            "note", f"/api/incidents/{iid}/notes", {"text": "once"}, incident_id=iid
        )
        # The first delivery happens outside the outbox: its answer is "lost".
        await client.request("POST", item.path, item.body, item.key)
        assert [i.key for i in outbox.pending()] == [item.key]
        results = await outbox.flush()
    assert [r.state for r in results] == ["done"]
    assert _notes(hub, iid) == ["once"]


@pytest.mark.parametrize(("role", "status"), [("viewer", 403)])
async def test_refusal_is_final_and_said(
    hub: RunningHub, tmp_path: Path, role: str, status: int
) -> None:
    iid = _open_incident(hub)
    store = ConsoleStore(tmp_path / "console")
    async with HubClient(hub.url, hub.tokens[role]) as client:
        outbox = Outbox(store, client)
        item = outbox.submit("note", f"/api/incidents/{iid}/notes", {"text": "x"}, incident_id=iid)
        results = await outbox.flush()
    assert [r.state for r in results] == ["refused"]
    assert results[0].error
    assert store.get(item.key).answer["status"] == status
    assert outbox.pending() == []
