"""The atomic TinyDB storage and the hub's durable store."""

import json
import os
from pathlib import Path

from storage.atomic import QUARANTINED, open_db
from storage.hub_store import TinyHubStore


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    db = open_db(tmp_path / "x.json")
    db.table("t").insert({"a": 1})
    db.table("t").insert({"a": 2})
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]
    data = json.loads((tmp_path / "x.json").read_text())
    assert len(data["t"]) == 2


def test_corrupt_file_is_quarantined_not_emptied(tmp_path: Path) -> None:
    path = tmp_path / "hub.json"
    path.write_text('{"switches": {"1": {"scope": "glo')  # cut off mid-write by hand
    store = TinyHubStore(tmp_path)
    assert store.load_switches() == []
    quarantined = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(quarantined) == 1
    assert quarantined[0].read_text().startswith('{"switches"')
    assert quarantined[0] in QUARANTINED


def test_seq_blocks_never_overlap_across_restarts(tmp_path: Path) -> None:
    store = TinyHubStore(tmp_path)
    first = store.reserve_seq_block(1000)
    second = store.reserve_seq_block(1000)
    store.close()
    again = TinyHubStore(tmp_path).reserve_seq_block(1000)
    assert (first, second, again) == (1, 1001, 2001)


def test_durable_state_survives_reopen(tmp_path: Path) -> None:
    store = TinyHubStore(tmp_path)
    store.save_switch({"scope": "pack", "pack": "support", "enabled": False})
    store.save_switch({"scope": "pack", "pack": "support", "enabled": True})
    store.save_incident({"id": "INC-1", "status": "triage"})
    store.save_incident({"id": "INC-1", "status": "contain"})
    store.append_timeline({"id": "TL-1", "incident_id": "INC-1", "text": "x"})
    store.append_audit({"id": "AUD-1"})
    store.put_idempotent("alice POST /x", "k1", {"status": 200, "body": {"ok": True}})
    assert store.next_incident_number() == 1
    store.close()
    store = TinyHubStore(tmp_path)
    assert store.load_switches() == [{"scope": "pack", "pack": "support", "enabled": True}]
    assert store.load_incidents() == [{"id": "INC-1", "status": "contain"}]
    assert len(store.load_timeline("INC-1")) == 1
    assert store.load_timeline("INC-2") == []
    assert store.load_audit() == [{"id": "AUD-1"}]
    assert store.get_idempotent("alice POST /x", "k1") == {"status": 200, "body": {"ok": True}}
    assert store.get_idempotent("bob POST /x", "k1") is None
    assert store.next_incident_number() == 2


def test_fsync_called_on_write(tmp_path: Path, monkeypatch) -> None:
    calls: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    open_db(tmp_path / "y.json").table("t").insert({"a": 1})
    assert len(calls) >= 2  # the file, then its folder
