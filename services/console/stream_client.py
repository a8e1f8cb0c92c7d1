"""The console's end of the hub's event stream (websocket ``/api/stream``).

``StreamClient`` keeps one connection alive for as long as it runs: it says
``hello`` with the last seq it applied, checks every frame's seq (duplicates
are counted and ignored, a gap closes the connection and resumes from the last
applied seq, which makes the hub replay or send a snapshot), and reconnects
after any close or error — a clean close too — with exponential backoff and
full jitter. A token the hub refuses (close code 4401/4403) is reported as
such and retried only at the slowest pace, so a wrong token does not hammer
the hub.

Given the URLs of a hub's replicas, it moves to the next one whenever its
replica is lost (closed, failed, silent past a few heartbeats): every other
replica is tried at once, and only a round in which none answered backs off.
The hello carries the last applied seq and the epoch, so a replica sharing the
history resumes by seq, and one that does not (another epoch, a seq it no longer
holds) sends a snapshot — a loud re-sync, never a silent gap. The status names
the replica (``host:port``) the stream is on or trying.

Its hello asks for batches: the hub then sends every event queued for it at once
in one ``batch`` message, decoded in one go and checked event by event as if each
had come alone (a hub that does not batch sends single frames, handled the same).
Every frame is decoded with the protocol's schema
(:func:`services.domain.protocol.decode_message`): one that does not fit — a bad
envelope, or an incident whose ``packs`` are not strings, alone or inside a batch
— is counted in ``bad_frames`` and dropped, so nothing invalid reaches the state or
a widget; the rest of its batch applies.

It is pure asyncio and websockets: envelopes go to ``on_envelope``, status
changes to ``on_status``. Whether the data is STALE is not decided here but
in :class:`services.console.state.ConsoleState`, from the time of the last frame.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from services.console.replicas import hub_label
from services.console.state import ConnState, StreamCounters, StreamStatus
from services.domain.models import Envelope
from services.domain.protocol import FrameError, decode_frame, decode_message

__all__ = [
    "FrameError",
    "StreamClient",
    "StreamCounters",
    "StreamStatus",
    "backoff_delay",
    "classify",
    "decode_frame",
    "offers_compression",
]

log = logging.getLogger("warroom.stream")

Decision = Literal["apply", "duplicate", "gap", "snapshot", "heartbeat"]

BASE_DELAY_S = 0.25
MAX_DELAY_S = 10.0
# Snapshots of a busy hub are large; the default 1 MiB would refuse them.
MAX_FRAME_BYTES = 64 * 2**20
# Envelopes the app may have queued before the stream stops reading (back-pressure).
MAX_BACKLOG = 500
BACKLOG_POLL_S = 0.01
REFUSED = {4401: "unauthenticated", 4403: "forbidden", 401: "unauthenticated", 403: "forbidden"}


def classify(last_seq: int | None, kind: str, seq: int) -> Decision:
    """What to do with a frame of type ``kind`` and ``seq`` after ``last_seq`` was applied.

    Snapshots always replace the state. A heartbeat carries the hub's latest
    event seq, so one above ours means events were missed (a gap). An event at
    or below ours is a duplicate; more than one above is a gap.
    """
    if kind == "snapshot":
        return "snapshot"
    if kind == "heartbeat":
        return "gap" if last_seq is not None and seq > last_seq else "heartbeat"
    if last_seq is None or seq == last_seq + 1:
        return "apply"
    if seq <= last_seq:
        return "duplicate"
    return "gap"


def backoff_delay(
    attempt: int, rng: random.Random, base: float = BASE_DELAY_S, cap: float = MAX_DELAY_S
) -> float:
    """Full jitter: a delay drawn uniformly from ``[0, min(cap, base * 2**attempt)]``."""
    ceiling = min(cap, base * 2 ** min(max(attempt, 0), 32))
    return rng.uniform(0.0, ceiling)


def offers_compression(url: str) -> bool:
    """Whether to offer permessage-deflate to the hub at ``url``: not on loopback.

    A console beside its hub (on the bastion people SSH into) gains nothing from
    compression, and costs the hub CPU per byte and per console, the largest cost of
    fanning a storm out to many consoles (docs/performance.md); a console far from its
    hub saves most of the bytes (JSON compresses 10-25 times)."""
    host = urlsplit(url).hostname or ""
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() != "localhost"


@dataclass(frozen=True)
class _Ended:
    """Why a session ended."""

    kind: Literal["gap", "closed", "error", "refused"]
    error: str | None = None
    code: int | None = None


class StreamClient:
    """Keeps the stream connected and delivers in-order envelopes.

    ``url`` is the stream's URL, or its URL on each of the hub's replicas."""

    def __init__(
        self,
        url: str | Sequence[str],
        token: str,
        *,
        on_envelope: Callable[[Envelope], None],
        on_status: Callable[[StreamStatus], None],
        resume_from: int | None = None,
        base_delay: float = BASE_DELAY_S,
        max_delay: float = MAX_DELAY_S,
        rng: random.Random | None = None,
        open_timeout: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        backlog: Callable[[], int] = lambda: 0,
        max_backlog: int = MAX_BACKLOG,
    ) -> None:
        self.urls = (url,) if isinstance(url, str) else tuple(dict.fromkeys(url))
        if not self.urls:
            raise ValueError("a stream client needs at least one URL")
        self._replica = 0  # the index in ``urls`` of the replica in use (or tried next)
        self._failed = 0  # sessions lost or not opened since the last live one
        self.token = token
        self.on_envelope = on_envelope
        self.on_status = on_status
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.rng = rng or random.Random()
        self.open_timeout = open_timeout
        self.sleep = sleep  # tests record the backoff instead of waiting it out
        # Back-pressure: while the consumer has more than ``max_backlog`` envelopes
        # queued, stop reading. The hub then queues for us, and closes us as too slow
        # (1013) if we never catch up: we resume or re-sync from a snapshot, and say so.
        self.backlog = backlog
        self.max_backlog = max_backlog
        self.heartbeat_interval_s = 2.0
        self._last_seq = resume_from
        # The hub's stream epoch the state we hold came from (see docs/protocol.md).
        self.epoch: str | None = None
        self._status = StreamStatus()
        self._attempt = 0
        # Consecutive gaps without progress: a resume that does not fill the
        # gap is escalated to a full snapshot rather than retried forever.
        self._gap_streak = 0
        self._repairing = False
        self._session_live = False
        self._stopping = False
        self._ws: ClientConnection | None = None
        self._closing: asyncio.Future[None] | None = None
        self._resync: str | None = None

    @property
    def url(self) -> str:
        """The URL of the replica in use, or tried next."""
        return self.urls[self._replica]

    @property
    def replica(self) -> str | None:
        """``host:port`` of that replica when there are several (None with one hub)."""
        return hub_label(self.url) if len(self.urls) > 1 else None

    @property
    def last_seq(self) -> int | None:
        """The seq of the last event (or snapshot) delivered."""
        return self._last_seq

    @property
    def status(self) -> StreamStatus:
        """The latest status, with up-to-date counters."""
        return self._status

    def _set(self, **changes: Any) -> None:
        self._status = replace(self._status, **changes)
        self.on_status(self._status)

    def _count(self, **increments: int) -> StreamCounters:
        counters = self._status.counters
        values = {name: getattr(counters, name) + step for name, step in increments.items()}
        return replace(counters, **values)

    # -- the connection loop --------------------------------------------------

    async def run(self) -> None:
        """Connect, and reconnect after every end, until :meth:`stop` or cancellation."""
        self._stopping = False
        self._set(state="connecting", attempt=0, replica=self.replica)
        while not self._stopping:
            ended = await self._session()
            if self._stopping:
                break
            self._attempt += 1
            lost = self.replica
            state: ConnState = "reconnecting"
            if ended.kind == "gap":
                delay = 0.0  # the same replica fills it (or sends a snapshot)
            else:
                self._replica = (self._replica + 1) % len(self.urls)
                self._failed += 1
                delay = self._next_delay()
            if ended.kind == "refused":
                state = "unauthorized"
                delay = self.max_delay
            error = ended.error
            if lost is not None and error is not None:
                error = f"{lost}: {error}"
            log.info("stream ended (%s: %s); retry in %.2f s", ended.kind, error, delay)
            self._set(
                state=state,
                attempt=self._attempt,
                last_error=error,
                close_code=ended.code,
                counters=self._count(reconnects=1),
                replica=self.replica,
            )
            await self.sleep(delay)

    def _next_delay(self) -> float:
        """No wait while a replica is left to try in this round; the backoff after a round
        in which none answered (with one hub, after every attempt)."""
        rounds, left = divmod(self._failed, len(self.urls))
        if left:
            return 0.0
        return backoff_delay(rounds - 1, self.rng, self.base_delay, self.max_delay)

    def drop(self) -> None:
        """Close the current connection; the client reconnects and resumes as after any drop."""
        if self._ws is not None:
            self._closing = asyncio.ensure_future(self._ws.close())

    def resync(self, reason: str) -> None:
        """Give up catching up: end this session and start again from a full snapshot.

        The consumer asks when it has fallen too far behind; frames already read
        are its to discard. The reader stops at its next frame or backlog check.
        """
        self._resync = reason
        self._gap_streak = 2  # the next hello asks for no resume: a snapshot
        self._repairing = True  # and the new session says RESYNCED

    def stop(self) -> None:
        """Stop after the current session (closing it now)."""
        self._stopping = True
        if self._ws is not None:
            self._closing = asyncio.ensure_future(self._ws.close())

    async def _session(self) -> _Ended:
        resume = None if self._gap_streak >= 2 else self._last_seq
        self._session_live = False
        try:
            async with connect(
                self.url,
                additional_headers={"Authorization": f"Bearer {self.token}"},
                open_timeout=self.open_timeout,
                max_size=MAX_FRAME_BYTES,
                compression="deflate" if offers_compression(self.url) else None,
            ) as ws:
                self._ws = ws
                # batch: several events per message (one receive, one decode for all).
                hello = {
                    "type": "hello",
                    "resume_from": resume,
                    "epoch": self.epoch,
                    "batch": True,
                }
                await ws.send(json.dumps(hello))
                while True:
                    idle = self._idle_timeout()
                    # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a
                    # cancellation that races a frame, and the client would outlive
                    # the app that cancelled it.
                    try:
                        async with asyncio.timeout(idle):
                            raw = await ws.recv()
                    except TimeoutError:
                        return _Ended("error", f"no frame from the hub for {idle:.0f} s")
                    if self._resync is None and self.feed(raw) == "gap":
                        await ws.close()
                        return _Ended("gap", f"gap after seq {self._last_seq}: resuming")
                    # Polled: Textual's message queue offers no event to await.
                    while self.backlog() > self.max_backlog and self._resync is None:  # noqa: ASYNC110
                        await asyncio.sleep(BACKLOG_POLL_S)
                    if self._resync is not None:
                        reason, self._resync = self._resync, None
                        # Not a closing handshake: the hub's close frame would wait
                        # behind everything still unread, which is what we give up.
                        ws.transport.abort()
                        return _Ended("gap", reason)
        except ConnectionClosed as closed:
            return self._closed(closed)
        except InvalidStatus as error:
            status = error.response.status_code
            if status in REFUSED:
                return _Ended("refused", f"hub refused the token: {REFUSED[status]}", status)
            return _Ended("error", f"hub answered HTTP {status}", status)
        except TimeoutError:
            return _Ended("error", "timed out connecting to the hub")
        except (OSError, WebSocketException) as error:
            return _Ended("error", f"cannot reach the hub: {error or type(error).__name__}")
        finally:
            self._ws = None

    def _closed(self, closed: ConnectionClosed) -> _Ended:
        code = closed.rcvd.code if closed.rcvd is not None else None
        reason = closed.rcvd.reason if closed.rcvd is not None else ""
        if code in REFUSED:
            text = f"hub refused the token: {REFUSED[code]}"
            return _Ended("refused", f"{text} ({reason})" if reason else text, code)
        if code is None:
            return _Ended("error", "connection lost")
        kind: Literal["closed", "error"] = "closed" if code in (1000, 1001) else "error"
        return _Ended(
            kind, f"hub closed the stream ({code}{': ' + reason if reason else ''})", code
        )

    def _idle_timeout(self) -> float:
        # A connection that carries no frame for several heartbeats is dead even
        # if TCP has not noticed; drop it and reconnect.
        return max(3.0, self.heartbeat_interval_s * 5)

    # -- sequencing -----------------------------------------------------------

    def feed(self, raw: str | bytes) -> Decision | None:
        """Handle one message: a frame, or a batch of events each handled as a frame (in
        order, each seq checked; a bad one counted and dropped, a gap ends the batch).
        Returns the decision taken for the last frame handled (None for a bad one)."""
        try:
            frames = decode_message(raw)
        except FrameError as error:
            self._bad(self._count(frames=1), error)
            return None
        self._status = replace(self._status, counters=self._count(frames=len(frames)))
        decision: Decision | None = None
        for frame in frames:
            if isinstance(frame, FrameError):
                self._bad(self._status.counters, frame)
                decision = None
                continue
            decision = self._deliver(frame)
            if decision == "gap":
                break
        return decision

    def _bad(self, counters: StreamCounters, error: FrameError) -> None:
        log.warning("bad frame dropped: %s", error)
        self._set(
            counters=replace(counters, bad_frames=counters.bad_frames + 1),
            last_error=f"bad frame: {error}",
        )

    def _deliver(self, envelope: Envelope) -> Decision:
        """One decoded frame: check its seq, then hand it on (or not)."""
        epoch = envelope.data.get("epoch") if envelope.type in ("snapshot", "heartbeat") else None
        if envelope.type == "heartbeat" and self._epoch_changed(epoch):
            # The hub's history no longer continues ours (it restarted, or recovered
            # its store): even a seq we know may mean something else now. Re-sync.
            log.warning("the hub's stream epoch changed: re-syncing from a snapshot")
            self._gap_streak = 2
            self._repairing = True
            self._set(counters=self._count(gaps=1))
            return "gap"
        decision = classify(self._last_seq, envelope.type, envelope.seq)
        if decision == "duplicate":
            self._set(counters=self._count(duplicates=1))
            return decision
        if decision == "gap":
            self._gap_streak += 1
            self._repairing = True
            self._set(counters=self._count(gaps=1))
            return decision
        if not self._session_live:
            self._go_live(envelope)
        if decision == "heartbeat":
            # The schema has checked it: a number above zero.
            self.heartbeat_interval_s = float(envelope.data["interval_s"])
        else:
            if decision == "snapshot":
                self.epoch = epoch if isinstance(epoch, str) else None
            self._last_seq = envelope.seq
            self._gap_streak = 0
        self.on_envelope(envelope)
        return decision

    def _epoch_changed(self, epoch: object) -> bool:
        return isinstance(epoch, str) and self.epoch is not None and epoch != self.epoch

    def _go_live(self, first: Envelope) -> None:
        """The first good frame of a session: the connection is live again."""
        self._session_live = True
        self._attempt = 0
        self._failed = 0
        # A re-sync is loud: after repairing a gap, or when the hub had to
        # replace state we already held with a snapshot.
        replaced = first.type == "snapshot" and (
            self._last_seq is not None or first.data.get("reason") not in (None, "initial")
        )
        resynced = self._repairing or replaced
        self._repairing = False
        counters = self._count(resyncs=1) if resynced else self._status.counters
        self._set(
            state="live",
            attempt=0,
            last_error=None,
            close_code=None,
            counters=counters,
            replica=self.replica,
        )
