"""The hub's event log: seq numbering, a replay ring, and fan-out to streams.

The HTTP and websocket layers talk only to :class:`EventLog`. Today
:class:`MemoryEventLog` implements it with an in-memory ring; replicas sharing
one log (Redis Streams, NATS JetStream) would implement the same protocol.

Everything here runs on the server's event loop: ``append`` fans out with
``put_nowait`` and never awaits, so an event is either in every subscriber's
queue or in none, and a subscriber registered in the same loop step as a
``since()`` call misses nothing and sees nothing twice.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec

from services.domain.timeutil import Clock, to_rfc3339
from storage.hub_store import HubStore

PROTOCOL_VERSION = 1
SEQ_BLOCK = 1000
# The replay ring's bound in bytes of JSON, besides its bound in events.
RING_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Close:
    """Put in a subscriber's queue: close the websocket with this code."""

    code: int
    reason: str


class Frames(list[str]):
    """One queued batch of a connection's frames, with each frame's event seq beside it
    (``seqs``; -1 for a frame that is not an event, such as a heartbeat), so a
    connection that asked for batch messages can wrap runs of events without
    decoding them. ``size`` is the characters of its frames."""

    __slots__ = ("seqs", "size")

    def __init__(self) -> None:
        super().__init__()
        self.seqs: list[int] = []
        self.size = 0

    def add(self, text: str, seq: int = -1) -> None:
        """Append ``text`` (an event's when ``seq`` >= 0)."""
        self.append(text)
        self.seqs.append(seq)
        self.size += len(text)


@dataclass(eq=False)
class Subscription:
    """One stream connection's queue of JSON frames (or a final :class:`Close`), bounded
    in frames and in bytes: a client that falls further behind is closed with 1013.

    Frames are queued in batches: while the connection has not taken the last batch,
    a new frame joins it (a list append) instead of waking the connection once per
    frame. The connection sends a batch's frames back to back, or as batch messages.
    So at most one batch waits in the queue, and what is queued is that batch.
    """

    queue: asyncio.Queue[Frames | Close] = field(default_factory=asyncio.Queue)
    max_queued: int = 10000
    max_bytes: int = 4 * 1024 * 1024
    closed: bool = False
    # Set when closed: the connection stops a send blocked on a client that stopped reading.
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    # The batch in the queue that the connection has not taken yet.
    _open: Frames | None = None

    @property
    def queued(self) -> int:
        """Frames queued and not yet taken by the connection."""
        return len(self._open) if self._open is not None else 0

    @property
    def queued_bytes(self) -> int:
        """Their size (characters of JSON)."""
        return self._open.size if self._open is not None else 0

    def offer(self, frame: str, seq: int = -1) -> bool:
        """Queue ``frame`` (an event's when ``seq`` >= 0); False (and the subscription
        closed with 1013) when full. Once per event and per client: kept lean."""
        if self.closed:
            return True
        size = len(frame)
        batch = self._open
        if batch is None:
            if size > self.max_bytes:
                self.close(1013, "too slow: resume from your last seq")
                return False
            batch = self._open = Frames()
            self.queue.put_nowait(batch)
        elif len(batch) >= self.max_queued or batch.size + size > self.max_bytes:
            self.close(1013, "too slow: resume from your last seq")
            return False
        batch.append(frame)
        batch.seqs.append(seq)
        batch.size += size
        return True

    def taken(self, batch: Frames) -> None:
        """The connection took ``batch`` off the queue to send it."""
        if batch is self._open:
            self._open = None

    def frames(self) -> list[str | Close]:
        """Take everything queued now, frame by frame (for tests and tools)."""
        items: list[str | Close] = []
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if isinstance(item, Close):
                items.append(item)
            else:
                self.taken(item)
                items.extend(item)
        return items

    def close(self, code: int, reason: str) -> None:
        """Drop what is queued and ask the connection to close with ``code``."""
        if self.closed:
            return
        self.closed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self._open = None
        self.queue.put_nowait(Close(code, reason))
        self.closing.set()


_ENCODER = msgspec.json.Encoder()


def encode(frame: dict[str, Any]) -> str:
    """One frame as compact JSON text (untrusted text kept as-is, unescaped UTF-8).

    Once per event for every client; msgspec's encoder is several times faster than
    ``json.dumps`` and writes the same text for the frames the hub sends.
    """
    return _ENCODER.encode(frame).decode()


