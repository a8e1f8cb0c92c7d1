"""Domain models shared by the hub, the console and the storage layer.

They are plain dataclasses that travel as JSON objects (``to_dict`` /
``from_dict``). Timestamps are kept as RFC 3339 strings, exactly as on the wire,
so a model round-trips unchanged; use :mod:`services.domain.timeutil` to compute with
them. ``from_dict`` is the one place untrusted JSON becomes a model: it checks
types and raises :class:`ModelError` with the offending field named.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar, Literal, TypeVar, get_args

SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")
Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]

AgentState = Literal["running", "idle", "degraded", "stuck", "stopped", "error"]
AGENT_STATES: tuple[str, ...] = get_args(AgentState)

IncidentStatus = Literal["triage", "contain", "investigate", "remediate", "recover", "resolved"]
INCIDENT_STATUSES: tuple[str, ...] = get_args(IncidentStatus)

AlertStatus = Literal["firing", "resolved"]

# The runbook's categories, grouped as it groups them.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "agent": ("runaway_agent", "incorrect_output", "rate_limit_breach", "authorization_failure"),
    "system": ("service_outage", "data_corruption", "integration_failure"),
    "security": ("pii_exposure", "unauthorized_access", "credential_compromise"),
}
ALL_CATEGORIES: tuple[str, ...] = tuple(c for group in CATEGORIES.values() for c in group)
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

GLOBAL = "global"

T = TypeVar("T", bound="Model")


class ModelError(ValueError):
    """Raised when a JSON object does not describe a valid model."""


def category_label(category: str) -> str:
    """``pii_exposure`` → ``PII exposure``; unknown categories are humanised."""
    special = {"pii_exposure": "PII exposure"}
    if category in special:
        return special[category]
    return category.replace("_", " ").capitalize()


@dataclass
class Model:
    """Base: JSON round-trip with type checks on the way in."""

    _choices: ClassVar[dict[str, tuple[str, ...]]] = {}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls: type[T], data: Any) -> T:
        if not isinstance(data, dict):
            raise ModelError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
        kwargs: dict[str, Any] = {}
        for item in fields(cls):
            if item.name not in data:
                continue
            value = data[item.name]
            _check(cls.__name__, item.name, item.type, value)
            choices = cls._choices.get(item.name)
            if choices is not None and value is not None and value not in choices:
                raise ModelError(f"{cls.__name__}.{item.name}: {value!r} is not one of {choices}")
            kwargs[item.name] = value
        try:
            return cls(**kwargs)
        except TypeError as error:  # a required field is missing
            raise ModelError(f"{cls.__name__}: {error}") from None


def _check(owner: str, name: str, annotation: Any, value: Any) -> None:
    """A small runtime check of the JSON types our annotations use."""
    text = str(annotation)
    ok: bool
    if value is None:
        ok = "None" in text
    elif text.startswith(("str", "Severity", "AgentState", "IncidentStatus", "AlertStatus")):
        ok = isinstance(value, str)
    elif text.startswith("bool"):
        ok = isinstance(value, bool)
    elif text.startswith("int"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif text.startswith("float"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif text.startswith("list"):
        ok = isinstance(value, list)
    elif text.startswith("dict"):
        ok = isinstance(value, dict)
    else:
        ok = True
    if not ok:
        raise ModelError(f"{owner}.{name}: unexpected {type(value).__name__} {value!r:.60}")


@dataclass
class Agent(Model):
    """One agent as last reported by its heartbeat."""

    id: str
    pack: str
    state: str = "idle"
    last_heartbeat: str | None = None
    run_id: str | None = None
    tool_calls_per_min: float = 0.0
    tokens_per_min: float = 0.0

    _choices: ClassVar[dict[str, tuple[str, ...]]] = {"state": AGENT_STATES}


@dataclass
class Alert(Model):
    """An alert keyed by its fingerprint (Alertmanager's, or the simulator's)."""

    fingerprint: str
    status: str
    severity: str
    category: str
    title: str
    started_at: str
    pack: str | None = None
    agent: str | None = None
    description: str = ""
    ended_at: str | None = None
    last_seen_at: str | None = None
    repeat_count: int = 1
    incident_id: str | None = None
    source: str = "alertmanager"
    labels: dict[str, str] = field(default_factory=dict)

    _choices: ClassVar[dict[str, tuple[str, ...]]] = {
        "status": ("firing", "resolved"),
        "severity": SEVERITIES,
    }


@dataclass
class Escalation(Model):
    """A contact role paged, ticketed or notified for an incident."""

    role: str
    at: str
    reason: str
    action: str = "page"  # page | ticket | notify


@dataclass
class Incident(Model):
    """An incident as the hub owns it."""

    id: str
    title: str
    severity: str
    category: str
    status: str
    opened_at: str
    last_progress_at: str
    acknowledged_at: str | None = None
    acknowledged_by: str | None = None
    resolved_at: str | None = None
    root_cause: str | None = None
    impact: str = ""
    lead: str | None = None
    packs: list[str] = field(default_factory=list)
    alert_fingerprints: list[str] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    breach_confirmed: bool = False
    # When a status update (initial, status, resolution) was last recorded as sent.
    last_status_update_at: str | None = None
    # Alerts ever linked; ``alert_fingerprints`` keeps only the newest ones.
    alert_count: int = 0

    _choices: ClassVar[dict[str, tuple[str, ...]]] = {
        "severity": SEVERITIES,
        "status": INCIDENT_STATUSES,
    }

    @property
    def is_open(self) -> bool:
        return self.status != "resolved"


@dataclass
class SwitchState(Model):
    """A kill switch: ``enabled`` False means execution is stopped (AgentOS semantics)."""

    scope: str  # "global" or "pack"
    pack: str | None = None
    enabled: bool = True
    changed_by: str | None = None
    changed_at: str | None = None
    reason: str | None = None
    incident_id: str | None = None

    _choices: ClassVar[dict[str, tuple[str, ...]]] = {"scope": ("global", "pack")}

    @property
    def target(self) -> str:
        """``global`` or ``pack:NAME``: the key used in audit records."""
        return GLOBAL if self.scope == GLOBAL else f"pack:{self.pack}"


@dataclass
class AuditRecord(Model):
    """One kill-switch change, as recorded by the hub (and by the console that sent it)."""

    id: str
    at: str
    user: str
    role: str
    action: str  # "stop" | "enable"
    target: str  # "global" | "pack:NAME"
    reason: str
    incident_id: str | None = None
    client: str | None = None
    idempotency_key: str | None = None
    # Two-person global stop: who asked for it and who confirmed it (``user``).
    requested_by: str | None = None
    confirmed_by: str | None = None


@dataclass
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


@dataclass
class Envelope(Model):
    """Every server message on the stream."""

    v: int
    seq: int
    ts: str
    type: str
    data: dict[str, Any] = field(default_factory=dict)


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
)
