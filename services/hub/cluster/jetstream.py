"""The hub's side of NATS JetStream: the command stream, the leader lease, telemetry.

- The stream ``WARROOM`` (subject ``warroom.cmd``) holds every command in order,
  stored on up to three nodes (Raft); a publish is acknowledged once a majority
  stored it. ``Nats-Msg-Id`` de-duplicates a command published twice (a retry).
- The key-value bucket ``warroom_lease`` holds the leader's name under ``leader``
  with a time to live: the leader renews it by compare-and-set on its revision;
  when it stops renewing, the key expires and another replica creates it.
- ``warroom.seen`` (plain NATS, not stored) carries the heartbeats that changed
  nothing, so every replica knows when each agent was last heard.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError, ConnectionReconnectingError, NoRespondersError
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import DeliverPolicy, KeyValueConfig, PubAck, StorageType, StreamConfig
from nats.js.errors import (
    BadRequestError,
    KeyValueError,
    KeyWrongLastSequenceError,
    NoStreamResponseError,
    NotFoundError,
    ServiceUnavailableError,
)
from nats.js.kv import KeyValue

log = logging.getLogger("warroom.hub")

STREAM = "WARROOM"
SUBJECT = "warroom.cmd"
SEEN_SUBJECT = "warroom.seen"
LEASE_BUCKET = "warroom_lease"
LEASE_KEY = "leader"
# A leader that has not renewed for this long is gone; it renews every LEASE_TTL_S / 3.
LEASE_TTL_S = 3.0
# A retried publish within this window is stored once.
DUPLICATE_WINDOW_S = 600.0
# How long a command may take to be stored while the cluster elects a new stream leader.
PUBLISH_DEADLINE_S = 15.0

RETRYABLE = (
    NatsTimeout,
    NoRespondersError,
    ConnectionClosedError,
    ConnectionReconnectingError,
    NoStreamResponseError,
    ServiceUnavailableError,
)


class StoreUnavailable(Exception):
    """The cluster did not store a command in time."""


def parse_servers(spec: str) -> list[str]:
    """``nats://h1:4222,nats://h2:4222`` (or without the scheme) as a list of URLs."""
    servers = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        servers.append(part if "://" in part else f"nats://{part}")
    if not servers:
        raise ValueError("--store: name at least one NATS server (nats://HOST:PORT)")
    for server in servers:
        if not server.startswith(("nats://", "tls://")):
            raise ValueError(f"--store: {server!r} is not a nats:// URL")
    return servers