# A batch message carries at most this many events, and at most about this many bytes
# of them (an event larger than that goes alone in its batch): a client's receive
# limit and a console's per-message work stay bounded however far behind it is.
BATCH_MAX_EVENTS = 1000
BATCH_MAX_BYTES = 1024 * 1024


def batched(
    frames: Frames,
    ts: str,
    max_events: int = BATCH_MAX_EVENTS,
    max_bytes: int = BATCH_MAX_BYTES,
) -> list[str]:
    """``frames`` as the messages of a client that asked for batches: each run of
    events as ``batch`` messages (the events' texts joined as they were encoded,
    never encoded again; see docs/protocol.md), other frames (heartbeats) as they are,
    in order."""
    seqs = frames.seqs
    if len(frames) <= max_events and frames.size <= max_bytes and -1 not in seqs:
        return [_batch(frames, seqs[-1], ts)] if frames else []
    messages: list[str] = []
    run: list[str] = []
    size = 0
    last = -1
    for text, seq in zip(frames, seqs, strict=True):
        if seq < 0 or (run and (len(run) >= max_events or size + len(text) > max_bytes)):
            if run:
                messages.append(_batch(run, last, ts))
                run, size = [], 0
            if seq < 0:
                messages.append(text)
                continue
        run.append(text)
        size += len(text)
        last = seq
    if run:
        messages.append(_batch(run, last, ts))
    return messages


def _batch(texts: list[str], last_seq: int, ts: str) -> str:
    return (
        f'{{"v":{PROTOCOL_VERSION},"seq":{last_seq},"ts":"{ts}","type":"batch",'
        f'"data":{{"events":[{",".join(texts)}]}}}}'
    )


class EventLog(Protocol):
    """What the hub needs from its event log."""

    @property
    def latest_seq(self) -> int:
        """The seq of the last event appended (or the base below the first one)."""
        ...

    @property
    def epoch(self) -> str:
        """Changes whenever this log's history may not continue the one before it."""
        ...

    def append(self, type: str, data: dict[str, Any]) -> dict[str, Any]:
        """Number an event, keep it for replay, send it to every subscriber; return it."""
        ...

    def since(self, seq: int) -> list[dict[str, Any]] | None:
        """Every event after ``seq``, or None when they are no longer all held."""
        ...

    def since_encoded(self, seq: int) -> Frames | None:
        """Like :meth:`since`, as the frames already encoded for the stream (each with
        its seq in ``seqs``)."""
        ...

    def hold(self) -> None:
        """Keep events appended from now on until :meth:`release` or :meth:`discard`."""
        ...

    @property
    def holding(self) -> int:
        """How many events are held."""
        ...

    def release(self) -> None:
        """Send the held events."""
        ...

    def discard(self) -> None:
        """Forget the held events and give their seq numbers back."""
        ...

    def subscribe(self, max_queued: int, max_bytes: int = 4 * 1024 * 1024) -> Subscription:
        """A new subscriber that receives every event appended from now on."""
        ...

    def unsubscribe(self, subscription: Subscription) -> None: ...

    def broadcast(self, frame: dict[str, Any]) -> None:
        """Send a frame that is not an event (a heartbeat) to every subscriber."""
        ...

    def close_all(self, code: int, reason: str) -> None:
        """Close every subscription (at shutdown)."""
        ...


