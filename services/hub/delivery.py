"""Escalation webhooks: each recorded escalation POSTed to its contact role's URL.

Off unless the hub config names a URL for the role (``[escalation_webhooks]``).
Each delivery is a JSON POST of ``{"incident", "escalation"}`` with the header
``Idempotency-Key: <incident id>/<escalation key>``, so a receiver can drop the
duplicates a retry may cause. Deliveries run in background tasks, never in a
request or the tick; they are retried with exponential backoff and jitter on
connection errors, timeouts, 5xx, 408 and 429, up to ``max_attempts``.

A delivery is queued in the store in the same write as its escalation and
removed once it succeeded or gave up, so one the hub had no time to send before
a restart is sent after it. Outcomes are logged and counted in ``/health``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

import httpx

from services.hub.errors import Counters
from storage.hub_store import HubStore

log = logging.getLogger("warroom.hub")

IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRY_STATUSES = frozenset({408, 429})

# Called with (delivery, why) once a delivery gave up.
OnFailed = Callable[[dict[str, Any], str], None]
# Called with a delivery's id once it is done (sent, or dropped); by default it leaves
# the store's queue at once (a cluster's replica sends that through the cluster's log).
OnDone = Callable[[str], None]


def _retryable(status: int) -> bool:
    return status >= 500 or status in RETRY_STATUSES


class WebhookDelivery:
    """Sends escalations to their roles' webhooks, from the hub's event loop."""

    def __init__(
        self,
        webhooks: dict[str, str],
        store: HubStore,
        counters: Counters,
        *,
        max_attempts: int = 5,
        backoff_s: float = 2.0,
        timeout_s: float = 5.0,
        on_failed: OnFailed | None = None,
    ) -> None:
        self._webhooks = dict(webhooks)
        self._store = store
        self._counters = counters
        self._attempts = max_attempts
        self._backoff = backoff_s
        self._timeout = timeout_s
        self.on_failed = on_failed
        self.on_done: OnDone = store.remove_delivery
        self._client: httpx.AsyncClient | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def submit(self, incident: dict[str, Any], escalation: dict[str, Any]) -> None:
        """Queue one escalation for its role's webhook, if the role has one."""
        role = str(escalation.get("role", ""))
        if role not in self._webhooks:
            return
        delivery = {
            "id": f"{incident['id']}/{escalation.get('key', '')}",
            "role": role,
            "body": {"incident": incident, "escalation": escalation},
        }
        self._store.add_delivery(delivery)
        self._schedule(delivery)

    async def start(self) -> None:
        """Open the HTTP client and send what the store still holds (from before a restart)."""
        if not self._webhooks:
            return
        self._client = httpx.AsyncClient(timeout=self._timeout)
        for delivery in self._store.load_deliveries():
            self._schedule(delivery)

    async def stop(self) -> None:
        """Cancel deliveries in flight (they stay queued in the store) and close the client."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def in_flight(self) -> int:
        """Deliveries being sent or waiting to retry."""
        return len(self._tasks)

    def _schedule(self, delivery: dict[str, Any]) -> None:
        ident = str(delivery.get("id", ""))
        if self._client is None or ident in self._tasks:
            return  # not started yet (start() sends it), or already on its way
        task = asyncio.get_running_loop().create_task(self._deliver(delivery))
        self._tasks[ident] = task
        task.add_done_callback(lambda _: self._tasks.pop(ident, None))

    async def _deliver(self, delivery: dict[str, Any]) -> None:
        ident, role = str(delivery["id"]), str(delivery["role"])
        if not any(item.get("id") == ident for item in self._store.load_deliveries()):
            # Its escalation's write failed and was undone: it never happened.
            return
        url = self._webhooks.get(role)
        if url is None or self._client is None:
            log.warning("escalation %s: no webhook for %s any more; dropped", ident, role)
            self._counters.add("escalation_delivery_dropped")
            self.on_done(ident)
            return
        why = ""
        for attempt in range(1, self._attempts + 1):
            try:
                answer = await self._client.post(
                    url, json=delivery["body"], headers={IDEMPOTENCY_HEADER: ident}
                )
            except httpx.HTTPError as error:
                retry, why = True, f"{type(error).__name__}: {error}"
            else:
                if answer.is_success:
                    self._counters.add("escalation_delivered")
                    log.info("escalation %s delivered to %s (attempt %d)", ident, role, attempt)
                    self.on_done(ident)
                    return
                retry, why = _retryable(answer.status_code), f"HTTP {answer.status_code}"
            if not retry or attempt == self._attempts:
                break
            self._counters.add("escalation_delivery_retry")
            delay = self._backoff * 2 ** (attempt - 1)
            # Jitter: many escalations to one receiver must not retry in lockstep.
            await asyncio.sleep(delay + random.uniform(0, delay / 4))
        self._counters.add("escalation_delivery_failed")
        log.error("escalation %s to %s not delivered: %s", ident, role, why)
        self.on_done(ident)
        if self.on_failed is not None:
            self.on_failed(delivery, why)
