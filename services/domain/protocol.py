"""The stream's frames as schemas: docs/protocol.md says what they mean, this says their shape.

A server frame is an :class:`~services.domain.models.Envelope`; the ``data`` of
each event type has its struct here (``EVENT_DATA``). :func:`decode_frame` is the
console's one way in: it refuses (with :class:`FrameError` naming the field) any
frame whose envelope, or whose ``data`` for a known type, does not fit, so an
incident whose ``packs`` is ``[1, 2]`` never reaches a widget. Types it does not
know pass with their data unchecked: the protocol grows by adding types, and a
client skips (and counts) those it does not know. Objects may carry fields a
schema does not name; they are ignored, as the protocol asks.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from services.domain import jsonsafe
from services.domain.escalation import KeyedEscalation
from services.domain.models import (
    EVENT_TYPES,
    Agent,
    Alert,
    AuditRecord,
    Envelope,
    Incident,
    SwitchState,
    TimelineEntry,
)
from services.domain.schema import SchemaError, convert

Count = Annotated[int, msgspec.Meta(ge=0)]
Seconds = Annotated[float, msgspec.Meta(ge=0)]


class FrameError(ValueError):
    """A frame that is not a valid envelope, or whose data does not fit its type."""


class FrameDataError(FrameError):
    """JSON no one may accept: nested too deep, or a string holding a lone surrogate."""


class PendingGlobal(msgspec.Struct):
    """A global stop waiting for a second operator (``pending_global``)."""

    id: str
    requested_by: str
    requested_at: str
    expires_at: str
    reason: str
    incident_id: str | None = None


class SnapshotData(msgspec.Struct, kw_only=True):
    """``snapshot``: the whole state. The collections default to empty for brevity."""

    reason: Literal["initial", "resume_too_old", "unknown_seq", "epoch_changed"]
    hub_time: str
    # The stream's epoch (absent from older hubs): see HeartbeatData.
    epoch: str | None = None
    # What the hub recovered from a corrupt store and what was lost, or null.
    recovery: str | None = None
    packs: list[str] = []
    switches: list[SwitchState] = []
    agents: list[Agent] = []
    alerts: list[Alert] = []
    incidents: list[Incident] = []
    timeline: list[TimelineEntry] = []
    pending_global: PendingGlobal | None = None
    # The hub's effective policy (``Policy.raw``); absent from older hubs. Its own
    # schema is services.domain.policy's: read it with ``policy_from_dict``.
    policy: dict[str, Any] | None = None
    # The hub's runbook (``Runbook.to_dict``: steps, causes, markdown); absent from older
    # hubs. Read it with ``services.domain.runbook.runbook_from_snapshot``.
    runbook: dict[str, Any] | None = None
    # Every stop in force with the agents the hub has seen stopped since (the stop
    # rule), so a console that joins later decides as the hub does.
    stops: list[StopInForce] = []


class StopInForce(msgspec.Struct):
    """One stop in force in a snapshot: since when, and who was seen stopped."""

    target: str
    stopped_at: str
    seen_stopped: list[str] = []


class HeartbeatData(msgspec.Struct):
    """``heartbeat``: the hub's clock and how often to expect the next one."""

    hub_time: str
    interval_s: Annotated[float, msgspec.Meta(gt=0)]
    # Changes whenever the hub's history may not continue the one a client holds (a
    # restart, a recovery): a client holding another epoch re-syncs from a snapshot.
    epoch: str | None = None
    # What the hub recovered from a corrupt store and what was lost, or null.
    recovery: str | None = None


class AgentStatusData(msgspec.Struct):
    """``agent.status``."""

    agent: Agent


class AlertData(msgspec.Struct):
    """``alert.fired`` and ``alert.resolved``."""

    alert: Alert


class IngestRefusal(msgspec.Struct):
    """``ingest.refused``: an Alertmanager webhook the hub refused (too large, malformed,
    a bad token), and how many have been refused since the hub started."""

    at: str
    code: str
    message: str
    count: Count


class IncidentData(msgspec.Struct):
    """``incident.opened``, ``incident.updated`` and ``incident.resolved``."""

    incident: Incident


class IncidentEscalatedData(msgspec.Struct):
    """``incident.escalated``: the incident (holding the escalation) and the escalation."""

    incident: Incident
    escalation: KeyedEscalation


class TimelineEntryData(msgspec.Struct):
    """``timeline.entry``."""

    entry: TimelineEntry


class KillswitchChangedData(msgspec.Struct):
    """``killswitch.changed``: ``agents`` counts the target's agents by state."""

    switch: SwitchState
    audit: AuditRecord
    agents: dict[str, Count] = {}


class KillswitchPendingData(msgspec.Struct):
    """``killswitch.pending``: a two-person global stop requested, confirmed or expired."""

    state: Literal["requested", "confirmed", "expired"]
    pending: PendingGlobal
    confirmed_by: str | None = None


