"""A failed write changes nothing: no memory, no event, no agent told, no stored answer.

A full disk (ENOSPC), a read-only one (EROFS) and an I/O error (EIO) are injected
with a storage that fails on demand (tests/faults.py); the real thing, a tmpfs filled
to the last byte, is in tests/hub/test_full_disk.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from storage.hub_store import TinyHubStore
from tests.faults import EIO, ENOSPC, EROFS, faulty_store
from tests.hub.helpers import events_only, hello, recv, recv_until, stored, stream
from tests.hubtools import start_hub

STOP = {"enabled": False, "reason": "runaway"}
NOTE = {"text": "rolled back the deploy at 14:02"}


def _incident(client: Any) -> str:
    answer = client.post(
        "/api/incidents",
        json={"title": "refunds", "severity": "SEV4", "category": "service_outage"},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["incident"]["id"])


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (ENOSPC, "storage: No space left on device"),
        (EROFS, "storage: Read-only file system"),
        (EIO, "storage: Input/output error"),
    ],
)
async def test_a_note_whose_write_fails_is_not_kept_announced_or_replayed(
    tmp_path: Path, fault: int, reason: str
) -> None:
    store, file = faulty_store(tmp_path / "hub")
    hub = start_hub(tmp_path / "hub", store=store)
    try:
        client = hub.client("incident-commander")
        incident = _incident(client)
        path = f"/api/incidents/{incident}/notes"
        key = {"Idempotency-Key": "note-1"}
        async with stream(hub) as ws:
            await hello(ws, None)
            snapshot = await recv(ws)
            file.fail = fault
            failed = client.post(path, json=NOTE, headers=key)
            assert failed.status_code == 503
            assert failed.json()["error"] == {"code": "storage", "message": reason}
            detail = client.get(f"/api/incidents/{incident}").json()
            assert "note" not in [e["kind"] for e in detail["timeline"]]
            again = client.post(path, json=NOTE, headers=key)
            assert again.status_code == 503  # tried again, not replayed
            assert "Idempotency-Replayed" not in again.headers
            file.fail = None
            retried = client.post(path, json=NOTE, headers=key)
            assert retried.status_code == 200
            assert "Idempotency-Replayed" not in retried.headers
            # A later change shows where the stream is: everything before it has come.
            client.post(f"/api/incidents/{incident}/ack")
            frames = await recv_until(
                ws, lambda f: f.get("data", {}).get("entry", {}).get("kind") == "ack"
            )
        events = events_only(frames)
        # The failed attempts used no seq: the stream goes on without a gap.
        assert [f["seq"] for f in events] == list(
            range(snapshot["seq"] + 1, snapshot["seq"] + 1 + len(events))
        )
        entries = [f["data"]["entry"] for f in events if "entry" in f["data"]]
        assert [(e["kind"], e["text"]) for e in entries][:1] == [("note", NOTE["text"])]
        assert [e["kind"] for e in entries] == ["note", "ack"]
        assert file.failed == 2
        assert hub.server.app.state.ctx.counters.get("storage") == 2
    finally:
        hub.stop()
        store.close()
    reopened = start_hub(tmp_path / "hub")
    try:
        notes = [r for r in stored(reopened, "timeline") if r["kind"] == "note"]
        assert [n["text"] for n in notes] == [NOTE["text"]]
    finally:
        reopened.stop()


def test_a_stop_whose_write_fails_tells_no_agent_and_leaves_no_audit(tmp_path: Path) -> None:
    store, file = faulty_store(tmp_path / "hub")
    hub = start_hub(tmp_path / "hub", store=store)
    try:
        ic = hub.client("incident-commander")
        agent = hub.client("agent")
        beat = {"pack": "marketing", "state": "running"}
        assert agent.post("/api/agents/m-1/heartbeat", json=beat).json()["allowed"] is True
        key = {"Idempotency-Key": "stop-1"}
        file.fail = EROFS
        failed = ic.post("/api/killswitch/pack/marketing", json=STOP, headers=key)
        assert failed.status_code == 503
        packs = {p["name"]: p for p in ic.get("/api/packs/status").json()["packs"]}
        assert packs["marketing"]["enabled"] is True
        assert ic.get("/api/audit").json()["records"] == []
        file.fail = None
        assert agent.post("/api/agents/m-1/heartbeat", json=beat).json()["allowed"] is True
        applied = ic.post("/api/killswitch/pack/marketing", json=STOP, headers=key)
        assert applied.status_code == 200
        assert applied.json()["changed"] is True
        assert agent.post("/api/agents/m-1/heartbeat", json=beat).json()["allowed"] is False
        assert len(ic.get("/api/audit").json()["records"]) == 1
    finally:
        hub.stop()
        store.close()


def test_a_failed_webhook_opens_no_incident_and_a_resend_does(tmp_path: Path) -> None:
    store, file = faulty_store(tmp_path / "hub")
    hub = start_hub(tmp_path / "hub", store=store)
    try:
        ingest = hub.client("ingest")
        webhook = {
            "version": "4",
            "status": "firing",
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": "Refunds", "pack": "finance", "severity": "critical"},
                    "annotations": {"summary": "refunds failing"},
                    "startsAt": "2025-01-01T00:00:00Z",
                    "fingerprint": "fp-1",
                }
            ],
        }
        file.fail = ENOSPC
        assert ingest.post("/api/ingest/alertmanager", json=webhook).status_code == 503
        state = hub.client("viewer").get("/api/state").json()
        assert state["incidents"] == [] and state["alerts"] == []
        file.fail = None
        answer = ingest.post("/api/ingest/alertmanager", json=webhook)
        assert answer.json()["new"] == 1
        state = hub.client("viewer").get("/api/state").json()
        assert len(state["incidents"]) == 1
        assert state["alerts"][0]["incident_id"] == state["incidents"][0]["id"]
    finally:
        hub.stop()
        store.close()


def test_no_seq_goes_out_before_its_block_reservation_is_on_disk(tmp_path: Path) -> None:
    from services.domain.timeutil import utcnow
    from services.hub.state.atomic import Atomic
    from services.hub.state.events import MemoryEventLog
    from storage.errors import StorageFailed

    store, file = faulty_store(tmp_path)
    events = MemoryEventLog(store, utcnow, block_size=2)
    atomic = Atomic(store, events, lambda: None)
    sub = events.subscribe(100)
    for _ in range(2):  # uses up the first block
        with atomic():
            store.append_audit({"id": "a"})
            events.append("x", {})
    file.fail = ENOSPC
    with pytest.raises(StorageFailed), atomic():
        store.append_audit({"id": "b"})
        events.append("x", {})  # needs a new block: reserved in the failed write
    sent = [json.loads(str(frame))["seq"] for frame in sub.frames()]
    assert sent == [1, 2] and events.latest_seq == 2
    file.fail = None
    with atomic():
        events.append("x", {})
    assert events.latest_seq == 3
    store.close()
    # A restart continues above every seq handed out.
    restarted = MemoryEventLog(TinyHubStore(tmp_path, fsync=False), utcnow, block_size=2)
    assert restarted.latest_seq >= 4
