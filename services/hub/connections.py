"""Connections that never send a request: timed out, and shed first at the cap.

uvicorn times out an idle keep-alive connection after a response, but not one that
connects and sends nothing, or half a request head: hundreds of those hold file
descriptors for as long as their peers like. :func:`guarded` wraps uvicorn's HTTP
protocol so that

* a connection whose request head is not complete within ``header_timeout_s`` is
  closed (counted as ``conn_header_timeout``);
* at ``max_connections`` open HTTP connections, a new one makes room by closing the
  oldest that has not completed a request head (``conn_shed_idle``) — so idle,
  unauthenticated sockets can never keep a pack stop out. Connections that are
  working (a request in progress, a websocket) are never shed;
* what one step of the event loop writes to a connection (uvicorn writes a
  response's head and its body apart) is sent in one system call (:class:`OneSend`).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

Count = Callable[[str], None]
# Pending bytes that a connection's transport sends at once, without waiting for the
# end of the event loop's step.
FLUSH_AT = 64 * 1024


class ConnectionGuard:
    """The open HTTP connections of one server, oldest first."""

    def __init__(self, max_connections: int, header_timeout_s: float, count: Count) -> None:
        self.max_connections = max_connections
        self.header_timeout_s = header_timeout_s
        self.count = count
        self.open: OrderedDict[Any, None] = OrderedDict()

    def opened(self, protocol: Any, loop: asyncio.AbstractEventLoop) -> None:
        """A connection was accepted: time its request head, make room if at the cap."""
        self.open[protocol] = None
        loop.call_later(self.header_timeout_s, self._deadline, protocol)
        if len(self.open) > self.max_connections:
            for other in list(self.open):  # upgraded to websockets: no longer ours
                if other.transport.get_protocol() is not other:
                    del self.open[other]
        if len(self.open) > self.max_connections:
            for other in list(self.open):
                if other is not protocol and _waiting_for_head(other):
                    self._drop(other, "conn_shed_idle")
                    break

    def closed(self, protocol: Any) -> None:
        """A connection was lost."""
        self.open.pop(protocol, None)

    def _deadline(self, protocol: Any) -> None:
        if protocol in self.open and _waiting_for_head(protocol):
            self._drop(protocol, "conn_header_timeout")

    def _drop(self, protocol: Any, counter: str) -> None:
        self.open.pop(protocol, None)
        self.count(counter)
        protocol.transport.close()


def _waiting_for_head(protocol: Any) -> bool:
    """Still on HTTP (not upgraded to a websocket) and no request head received yet."""
    transport = getattr(protocol, "transport", None)
    if transport is None or transport.is_closing():
        return False
    return transport.get_protocol() is protocol and getattr(protocol, "cycle", None) is None


class OneSend:
    """A connection's transport that sends what one step of the event loop wrote
    (a response's head, then its body) in one go, not in a system call each.

    Everything else is the transport's own; closing sends what is pending first.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)
        self._size += len(data)
        if self._size >= FLUSH_AT:
            # Large writes go at once: the transport's flow control must see them.
            self.flush()

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        """Send what is pending now; dropped if the connection went meanwhile (a write
        uvicorn made before it learnt of a reset must not reach a closed transport)."""
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._size = 0
            if not self._transport.is_closing():
                self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._size

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._size = 0
        self._transport.abort()


def guarded(base: type[Any], guard: ConnectionGuard) -> type[Any]:
    """``base`` (a uvicorn HTTP protocol class) reporting to ``guard``."""

    class Guarded(base):
        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(OneSend(transport, asyncio.get_running_loop()))
            guard.opened(self, asyncio.get_running_loop())

        def connection_lost(self, exc: Exception | None) -> None:
            guard.closed(self)
            super().connection_lost(exc)

    Guarded.__name__ = f"Guarded{base.__name__}"
    return Guarded
