"""One hub replica of a cluster: everything that changes state goes through the log.

A request that changes something becomes a command (what was asked, by whom, and
the time it was asked) published to the cluster's stream; it is answered once the
stream stored it on a majority of its nodes and this replica applied it. Every
replica applies every command, in the stream's order, with the same code as an
embedded hub and its clock pinned to the command's time, so all of them hold the
same state and number the same events alike. What changes nothing a console sees
(a heartbeat that only says "still here") is answered locally and told to the
other replicas over plain NATS, unstored.

The replica holding the lease (the leader) runs the tick — agent liveness, stop
verification, escalations — as commands too, only when the tick would change
something, and it alone sends the escalation webhooks; a new leader sends what the
old one left queued.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec
from nats.aio.msg import Msg
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from services.domain.models import Alert
from services.domain.timeutil import parse_rfc3339, to_rfc3339
from services.hub.cluster.jetstream import CommandLog, StoreUnavailable, parse_servers
from services.hub.config import HubConfig
from services.hub.errors import HubError, StorageUnavailable
from services.hub.http.app import ENDPOINTS
from services.hub.http.auth import Principal
from services.hub.http.context import (
    HubContext,
    error_response,
    read_json,
    replayed,
)
from services.hub.http.endpoints import heartbeat_fields
from services.hub.http.idempotency import REPLAYED_HEADER, check_key
from services.hub.http.silences import apply_recorded
from services.hub.state.alertmanager import IncomingAlert
from services.hub.state.common import PinnedClock

log = logging.getLogger("warroom.hub")

# Answers kept for the requests waiting on them (a waiter that missed its answer reads
# the Idempotency-Key's stored answer instead).
KEPT_RESULTS = 4096
# A command stored but not applied here within this long is answered 503.
APPLY_DEADLINE_S = 30.0
# A webhook's alerts go to the log in commands of at most this many bytes (NATS's
# default largest message is 1 MiB).
CHUNK_BYTES = 512 * 1024
# What a webhook's alert must hold as the replicas hold it to go to the log as a repeat.
_NEWS = (
    "source",
    "severity",
    "category",
    "title",
    "description",
    "labels",
    "annotations",
    "started_at",
    "pack",
    "agent",
    "group_key",
    "group_labels",
    "external_url",
    "generator_url",
    "label_severity",
    "opens_incident",
)
# How often the heartbeats that changed nothing are told to the other replicas.
SEEN_INTERVAL_S = 1.0

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


class Replica:
    """Implements :class:`~services.hub.http.context.Replication` on a :class:`CommandLog`."""

    def __init__(
        self,
        ctx: HubContext,
        clock: PinnedClock,
        delivery_failed: Callable[[dict[str, Any], str], None],
        commands: CommandLog,
    ) -> None:
        self.ctx = ctx
        self.commands = commands
        self._clock = clock
        self._delivery_failed = delivery_failed
        self._routes = [Route(e.path, e.handler, methods=[e.method]) for e in ENDPOINTS]
        self.applying = False
        self.ready = False
        self.applied = 0
        self._last_now: datetime | None = None
        self._results: dict[int, Any] = {}
        self._waiters: dict[int, list[asyncio.Future[Any]]] = {}
        self._leader = False
        self._lease: int | None = None
        self._seen: dict[str, tuple[str, float, float]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._posts: set[asyncio.Task[Any]] = set()
        self.failed_commands = 0
        self.dropped_repeats = 0
        self.leader_changes = 0
        if ctx.delivery is not None:
            # The leader sends; what became of a delivery is recorded through the log.
            ctx.delivery.on_done = lambda ident: self._post({"kind": "delivered", "id": ident})
            ctx.delivery.on_failed = lambda item, why: self._post(
                {"kind": "undelivered", "delivery": item, "why": why}
            )

    @property
    def leader(self) -> bool:
        return self._leader

    @property
    def in_touch(self) -> bool:
        return self.ready and self.commands.connected

    # -- joining and leaving -------------------------------------------------------
    async def start(self) -> None:
        try:
            await self.commands.connect()
            self.ctx.events.epoch = self.commands.epoch
            target = await self.commands.last_seq()
            caught_up = asyncio.get_running_loop().create_future()
            if target == 0:
                caught_up.set_result(None)
            else:
                self._wait(target, caught_up)
            await self.commands.follow(self._on_command)
            await self.commands.listen_seen(self._on_seen)
            await caught_up
        except StoreUnavailable as error:
            raise SystemExit(f"warroom hub: {error}") from None
        self.ready = True
        log.info(
            "replica %s joined the cluster: %d commands applied, seq %d",
            self.commands.name,
            self.applied,
            self.ctx.events.latest_seq,
        )
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._lead()),
            loop.create_task(self._tell_seen()),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._posts, return_exceptions=True)
        if self._leader and self.ctx.delivery is not None:
            await self.ctx.delivery.stop()
        await self.commands.close()

    def describe(self) -> dict[str, Any]:
        return {
            "replica": self.commands.name,
            "leader": self._leader,
            "ready": self.ready,
            "applied": self.applied,
            "nats": self.commands.connected_url,
            "published": self.commands.published,
            "published_bytes": self.commands.published_bytes,
            "failed_commands": self.failed_commands,
        }

    # -- the requests that change something --------------------------------------------
    async def mutate(self, request: Request, principal: Principal) -> Response:
        key = check_key(request.headers.get("idempotency-key"))
        body = await read_json(request)
        path = str(request.scope["path"])
        scope = f"{principal.user} {request.method} {path}"
        if key is not None:
            stored = self.ctx.idempotency.stored(scope, key)
            if stored is not None:
                return replayed(self.ctx, stored)
        command = {
            "kind": "http",
            "method": request.method,
            "path": path,
            "body": body,
            "user": principal.user,
            "role": principal.role,
            "agents": sorted(principal.agents),
            "packs": sorted(principal.packs),
            "client": request.client.host if request.client else None,
            "key": key,
        }
        msg_id = _digest(scope, key) if key is not None else None
        result = await self.submit(command, msg_id)
        if result is None and key is not None:
            # Stored long ago (a retry after the answer left this replica's memory).
            stored = self.ctx.idempotency.stored(scope, key)
            if stored is not None:
                return replayed(self.ctx, stored)
        if not isinstance(result, dict) or "status" not in result:
            raise StorageUnavailable("the change was stored but its answer is unknown; retry")
        headers = {REPLAYED_HEADER: "true"} if result.get("replayed") else None
        return Response(
            result["body"].encode(),
            status_code=int(result["status"]),
            headers=headers,
            media_type="application/json",
        )

    async def heartbeat(self, agent_id: str, beat: Any) -> dict[str, Any]:
        fields = heartbeat_fields(beat)
        self._require_ready()
        answer = self.ctx.state.quiet_heartbeat(agent_id, **fields)
        if answer is not None:
            self._seen[agent_id] = (
                answer["hub_time"],
                float(beat.tool_calls_per_min),
                float(beat.tokens_per_min),
            )
            return answer
        result = await self.submit({"kind": "heartbeat", "agent": agent_id, "beat": fields})
        if isinstance(result, dict) and "error" in result:
            error = HubError(result["error"]["message"])
            error.status, error.code = result["status"], result["error"]["code"]
            raise error
        if not isinstance(result, dict):
            raise StorageUnavailable("the heartbeat was stored but its answer is unknown")
        return result

    async def ingest(self, incoming: list[Any], pulled: bool = False) -> dict[str, Any]:
        """A webhook's alerts (or a pull's), in commands of at most CHUNK_BYTES each."""
        self._require_ready()
        totals: dict[str, Any] = {}
        rows = [self._row(item, pulled) for item in incoming]
        for chunk in _chunks(rows, CHUNK_BYTES):
            result = await self.submit(
                {"kind": "reconcile" if pulled else "ingest", "alerts": chunk}
            )
            for name, value in (result or {}).items():
                if isinstance(value, int) and not isinstance(value, bool):
                    totals[name] = totals.get(name, 0) + value
                else:
                    totals.setdefault(name, value)
        if not pulled:
            totals.setdefault("status", "ok")
        return totals

    def _row(self, item: IncomingAlert, pulled: bool) -> dict[str, Any]:
        """An alert as the log carries it: a repeat of what every replica holds already
        (Alertmanager re-sends each firing alert of a group) by its fingerprint only."""
        existing = self.ctx.state.alerts.get(item.alert.fingerprint)
        if (
            not pulled
            and item.firing
            and existing is not None
            and existing.status == "firing"
            and all(getattr(existing, name) == getattr(item.alert, name) for name in _NEWS)
        ):
            return {"repeat": item.alert.fingerprint}
        return {"alert": item.alert.to_dict(), "firing": item.firing}

    def refused(self, code: str, message: str) -> None:
        self._post({"kind": "refused", "code": code, "message": message[:500]})

    def _require_ready(self) -> None:
        if not self.ready:
            raise StorageUnavailable("this replica is still applying the cluster's log")

    async def submit(self, command: dict[str, Any], msg_id: str | None = None) -> Any:
        """Store ``command`` in the log and answer what applying it here answered."""
        command.setdefault("now", to_rfc3339(self._clock.live()))
        command["from"] = self.commands.name
        msg_id = msg_id or secrets.token_hex(12)
        try:
            ack = await self.commands.publish(_encode(command), msg_id)
        except StoreUnavailable as error:
            raise StorageUnavailable(str(error)) from None
        if ack.seq <= self.applied:
            return self._results.get(ack.seq)
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._wait(ack.seq, waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), APPLY_DEADLINE_S)
        except TimeoutError:
            raise StorageUnavailable(
                f"the change was stored (log seq {ack.seq}) but not applied here in time"
            ) from None
        return self._results.get(ack.seq)

    def _post(self, command: dict[str, Any]) -> None:
        """Submit in the background (nobody waits for the answer); failures are logged."""

        async def run() -> None:
            try:
                await self.submit(command)
            except Exception as error:
                log.error("%s not stored in the cluster's log: %s", command["kind"], error)

        task = asyncio.get_running_loop().create_task(run())
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)

    def _wait(self, seq: int, future: asyncio.Future[Any]) -> None:
        self._waiters.setdefault(seq, []).append(future)

    # -- applying the log -----------------------------------------------------------------
    async def _on_command(self, msg: Msg) -> None:
        seq = int(msg.metadata.sequence.stream)
        if seq <= self.applied:
            return  # delivered again after the consumer was re-created
        if seq != self.applied + 1:
            log.error("the cluster's log skipped from %d to %d", self.applied, seq)
        try:
            command = _decode(msg.data)
            result = await self._apply(command)
        except Exception:
            self.failed_commands += 1
            log.exception("command %d of the cluster's log failed here", seq)
            result = None
        self.applied = seq
        self._results[seq] = result
        while len(self._results) > KEPT_RESULTS:
            del self._results[next(iter(self._results))]
        for waiting in [s for s in self._waiters if s <= seq]:
            for future in self._waiters.pop(waiting):
                if not future.done():
                    future.set_result(None)

    async def _apply(self, command: dict[str, Any]) -> Any:
        now = parse_rfc3339(command["now"])
        # One time line for all replicas: a command never goes back before the last.
        if self._last_now is not None and now < self._last_now:
            now = self._last_now
        self._last_now = now
        self._clock.pinned = now
        self.applying = True
        try:
            return await self._apply_at(command, now)
        finally:
            self.applying = False
            self._clock.pinned = None

    async def _apply_at(self, command: dict[str, Any], now: datetime) -> Any:
        state = self.ctx.state
        kind = command.get("kind")
        if kind == "http":
            return await self._apply_http(command)
        if kind == "heartbeat":
            try:
                return state.heartbeat(command["agent"], **command["beat"])
            except HubError as error:
                return {
                    "status": error.status,
                    "error": {"code": error.code, "message": error.message},
                }
        if kind in ("ingest", "reconcile"):
            rows = [self._incoming(row, now) for row in command["alerts"]]
            incoming = [item for item in rows if item is not None]
            if kind == "ingest":
                return state.apply_alertmanager(incoming)
            return state.reconcile_alertmanager(incoming)
        if kind == "tick":
            state.tick(now, silent=command["silent"])
            return None
        if kind == "silences":
            return apply_recorded(self.ctx, command)
        if kind == "refused":
            state.ingest_refused(command["code"], command["message"])
            return None
        if kind == "delivered":
            with state.atomic():
                self.ctx.store.remove_delivery(command["id"])
            return None
        if kind == "undelivered":
            self._delivery_failed(command["delivery"], command["why"])
            return None
        log.error("unknown command %r in the cluster's log", kind)
        return None

    def _incoming(self, row: dict[str, Any], now: datetime) -> IncomingAlert | None:
        if "repeat" not in row:
            return IncomingAlert(Alert.from_dict(row["alert"]), bool(row["firing"]))
        existing = self.ctx.state.alerts.get(row["repeat"])
        if existing is None or existing.status != "firing":
            # It resolved (or left the book) between the webhook and now: a repeat of
            # what is no longer there is dropped on every replica alike.
            self.dropped_repeats += 1
            return None
        seen = Alert.from_dict(existing.to_dict())
        seen.last_seen_at = to_rfc3339(now)
        return IncomingAlert(seen, True)

    async def _apply_http(self, command: dict[str, Any]) -> dict[str, Any]:
        scope: dict[str, Any] = {
            "type": "http",
            "method": command["method"],
            "path": command["path"],
            "raw_path": command["path"].encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [],
            "client": (command["client"], 0) if command.get("client") else None,
            "server": ("replica", 0),
            "scheme": "http",
        }
        if command.get("key") is not None:
            scope["headers"] = [(b"idempotency-key", str(command["key"]).encode())]
        handler = None
        for route in self._routes:
            match, child = route.matches(scope)
            if match == Match.FULL:
                handler = child["endpoint"]
                scope["path_params"] = child["path_params"]
                break
        if handler is None:
            return _answer(error_response(404, "not_found", f"no endpoint {command['path']}"))
        body = _encode(command["body"])

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        principal = Principal(
            command["user"],
            command["role"],
            frozenset(command.get("agents", ())),
            frozenset(command.get("packs", ())),
        )
        try:
            response = await handler(Request(scope, receive), self.ctx, principal)
        except HubError as error:
            response = error_response(error.status, error.code, error.message)
        return _answer(response)

    # -- what only the leader does ---------------------------------------------------------
    async def _lead(self) -> None:
        interval = self.ctx.config.tick_interval_s
        while True:
            try:
                await self._hold_lease()
                if self._leader:
                    await self._tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("replica %s: the leader's round failed", self.commands.name)
            await asyncio.sleep(interval)

    async def _hold_lease(self) -> None:
        revision = await self.commands.hold_lease(self._lease if self._leader else None)
        delivery = self.ctx.delivery
        if revision is None:
            if self._leader:
                log.warning("replica %s is no longer the cluster's leader", self.commands.name)
                self._leader, self._lease = False, None
                self.leader_changes += 1
                if delivery is not None:
                    await delivery.stop()
            return
        self._lease = revision
        if not self._leader:
            log.warning("replica %s is now the cluster's leader", self.commands.name)
            self._leader = True
            self.leader_changes += 1
            if delivery is not None:
                await delivery.start()  # sends what the last leader left queued

    async def _tick(self) -> None:
        now = self._clock.live()
        silent = self.ctx.state.silent_agents(now)
        if silent or self.ctx.state.tick_changes(now):
            await self.submit({"kind": "tick", "now": to_rfc3339(now), "silent": silent})

    # -- heartbeats that changed nothing -----------------------------------------------------
    async def _tell_seen(self) -> None:
        while True:
            await asyncio.sleep(SEEN_INTERVAL_S)
            if not self._seen:
                continue
            seen, self._seen = self._seen, {}
            try:
                await self.commands.tell_seen(_encode({"from": self.commands.name, "seen": seen}))
            except Exception as error:
                log.info("heartbeats not told to the other replicas: %s", error)

    async def _on_seen(self, msg: Msg) -> None:
        try:
            told = _decode(msg.data)
            if told.get("from") == self.commands.name:
                return
            for agent_id, (at, calls, tokens) in told["seen"].items():
                self.ctx.state.seen_elsewhere(agent_id, parse_rfc3339(at), calls, tokens)
        except Exception as error:
            log.info("a malformed heartbeat report from another replica: %s", error)


def _answer(response: Response) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "body": bytes(response.body).decode(),
        "replayed": response.headers.get(REPLAYED_HEADER) == "true",
    }


def _digest(scope: str, key: str) -> str:
    """A retried request's log message id: the same on every replica it is sent to."""
    return hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest()


def _chunks(rows: list[dict[str, Any]], limit: int) -> list[list[dict[str, Any]]]:
    chunks: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        row_size = len(_encode(row))
        if current and size + row_size > limit:
            chunks.append(current)
            current, size = [], 0
        current.append(row)
        size += row_size
    if current or not chunks:
        chunks.append(current)
    return chunks


def replica_factory(config: HubConfig) -> Callable[..., Replica]:
    """What ``create_app`` needs to make this hub a replica of the cluster ``config.store_url``."""
    servers = parse_servers(config.store_url)
    name = config.replica_name or f"{config.host}:{config.port}"

    def make(
        ctx: HubContext,
        clock: PinnedClock,
        delivery_failed: Callable[[dict[str, Any], str], None],
    ) -> Replica:
        return Replica(ctx, clock, delivery_failed, CommandLog(servers, name))

    return make
