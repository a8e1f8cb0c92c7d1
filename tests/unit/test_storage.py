"""The atomic TinyDB storage and the hub's durable store.

What survives a crash is tested in two halves. A process killed with SIGKILL keeps the
kernel's page cache, so a kill -9 test (tests/unit/test_storage_crash.py, the console
journal's and the e2e note test) proves only atomicity against a *process* crash; it
passes just as well without any fsync. That the writes are durable against a power loss
is proved here, by recording the system calls: the temporary file is fsynced with all
its bytes, then renamed over the target, then the folder is fsynced.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from storage.atomic import QUARANTINED, CorruptFile, open_db
from storage.console_store import ConsoleStore, OutboxItem
from storage.files import write_text_atomic
from storage.hub_store import TinyHubStore


def test_write_leaves_only_the_file(tmp_path: Path) -> None:
    db = open_db(tmp_path / "x.json")
    db.table("t").insert({"a": 1})
    db.table("t").insert({"a": 2})
    # The file and its previous generation; no temporary file left.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json", "x.json.1"]
    data = json.loads((tmp_path / "x.json").read_text())
    assert len(data["t"]) == 2


def test_corrupt_file_is_quarantined_not_emptied(tmp_path: Path) -> None:
    path = tmp_path / "hub.json"
    path.write_text('{"switches": {"1": {"scope": "glo')  # cut off mid-write by hand
    with pytest.raises(CorruptFile, match="starts EMPTY"):
        TinyHubStore(tmp_path)
    assert path.exists()  # refused: nothing moved, nothing emptied
    store = TinyHubStore(tmp_path, recover=True)
    assert store.load_switches() == []
    assert store.recovery is not None and "started EMPTY" in store.recovery
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


# Each durable writer: its setup (run before recording), then the one write under test.
Writer = Callable[[Path], Callable[[], Any]]


def _tinydb(folder: Path) -> Callable[[], Any]:
    table = open_db(folder / "data.json").table("t")
    return lambda: table.insert({"a": 1})


def _text(folder: Path) -> Callable[[], Any]:
    return lambda: write_text_atomic(folder / "data.json", "token\n")


def _console_journal(folder: Path) -> Callable[[], Any]:
    store = ConsoleStore(folder)  # the default is what the console runs with
    item = OutboxItem("k1", "note", "POST", "/api/incidents/INC-1/notes", {"text": "x"}, "t")
    return lambda: store.enqueue(item)


def _hub_store(folder: Path) -> Callable[[], Any]:
    store = TinyHubStore(folder)
    return lambda: store.save_switch({"scope": "pack", "pack": "support", "enabled": False})


WRITERS: dict[str, tuple[Writer, str]] = {
    "tinydb": (_tinydb, "data.json"),
    "text file": (_text, "data.json"),
    "console journal": (_console_journal, "console.json"),
    "hub store": (_hub_store, "hub.json"),
}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_write_is_durable_in_order(tmp_path: Path, monkeypatch, writer: str) -> None:
    """The temp file is fsynced holding every byte, *then* renamed over the target, *then*
    the folder is fsynced. Without the first fsync a power loss after the rename can leave
    an empty or partial file under the target's name; without the folder's, the rename
    itself can be lost. (A kill -9 test cannot see either: the page cache survives it.)"""
    make, name = WRITERS[writer]
    write = make(tmp_path)
    events: list[tuple[str, int, int]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        events.append(("fsync", st.st_ino, st.st_size))
        real_fsync(fd)

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        events.append(("replace", os.stat(src).st_ino, 0))
        real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write()
    target = tmp_path / name
    folder_ino = tmp_path.stat().st_ino
    # One write may rewrite the file more than once (TinyDB's upsert does): each time in
    # the same three steps, the last leaving the target in place.
    assert events and len(events) % 3 == 0, events
    for n in range(0, len(events), 3):
        (fsync_file, ino, size), (replaced, renamed, _), (fsync_dir, dir_ino, _) = events[n : n + 3]
        assert (fsync_file, replaced, fsync_dir) == ("fsync", "replace", "fsync"), events
        assert renamed == ino  # the file fsynced is the one renamed over the target
        assert dir_ino == folder_ino  # then the folder that holds the new name
        assert size > 0  # fsynced once its bytes were written, not before
    assert events[-3][1] == target.stat().st_ino
    assert events[-3][2] == target.stat().st_size
