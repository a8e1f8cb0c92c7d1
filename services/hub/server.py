"""Running the hub: ``HubServer`` (uvicorn in a background thread, for tests and
``warroom demo``) and :func:`run_foreground` (``warroom hub``).

The listening socket is bound here, before uvicorn starts, so port 0 gives an
ephemeral port whose number is known at once, and a restart can take the same
port again (SO_REUSEADDR).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import importlib.util
import logging
import socket
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette

from services.domain.timeutil import Clock, utcnow
from services.hub.cluster.replica import replica_factory
from services.hub.config import HubConfig
from services.hub.connections import ConnectionGuard, guarded
from services.hub.http.app import create_app
from storage.hub_store import HubStore

log = logging.getLogger("warroom.hub")

Background = Callable[[str], Awaitable[None]]
START_TIMEOUT_S = 10.0
# A replica of a cluster applies the whole log before it listens.
REPLICA_START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0


class _Server(uvicorn.Server):
    """uvicorn's server with two hooks: once listening, and before it drains connections."""

    on_started: Callable[[], None] | None = None
    before_shutdown: Callable[[], Awaitable[None]] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.on_started is not None:
            self.on_started()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.before_shutdown is not None:
            await self.before_shutdown()
        await super().shutdown(sockets)


class BindError(OSError):
    """The hub cannot listen where it was asked to; the message says why in words."""


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto is IPPROTO_TCP, and without it every keep-alive reply waits ~40 ms
    # on Nagle + delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise BindError(
                error.errno,
                f"port {port} on {host} is taken (another hub, or another program, "
                "listens there); stop it or choose another with --port",
            ) from None
        raise BindError(error.errno, f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    # A wildcard address is not one to connect to: name loopback instead.
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _has(module: str) -> bool:
    """Whether ``module`` can be imported (the fast paths are used when installed)."""
    return importlib.util.find_spec(module) is not None


def new_event_loop(fast: bool = True) -> asyncio.AbstractEventLoop:
    """uvloop's event loop when ``fast`` and installed, else asyncio's."""
    if fast and _has("uvloop"):
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def _http_protocol(fast: bool) -> type[Any]:
    """uvicorn's httptools protocol when ``fast`` and installed, else its h11 one."""
    if fast and _has("httptools"):
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return HttpToolsProtocol
    from uvicorn.protocols.http.h11_impl import H11Protocol

    return H11Protocol


def _uvicorn(config: HubConfig, clock: Clock, store: HubStore | None = None) -> _Server:
    replica = replica_factory(config) if config.store_url and store is None else None
    app = create_app(config, store=store, clock=clock, replica=replica)

    def count(name: str) -> None:
        ctx = getattr(app.state, "ctx", None)
        if ctx is not None:
            ctx.counters.add(name)

    guard = ConnectionGuard(config.max_connections, config.header_timeout_s, count)
    settings = uvicorn.Config(
        app,
        # The compiled parser (h11 in pure Python was most of a heartbeat's cost),
        # guarded: connections that never send a request head are timed out and
        # shed first.
        http=guarded(_http_protocol(config.fast_io), guard),
        timeout_keep_alive=max(1, round(config.idle_timeout_s)),
        host=config.host,
        port=config.port,
        log_level="warning",
        # Its access log is at INFO, below log_level: never written, but each request
        # still formatted the client's address and the path for it.
        access_log=False,
        lifespan="on",
        # uvicorn's "websockets" protocol rides websockets' legacy API, deprecated
        # since websockets 14; the sans-I/O one is its replacement.
        ws="websockets-sansio",
        ws_max_size=1024 * 1024,
        ws_per_message_deflate=config.stream_compression,
        timeout_graceful_shutdown=5,
    )
    return _Server(settings)


async def _serve(
    server: _Server,
    sock: socket.socket,
    background: Background | None,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Serve until told to exit; run ``background(url)`` once listening, cancel it first."""
    url = _base_url(sock)
    tasks: list[asyncio.Task[None]] = []

    def started() -> None:
        if background is not None:
            tasks.append(asyncio.create_task(_guard(background(url))))
        if on_ready is not None:
            on_ready()

    async def cancel_background() -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    server.on_started = started
    server.before_shutdown = cancel_background
    await server.serve(sockets=[sock])


async def _guard(work: Awaitable[None]) -> None:
    try:
        await work
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("hub background task failed")


class HubServer:
    """The hub on its own thread and event loop; ``start()`` returns once it listens."""

    def __init__(
        self,
        config: HubConfig,
        *,
        background: Background | None = None,
        clock: Clock = utcnow,
        store: HubStore | None = None,
    ) -> None:
        """``store`` replaces the hub's own ``DATA_DIR/hub.json`` store; the caller closes it."""
        self.config = config
        self._background = background
        self._clock = clock
        self._store = store
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """``http://HOST:PORT``; only while started."""
        if self._url is None:
            raise RuntimeError("the hub is not running")
        return self._url

    @property
    def app(self) -> Starlette:
        """The running application (its ``state.ctx`` holds the hub's state and store)."""
        app = self._server.config.app if self._server is not None else None
        if not isinstance(app, Starlette):
            raise RuntimeError("the hub is not running")
        return app

    @property
    def port(self) -> int:
        """The port actually listened on (useful with port 0)."""
        return int(self.url.rsplit(":", 1)[1])

    def start(self) -> str:
        """Start serving; block until listening; return the base URL."""
        if self._thread is not None:
            raise RuntimeError("HubServer.start() called twice")
        sock = _bind(self.config.host, self.config.port)
        try:
            server = _uvicorn(self.config, self._clock, self._store)
        except BaseException:
            sock.close()
            raise
        self._server = server
        ready = threading.Event()

        def run() -> None:
            loop = new_event_loop(self.config.fast_io)
            try:
                loop.run_until_complete(_serve(server, sock, self._background, ready.set))
            except BaseException as error:  # SystemExit from a failed lifespan, too
                self._error = error
            finally:
                ready.set()
                sock.close()
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name="warroom-hub", daemon=True)
        self._thread.start()
        wait = REPLICA_START_TIMEOUT_S if self.config.store_url else START_TIMEOUT_S
        if not ready.wait(wait) or not server.started:
            self.stop()
            raise RuntimeError(f"the hub did not start: {self._error!r}")
        self._url = _base_url(sock)
        log.info("hub listening on %s", self._url)
        return self._url

    def stop(self) -> None:
        """Stop: cancel the background task, close streams and connections, close the store."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(STOP_TIMEOUT_S)
        if thread.is_alive():
            server.force_exit = True
            thread.join(STOP_TIMEOUT_S)
        self._server = self._thread = None
        self._url = None

    def __enter__(self) -> HubServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_foreground(config: HubConfig, background: Background | None = None) -> None:
    """Serve in the calling (main) thread until Ctrl-C or SIGTERM, then shut down cleanly."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s"
        )
    sock = _bind(config.host, config.port)
    try:
        server = _uvicorn(config, utcnow)
    except BaseException:
        sock.close()
        raise
    log.info("hub listening on %s (data in %s)", _base_url(sock), config.data_dir)
    # uvicorn re-raises the signal it caught once shut down; Ctrl-C is the normal way out.
    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(loop_factory=lambda: new_event_loop(config.fast_io)) as runner,
    ):
        runner.run(_serve(server, sock, background))
    log.info("hub stopped")