class MemoryEventLog:
    """:class:`EventLog` on an in-memory ring of the last ``ring_size`` events, and of
    at most ``ring_bytes`` of their JSON (the oldest go first; a client resuming from
    before them gets a snapshot).

    ``seq`` is reserved from the store in blocks of ``block_size``: one disk
    write per block, not per event, and a restarted hub continues above every
    number it may have handed out.
    """

    def __init__(
        self,
        store: HubStore,
        clock: Clock,
        ring_size: int = 10000,
        block_size: int = SEQ_BLOCK,
        ring_bytes: int = RING_BYTES,
        epoch: str | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._block_size = block_size
        self._next = store.reserve_seq_block(block_size)
        self._block_end = self._next + block_size  # first seq not reserved
        self._latest = self._next - 1
        self._ring: deque[tuple[dict[str, Any], str]] = deque()
        self._ring_size = ring_size
        self._ring_max_bytes = ring_bytes
        self.ring_bytes = 0
        # Events appended while held wait here for the write that makes them true.
        self._held: list[tuple[dict[str, Any], str]] | None = None
        self._held_from = (self._next, self._block_end)
        self._subscribers: set[Subscription] = set()
        self.dropped_subscribers = 0
        # The ring lives in memory: a restarted hub's seq numbers continue above the
        # old ones, but its history does not (events held only in the old ring, and
        # telemetry, are gone). A new epoch per start tells a resuming client so. The
        # replicas of a cluster share one history, and so one epoch (its log's).
        self.epoch = epoch or secrets.token_hex(8)

    @property
    def latest_seq(self) -> int:
        return self._latest

    @property
    def subscriber_count(self) -> int:
        """How many stream connections are subscribed."""
        return len(self._subscribers)

    def _take_seq(self) -> int:
        if self._next >= self._block_end:
            self._next = self._store.reserve_seq_block(self._block_size)
            self._block_end = self._next + self._block_size
        seq = self._next
        self._next += 1
        return seq

    def append(self, type: str, data: dict[str, Any]) -> dict[str, Any]:
        seq = self._take_seq()
        envelope = {
            "v": PROTOCOL_VERSION,
            "seq": seq,
            "ts": to_rfc3339(self._clock()),
            "type": type,
            "data": data,
        }
        text = encode(envelope)
        if self._held is not None:
            self._held.append((envelope, text))
        else:
            self._publish(envelope, text)
        return envelope

    def _publish(self, envelope: dict[str, Any], text: str) -> None:
        self._ring.append((envelope, text))
        self.ring_bytes += len(text)
        while len(self._ring) > self._ring_size or (
            self.ring_bytes > self._ring_max_bytes and len(self._ring) > 1
        ):
            self.ring_bytes -= len(self._ring.popleft()[1])
        self._latest = envelope["seq"]
        self._fan_out(text, self._latest)

    def hold(self) -> None:
        """From now on, number events but keep them until :meth:`release` or :meth:`discard`.

        A mutation's events must not go out before its write is durable.
        """
        if self._held is None:
            self._held = []
            self._held_from = (self._next, self._block_end)

    @property
    def holding(self) -> int:
        """How many events are held (0 when not holding)."""
        return len(self._held) if self._held is not None else 0

    def release(self) -> None:
        """The write succeeded: send the held events, in order."""
        held, self._held = self._held or [], None
        for envelope, text in held:
            self._publish(envelope, text)

    def discard(self) -> None:
        """The write failed: forget the held events and give their numbers back.

        The seq block reserved meanwhile (if any) was rolled back with the write, so
        the counter returns to where it was before holding.
        """
        self._held = None
        self._next, self._block_end = self._held_from

    def since(self, seq: int) -> list[dict[str, Any]] | None:
        if seq == self._latest:
            return []
        if seq > self._latest or not self._ring or self._ring[0][0]["seq"] > seq + 1:
            return None
        return [envelope for envelope, _ in self._ring if envelope["seq"] > seq]

    def since_encoded(self, seq: int) -> Frames | None:
        # A replay sends the text each event was encoded to once, when appended.
        frames = Frames()
        if seq == self._latest:
            return frames
        if seq > self._latest or not self._ring or self._ring[0][0]["seq"] > seq + 1:
            return None
        for envelope, text in self._ring:
            if envelope["seq"] > seq:
                frames.add(text, envelope["seq"])
        return frames

    def subscribe(self, max_queued: int, max_bytes: int = 4 * 1024 * 1024) -> Subscription:
        subscription = Subscription(max_queued=max_queued, max_bytes=max_bytes)
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    def broadcast(self, frame: dict[str, Any]) -> None:
        self._fan_out(encode(frame))

    def close_all(self, code: int, reason: str) -> None:
        for subscription in list(self._subscribers):
            subscription.close(code, reason)
        self._subscribers.clear()

    def _fan_out(self, text: str, seq: int = -1) -> None:
        for subscription in list(self._subscribers):
            if not subscription.offer(text, seq):
                # A slow consumer is dropped, not waited for: one stuck console
                # must not hold back every other one (it resumes by seq).
                self._subscribers.discard(subscription)
                self.dropped_subscribers += 1
