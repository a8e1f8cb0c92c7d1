"""Idempotency-Key: a retried mutation never applies twice.

The first successful answer is stored (durably, in the hub store) under
(user, method, path) + key; a retry gets it back unchanged. Requests with the
same key are serialised by a per-key lock, so two concurrent duplicates cannot
both apply even if applying ever learns to await.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from services.hub.errors import BadRequest
from storage.hub_store import HubStore

MAX_KEY_LENGTH = 200
REPLAYED_HEADER = "Idempotency-Replayed"


def check_key(value: str | None) -> str | None:
    """The ``Idempotency-Key`` header's value, or None; raises BadRequest when unusable."""
    if value is None:
        return None
    if not value.strip() or len(value) > MAX_KEY_LENGTH:
        raise BadRequest(f"Idempotency-Key: must be 1 to {MAX_KEY_LENGTH} characters")
    return value


class IdempotencyGuard:
    """Per-key locks plus the stored answers."""

    def __init__(self, store: HubStore) -> None:
        self._store = store
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, scope: str, key: str) -> AsyncIterator[None]:
        """Hold the lock of (scope, key); forgotten again once nobody waits for it."""
        ident = (scope, key)
        lock, users = self._locks.get(ident, (asyncio.Lock(), 0))
        self._locks[ident] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[ident]
            if users <= 1:
                del self._locks[ident]
            else:
                self._locks[ident] = (lock, users - 1)

    def stored(self, scope: str, key: str) -> tuple[int, dict[str, Any]] | None:
        """The stored (status, body) for this key, if any."""
        answer = self._store.get_idempotent(scope, key)
        if answer is None or not isinstance(answer.get("body"), dict):
            return None
        return int(answer.get("status", 200)), dict(answer["body"])

    def remember(self, scope: str, key: str, status: int, body: dict[str, Any]) -> None:
        """Store the answer a retry will get."""
        self._store.put_idempotent(scope, key, {"status": status, "body": body})
