"""Domain models shared by the hub, the console and the storage layer.

They are msgspec structs that travel as JSON objects (``to_dict`` /
``from_dict``). Timestamps are kept as RFC 3339 strings, exactly as on the wire,
so a model round-trips unchanged; use :mod:`services.domain.timeutil` to compute with
them. ``from_dict`` is the one place untrusted JSON becomes a model: every field
is checked against its type (closed sets are ``Literal``, containers are typed
to their items) and :class:`ModelError` names the offending field path.
Unknown fields are ignored, as the protocol asks of clients.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final, Literal, Self, get_args

import msgspec

from services.domain.schema import SchemaError, convert

SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")
Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]

AgentState = Literal["running", "idle", "degraded", "stuck", "stopped", "error"]
AGENT_STATES: tuple[str, ...] = get_args(AgentState)

IncidentStatus = Literal["triage", "contain", "investigate", "remediate", "recover", "resolved"]
INCIDENT_STATUSES: tuple[str, ...] = get_args(IncidentStatus)

AlertStatus = Literal["firing", "resolved"]
SwitchScope = Literal["global", "pack"]
AuditAction = Literal["stop", "enable", "silence", "expire-silence"]
EscalationAction = Literal["page", "ticket", "notify"]

# The runbook's categories, grouped as it groups them.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "agent": ("runaway_agent", "incorrect_output", "rate_limit_breach", "authorization_failure"),
    "system": ("service_outage", "data_corruption", "integration_failure"),
    "security": ("pii_exposure", "unauthorized_access", "credential_compromise"),
}
ALL_CATEGORIES: tuple[str, ...] = tuple(c for group in CATEGORIES.values() for c in group)

# What a person types for an incident: ``INC-7``, ``inc-7``, ``inc7`` or ``7``.
_TYPED_INCIDENT_ID = re.compile(r"^\s*(?:inc-?)?0*(\d+)\s*$", re.IGNORECASE)


def normalise_incident_id(typed: str) -> str | None:
    """The hub's spelling (``INC-7``) of an incident id as typed; ``None`` if it is not one."""
    match = _TYPED_INCIDENT_ID.match(typed)
    return f"INC-{int(match.group(1))}" if match else None


Category = Literal[
    "runaway_agent",
    "incorrect_output",
    "rate_limit_breach",
    "authorization_failure",
    "service_outage",
    "data_corruption",
    "integration_failure",
    "pii_exposure",
    "unauthorized_access",
    "credential_compromise",
]
assert get_args(Category) == ALL_CATEGORIES  # one list, two spellings

GLOBAL: Final = "global"


class ModelError(ValueError):
    """Raised when a JSON object does not describe a valid model."""


def category_label(category: str) -> str:
    """``pii_exposure`` → ``PII exposure``; unknown categories are humanised."""
    special = {"pii_exposure": "PII exposure"}
    if category in special:
        return special[category]
    return category.replace("_", " ").capitalize()


