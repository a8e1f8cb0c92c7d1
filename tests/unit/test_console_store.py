"""The console's outbox: written before sending, delivered exactly once."""

import subprocess
import sys
from pathlib import Path

import pytest

from storage.console_store import ConsoleStore, ConsoleStoreLocked, OutboxItem

ROOT = Path(__file__).resolve().parents[2]


def _item(key: str, at: str = "2026-11-25T18:00:00.000Z", **kw) -> OutboxItem:
    return OutboxItem(
        key=key,
        kind="note",
        method="POST",
        path="/api/incidents/INC-1/notes",
        body={"text": f"note {key}"},
        created_at=at,
        incident_id="INC-1",
        **kw,
    )


def test_pending_until_answered_in_order(tmp_path: Path) -> None:
    store = ConsoleStore(tmp_path)
    store.enqueue(_item("b", "2026-11-25T18:00:02.000Z"))
    store.enqueue(_item("a", "2026-11-25T18:00:01.000Z"))
    store.enqueue(_item("a", "2026-11-25T18:00:09.000Z"))  # same key: not twice
    assert [i.key for i in store.pending()] == ["a", "b"]
    store.record_attempt("a", "connection refused")
    assert store.get("a").attempts == 1
    store.finish("a", "done", {"entry": {"id": "TL-1"}}, "2026-11-25T18:00:03.000Z")
    store.finish("b", "refused", {"code": "conflict", "message": "resolved"}, "x")
    assert store.pending() == []
    assert store.get("b").last_error == "resolved"
    with pytest.raises(ValueError):
        store.finish("a", "maybe", {}, "x")


def test_pending_survives_kill_9(tmp_path: Path) -> None:
    """A process that enqueues and is killed at once leaves the item pending. This proves
    atomicity against a process crash only (the page cache survives kill -9, so it passes
    without fsync); tests/unit/test_storage.py proves the journal's fsyncs and their order."""
    code = (
        "import os, signal\n"
        "from storage.console_store import ConsoleStore, OutboxItem\n"
        f"s = ConsoleStore({str(tmp_path)!r})\n"
        "s.enqueue(OutboxItem('k1','note','POST','/p',{'text':'typed'},'t','INC-1'))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False)
    assert result.returncode == -9
    store = ConsoleStore(tmp_path)
    assert [(i.key, i.body) for i in store.pending()] == [("k1", {"text": "typed"})]


def test_one_owner_per_folder(tmp_path: Path) -> None:
    first = ConsoleStore(tmp_path)
    with pytest.raises(ConsoleStoreLocked, match="WARROOM_DATA"):
        ConsoleStore(tmp_path)
    first.close()
    ConsoleStore(tmp_path).close()


def test_finished_items_are_pruned_pending_never(tmp_path: Path) -> None:
    store = ConsoleStore(tmp_path, fsync=False, keep_finished=20)
    store.enqueue(_item("keep-me", "2026-11-25T17:00:00.000Z"))
    for n in range(25):
        store.enqueue(_item(f"k{n}", f"2026-11-25T18:{n // 60 % 60:02d}:{n % 60:02d}.000Z"))
        store.finish(f"k{n}", "done", {}, f"2026-11-25T19:00:00.{n:04d}Z")
    assert len(store.items()) == 21
    assert [i.key for i in store.pending()] == ["keep-me"]
    assert store.get("k0") is None


def test_audit_journal(tmp_path: Path) -> None:
    store = ConsoleStore(tmp_path)
    store.append_audit({"target": "pack:support", "action": "stop", "outcome": "CONFIRMED"})
    store.close()
    assert ConsoleStore(tmp_path).audit()[0]["outcome"] == "CONFIRMED"


def test_a_corrupt_journal_is_recovered_from_its_last_generation(tmp_path) -> None:
    store = ConsoleStore(tmp_path, fsync=False)
    first = OutboxItem("k1", "note", "POST", "/api/incidents/INC-1/notes", {"text": "a"}, "t1")
    second = OutboxItem("k2", "note", "POST", "/api/incidents/INC-1/notes", {"text": "b"}, "t2")
    store.enqueue(first)
    store.enqueue(second)
    store.close()
    (tmp_path / "console.json").write_bytes(b'{"outbox": {"1": {"key": "k')  # damaged
    reopened = ConsoleStore(tmp_path, fsync=False)
    # The previous generation held the first note: it is pending again, not dropped.
    assert [item.key for item in reopened.pending()] == ["k1"]
    assert reopened.recovery is not None and "is lost" in reopened.recovery
    assert [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    reopened.close()
