"""Silences from the console: the duration a person types, and what waits in the outbox.

A silence is journalled and sent like every other action (``kind`` ``silence`` to
``POST /api/silences``, ``expire-silence`` to ``POST /api/silences/{id}/expire``).
Until the hub answers, the alerts it names show as pending: :func:`pending_silences`
reads that from the outbox's pending items, so it survives a restart of the console.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from services.domain.models import Alert

__all__ = [
    "DEFAULT_DURATION",
    "MAX_MINUTES",
    "DurationError",
    "parse_duration",
    "pending_silences",
]

DEFAULT_DURATION = "2h"
# The hub's limit (services/domain/api.py SilenceMinutes): 30 days.
MAX_MINUTES = 60 * 24 * 30
_UNITS = {"m": 1, "h": 60, "d": 60 * 24}
_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m?)?\s*$", re.I)


class DurationError(ValueError):
    """What a person typed is not a duration; the message says what is."""


class PendingItem(Protocol):
    """An outbox item as far as this module reads it."""

    kind: str
    body: dict[str, Any]
    path: str
    incident_id: str | None


def parse_duration(text: str) -> int:
    """``2h`` → 120, ``90m`` / ``90`` → 90, ``1d 12h`` → 2160 (minutes, 1 to 30 days)."""
    match = _DURATION.match(text)
    if not text.strip() or match is None or not any(match.groups()):
        raise DurationError(f"{text.strip() or 'nothing'!r}: type minutes, or e.g. 30m, 2h, 1d")
    days, hours, minutes = (int(part) if part else 0 for part in match.groups())
    total = days * _UNITS["d"] + hours * _UNITS["h"] + minutes
    if not 0 < total <= MAX_MINUTES:
        raise DurationError(f"{text.strip()!r}: a silence lasts 1 minute to 30 days")
    return total


def pending_silences(items: Iterable[PendingItem], alerts: Mapping[str, Alert]) -> dict[str, str]:
    """Fingerprint → ``silencing`` or ``unsilencing`` for what waits to be sent.

    A silence of an incident names every firing alert of that incident; an expiry
    names the alerts muted by that silence.
    """
    found: dict[str, str] = {}
    for item in items:
        if item.kind == "silence":
            fingerprint = item.body.get("fingerprint")
            incident_id = item.body.get("incident_id")
            for alert in alerts.values():
                if alert.fingerprint == fingerprint or (
                    not fingerprint
                    and incident_id
                    and alert.incident_id == incident_id
                    and alert.status == "firing"
                ):
                    found[alert.fingerprint] = "silencing"
        elif item.kind == "expire-silence":
            silence_id = item.path.rstrip("/").split("/")[-2]
            for alert in alerts.values():
                if any(s.id == silence_id for s in alert.silenced_by):
                    found[alert.fingerprint] = "unsilencing"
    return found
