"""The HTTP plumbing every endpoint shares: context, auth, bodies, errors, idempotency."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.domain import jsonsafe
from services.domain.timeutil import Clock
from services.hub.alertmanager_client import AlertmanagerClient
from services.hub.config import HubConfig
from services.hub.delivery import WebhookDelivery
from services.hub.errors import BadRequest, Counters, HubError, StorageUnavailable, TooLarge
from services.hub.http.auth import Authority, Principal
from services.hub.http.idempotency import REPLAYED_HEADER, IdempotencyGuard, check_key
from services.hub.state.common import Actor
from services.hub.state.events import MemoryEventLog
from services.hub.state.hub import HubState
from storage.errors import StorageFailed
from storage.hub_store import HubStore

log = logging.getLogger("warroom.hub")

MAX_BODY = 1024 * 1024  # 1 MiB
INGEST_PATH = "/api/ingest/alertmanager"


class Replication(Protocol):
    """A hub that is one replica of a cluster (services/hub/cluster): every change goes
    through the cluster's log, and is applied by every replica in the log's order."""

    # True while a command from the log is applied here: a mutation then changes the
    # state at once instead of going to the log.
    applying: bool

    @property
    def leader(self) -> bool:
        """Whether this replica runs the tick, the deliveries and the pulls now."""
        ...

    @property
    def in_touch(self) -> bool:
        """Whether this replica reaches the cluster now (its state can be current)."""
        ...

    async def start(self) -> None:
        """Join the cluster and apply its whole log before the hub serves anything."""
        ...

    async def stop(self) -> None: ...

    async def mutate(self, request: Request, principal: Principal) -> Response:
        """A request that changes state, answered once applied (Idempotency-Key kept)."""
        ...

    async def heartbeat(self, agent_id: str, beat: Any) -> dict[str, Any]: ...

    async def ingest(self, incoming: list[Any], pulled: bool = False) -> dict[str, Any]: ...

    async def submit(self, command: dict[str, Any], msg_id: str | None = None) -> Any:
        """Store a command in the log; what applying it here answered."""
        ...

    def refused(self, code: str, message: str) -> None:
        """A webhook was refused here: every replica says so."""
        ...

    def describe(self) -> dict[str, Any]:
        """What ``/health`` says of the cluster."""
        ...


@dataclass
class HubContext:
    """What the endpoints share; kept on ``app.state.ctx``."""

    config: HubConfig
    state: HubState
    events: MemoryEventLog
    authority: Authority
    store: HubStore
    clock: Clock
    owns_store: bool
    counters: Counters = field(default_factory=Counters)
    delivery: WebhookDelivery | None = None
    # Webhook bodies being parsed off the event loop right now (shown by /health).
    ingest_parsing: int = 0
    alertmanager: AlertmanagerClient = field(default_factory=lambda: AlertmanagerClient([]))
    # Background work started by a request (expiring a resolved incident's silences).
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # Bodies parsed at once: each holds its whole body and its alerts in memory.
    parsers: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    idempotency: IdempotencyGuard = field(init=False)
    started: float = field(default_factory=time.monotonic)
    # A replica of a cluster (``warroom hub --store nats://…``); None: the embedded store.
    replica: Replication | None = None

    # Set (and replaced) whenever a kill switch changes: held heartbeats wake and re-check.
    switch_moved: asyncio.Event = field(init=False)

    def __post_init__(self) -> None:
        self.idempotency = IdempotencyGuard(self.store)
        self.switch_moved = asyncio.Event()
        self.state.switches.watchers.append(self._switch_moved)

    def _switch_moved(self) -> None:
        moved, self.switch_moved = self.switch_moved, asyncio.Event()
        moved.set()


def context(request: Request) -> HubContext:
    ctx: HubContext = request.app.state.ctx
    return ctx


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """The protocol's error body."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def refuse(ctx: HubContext, request: Request, error: HubError) -> JSONResponse:
    """Answer a refused request: count it by code, log it, never raise."""
    ctx.counters.add(error.code)
    path = request.url.path
    if path == INGEST_PATH:
        # Alertmanager only logs a refusal; the people on the incident must see it.
        if ctx.replica is not None:
            ctx.replica.refused(error.code, error.message)
        else:
            ctx.state.ingest_refused(error.code, error.message)
    log.info("%s %s -> %s %s: %s", request.method, path, error.status, error.code, error)
    return error_response(error.status, error.code, error.message)


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The raw body; :class:`TooLarge` (413) over ``limit`` bytes, before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"body: larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"body: larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object (an empty body is ``{}``); 413 over 1 MiB, 400 if malformed."""
    return parse_json(await read_body(request))


def parse_json(raw: bytes) -> dict[str, Any]:
    """A body read by :func:`read_body` as a JSON object, as :func:`read_json` says."""
    if not raw.strip():
        return {}
    try:
        body = jsonsafe.load(raw)
    except jsonsafe.UnsafeJSON as error:
        raise BadRequest(f"body: {error}") from None
    if not isinstance(body, dict):
        raise BadRequest("body: expected a JSON object")
    return body


Handler = Callable[[Request, HubContext, Principal], Awaitable[Response]]


def endpoint(permission: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: authenticate, check ``permission``, turn refusals into answers."""

    async def run(request: Request) -> Response:
        ctx = context(request)
        try:
            principal = ctx.authority.require(request.headers.get("authorization"), permission)
            return await handler(request, ctx, principal)
        except HubError as error:
            return refuse(ctx, request, error)
        except StorageFailed as error:
            return refuse(ctx, request, StorageUnavailable(error.message))
        except Exception:
            # A bug must cost one request, not the hub.
            ctx.counters.add("internal")
            log.exception("%s %s failed", request.method, request.url.path)
            return error_response(500, "internal", "internal error; see the hub's log")

    run.__name__ = handler.__name__
    return run


