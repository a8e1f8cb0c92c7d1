"""The outbox's order, times and key lifetime against a real hub (issue 8)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.console.hub_client import HubClient
from services.console.killswitches import switch_request
from services.console.outbox import PENDING_MAX_AGE_S, Outbox
from storage.console_store import ConsoleStore
from storage.hub_store import IDEMPOTENCY_TTL_S
from tests.faults import NotesFail
from tests.fixtures import ALERTMANAGER
from tests.hubtools import RunningHub, start_hub


def _open_incident(hub: RunningHub) -> str:
    body = json.loads((ALERTMANAGER / "webhook-firing-support.json").read_text())
    hub.client("ingest").post("/api/ingest/alertmanager", json=body)
    return str(hub.client("viewer").get("/api/incidents").json()["incidents"][0]["id"])


@pytest.fixture
def notes_fail_hub(tmp_path: Path) -> Iterator[RunningHub]:
    """A hub whose store cannot write notes: it answers 503 to notes, and only to notes."""
    store = NotesFail(tmp_path / "hub", fsync=False)
    running = start_hub(tmp_path / "hub", store=store)
    yield running
    running.stop()
    store.close()


async def test_a_failing_note_never_holds_back_a_stop(
    notes_fail_hub: RunningHub, tmp_path: Path
) -> None:
    hub = notes_fail_hub
    iid = _open_incident(hub)
    store = ConsoleStore(tmp_path / "console", fsync=False)
    async with HubClient(hub.url, hub.tokens["incident-commander"], timeout=5.0) as client:
        outbox = Outbox(store, client)
        note = outbox.submit("note", f"/api/incidents/{iid}/notes", {"text": "x"}, incident_id=iid)
        first = await outbox.flush()
        assert [(d.item.key, d.state) for d in first] == [(note.key, "pending")]
        assert "storage" in (first[0].error or "")
        path, body = switch_request("support", False, "leak", iid)
        stop = outbox.submit("killswitch", path, body, incident_id=iid)
        second = await outbox.flush()
    # The stop went first and was applied; the note still waits, journalled.
    assert [(d.item.key, d.state) for d in second] == [(stop.key, "done"), (note.key, "pending")]
    switches = hub.client("viewer").get("/api/state").json()["switches"]
    assert any(s.get("pack") == "support" and s["enabled"] is False for s in switches)
    assert [i.key for i in outbox.pending()] == [note.key]


async def test_a_late_note_keeps_the_time_it_was_typed(hub: RunningHub, tmp_path: Path) -> None:
    iid = _open_incident(hub)
    typed = datetime.now(UTC) - timedelta(hours=2)  # typed during an outage
    store = ConsoleStore(tmp_path / "console", fsync=False)
    async with HubClient(hub.url, hub.tokens["on-call"]) as client:
        outbox = Outbox(store, client, clock=lambda: typed)
        outbox.submit("note", f"/api/incidents/{iid}/notes", {"text": "late"}, incident_id=iid)
        outbox.clock = lambda: datetime.now(UTC)
        (delivery,) = await outbox.flush()
    assert delivery.state == "done"
    timeline = hub.client("viewer").get(f"/api/incidents/{iid}").json()["timeline"]
    (entry,) = [e for e in timeline if e["kind"] == "note"]
    assert entry["typed_at"].startswith(typed.strftime("%Y-%m-%dT%H:%M:%S"))
    assert entry["at"] > entry["typed_at"]  # the hub's own time is kept too


async def test_a_bad_typed_at_is_refused_with_a_reason(hub: RunningHub) -> None:
    iid = _open_incident(hub)
    answer = hub.client("on-call").post(
        f"/api/incidents/{iid}/notes", json={"text": "x", "typed_at": "yesterday"}
    )
    assert answer.status_code == 422
    assert "typed_at" in answer.text


def test_the_hub_remembers_keys_longer_than_a_console_resends() -> None:
    assert PENDING_MAX_AGE_S < IDEMPOTENCY_TTL_S


async def test_a_pending_item_older_than_the_key_lifetime_is_not_resent(
    hub: RunningHub, tmp_path: Path
) -> None:
    iid = _open_incident(hub)
    now = datetime.now(UTC)
    store = ConsoleStore(tmp_path / "console", fsync=False)
    async with HubClient(hub.url, hub.tokens["on-call"]) as client:
        outbox = Outbox(store, client, clock=lambda: now - timedelta(days=8))
        item = outbox.submit("note", f"/api/incidents/{iid}/notes", {"text": "old"})
        outbox.clock = lambda: now
        (delivery,) = await outbox.flush()
    assert delivery.state == "refused"
    assert "7 days" in (delivery.error or "")
    assert store.get(item.key).state == "refused"  # kept, shown, not lost silently
    timeline = hub.client("viewer").get(f"/api/incidents/{iid}").json()["timeline"]
    assert [e for e in timeline if e["kind"] == "note"] == []