class KillswitchViolationData(msgspec.Struct):
    """``killswitch.violation``: agents not seen stopped by the deadline."""

    target: str
    agents: list[str]
    stopped_at: str
    deadline_s: Seconds
    incident_id: str | None = None


class KillswitchConfirmedData(msgspec.Struct):
    """``killswitch.confirmed``: every agent of the target seen stopped."""

    target: str
    stopped_at: str
    confirmed_at: str
    agents: Count
    elapsed_s: Seconds
    incident_id: str | None = None


EVENT_DATA: dict[str, type[msgspec.Struct]] = {
    "snapshot": SnapshotData,
    "heartbeat": HeartbeatData,
    "agent.status": AgentStatusData,
    "alert.fired": AlertData,
    "alert.resolved": AlertData,
    "incident.opened": IncidentData,
    "incident.updated": IncidentData,
    "incident.escalated": IncidentEscalatedData,
    "incident.resolved": IncidentData,
    "timeline.entry": TimelineEntryData,
    "killswitch.changed": KillswitchChangedData,
    "killswitch.pending": KillswitchPendingData,
    "killswitch.violation": KillswitchViolationData,
    "killswitch.confirmed": KillswitchConfirmedData,
    "ingest.refused": IngestRefusal,
}
assert tuple(EVENT_DATA) == EVENT_TYPES  # one list of event types


class Hello(msgspec.Struct):
    """The console's first message: the last seq it applied, or ``None``."""

    type: Literal["hello"]
    resume_from: int | None = None
    # The epoch of the state the client holds; another epoch gets a snapshot.
    epoch: str | None = None
    # True: send events in ``batch`` messages (several events per websocket message).
    batch: bool = False


def decode_hello(raw: str | bytes) -> Hello | None:
    """A client message as a hello; None for another message (ignored before the hello).

    Raises :class:`FrameError` for a message that is not JSON or a hello that does not fit.
    """
    try:
        data = jsonsafe.load(raw)
    except jsonsafe.NotJSON:
        raise FrameError("hello: not valid JSON") from None
    except jsonsafe.UnsafeJSON as error:
        raise FrameDataError(f"hello: {error}") from None
    if not isinstance(data, dict) or data.get("type") != "hello":
        return None
    try:
        return convert(data, Hello)
    except SchemaError as error:
        raise FrameError(f"hello: {error}") from None


def decode_frame(raw: str | bytes) -> Envelope:
    """One text frame as an envelope whose ``data`` fits its type; else :class:`FrameError`."""
    try:
        data = msgspec.json.decode(raw)
    except msgspec.DecodeError as error:
        raise FrameError(f"not JSON: {error}") from None
    return envelope_from_dict(data)


BATCH = "batch"


class BatchData(msgspec.Struct):
    """``batch`` (only to a client whose hello asked): events, each a frame as sent alone.

    Not an event: the hub's ``seq`` of a batch is its last event's. See
    :func:`decode_message`."""

    events: list[dict[str, Any]]


def decode_message(raw: str | bytes) -> list[Envelope | FrameError]:
    """One websocket message as the frames it carries, in order, decoded in one go.

    A frame is itself; a ``batch`` message (sent to a client whose hello asked for
    batches) carries its events in ``data.events``, each a frame as the hub sends it
    alone. An event in a batch that does not fit comes back as its :class:`FrameError`
    in its place, so the others still apply. A message that is no frame, or a batch
    whose ``events`` is not a list, raises :class:`FrameError`.
    """
    try:
        data = msgspec.json.decode(raw)
    except msgspec.DecodeError as error:
        raise FrameError(f"not JSON: {error}") from None
    if not (isinstance(data, dict) and data.get("type") == BATCH):
        return [envelope_from_dict(data)]
    batch = envelope_from_dict(data)
    events = batch.data.get("events")
    if not isinstance(events, list):
        raise FrameError("batch: data.events must be a list")
    items: list[Envelope | FrameError] = []
    for event in events:
        try:
            items.append(envelope_from_dict(event))
        except FrameError as error:
            items.append(FrameError(f"in a batch: {error}"))
    return items


def envelope_from_dict(data: Any) -> Envelope:
    """An already parsed frame (a dict), checked as :func:`decode_frame` checks one."""
    try:
        envelope = convert(data, Envelope)
    except SchemaError as error:
        raise FrameError(str(error)) from None
    check_event(envelope.type, envelope.data)
    return envelope


def check_event(kind: str, data: Any) -> msgspec.Struct | None:
    """``data`` as the struct of event type ``kind`` (None for a type not in the schema)."""
    schema = EVENT_DATA.get(kind)
    if schema is None:
        return None
    try:
        return convert(data, schema)
    except SchemaError as error:
        raise FrameError(f"{kind}: data.{error}" if error.path else f"{kind}: {error}") from None
