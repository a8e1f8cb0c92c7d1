"""Messages the stream worker posts to the app.

Small dataclasses, as in toolong. ``ConnectionChanged`` carries the latest
state only, so a burst collapses to the newest (``can_replace``); every
``EnvelopeReceived`` is an event that must be applied, so none is ever
coalesced away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.message import Message

from services.console.outbox import Delivery
from services.console.state import StreamStatus
from services.domain.models import Envelope

__all__ = ["ConnectionChanged", "EnvelopeReceived", "IdentityKnown", "OutboxDelivered"]


@dataclass
class EnvelopeReceived(Message):
    """One in-order envelope from the stream, received at local time ``received_at``."""

    envelope: Envelope
    received_at: datetime


@dataclass
class ConnectionChanged(Message):
    """The stream client's new status; only the newest of a burst matters."""

    status: StreamStatus

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ConnectionChanged)


@dataclass
class IdentityKnown(Message):
    """The hub told us who our token belongs to (``GET /api/whoami``)."""

    user: str
    role: str
    permissions: tuple[str, ...] = ()
    two_person_global: bool = False

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IdentityKnown)


@dataclass
class OutboxDelivered(Message):
    """An action's fate on one flush: done, refused (final) or still pending."""

    delivery: Delivery
