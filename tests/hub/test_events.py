"""The in-memory event log: seq blocks, replay window, fan-out."""

from __future__ import annotations

import json
from pathlib import Path

from services.domain.timeutil import utcnow
from services.hub.state.events import Close, MemoryEventLog
from storage.hub_store import TinyHubStore


def test_seq_continues_above_the_reserved_block_after_a_restart(tmp_path: Path) -> None:
    store = TinyHubStore(tmp_path, fsync=False)
    log = MemoryEventLog(store, utcnow, ring_size=10, block_size=4)
    seqs = [log.append("x", {})["seq"] for _ in range(6)]
    assert seqs == [1, 2, 3, 4, 5, 6]
    store.close()
    store = TinyHubStore(tmp_path, fsync=False)
    again = MemoryEventLog(store, utcnow, ring_size=10, block_size=4)
    assert again.latest_seq == 8  # the base below the next block
    assert again.append("x", {})["seq"] == 9


def test_since(tmp_path: Path) -> None:
    log = MemoryEventLog(TinyHubStore(tmp_path, fsync=False), utcnow, ring_size=3)
    assert log.since(0) == []
    assert log.since(1) is None
    for _ in range(5):
        log.append("x", {})
    assert [e["seq"] for e in log.since(2) or []] == [3, 4, 5]
    assert log.since(1) is None  # 2 is gone
    assert log.since(5) == []
    assert log.since(6) is None


def test_fan_out_and_overflow(tmp_path: Path) -> None:
    log = MemoryEventLog(TinyHubStore(tmp_path, fsync=False), utcnow)
    fast = log.subscribe(10)
    slow = log.subscribe(2)
    for _ in range(3):
        log.append("x", {"k": "ü"})
    frames = fast.frames()
    assert len(frames) == 3
    assert '"k":"ü"' in str(frames[0])
    assert slow.frames() == [Close(1013, "too slow: resume from your last seq")]
    assert log.subscriber_count == 1
    log.close_all(1001, "bye")
    assert log.subscriber_count == 0


def test_the_ring_is_bounded_in_bytes(tmp_path: Path) -> None:
    log = MemoryEventLog(
        TinyHubStore(tmp_path, fsync=False), utcnow, ring_size=1000, ring_bytes=10_000
    )
    for _ in range(50):
        log.append("x", {"text": "y" * 1000})
    assert log.ring_bytes <= 10_000
    assert log.since(40) is None  # gone: a resume from there gets a snapshot
    assert [e["seq"] for e in log.since(log.latest_seq - 3) or []] == [
        log.latest_seq - 2,
        log.latest_seq - 1,
        log.latest_seq,
    ]


def test_frames_queue_in_batches_until_the_connection_takes_them(tmp_path: Path) -> None:
    """One queue item (one wake-up of the connection) per batch, not per frame."""
    log = MemoryEventLog(TinyHubStore(tmp_path, fsync=False), utcnow)
    sub = log.subscribe(100)
    for _ in range(3):
        log.append("x", {})
    assert sub.queue.qsize() == 1 and sub.queued == 3
    batch = sub.queue.get_nowait()
    assert isinstance(batch, list)
    sub.taken(batch)
    log.append("x", {})  # the connection is sending the first batch: a new one starts
    assert sub.queue.qsize() == 1 and sub.queued == 1
    assert [json.loads(frame)["seq"] for frame in batch] == [1, 2, 3]
    assert sub.queued_bytes == len(str(sub.frames()[0]))


def test_a_replay_sends_the_text_encoded_when_the_event_was_appended(tmp_path: Path) -> None:
    log = MemoryEventLog(TinyHubStore(tmp_path, fsync=False), utcnow, ring_size=3)
    sub = log.subscribe(100)
    for n in range(5):
        log.append("x", {"n": n})
    sent = sub.frames()
    assert log.since_encoded(2) == sent[2:]
    assert all(a is b for a, b in zip(log.since_encoded(2) or [], sent[2:], strict=True))
    assert log.since_encoded(5) == [] and log.since_encoded(1) is None
