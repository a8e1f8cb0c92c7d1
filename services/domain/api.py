"""The HTTP API's bodies and answers as schemas (docs/protocol.md, "HTTP endpoints").

The hub decodes every mutating request's body with the struct ``REQUEST_BODIES``
names for its route, so a bad field is refused before anything is applied;
the answers are here so that the doc's examples, and clients, can be checked
against the same shapes. Unknown body fields are ignored (AgentOS's scripts may
send more than warroom reads).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import msgspec

from services.domain.escalation import KeyedEscalation
from services.domain.models import (
    AgentState,
    AuditRecord,
    Category,
    Incident,
    IncidentStatus,
    Severity,
    Silence,
    SwitchState,
    TimelineEntry,
)
from services.domain.protocol import IngestRefusal, PendingGlobal, SnapshotData
from services.domain.schema import Text

Count = Annotated[int, msgspec.Meta(ge=0)]
Rate = Annotated[float, msgspec.Meta(ge=0)]
MAX_HEARTBEAT_WAIT_S = 30.0
StatusUpdateKind = Literal["initial", "status", "resolution"]

# -- request bodies -------------------------------------------------------------


class SwitchBody(msgspec.Struct):
    """``POST /api/killswitch/global`` and ``/api/killswitch/pack/{name}`` (AgentOS's body)."""

    enabled: bool
    reason: Text
    incident_id: str | None = None


class ConfirmGlobalBody(msgspec.Struct):
    """``POST /api/killswitch/global/confirm``."""

    request_id: Text


class HeartbeatBody(msgspec.Struct):
    """``POST /api/agents/{id}/heartbeat``."""

    pack: Text
    state: AgentState
    run_id: str | None = None
    tool_calls_per_min: Rate = 0.0
    tokens_per_min: Rate = 0.0
    # Long poll: hold the answer until whether the agent may run changes, at most this.
    wait_s: Annotated[float, msgspec.Meta(ge=0, le=MAX_HEARTBEAT_WAIT_S)] = 0.0

    def __post_init__(self) -> None:
        # JSON has no infinity, but Python's json module reads 1e999 as one.
        for name in ("tool_calls_per_min", "tokens_per_min"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name}: must be a finite number >= 0")


class OpenIncidentBody(msgspec.Struct):
    """``POST /api/incidents``."""

    title: Text
    severity: Severity
    category: Category
    packs: list[Text] | None = None
    alert_fingerprint: str | None = None


class AckBody(msgspec.Struct):
    """``POST /api/incidents/{id}/ack``: nothing to say."""


class SeverityBody(msgspec.Struct):
    """``POST /api/incidents/{id}/severity``."""

    severity: Severity


class StatusBody(msgspec.Struct):
    """``POST /api/incidents/{id}/status`` (``resolved`` goes through ``resolve``)."""

    status: IncidentStatus


class NoteBody(msgspec.Struct):
    """``POST /api/incidents/{id}/notes``; with ``question``, an answer to one of the
    runbook's retrospective questions (a ``retrospective`` entry)."""

    text: Text
    question: Text | None = None
    # When the person typed it (RFC 3339, the console's clock): a note sent late, after
    # an outage, keeps it on its timeline entry.
    typed_at: Annotated[str, msgspec.Meta(max_length=40)] | None = None


class ChecklistBody(msgspec.Struct):
    """``POST /api/incidents/{id}/checklist``: a runbook checklist item checked or unchecked."""

    item: Text
    done: bool


class CauseBody(msgspec.Struct):
    """``POST /api/incidents/{id}/cause``: the root cause identified: one of the runbook's
    causes (``cause``), words (``root_cause``), or both."""

    cause: Text | None = None
    root_cause: Text | None = None


class BreachBody(msgspec.Struct):
    """``POST /api/incidents/{id}/breach``: ``confirmed`` must be true."""

    confirmed: bool


class StatusUpdateBody(msgspec.Struct):
    """``POST /api/incidents/{id}/status-update``: a status update was sent."""

    kind: StatusUpdateKind
    text: Text


class ResolveBody(msgspec.Struct):
    """``POST /api/incidents/{id}/resolve``."""

    root_cause: Text


class PiiRevealBody(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /api/pii/reveal``: nothing to say; the token says who."""


class AlertmanagerAlert(msgspec.Struct):
    """One alert of an Alertmanager webhook (version 4); the fields warroom reads."""

    status: Literal["firing", "resolved"]
    fingerprint: Annotated[str, msgspec.Meta(min_length=1)]
    startsAt: str
    endsAt: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    generatorURL: str | None = None


class AlertmanagerPayload(msgspec.Struct):
    """``POST /api/ingest/alertmanager``: Alertmanager's webhook body, version 4."""

    version: Literal["4"]
    alerts: list[AlertmanagerAlert]
    groupKey: str | None = None
    groupLabels: dict[str, str] | None = None
    externalURL: str | None = None
    receiver: str | None = None


class AlertmanagerAlertStatus(msgspec.Struct):
    """``status`` of an alert in Alertmanager's ``GET /api/v2/alerts``."""

    state: Literal["active", "suppressed", "unprocessed"] = "active"
    silencedBy: list[str] | None = None
    inhibitedBy: list[str] | None = None


class AlertmanagerPulledAlert(msgspec.Struct):
    """One alert of Alertmanager's ``GET /api/v2/alerts`` (pull mode)."""

    fingerprint: Annotated[str, msgspec.Meta(min_length=1)]
    startsAt: str
    endsAt: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    generatorURL: str | None = None
    status: AlertmanagerAlertStatus = msgspec.field(default_factory=AlertmanagerAlertStatus)


class AlertmanagerSilenceStatus(msgspec.Struct):
    """A silence's ``status`` in Alertmanager's API."""

    state: Literal["active", "pending", "expired"]


class AlertmanagerMatcher(msgspec.Struct):
    """One matcher of a silence (Alertmanager's spelling)."""

    name: str
    value: str
    isRegex: bool = False
    isEqual: bool = True


class AlertmanagerSilence(msgspec.Struct):
    """One silence of Alertmanager's ``GET /api/v2/silences``."""

    id: str
    matchers: list[AlertmanagerMatcher]
    startsAt: str
    endsAt: str
    createdBy: str = ""
    comment: str = ""
    status: AlertmanagerSilenceStatus | None = None


SilenceMinutes = Annotated[int, msgspec.Meta(gt=0, le=60 * 24 * 30)]


class SilenceBody(msgspec.Struct):
    """``POST /api/silences``: silence one alert (its labels are the matchers) or every
    firing alert of an incident, for ``minutes``; the hub writes who and the incident
    into the comment Alertmanager keeps."""

    minutes: SilenceMinutes
    comment: Text
    fingerprint: str | None = None
    incident_id: str | None = None


class ExpireSilenceBody(msgspec.Struct):
    """``POST /api/silences/{id}/expire``: optionally the incident it is recorded on."""

    incident_id: str | None = None


REQUEST_BODIES: dict[tuple[str, str], type[msgspec.Struct]] = {
    ("POST", "/api/killswitch/global"): SwitchBody,
    ("POST", "/api/killswitch/pack/{name}"): SwitchBody,
    ("POST", "/api/killswitch/global/confirm"): ConfirmGlobalBody,
    ("POST", "/api/agents/{id}/heartbeat"): HeartbeatBody,
    ("POST", "/api/ingest/alertmanager"): AlertmanagerPayload,
    ("POST", "/api/incidents"): OpenIncidentBody,
    ("POST", "/api/pii/reveal"): PiiRevealBody,
    ("POST", "/api/incidents/{id}/ack"): AckBody,
    ("POST", "/api/incidents/{id}/severity"): SeverityBody,
    ("POST", "/api/incidents/{id}/status"): StatusBody,
    ("POST", "/api/incidents/{id}/notes"): NoteBody,
    ("POST", "/api/incidents/{id}/checklist"): ChecklistBody,
    ("POST", "/api/incidents/{id}/cause"): CauseBody,
    ("POST", "/api/incidents/{id}/breach"): BreachBody,
    ("POST", "/api/incidents/{id}/status-update"): StatusUpdateBody,
    ("POST", "/api/incidents/{id}/resolve"): ResolveBody,
    ("POST", "/api/silences"): SilenceBody,
    ("POST", "/api/silences/{id}/expire"): ExpireSilenceBody,
}

# -- answers --------------------------------------------------------------------


class IngestHealth(msgspec.Struct):
    """``GET /health``'s ``ingest``: bodies being parsed, and the last refusal."""

    parsing: Count = 0
    last_refusal: IngestRefusal | None = None


class ClusterHealth(msgspec.Struct):
    """``GET /health``'s ``cluster``: this replica, and what it applied of the log."""

    replica: str
    leader: bool
    ready: bool
    applied: Count
    nats: str | None
    published: Count
    published_bytes: Count
    failed_commands: Count


class HealthAnswer(msgspec.Struct):
    """``GET /health``."""

    status: Literal["ok"]
    version: str
    hub_time: str
    seq: Count
    uptime_s: float
    counters: dict[str, Count]
    ingest: IngestHealth | None = None
    # What a `warroom hub --recover` start recovered and lost (absent or null: nothing).
    recovery: str | None = None
    # A replica of a cluster (`warroom hub --store nats://…`); absent on an embedded hub.
    cluster: ClusterHealth | None = None


class WhoamiAnswer(msgspec.Struct):
    """``GET /api/whoami``."""

    user: str
    role: str
    permissions: list[str]
    two_person_global: bool


class StateAnswer(SnapshotData, kw_only=True):
    """``GET /api/state``: a snapshot's data plus the seq it includes."""

    seq: Count


class PackStatus(msgspec.Struct):
    """One pack of ``GET /api/packs/status``: its switch and its agents by state."""

    name: str
    enabled: bool
    changed_by: str | None
    changed_at: str | None
    reason: str | None
    incident_id: str | None
    agents: dict[str, Count]


class PacksStatusAnswer(msgspec.Struct):
    """``GET /api/packs/status`` (AgentOS's path and shape)."""

    global_: SwitchState = msgspec.field(name="global")
    packs: list[PackStatus] = []
    pending_global: PendingGlobal | None = None


class SwitchAnswer(msgspec.Struct):
    """A kill-switch change applied (200)."""

    applied: SwitchState
    changed: bool
    audit: AuditRecord | None


class PendingAnswer(msgspec.Struct):
    """A global stop waiting for a second operator (202)."""

    pending: PendingGlobal


class AuditAnswer(msgspec.Struct):
    """``GET /api/audit``."""

    records: list[AuditRecord]


class HeartbeatAnswer(msgspec.Struct):
    """An agent's heartbeat answered: may it run?"""

    allowed: bool
    reason: str | None
    hub_time: str


class IngestAnswer(msgspec.Struct):
    """``POST /api/ingest/alertmanager``."""

    status: Literal["ok"]
    received: Count
    new: Count
    resolved: Count


class SilencesAnswer(msgspec.Struct):
    """``GET /api/silences`` and ``POST /api/silences``."""

    silences: list[Silence]


class ExpiredAnswer(msgspec.Struct):
    """``POST /api/silences/{id}/expire``."""

    expired: str


class IncidentsAnswer(msgspec.Struct):
    """``GET /api/incidents``."""

    incidents: list[Incident]


class IncidentDetailAnswer(msgspec.Struct):
    """``GET /api/incidents/{id}``."""

    incident: Incident
    timeline: list[TimelineEntry]


class IncidentAnswer(msgspec.Struct):
    """Every incident mutation's answer."""

    incident: Incident
    changed: bool
    entry: TimelineEntry | None


class EscalationWebhookBody(msgspec.Struct):
    """What the hub POSTs to a contact role's escalation webhook."""

    incident: Incident
    escalation: KeyedEscalation


class ErrorDetail(msgspec.Struct):
    code: str
    message: str


class ErrorAnswer(msgspec.Struct):
    """Every refusal: ``{"error": {"code", "message"}}``."""

    error: ErrorDetail
