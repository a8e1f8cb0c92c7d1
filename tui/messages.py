"""Messages posted up to the app: by its workers, and by screens asking it to act.

Small dataclasses, as in toolong. ``ConnectionChanged`` carries the latest
state only, so a burst collapses to the newest (``can_replace``); every
``EnvelopeReceived`` is an event that must be applied, and every
``SubmitAction`` something a person did, so none of those is ever coalesced
away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from textual.message import Message

from services.console.identity import Identity
from services.console.outbox import Delivery
from services.console.state import StreamStatus
from services.domain.models import Envelope

__all__ = [
    "ConnectionChanged",
    "EnvelopeReceived",
    "IdentityKnown",
    "LiveStateWanted",
    "OutboxDelivered",
    "SubmitAction",
]


@dataclass
class EnvelopeReceived(Message):
    """In-order envelopes from the stream, each with the local time it was received.

    One message carries every envelope that arrived while the app was busy (a
    storm costs one message per batch, not one per event); the list grows until
    the app takes it. Every envelope in it is applied in order, except an alert's or
    an agent's report that a later one in the same batch replaces (the latest wins).
    """

    envelopes: list[tuple[Envelope, datetime]]


@dataclass
class ConnectionChanged(Message):
    """The stream client's new status; only the newest of a burst matters."""

    status: StreamStatus

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ConnectionChanged)


@dataclass
class IdentityKnown(Message):
    """The hub told us who our token belongs to (``GET /api/whoami``)."""

    identity: Identity

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IdentityKnown)


@dataclass
class OutboxDelivered(Message):
    """An action's fate on one flush: done, refused (final) or still pending."""

    delivery: Delivery


@dataclass
class SubmitAction(Message):
    """A screen asks the app to journal an action (fsync'd), then send it.

    ``path`` comes from :func:`services.console.hub_client.hub_path`.
    """

    kind: str
    path: str
    body: dict[str, Any] = field(default_factory=dict)
    incident_id: str | None = None


@dataclass
class LiveStateWanted(Message):
    """A screen just mounted that shows the connection state: draw it now, not at the
    next redraw (a detail view opened on a STALE console must not first say otherwise)."""

    screen: Any