class CommandLog:
    """One hub replica's connection to the cluster."""

    def __init__(self, servers: list[str], name: str, replicas: int | None = None) -> None:
        self.servers = servers
        self.name = name
        self.replicas = replicas if replicas is not None else min(3, len(servers))
        self._nc: Client | None = None
        self._kv: KeyValue | None = None
        self._subscriptions: list[Any] = []
        self.epoch = ""
        self.published = 0
        self.published_bytes = 0
        self.publish_retries = 0
        self._closing = False

    @property
    def nc(self) -> Client:
        assert self._nc is not None, "connect() first"
        return self._nc

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    @property
    def connected_url(self) -> str | None:
        if self._nc is None or self._nc.connected_url is None:
            return None
        url = self._nc.connected_url
        return f"{url.hostname}:{url.port}"

    async def connect(self, wait_s: float = 60.0) -> None:
        """Connect, and make sure the stream and the lease bucket exist (the first
        replica of a new cluster creates them; the cluster may still be forming)."""

        async def closed_cb() -> None:
            if not self._closing:
                log.error("the connection to NATS is closed")

        async def reconnected_cb() -> None:
            log.warning("reconnected to NATS at %s", self.connected_url)

        async def disconnected_cb() -> None:
            if not self._closing:
                log.warning("disconnected from NATS; reconnecting")

        async def error_cb(error: Exception) -> None:
            log.info("NATS: %s: %s", type(error).__name__, error)

        self._nc = await nats.connect(
            self.servers,
            name=f"warroom-hub {self.name}",
            connect_timeout=2,
            reconnect_time_wait=0.5,
            max_reconnect_attempts=-1,
            allow_reconnect=True,
            closed_cb=closed_cb,
            reconnected_cb=reconnected_cb,
            disconnected_cb=disconnected_cb,
            error_cb=error_cb,
        )
        js = self.nc.jetstream(timeout=5)
        config = StreamConfig(
            name=STREAM,
            subjects=[SUBJECT],
            num_replicas=self.replicas,
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_S,
        )
        info = await _until(wait_s, "the command stream", lambda: _ensure_stream(js, config))
        created = info.created.isoformat() if info.created else ""
        # The history's identity: a console resuming on any replica keeps its place.
        self.epoch = hashlib.sha256(f"{STREAM}\0{created}".encode()).hexdigest()[:16]

        async def bucket() -> KeyValue:
            kv_config = KeyValueConfig(
                bucket=LEASE_BUCKET, ttl=LEASE_TTL_S, history=1, replicas=self.replicas
            )
            return await js.create_key_value(kv_config)

        self._kv = await _until(wait_s, "the lease bucket", bucket)

    async def last_seq(self) -> int:
        js = self.nc.jetstream(timeout=5)
        info = await _until(
            PUBLISH_DEADLINE_S, "the stream's state", lambda: js.stream_info(STREAM)
        )
        return int(info.state.last_seq)

    async def publish(self, payload: bytes, msg_id: str) -> PubAck:
        """Store one command; retried (the same ``msg_id``: stored once) until the
        deadline while the cluster recovers, then :class:`StoreUnavailable`."""
        # Short attempts: a stream electing a new leader answers none until it has one.
        js = self.nc.jetstream(timeout=2)
        deadline = asyncio.get_running_loop().time() + PUBLISH_DEADLINE_S
        while True:
            try:
                ack = await js.publish(SUBJECT, payload, headers={"Nats-Msg-Id": msg_id})
            except RETRYABLE as error:
                if asyncio.get_running_loop().time() > deadline:
                    raise StoreUnavailable(
                        f"the NATS cluster did not store the change: {type(error).__name__}"
                    ) from None
                self.publish_retries += 1
                await asyncio.sleep(0.25)
                continue
            except NatsError as error:
                raise StoreUnavailable(f"the NATS cluster refused the change: {error}") from None
            self.published += 1
            self.published_bytes += len(payload)
            return ack

    async def follow(self, apply: Callable[[Msg], Awaitable[None]]) -> None:
        """Deliver every command from the first, in order, to ``apply`` (one at a
        time); an ordered consumer re-creates itself after a node fails."""
        js = self.nc.jetstream(timeout=5)
        subscription = await js.subscribe(
            SUBJECT,
            cb=apply,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
            idle_heartbeat=2.0,
            flow_control=True,
        )
        self._subscriptions.append(subscription)

    async def listen_seen(self, handle: Callable[[Msg], Awaitable[None]]) -> None:
        self._subscriptions.append(await self.nc.subscribe(SEEN_SUBJECT, cb=handle))

    async def tell_seen(self, payload: bytes) -> None:
        if self.connected:
            await self.nc.publish(SEEN_SUBJECT, payload)

    async def hold_lease(self, revision: int | None) -> int | None:
        """Take or renew the leader's lease; the revision held, or None if another has it."""
        assert self._kv is not None
        value = self.name.encode()
        try:
            if revision is None:
                return int(await self._kv.create(LEASE_KEY, value))
            return int(await self._kv.update(LEASE_KEY, value, last=revision))
        except KeyWrongLastSequenceError:
            return None
        except (KeyValueError, *RETRYABLE) as error:
            log.info("leader lease: %s", type(error).__name__)
            return None

    async def leader(self) -> str | None:
        """Who holds the lease now, if anyone."""
        assert self._kv is not None
        try:
            entry = await self._kv.get(LEASE_KEY)
        except (KeyValueError, NotFoundError, *RETRYABLE):
            return None
        return entry.value.decode() if entry.value else None

    async def close(self) -> None:
        if self._nc is None:
            return
        self._closing = True
        for subscription in self._subscriptions:
            try:
                await subscription.unsubscribe()
            except Exception:  # closing anyway
                pass
        try:
            if not self._nc.is_connected:
                raise ConnectionClosedError  # nothing to drain: cut off from the cluster
            # Bounded: a hub stopping must not wait on a cluster that stopped answering.
            await asyncio.wait_for(self._nc.drain(), 3.0)
        except Exception:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._nc.close(), 3.0)
        self._nc = None
        # End the client's subscription readers on this loop before it closes (one cut
        # off from the cluster leaves them waiting, re-created by its reconnects).
        readers = [
            task
            for task in asyncio.all_tasks()
            if getattr(task.get_coro(), "__qualname__", "") == "Subscription._wait_for_msgs"
        ]
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


async def _ensure_stream(js: Any, config: StreamConfig) -> Any:
    try:
        return await js.add_stream(config)
    except BadRequestError:
        # It exists (created by another replica): use it as it is.
        return await js.stream_info(STREAM)


async def _until(wait_s: float, what: str, attempt: Callable[[], Awaitable[Any]]) -> Any:
    """``attempt()`` until it succeeds (a cluster still electing its leaders answers
    with timeouts and "no responders" for a while)."""
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        try:
            return await attempt()
        except (*RETRYABLE, NotFoundError, BadRequestError) as error:
            if asyncio.get_running_loop().time() > deadline:
                raise StoreUnavailable(
                    f"{what}: the NATS cluster did not answer ({error})"
                ) from None
            await asyncio.sleep(0.5)
