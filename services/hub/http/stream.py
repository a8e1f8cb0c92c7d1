"""The websocket stream ``/api/stream``: hello, replay or snapshot, then live frames.

Two tasks per connection: a writer that drains the connection's queue (bounded in
frames and bytes), and a reader that notices the client leaving (and ignores
anything else it says). A client that falls behind is closed with 1013 and
counted (``stream_slow_consumer``) even while a send waits on it.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.websockets import WebSocket, WebSocketDisconnect

from services.domain.protocol import FrameDataError, FrameError, Hello, decode_hello
from services.domain.timeutil import to_rfc3339
from services.hub.errors import HubError
from services.hub.http.context import HubContext
from services.hub.state.events import (
    PROTOCOL_VERSION,
    Close,
    Frames,
    Subscription,
    batched,
    encode,
)

log = logging.getLogger("warroom.hub")

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_POLICY = 1008  # no hello, or a hello that does not parse
CLOSE_INVALID_DATA = 1007  # a hello nested too deep or holding a lone surrogate
# How long a client closed for falling behind has to read its close frame.
CLOSE_WAIT_S = 5.0
# A replica waits this long to reach the seq a failing-over console resumes from.
CATCH_UP_S = 3.0


class BadHello(Exception):
    """The client's hello was not ``{"type": "hello", "resume_from": int|null}``."""

    def __init__(self, message: str, code: int = CLOSE_POLICY) -> None:
        super().__init__(message)
        self.code = code


async def stream(websocket: WebSocket) -> None:
    """The ``/api/stream`` endpoint."""
    ctx: HubContext = websocket.app.state.ctx
    try:
        ctx.authority.require(websocket.headers.get("authorization"), "read")
    except HubError as error:
        # Accept, then close with a code the client can act on: a handshake
        # refusal would only show it an HTTP status it may not surface.
        ctx.counters.add(f"stream_{error.code}")
        await websocket.accept()
        code = CLOSE_UNAUTHENTICATED if error.status == 401 else CLOSE_FORBIDDEN
        await websocket.close(code=code, reason=error.message[:120])
        return
    await websocket.accept()
    try:
        hello = await asyncio.wait_for(_hello(websocket), ctx.config.hello_timeout_s)
    except TimeoutError:
        ctx.counters.add("stream_no_hello")
        await websocket.close(code=CLOSE_POLICY, reason="expected a hello message")
        return
    except BadHello as error:
        ctx.counters.add("stream_bad_hello")
        await websocket.close(code=error.code, reason=str(error)[:120])
        return
    except WebSocketDisconnect:
        return
    if ctx.replica is not None:
        await _catch_up(ctx, hello)
    # No await between choosing the opening frames and subscribing: nothing
    # appended in between can be missed or sent twice.
    opening = _opening(ctx, hello)
    subscription = ctx.events.subscribe(ctx.config.stream_queue_size, ctx.config.stream_queue_bytes)
    try:
        reader = asyncio.create_task(_drain(websocket))
        writer = asyncio.create_task(_write(ctx, websocket, opening, subscription, hello.batch))
        closing = asyncio.create_task(subscription.closing.wait())
        tasks = {reader, writer, closing}
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if closing in done and writer in pending:
            if not subscription.queue.empty():
                # The Close waits behind a send blocked on a client that stopped reading:
                # that send is stopped (nothing of it was written), the close goes instead.
                writer.cancel()
                await asyncio.gather(writer, return_exceptions=True)
                await _close_slow(ctx, websocket, subscription)
            else:  # the writer took the Close and is closing
                await asyncio.gather(writer, return_exceptions=True)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.debug("stream connection ended: %r", task.exception())
    finally:
        ctx.events.unsubscribe(subscription)


async def _close_slow(ctx: HubContext, websocket: WebSocket, subscription: Subscription) -> None:
    """Close with the subscription's :class:`Close` (counted when 1013)."""
    item = subscription.queue.get_nowait()
    if isinstance(item, Close):
        await _close(ctx, websocket, item)


async def _close(ctx: HubContext, websocket: WebSocket, item: Close) -> None:
    if item.code == 1013:
        ctx.counters.add("stream_slow_consumer")
        log.warning("stream client %s too slow: closed", websocket.client)
    try:
        # Waits while the client's buffers are full; then the connection is dropped.
        await asyncio.wait_for(websocket.close(code=item.code, reason=item.reason), CLOSE_WAIT_S)
    except (TimeoutError, WebSocketDisconnect, RuntimeError, OSError):
        pass


async def _hello(websocket: WebSocket) -> Hello:
    """Wait for the hello; other client messages are ignored."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        text = message.get("text")
        if text is None:
            continue
        try:
            hello = decode_hello(text)
        except FrameDataError as error:
            raise BadHello(str(error), CLOSE_INVALID_DATA) from None
        except FrameError as error:
            raise BadHello(str(error)) from None
        if hello is not None:
            return hello


async def _catch_up(ctx: HubContext, hello: Hello) -> None:
    """A console failing over to a replica a few commands behind the one it left asks
    for a seq this replica has not applied yet: wait for it a moment, rather than
    answer with a snapshot older than what the console already shows."""
    if hello.resume_from is None or hello.epoch not in (None, ctx.events.epoch):
        return
    deadline = asyncio.get_running_loop().time() + CATCH_UP_S
    while ctx.events.latest_seq < hello.resume_from:
        if asyncio.get_running_loop().time() > deadline:
            return
        await asyncio.sleep(0.02)


def _opening(ctx: HubContext, hello: Hello) -> Frames:
    """The replay after ``resume_from``, or one snapshot saying why not."""
    resume_from = hello.resume_from
    if resume_from is None:
        reason = "initial"
    elif hello.epoch is not None and hello.epoch != ctx.events.epoch:
        # Its seq may even be ours (a restart at a block boundary), but not its history.
        reason = "epoch_changed"
    else:
        frames = ctx.events.since_encoded(resume_from)
        if frames is not None:
            ctx.counters.add("stream_resumed")
            return frames
        reason = "unknown_seq" if resume_from > ctx.events.latest_seq else "resume_too_old"
    ctx.counters.add(f"stream_snapshot_{reason}")
    now = to_rfc3339(ctx.clock())
    frame = {
        "v": PROTOCOL_VERSION,
        "seq": ctx.events.latest_seq,
        "ts": now,
        "type": "snapshot",
        "data": ctx.state.snapshot(reason),
    }
    opening = Frames()
    opening.add(encode(frame))  # not an event: never inside a batch
    return opening


def _now(ctx: HubContext) -> str:
    return to_rfc3339(ctx.clock())


async def _drain(websocket: WebSocket) -> None:
    """Read until the client goes away; what it says after hello is ignored."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _write(
    ctx: HubContext,
    websocket: WebSocket,
    opening: Frames,
    subscription: Subscription,
    batch: bool,
) -> None:
    """Send the opening frames, then what is queued; to a client that asked for batches
    (``"batch": true`` in its hello), everything queued at once as batch messages."""
    try:
        for frame in batched(opening, _now(ctx)) if batch else opening:
            await websocket.send_text(frame)
        while True:
            item = await subscription.queue.get()
            if isinstance(item, Close):
                await _close(ctx, websocket, item)
                return
            subscription.taken(item)  # frames appended from now on start a new batch
            for frame in batched(item, _now(ctx)) if batch else item:
                await websocket.send_text(frame)
    except (WebSocketDisconnect, RuntimeError, OSError):
        # The client went away mid-send; the reader notices too.
        return
