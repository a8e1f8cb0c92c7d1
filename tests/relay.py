"""A byte relay in front of a real hub: several relays stand in for replicas that
serve one history (the same events, seq and epoch), and closing one is a replica
lost (its listener and every connection through it end at once)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

CHUNK = 65536


@dataclass
class Relay:
    """Listening on ``url``, relaying every connection to ``target_port``."""

    target_port: int
    server: asyncio.Server | None = None
    writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/stream"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
        finally:
            self.writers.discard(writer)
            writer.close()

    async def close(self) -> None:
        """The replica is lost: no new connection, and every open one is cut."""
        if self.server is not None:
            self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()
        if self.server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.server.wait_closed(), 5)


@contextlib.asynccontextmanager
async def relay(target_port: int) -> AsyncIterator[Relay]:
    """A running relay to ``127.0.0.1:target_port``, closed on the way out."""
    running = Relay(target_port)
    await running.start()
    try:
        yield running
    finally:
        await running.close()