def public(handler: Callable[[Request, HubContext], Awaitable[Response]]) -> Any:
    """Wrap a handler that needs no auth (``GET /health``)."""

    async def run(request: Request) -> Response:
        return await handler(request, context(request))

    run.__name__ = handler.__name__
    return run


def replayed(ctx: HubContext, stored: tuple[int, dict[str, Any]]) -> JSONResponse:
    """The first answer to an Idempotency-Key, given again to its retry (counted)."""
    ctx.counters.add("idempotent_replay")
    status, payload = stored
    return JSONResponse(payload, status_code=status, headers={REPLAYED_HEADER: "true"})


Apply = Callable[[dict[str, Any], Actor], tuple[int, dict[str, Any]]]


async def mutate(request: Request, ctx: HubContext, principal: Principal, apply: Apply) -> Response:
    """Run a mutation under the Idempotency-Key rules of docs/protocol.md."""
    if ctx.replica is not None and not ctx.replica.applying:
        # On a cluster the change goes to the log; this same function applies it
        # (on every replica) when the log hands it back.
        return await ctx.replica.mutate(request, principal)
    key = check_key(request.headers.get("idempotency-key"))
    body = await read_json(request)
    client = request.client.host if request.client else None
    actor = Actor(principal.user, principal.role, client, key)
    if key is None:
        with ctx.state.atomic():
            status, payload = apply(body, actor)
        return JSONResponse(payload, status_code=status)
    scope = f"{principal.user} {request.method} {request.url.path}"
    async with ctx.idempotency.hold(scope, key):
        stored = ctx.idempotency.stored(scope, key)
        if stored is not None:
            return replayed(ctx, stored)
        # The change and the answer a retry will get reach the disk in one write:
        # a crash in between could otherwise apply a retried stop twice, or answer
        # it differently. Nothing is awaited inside, and the events wait for the
        # write: when it fails, nothing happened and nothing is remembered.
        with ctx.state.atomic():
            status, payload = apply(body, actor)
            ctx.idempotency.remember(scope, key, status, payload)
    return JSONResponse(payload, status_code=status)