class Model(msgspec.Struct):
    """Base: JSON round-trip, with every field checked on the way in."""

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-ready builtins (fresh containers, safe to keep or change)."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """``data`` as this model; :class:`ModelError` names the field (``Incident.packs[0]``)."""
        try:
            return convert(data, cls)
        except SchemaError as error:
            where = f"{cls.__name__}.{error.path}" if error.path else cls.__name__
            raise ModelError(f"{where}: {error.message}") from None


NonNegative = Annotated[float, msgspec.Meta(ge=0)]
Count = Annotated[int, msgspec.Meta(ge=0)]


class Agent(Model):
    """One agent as last reported by its heartbeat."""

    id: str
    pack: str
    state: AgentState = "idle"
    last_heartbeat: str | None = None
    run_id: str | None = None
    tool_calls_per_min: NonNegative = 0.0
    tokens_per_min: NonNegative = 0.0


class Silence(Model):
    """An Alertmanager silence, as far as a person needs it (``/api/v2/silences``)."""

    id: str
    created_by: str = ""
    comment: str = ""
    starts_at: str = ""
    ends_at: str = ""
    state: str = "active"  # active | pending | expired
    matchers: list[dict[str, Any]] = msgspec.field(default_factory=list)


class Alert(Model):
    """An alert keyed by its fingerprint (Alertmanager's, or the simulator's)."""

    fingerprint: str
    status: AlertStatus
    severity: Severity
    category: str
    title: str
    started_at: str
    pack: str | None = None
    agent: str | None = None
    description: str = ""
    ended_at: str | None = None
    last_seen_at: str | None = None
    repeat_count: Count = 1
    incident_id: str | None = None
    source: str = "alertmanager"
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    # Everything else Alertmanager sends is kept: runbook_url, dashboard and any
    # other annotation, the links, and the group the alert was routed in.
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    generator_url: str = ""
    external_url: str = ""
    group_key: str = ""
    group_labels: dict[str, str] = msgspec.field(default_factory=dict)
    # The ``severity`` label as sent; ``none`` (a Watchdog) never opens an incident.
    label_severity: str = ""
    opens_incident: bool = True
    # Muted in Alertmanager (learned by pulling ``/api/v2/alerts``): who, why, until when.
    silenced_by: list[Silence] = msgspec.field(default_factory=list)
    inhibited_by: list[str] = msgspec.field(default_factory=list)
    # Firing, but not re-sent within its group's repeat interval (learned from the
    # deliveries): Alertmanager never sends the end of an alert muted after delivery.
    stale: bool = False
    repeat_interval_s: NonNegative | None = None

    @property
    def state(self) -> str:
        """``resolved``, ``silenced``, ``inhibited``, ``stale`` or ``firing``."""
        if self.status == "resolved":
            return "resolved"
        if self.silenced_by:
            return "silenced"
        if self.inhibited_by:
            return "inhibited"
        return "stale" if self.stale else "firing"


class Escalation(Model):
    """A contact role paged, ticketed or notified for an incident."""

    role: str
    at: str
    reason: str
    action: EscalationAction = "page"


class ChecklistMark(Model):
    """A runbook checklist item as last set on an incident: done or not, by whom, when."""

    done: bool
    by: str
    at: str


class Incident(Model):
    """An incident as the hub owns it."""

    id: str
    title: str
    severity: Severity
    # Not a Literal: a category a newer hub knows is shown humanised, not refused.
    category: str
    status: IncidentStatus
    opened_at: str
    last_progress_at: str
    acknowledged_at: str | None = None
    acknowledged_by: str | None = None
    resolved_at: str | None = None
    root_cause: str | None = None
    # The runbook cause chosen (``code-bug``, …); ``root_cause`` keeps the words.
    cause: str | None = None
    impact: str = ""
    lead: str | None = None
    packs: list[str] = msgspec.field(default_factory=list)
    alert_fingerprints: list[str] = msgspec.field(default_factory=list)
    # Recorded escalations: an Escalation's fields plus its dedupe ``key``, all strings.
    escalations: list[dict[str, str]] = msgspec.field(default_factory=list)
    breach_confirmed: bool = False
    # When a status update (initial, status, resolution) was last recorded as sent.
    last_status_update_at: str | None = None
    # Alerts ever linked; ``alert_fingerprints`` keeps only the newest ones.
    alert_count: Count = 0
    # Alertmanager's groupKey of the alert that opened it, when that alert named no
    # pack: unrelated alerts without a pack must not merge into one incident.
    group_key: str = ""
    # Alertmanager silences made from warroom for this incident (their ids).
    silences: list[str] = msgspec.field(default_factory=list)
    # The runbook checklist by item id (``contain.pack-stop``): items never set are absent.
    checklist: dict[str, ChecklistMark] = msgspec.field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status != "resolved"


class SwitchState(Model):
    """A kill switch: ``enabled`` False means execution is stopped (AgentOS semantics)."""

    scope: SwitchScope
    pack: str | None = None
    enabled: bool = True
    changed_by: str | None = None
    changed_at: str | None = None
    reason: str | None = None
    incident_id: str | None = None

    @property
    def target(self) -> str:
        """``global`` or ``pack:NAME``: the key used in audit records."""
        return GLOBAL if self.scope == GLOBAL else f"pack:{self.pack}"


class AuditRecord(Model):
    """One kill-switch change, as recorded by the hub (and by the console that sent it)."""

    id: str
    at: str
    user: str
    role: str
    action: AuditAction
    target: str  # "global" | "pack:NAME" | "silence:ID"
    reason: str
    incident_id: str | None = None
    client: str | None = None
    idempotency_key: str | None = None
    # Two-person global stop: who asked for it and who confirmed it (``user``).
    requested_by: str | None = None
    confirmed_by: str | None = None


class TimelineEntry(Model):
    """One line of an incident's timeline: a note or an automatic entry."""

    id: str
    incident_id: str
    at: str
    author: str
    kind: str  # note | opened | ack | severity | status | escalation | killswitch | alert | ...
    text: str
    # Longer content kept with the entry (the text of a status update sent).
    detail: str = ""


class Envelope(Model):
    """Every server message on the stream (:mod:`services.domain.protocol` checks ``data``)."""

    v: Literal[1]
    seq: Count
    ts: str
    type: str
    data: dict[str, Any] = msgspec.field(default_factory=dict)


EVENT_TYPES: tuple[str, ...] = (
    "snapshot",
    "heartbeat",
    "agent.status",
    "alert.fired",
    "alert.resolved",
    "incident.opened",
    "incident.updated",
    "incident.escalated",
    "incident.resolved",
    "timeline.entry",
    "killswitch.changed",
    "killswitch.pending",
    "killswitch.violation",
    "killswitch.confirmed",
    "ingest.refused",
)
