"""``create_app``: the hub as a Starlette application (HTTP API + websocket stream).

The routing table below is the one place an endpoint is tied to its permission.
The lifespan runs the hub's periodic work: ``HubState.tick`` every
``tick_interval_s`` (1 s), a stream ``heartbeat`` every ``heartbeat_interval_s``,
and the escalation webhooks' delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send

from services.domain.escalation import role_label
from services.domain.policy import Policy, load_policy
from services.domain.runbook import Runbook
from services.domain.timeutil import Clock, to_rfc3339, utcnow
from services.hub.alertmanager_client import AlertmanagerClient
from services.hub.config import HubConfig, load_runbook_file
from services.hub.delivery import WebhookDelivery
from services.hub.errors import Counters, HubError, MethodNotAllowed, NotFound
from services.hub.http import audit, endpoints, incidents, silences
from services.hub.http.auth import Authority
from services.hub.http.context import (
    Handler,
    HubContext,
    Replication,
    endpoint,
    public,
    refuse,
)
from services.hub.http.stream import stream
from services.hub.state.common import PinnedClock
from services.hub.state.events import PROTOCOL_VERSION, MemoryEventLog
from services.hub.state.hub import HubState
from storage.alert_file import AlertFile
from storage.hub_store import HubStore, TinyHubStore
from storage.memory_file import MemoryFile

log = logging.getLogger("warroom.hub")


@dataclass(frozen=True)
class Endpoint:
    """One HTTP endpoint of docs/protocol.md and the permission it needs."""

    method: str
    path: str
    permission: str
    handler: Handler


HEARTBEAT_PATH = "/api/agents/{id}/heartbeat"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/whoami", "read", endpoints.whoami),
    Endpoint("GET", "/api/state", "read", endpoints.state),
    Endpoint("GET", "/api/packs/status", "read", endpoints.packs_status),
    Endpoint("POST", "/api/killswitch/global", "killswitch.global", endpoints.killswitch_global),
    Endpoint(
        "POST", "/api/killswitch/global/confirm", "killswitch.global", endpoints.confirm_global
    ),
    Endpoint("POST", "/api/killswitch/pack/{name}", "killswitch.pack", endpoints.killswitch_pack),
    Endpoint("POST", HEARTBEAT_PATH, "agent.heartbeat", endpoints.heartbeat),
    Endpoint("POST", "/api/ingest/alertmanager", "ingest", endpoints.ingest_alertmanager),
    Endpoint("GET", "/api/incidents", "read", incidents.list_incidents),
    Endpoint("POST", "/api/incidents", "incident.write", incidents.open_incident),
    Endpoint("GET", "/api/incidents/{id}", "read", incidents.get_incident),
    Endpoint("POST", "/api/incidents/{id}/ack", "incident.write", incidents.ack),
    Endpoint("POST", "/api/incidents/{id}/severity", "incident.write", incidents.severity),
    Endpoint("POST", "/api/incidents/{id}/status", "incident.write", incidents.status),
    Endpoint("POST", "/api/incidents/{id}/notes", "incident.write", incidents.note),
    Endpoint("POST", "/api/incidents/{id}/checklist", "incident.write", incidents.checklist),
    Endpoint("POST", "/api/incidents/{id}/cause", "incident.write", incidents.cause),
    Endpoint("POST", "/api/incidents/{id}/resolve", "incident.write", incidents.resolve),
    Endpoint("POST", "/api/incidents/{id}/breach", "incident.write", incidents.breach),
    Endpoint(
        "POST", "/api/incidents/{id}/status-update", "incident.write", incidents.status_update
    ),
    Endpoint("GET", "/api/audit", "read", audit.audit),
    Endpoint("GET", "/api/silences", "read", silences.list_silences),
    Endpoint("POST", "/api/silences", "silence.write", silences.create_silence),
    Endpoint("POST", "/api/silences/{id}/expire", "silence.write", silences.expire_silence),
    Endpoint("POST", "/api/pii/reveal", "pii.view", endpoints.pii_reveal),
)
STREAM_PATH = "/api/stream"


def _routes() -> list[Any]:
    routes: list[Any] = [Route("/health", public(endpoints.health), methods=["GET"])]
    by_path: dict[str, list[Endpoint]] = {}
    for item in ENDPOINTS:
        by_path.setdefault(item.path, []).append(item)
    for path, items in by_path.items():
        if len(items) == 1:
            handler = endpoint(items[0].permission, items[0].handler)
            routes.append(Route(path, handler, methods=[items[0].method]))
        else:
            routes.append(Route(path, _by_method(items), methods=[i.method for i in items]))
    routes.append(WebSocketRoute(STREAM_PATH, stream))
    return routes


def _by_method(items: list[Endpoint]) -> Callable[[Request], Any]:
    """One path, several methods (``/api/incidents``), each with its own permission."""
    wrapped = {item.method: endpoint(item.permission, item.handler) for item in items}

    async def run(request: Request) -> Response:
        return await wrapped[request.method](request)

    return run


class Hub(Starlette):
    """The hub's Starlette application, with one shortcut: the agents' heartbeats.

    A fleet heartbeats once a second per agent, so a heartbeat is most of what the hub
    serves. It skips Starlette's middleware and the walk through the routing table:
    its own route (the same path pattern, the same methods) matches it, and the same
    wrapped endpoint (authentication, permission, refusals answered and counted)
    answers it. Anything else, a wrong method included, goes the ordinary way.
    """

    def __init__(self, heartbeat: Route, **settings: Any) -> None:
        super().__init__(**settings)
        self._heartbeat = heartbeat

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            match, child = self._heartbeat.matches(scope)
            if match is Match.FULL:
                scope["app"] = self
                scope.update(child)
                response = await self._heartbeat.endpoint(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 in the protocol's error shape, counted like ours."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    error: HubError = (
        MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
        if status == 405
        else NotFound(f"no endpoint {request.url.path}")
    )
    return refuse(request.app.state.ctx, request, error)


async def _every(seconds: float, action: Callable[[], None], what: str) -> None:
    """Run ``action`` every ``seconds``; an error is logged, never the end of the loop."""
    while True:
        await asyncio.sleep(seconds)
        try:
            action()
        except Exception:
            log.exception("periodic %s failed", what)


async def pull_alertmanagers(ctx: HubContext) -> None:
    """Pull mode: reconcile with every configured Alertmanager at start, then every
    ``[alertmanager] pull_interval_s``. Nothing is resolved when none answered."""
    while True:
        try:
            if ctx.replica is not None and not ctx.replica.leader:
                # A cluster pulls once, from its leader, and applies it everywhere.
                await asyncio.sleep(ctx.config.alertmanager_pull_interval_s)
                continue
            pulled = await ctx.alertmanager.pull(ctx.state.policy, ctx.clock())
            if pulled.answered:
                counts = (
                    await ctx.replica.ingest(pulled.alerts, pulled=True)
                    if ctx.replica is not None
                    else ctx.state.reconcile_alertmanager(pulled.alerts)
                )
                ctx.state.last_pull = to_rfc3339(ctx.clock())
                if counts["new"] or counts["resolved"]:
                    log.info("alertmanager pull: %s", counts)
            else:
                ctx.counters.add("alertmanager_pull_failed")
        except Exception:
            log.exception("alertmanager pull failed")
        await asyncio.sleep(ctx.config.alertmanager_pull_interval_s)


# Makes the replica of a cluster for a hub (services/hub/cluster): given the hub's
# context, its pinnable clock and what an undelivered escalation does.
ReplicaFactory = Callable[
    [HubContext, PinnedClock, Callable[[dict[str, Any], str], None]], Replication
]


def create_app(
    config: HubConfig,
    store: HubStore | None = None,
    clock: Clock = utcnow,
    policy: Policy | None = None,
    runbook: Runbook | None = None,
    replica: ReplicaFactory | None = None,
) -> Starlette:
    """The hub application; the store (``DATA_DIR/hub.json`` by default) is closed at shutdown
    when the app opened it. With ``replica``, the hub is one replica of a cluster: its
    store lives in memory, rebuilt from the cluster's log at every start."""
    owns_store = store is None
    if store is None and replica is not None:
        store = TinyHubStore(config.data_dir, file=MemoryFile())
    hub_store: HubStore = (
        store if store is not None else TinyHubStore(config.data_dir, recover=config.recover)
    )
    pinned = PinnedClock(clock)
    clock = pinned
    events = MemoryEventLog(hub_store, clock, ring_size=config.ring_size)
    counters = Counters()
    if hub_store.recovery is not None:
        counters.add("store_recovered")
        log.error("the store was recovered: %s", hub_store.recovery)
    delivery = WebhookDelivery(
        config.escalation_webhooks,
        hub_store,
        counters,
        max_attempts=config.delivery_attempts,
        backoff_s=config.delivery_backoff_s,
        timeout_s=config.delivery_timeout_s,
    )
    state = HubState(
        packs=list(config.packs),
        store=hub_store,
        events=events,
        clock=clock,
        policy=policy if policy is not None else load_policy(config.policy_path),
        agent_timeout_s=config.agent_timeout_s,
        two_person_global=config.two_person_global,
        two_person_window_s=config.two_person_window_s,
        stop_deadline_s=config.stop_deadline_s,
        deliver=delivery.submit,
        # A replica's alerts are rebuilt from the cluster's log, not saved by each.
        alert_file=AlertFile(config.data_dir) if replica is None else None,
        runbook=runbook if runbook is not None else load_runbook_file(config.runbook_path),
    )

    def delivery_failed(item: dict[str, Any], why: str) -> None:
        # A page that never arrived must be visible to the people on the incident.
        escalation = item["body"]["escalation"]
        incident_id = item["body"]["incident"]["id"]
        if state.incidents.exists(incident_id):
            label = role_label(str(escalation.get("role", "")))
            text = f"escalation to {label} not delivered by webhook: {why}"
            with state.atomic():
                state.incidents.add_hub_entry(incident_id, "escalation", text)

    delivery.on_failed = delivery_failed
    ctx = HubContext(
        config=config,
        state=state,
        events=events,
        authority=Authority(config.tokens, config.permissions),
        store=hub_store,
        clock=clock,
        owns_store=owns_store,
        counters=counters,
        delivery=delivery,
        alertmanager=AlertmanagerClient(list(config.alertmanagers)),
    )
    if replica is not None:
        ctx.replica = replica(ctx, pinned, delivery_failed)

    def heartbeat() -> None:
        if ctx.replica is not None and not ctx.replica.in_touch:
            # Cut off from the cluster, a replica's state stops being current: it stops
            # saying it is alive, so its consoles go STALE and move to another replica.
            return
        now = to_rfc3339(clock())
        data = {
            "hub_time": now,
            "interval_s": config.heartbeat_interval_s,
            "epoch": events.epoch,
            "recovery": hub_store.recovery,
        }
        frame = {"v": PROTOCOL_VERSION, "seq": events.latest_seq, "ts": now, "type": "heartbeat"}
        events.broadcast({**frame, "data": data})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if ctx.replica is not None:
            # Nothing is served before the replica applied the cluster's whole log.
            await ctx.replica.start()
        tasks = [asyncio.create_task(_every(config.heartbeat_interval_s, heartbeat, "heartbeat"))]
        if ctx.replica is None:
            # A cluster's tick is its leader's (services/hub/cluster/replica.py).
            tick = _every(config.tick_interval_s, lambda: state.tick(clock()), "tick")
            tasks.append(asyncio.create_task(tick))
            await delivery.start()
        if config.alertmanagers:
            tasks.append(asyncio.create_task(pull_alertmanagers(ctx)))
        log.info("hub ready: packs %s, seq from %d", ", ".join(state.packs), events.latest_seq)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, *ctx.tasks, return_exceptions=True)
            if ctx.replica is not None:
                await ctx.replica.stop()
            await delivery.stop()
            await ctx.alertmanager.close()
            state.save_alerts(clock(), force=True)
            events.close_all(1001, "hub shutting down")
            if owns_store:
                hub_store.close()

    routes = _routes()
    app = Hub(
        next(r for r in routes if getattr(r, "path", None) == HEARTBEAT_PATH),
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )
    app.state.ctx = ctx
    return app
