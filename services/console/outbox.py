"""Delivers the console's durable actions to the hub, in order, exactly once.

``submit`` writes the action to the console's journal (fsync'd) under the
idempotency key it will be sent with, *before* anything goes on the wire;
``flush`` sends what is pending, oldest first. An action that got no answer
stays pending and is sent again with the same key — after a reconnect, or on
the next start of a console that was killed — and the hub applies it once.

Outcomes: ``done`` (the hub applied it; its answer is kept), ``refused`` (a
4xx the hub will always give, e.g. 403 or 409: retrying cannot help, so the
person is told), or still ``pending`` (no answer, a 5xx, 408 or 429).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.console.hub_client import HubClient, HubRefused, HubUnreachable, new_idempotency_key
from services.domain.timeutil import Clock, to_rfc3339, utcnow
from storage.console_store import ConsoleStore, OutboxItem

log = logging.getLogger("warroom.outbox")

# Refusals worth retrying: the hub may answer differently later.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Delivery:
    """What happened to one item on one flush."""

    item: OutboxItem
    state: str  # done | refused | pending
    error: str | None = None


Listener = Callable[[Delivery], None]


class Outbox:
    """The console's outbox over a :class:`ConsoleStore` and a :class:`HubClient`."""

    def __init__(self, store: ConsoleStore, client: HubClient, clock: Clock = utcnow) -> None:
        self.store = store
        self.client = client
        self.clock = clock
        self._lock = asyncio.Lock()
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every delivery outcome (done, refused, still pending)."""
        self._listeners.append(listener)

    def submit(
        self,
        kind: str,
        path: str,
        body: dict[str, Any],
        *,
        incident_id: str | None = None,
        key: str | None = None,
        method: str = "POST",
    ) -> OutboxItem:
        """Record an action durably; returns it (still ``pending``). Call :meth:`flush` next."""
        item = OutboxItem(
            key=key or new_idempotency_key(),
            kind=kind,
            method=method,
            path=path,
            body=body,
            created_at=to_rfc3339(self.clock()),
            incident_id=incident_id,
        )
        self.store.enqueue(item)
        return item

    def pending(self) -> list[OutboxItem]:
        """What has not been answered yet, oldest first."""
        return self.store.pending()

    async def flush(self) -> list[Delivery]:
        """Send everything pending, oldest first; stop at the first unanswered one.

        Stopping keeps the order: a note is never delivered before one typed
        earlier. One flush runs at a time.
        """
        async with self._lock:
            results: list[Delivery] = []
            for item in self.store.pending():
                delivery = await self._send(item)
                results.append(delivery)
                for listener in self._listeners:
                    listener(delivery)
                if delivery.state == "pending":
                    break
            return results

    async def _send(self, item: OutboxItem) -> Delivery:
        now = to_rfc3339(self.clock())
        try:
            answer = await self.client.request(item.method, item.path, item.body, item.key)
        except HubUnreachable as error:
            self.store.record_attempt(item.key, str(error))
            return Delivery(item, "pending", str(error))
        except HubRefused as error:
            if error.status >= 500 or error.status in RETRYABLE_STATUSES:
                self.store.record_attempt(item.key, str(error))
                return Delivery(item, "pending", str(error))
            refusal = {"status": error.status, "code": error.code, "message": error.message}
            self.store.finish(item.key, "refused", refusal, now)
            log.warning("outbox: %s %s refused: %s", item.kind, item.key, error.message)
            return Delivery(self.store.get(item.key) or item, "refused", error.message)
        self.store.finish(item.key, "done", answer, now)
        return Delivery(self.store.get(item.key) or item, "done")
