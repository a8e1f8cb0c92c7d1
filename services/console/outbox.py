"""Delivers the console's durable actions to the hub, in order, exactly once.

``stage`` puts an action in the journal's memory and ``save`` makes it durable (the
fsync in a thread, off the event loop); ``submit`` does both at once, for callers
without a loop. Only saved actions are sent. ``flush`` sends what is pending in two
lanes, each oldest first: kill-switch actions, then everything else — a note the
hub keeps refusing with 5xx never holds back a stop. An action that got no answer
stays pending and is sent again with the same key — after a reconnect, or on the
next start of a console that was killed — and the hub applies it once.

Outcomes: ``done`` (the hub applied it; its answer is kept), ``refused`` (a
4xx the hub will always give, e.g. 403 or 409: retrying cannot help, so the
person is told; or pending longer than :data:`PENDING_MAX_AGE_S`, past which the
hub may have forgotten its key), or still ``pending`` (no answer, a 5xx, 408 or 429).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from services.console.hub_client import HubClient, HubRefused, HubUnreachable, new_idempotency_key
from services.domain.timeutil import Clock, parse_rfc3339, to_rfc3339, utcnow
from storage.console_store import ConsoleStore, OutboxItem

log = logging.getLogger("warroom.outbox")

# Refusals worth retrying: the hub may answer differently later.
RETRYABLE_STATUSES = frozenset({408, 425, 429})
# Sent before anything else, in a lane of their own.
URGENT_KINDS = frozenset({"killswitch"})
# A pending action older than this is not sent again: the hub keeps idempotency keys
# 8 days (storage/hub_store.py IDEMPOTENCY_TTL_S), so a resend is always recognised.
PENDING_MAX_AGE_S = 7 * 24 * 3600


@dataclass(frozen=True)
class Delivery:
    """What happened to one item on one flush."""

    item: OutboxItem
    state: str  # done | refused | pending; or saved (journalled, not yet sent)
    error: str | None = None


Listener = Callable[[Delivery], None]


class Outbox:
    """The console's outbox over a :class:`ConsoleStore` and a :class:`HubClient`."""

    def __init__(self, store: ConsoleStore, client: HubClient, clock: Clock = utcnow) -> None:
        self.store = store
        self.client = client
        self.clock = clock
        self._lanes = {"urgent": asyncio.Lock(), "other": asyncio.Lock()}
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every delivery outcome (done, refused, still pending)."""
        self._listeners.append(listener)

    def _item(
        self, kind: str, path: str, body: dict[str, Any], incident_id: str | None, key: str | None
    ) -> OutboxItem:
        created_at = to_rfc3339(self.clock())
        if kind == "note" and "typed_at" not in body:
            body = {**body, "typed_at": created_at}  # kept on the hub's timeline entry
        return OutboxItem(
            key=key or new_idempotency_key(),
            kind=kind,
            method="POST",
            path=path,
            body=body,
            created_at=created_at,
            incident_id=incident_id,
        )

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
        """Record an action durably (fsync on this thread); returns it, ``pending``."""
        item = replace(self._item(kind, path, body, incident_id, key), method=method)
        self.store.enqueue(item)
        return item

    def stage(
        self, kind: str, path: str, body: dict[str, Any], *, incident_id: str | None = None
    ) -> OutboxItem:
        """Put an action in the journal's memory (shown, not sent); :meth:`save` it next."""
        item = self._item(kind, path, body, incident_id, None)
        self.store.stage(item)
        return item

    async def save(self, item: OutboxItem) -> None:
        """Make a staged action durable (fsync in a thread); it is taken back if that fails."""
        try:
            await self.store.save(item.key)
        except Exception:  # the write failed; a cancelled save stays staged (save_now)
            self.store.discard(item.key)
            raise

    def pending(self, *, saving_too: bool = False) -> list[OutboxItem]:
        """What has not been answered yet, oldest first (``saving_too``: see the store)."""
        return self.store.pending(saving_too=saving_too)

    async def flush(self) -> list[Delivery]:
        """Send everything pending: kill-switch actions first, then the rest.

        Each lane goes oldest first and stops at its first unanswered item, so a note
        is never delivered before one typed earlier; one flush of a lane runs at a
        time, and a lane busy with a slow note never holds back the kill-switch lane.
        """
        results: list[Delivery] = []
        for lane, urgent in (("urgent", True), ("other", False)):
            async with self._lanes[lane]:
                for item in self.store.pending():
                    if (item.kind in URGENT_KINDS) != urgent:
                        continue
                    delivery = await self._send(item)
                    results.append(delivery)
                    for listener in self._listeners:
                        listener(delivery)
                    if delivery.state == "pending":
                        break
        return results

    def _too_old(self, item: OutboxItem) -> bool:
        try:
            typed = parse_rfc3339(item.created_at)
        except ValueError:
            return False
        return self.clock() - typed > timedelta(seconds=PENDING_MAX_AGE_S)

    async def _send(self, item: OutboxItem) -> Delivery:
        now = to_rfc3339(self.clock())
        if self._too_old(item):
            message = (
                f"not sent: typed more than {PENDING_MAX_AGE_S // 86400} days ago, "
                "longer than the hub remembers it; type it again if it still holds"
            )
            refusal = {"status": 0, "code": "expired", "message": message}
            await self.store.afinish(item.key, "refused", refusal, now)
            return Delivery(replace(item, state="refused", last_error=message), "refused", message)
        try:
            answer = await self.client.request(item.method, item.path, item.body, item.key)
        except HubUnreachable as error:
            await self.store.arecord_attempt(item.key, str(error))
            return Delivery(item, "pending", str(error))
        except HubRefused as error:
            if error.status >= 500 or error.status in RETRYABLE_STATUSES:
                await self.store.arecord_attempt(item.key, str(error))
                return Delivery(item, "pending", str(error))
            refusal = {"status": error.status, "code": error.code, "message": error.message}
            await self.store.afinish(item.key, "refused", refusal, now)
            log.warning("outbox: %s %s refused: %s", item.kind, item.key, error.message)
            done = replace(item, state="refused", answer=refusal, last_error=error.message)
            return Delivery(done, "refused", error.message)
        await self.store.afinish(item.key, "done", answer, now)
        # The listeners get the whole answer; the journal keeps it compacted.
        return Delivery(replace(item, state="done", answer=answer, finished_at=now), "done")
