"""The hub's error answers and its counters of refused requests.

Every refusal is one :class:`HubError` carrying the protocol's status and code,
so the HTTP layer turns any of them into ``{"error": {"code", "message"}}``
and counts it, and the hub keeps running.
"""

from __future__ import annotations

import threading
from collections import Counter


class HubError(Exception):
    """A request the hub refuses; ``status`` and ``code`` are the protocol's."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(HubError):
    """Malformed JSON or a field of the wrong type (the message names the field)."""


class Unauthenticated(HubError):
    status = 401
    code = "unauthenticated"


class Forbidden(HubError):
    status = 403
    code = "forbidden"


class NotFound(HubError):
    status = 404
    code = "not_found"


class MethodNotAllowed(HubError):
    status = 405
    code = "method_not_allowed"


class Conflict(HubError):
    """Acting on something in a state that forbids it (e.g. a resolved incident)."""

    status = 409
    code = "conflict"


class TooLarge(HubError):
    status = 413
    code = "too_large"


class Invalid(HubError):
    """Well-formed but not acceptable: a missing or empty required field, an unknown value."""

    status = 422
    code = "invalid"


class StorageUnavailable(HubError):
    """The durable write failed (disk full, read-only, I/O error): nothing was changed,
    nothing was stored as the key's answer, and a retry tries again."""

    status = 503
    code = "storage"


class Counters:
    """Named counters (refusals by code, stream events) shown by ``GET /health``.

    The HTTP handlers run on one event loop, but the server thread and a caller's
    thread may both read them, so a lock keeps the snapshot consistent.
    """

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, name: str, amount: int = 1) -> None:
        """Count ``amount`` more of ``name``."""
        with self._lock:
            self._counts[name] += amount

    def get(self, name: str) -> int:
        """The current count of ``name`` (0 when never counted)."""
        with self._lock:
            return self._counts[name]

    def as_dict(self) -> dict[str, int]:
        """All counters, sorted by name."""
        with self._lock:
            return dict(sorted(self._counts.items()))
