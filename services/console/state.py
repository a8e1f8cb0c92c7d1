"""What the console knows: the hub's state rebuilt from the stream.

``ConsoleState`` applies envelopes (pure, no I/O) and offers the derived views
the dashboard shows. Everything that depends on the time takes ``now`` (the
local clock) as an argument, so tests freeze it; the hub's clock is the local
one corrected by the skew measured from ``heartbeat``/``snapshot`` messages.

The connection's status dataclasses live here rather than in the stream
client, so that widgets can use them as types without importing websockets.

The incident policy every countdown is computed with is the hub's: the shipped
one until a snapshot brings the hub's effective policy, so a console counts
down to the escalations its hub will really make.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from services.console.agent_history import AgentHistory
from services.domain.models import (
    AGENT_STATES,
    EVENT_TYPES,
    GLOBAL,
    SEVERITIES,
    Agent,
    Alert,
    Envelope,
    Incident,
    ModelError,
    SwitchState,
    TimelineEntry,
)
from services.domain.policy import Policy, PolicyError, load_policy, policy_from_dict
from services.domain.recent import recently_used
from services.domain.runbook import Runbook, RunbookError, load_runbook, runbook_from_snapshot
from services.domain.timeutil import format_duration, parse_optional

ConnState = Literal["connecting", "live", "reconnecting", "unauthorized"]

ALERT_LIMIT = 2000
TIMELINE_LIMIT = 500
RESOLVED_INCIDENT_LIMIT = 200
# How long the connection bar keeps saying RESYNCED after a re-sync.
RESYNC_SHOWN_S = 10.0
DEFAULT_HEARTBEAT_S = 2.0
AREAS: tuple[str, ...] = ("connection", "incidents", "alerts", "packs", "banner", "timeline")
_SEV_RANK = {sev: rank for rank, sev in enumerate(SEVERITIES)}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# How far behind the hub (its heartbeat's clock against ours, once applied) the
# console may fall before it stops catching up event by event and re-syncs from a
# snapshot instead: a storm it cannot follow must not leave it silently minutes late.
BEHIND_RESYNC_S = 5.0
# After a re-sync, how long before falling behind may trigger another.
RESYNC_COOLDOWN_S = 10.0
# Event types where only an item's latest state matters, and the key of that item.
COALESCED: dict[str, tuple[str, str]] = {
    "alert.fired": ("alert", "fingerprint"),
    "alert.resolved": ("alert", "fingerprint"),
    "agent.status": ("agent", "id"),
}
# Only alerts: while a stop is in force the stop rule must see every agent report,
# each in the state it left (an agent seen stopped, then in error, was stopped).
ALERTS_COALESCED = {kind: spec for kind, spec in COALESCED.items() if spec[0] == "alert"}

# Heartbeats whose clock readings the skew is taken from (about a minute at 2 s).
SKEW_WINDOW = 30


@dataclass(frozen=True)
class StreamCounters:
    """What the stream client has seen since it started."""

    frames: int = 0
    bad_frames: int = 0
    duplicates: int = 0
    gaps: int = 0
    resyncs: int = 0
    reconnects: int = 0

    def nonzero(self) -> dict[str, int]:
        """The anomaly counters that are not zero (``frames`` is not an anomaly)."""
        values = {
            "bad frames": self.bad_frames,
            "dup": self.duplicates,
            "gaps": self.gaps,
            "resyncs": self.resyncs,
            "reconnects": self.reconnects,
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class StreamStatus:
    """The stream client's state, reported on every change."""

    state: ConnState = "connecting"
    attempt: int = 0
    last_error: str | None = None
    close_code: int | None = None
    counters: StreamCounters = field(default_factory=StreamCounters)
    # ``host:port`` of the hub replica the stream is on (or tries next), when it has several.
    replica: str | None = None


@dataclass(frozen=True)
class ConnectionView:
    """What the connection bar shows: ``kind`` becomes its CSS class."""

    kind: str  # connecting | live | resynced | reconnecting | stale | unauthorized
    label: str
    detail: str = ""


@dataclass(frozen=True)
class PackSummary:
    """One pack on the dashboard: its switch and its agents' states."""

    pack: str
    enabled: bool
    counts: dict[str, int]
    total: int
    calls_per_min: float
    switch: SwitchState | None = None


def superseded(
    envelopes: Sequence[Envelope], coalesced: Mapping[str, tuple[str, str]] = COALESCED
) -> set[int]:
    """Indexes of the envelopes of a batch that a later one of the same batch replaces.

    An alert (by fingerprint) or an agent (by id) reported more than once in a
    batch is applied once, in its latest state: the earlier reports would be
    parsed, stored and drawn only to be overwritten. Everything else is kept, in
    order; an envelope whose key cannot be read is kept (its handler counts it).
    The newest envelope of a batch is never superseded, so the seq still ends at it.
    ``coalesced`` says which types are (``ALERTS_COALESCED``: agent reports all kept).
    """
    latest: dict[tuple[str, str], int] = {}
    dropped: set[int] = set()
    for index in range(len(envelopes) - 1, -1, -1):
        envelope = envelopes[index]
        spec = coalesced.get(envelope.type)
        if spec is None:
            continue
        item = envelope.data.get(spec[0])
        key = item.get(spec[1]) if isinstance(item, dict) else None
        if not isinstance(key, str):
            continue
        if (spec[0], key) in latest:
            dropped.add(index)
        else:
            latest[(spec[0], key)] = index
    return dropped


@lru_cache(maxsize=1)
def shipped_policy() -> Policy:
    """The policy shipped with warroom (``services/domain/policy.toml``), read once."""
    return load_policy()


@recently_used(4096)  # not lru_cache: a wall's few new stamps an hour filled it for weeks
def _moment(text: str | None) -> datetime:
    """Sort key for a timestamp; unparseable ones sort as the oldest."""
    try:
        return parse_optional(text) or _EPOCH
    except ValueError:
        return _EPOCH


class ConsoleState:
    """The hub's state as seen through the stream, plus derived views."""

    def __init__(
        self,
        *,
        stale_after_heartbeats: int = 3,
        alert_limit: int = ALERT_LIMIT,
        timeline_limit: int = TIMELINE_LIMIT,
        resolved_limit: int = RESOLVED_INCIDENT_LIMIT,
    ) -> None:
        self.stale_after_heartbeats = stale_after_heartbeats
        # What the hub recovered from a corrupt store and lost (its snapshot and
        # heartbeats say so until it restarts cleanly); shown on the connection bar.
        self.hub_recovery: str | None = None
        self.alert_limit = alert_limit
        self.timeline_limit = timeline_limit
        self.resolved_limit = resolved_limit
        self.packs: list[str] = []
        self.agents: dict[str, Agent] = {}
        self.agent_history = AgentHistory()
        """Each agent's recent state and run-id changes (bounded), for its detail view."""
        # Least recently updated first, so eviction takes the front.
        self.alerts: OrderedDict[str, Alert] = OrderedDict()
        self.incidents: dict[str, Incident] = {}
        self.switches: dict[str, SwitchState] = {}
        self.timeline: dict[str, deque[TimelineEntry]] = {}
        self.last_seq: int | None = None
        self.heartbeat_interval_s = DEFAULT_HEARTBEAT_S
        self.skew = timedelta(0)
        # hub_time - received_at of recent snapshots/heartbeats; the skew is their max,
        # the one that waited least in queues (a slow link delays; it never hurries).
        self._skews: deque[timedelta] = deque(maxlen=SKEW_WINDOW)
        self.last_frame_at: datetime | None = None
        # The hub's time of the newest frame (its ``ts``): how old the data is, by the
        # hub's clock, even while delayed frames still trickle in.
        self.newest_hub_ts: datetime | None = None
        self.snapshots = 0
        self.unknown_types = 0
        # Alertmanager webhooks the hub refused (``ingest.refused``): alerts we never saw.
        self.ingest_refused = 0
        self.last_ingest_refusal = ""
        self.other_events: dict[str, dict[str, Any]] = {}
        self.bad_events = 0
        self.last_error: str | None = None
        self.status = StreamStatus()
        self.resynced_at: datetime | None = None
        self.policy: Policy = shipped_policy()
        """The hub's incident policy (the shipped one until a snapshot brings the hub's)."""
        self.policy_refused: str | None = None
        """Why the last policy a hub sent was refused (the previous one is kept)."""
        self.policy_refusals = 0
        self.runbook: Runbook = load_runbook()
        """The hub's runbook (the shipped one until a snapshot brings the hub's)."""
        self.runbook_refused: str | None = None
        """Why the last runbook a hub sent was refused (the previous one is kept)."""
        self.stops_seen: dict[str, tuple[str, frozenset[str]]] = {}
        """From the last snapshot: each stop in force (target → its ``stopped_at``, the
        agents the hub had seen stopped), so the stop rule here starts where the hub's is."""
        self.dirty: set[str] = set(AREAS)
        self.coalesced = 0
        """Events replaced by a later one of their batch before being applied."""
        self.last_heartbeat_hub_time: datetime | None = None
        """The hub's clock in the last heartbeat applied: how far behind we are."""
        self.resyncing: float | None = None
        """Seconds behind when the console asked for a snapshot, until one arrives."""

    # -- applying -------------------------------------------------------------

    def apply_dict(self, data: Any, received_at: datetime) -> bool:
        """Parse and apply a raw envelope; a bad one is counted, never raised."""
        try:
            envelope = Envelope.from_dict(data)
        except ModelError as error:
            self._bad(f"bad envelope: {error}")
            return False
        return self.apply(envelope, received_at)

    def apply(self, envelope: Envelope, received_at: datetime) -> bool:
        """Apply one envelope received at local time ``received_at``.

        Returns False when its data could not be used (counted in
        ``bad_events``) or its type is unknown (counted in ``unknown_types``).
        """
        self.last_frame_at = received_at
        try:
            made = parse_optional(envelope.ts)
        except ValueError:
            made = None
        if made is not None and (self.newest_hub_ts is None or made > self.newest_hub_ts):
            self.newest_hub_ts = made
        self.dirty.add("connection")
        if envelope.type != "heartbeat":
            # The seq was consumed even if its data turns out unusable below.
            self.last_seq = envelope.seq
        handler = _HANDLERS.get(envelope.type)
        if handler is None:
            if envelope.type in EVENT_TYPES:
                # A protocol event this view does not show (yet): kept, latest
                # per type, for the screens that will; not an anomaly.
                self.other_events[envelope.type] = envelope.data
                return True
            self.unknown_types += 1
            return False
        try:
            handler(self, envelope.data, received_at)
        except (ModelError, ValueError, TypeError, KeyError, AttributeError) as error:
            self._bad(f"bad {envelope.type} data: {error}")
            return False
        return True

    def apply_batch(
        self,
        batch: Sequence[tuple[Envelope, datetime]],
        after: Callable[[Envelope, datetime, bool | None], None] | None = None,
        coalesced: Mapping[str, tuple[str, str]] = COALESCED,
    ) -> list[bool | None]:
        """Apply a batch in order, each superseded alert or agent report skipped.

        ``after`` is called with each envelope once it is applied (or skipped),
        before the next one is: what it reads of the state is what that envelope
        left. Returns, per envelope, whether it applied (None: superseded, not
        applied). ``coalesced``: the types a later report may supersede.
        """
        dropped = (
            superseded([envelope for envelope, _ in batch], coalesced) if len(batch) > 1 else set()
        )
        self.coalesced += len(dropped)
        results: list[bool | None] = []
        for index, (envelope, received_at) in enumerate(batch):
            applied = None if index in dropped else self.apply(envelope, received_at)
            results.append(applied)
            if after is not None:
                after(envelope, received_at, applied)
        return results

    def behind(self, now: datetime) -> float:
        """Seconds the last heartbeat applied trailed the hub's clock (0 before one);
        meaningful when that heartbeat has just been applied."""
        if self.last_heartbeat_hub_time is None:
            return 0.0
        return max(0.0, (self.hub_now(now) - self.last_heartbeat_hub_time).total_seconds())

    def set_status(self, status: StreamStatus, now: datetime) -> None:
        """Record the stream client's latest status; a new re-sync is remembered."""
        if status.counters.resyncs > self.status.counters.resyncs:
            self.resynced_at = now
        self.status = status
        self.dirty.add("connection")

    def take_dirty(self) -> set[str]:
        """The areas changed since the last call (and forget them)."""
        dirty, self.dirty = self.dirty, set()
        return dirty

    def _bad(self, message: str) -> None:
        self.bad_events += 1
        self.last_error = message
        self.dirty.add("connection")

    def _clock(self, data: dict[str, Any], received_at: datetime, fresh: bool = False) -> None:
        hub_time = parse_optional(data.get("hub_time"))
        if hub_time is not None:
            if fresh:  # a snapshot starts a connection's history: the hub's clock anew
                self._skews.clear()
                self.newest_hub_ts = hub_time
            self._skews.append(hub_time - received_at)
            self.skew = max(self._skews)
        recovery = data.get("recovery")
        recovery = recovery if isinstance(recovery, str) and recovery else None
        if recovery != self.hub_recovery:
            self.hub_recovery = recovery
            self.dirty.add("connection")

    def _snapshot(self, data: dict[str, Any], received_at: datetime) -> None:
        packs = [p for p in _items(data, "packs") if isinstance(p, str)]
        switches = [SwitchState.from_dict(s) for s in _items(data, "switches")]
        agents = [Agent.from_dict(a) for a in _items(data, "agents")]
        alerts = [Alert.from_dict(a) for a in _items(data, "alerts")]
        incidents = [Incident.from_dict(i) for i in _items(data, "incidents")]
        entries = [TimelineEntry.from_dict(t) for t in _items(data, "timeline")]
        policy, refused = self._policy(data.get("policy"))
        runbook, runbook_refused = self._runbook(data.get("runbook"))
        stops = {
            str(stop["target"]): (str(stop["stopped_at"]), frozenset(stop["seen_stopped"]))
            for stop in _items(data, "stops")
            if isinstance(stop, dict) and {"target", "stopped_at", "seen_stopped"} <= stop.keys()
        }
        # Only replace once everything parsed: a bad snapshot leaves the old state.
        self.packs = packs
        self.switches = {_switch_key(s): s for s in switches}
        self.agents = {a.id: a for a in agents}
        self.agent_history.forget_missing(set(self.agents))
        for agent in agents:
            self.agent_history.record(agent, received_at)
        self.alerts = OrderedDict()
        for alert in sorted(alerts, key=_alert_moment):
            self._put_alert(alert)
        self.incidents = {i.id: i for i in incidents}
        self.timeline = {}
        for entry in entries:
            self._put_entry(entry)
        self._clock(data, received_at, fresh=True)
        self.last_heartbeat_hub_time = None
        self.resyncing = None
        self.snapshots += 1
        self.dirty.update(AREAS)
        self.policy = policy
        self.runbook = runbook
        if runbook_refused is not None:
            self.runbook_refused = runbook_refused
            self._bad(f"the hub's runbook was refused, the previous one is kept: {runbook_refused}")
        self.stops_seen = stops
        if refused is None:
            self.policy_refused = None
        else:
            # Loud: counted with the bad data (the connection bar) and toasted by the app.
            self.policy_refused = refused
            self.policy_refusals += 1
            self._bad(f"the hub's policy was refused, the previous one is kept: {refused}")

    def _policy(self, raw: Any) -> tuple[Policy, str | None]:
        """The policy a snapshot carries (none: the current one) and why it was refused."""
        if raw is None or (isinstance(raw, dict) and raw == self.policy.raw):
            return self.policy, None
        if not isinstance(raw, dict):
            return self.policy, f"snapshot.policy: expected a table, got {type(raw).__name__}"
        try:
            return policy_from_dict(raw, "snapshot.policy"), None
        except PolicyError as error:
            return self.policy, str(error)

    def _runbook(self, raw: Any) -> tuple[Runbook, str | None]:
        """The runbook a snapshot carries (none: the current one) and why it was refused."""
        if raw is None:
            return self.runbook, None
        try:
            return runbook_from_snapshot(raw), None
        except RunbookError as error:
            return self.runbook, str(error)

    def _heartbeat(self, data: dict[str, Any], received_at: datetime) -> None:
        interval = data.get("interval_s")
        if isinstance(interval, int | float) and interval > 0:
            self.heartbeat_interval_s = float(interval)
        self._clock(data, received_at)
        self.last_heartbeat_hub_time = parse_optional(data.get("hub_time"))

    def _ingest_refused(self, data: dict[str, Any], _: datetime) -> None:
        count = data.get("count")
        self.ingest_refused = count if isinstance(count, int) else self.ingest_refused + 1
        self.last_ingest_refusal = f"{data.get('code', '')}: {data.get('message', '')}"
        self.dirty.add("connection")

    def _agent(self, data: dict[str, Any], received_at: datetime) -> None:
        agent = Agent.from_dict(data["agent"])
        self.agents[agent.id] = agent
        self.agent_history.record(agent, received_at)
        if agent.pack not in self.packs:
            self.packs.append(agent.pack)
        self.dirty.add("packs")

    def _alert(self, data: dict[str, Any], _: datetime) -> None:
        self._put_alert(Alert.from_dict(data["alert"]))
        self.dirty.add("alerts")

    def _put_alert(self, alert: Alert) -> None:
        self.alerts.pop(alert.fingerprint, None)
        self.alerts[alert.fingerprint] = alert
        while len(self.alerts) > self.alert_limit:
            self.alerts.popitem(last=False)

    def _incident(self, data: dict[str, Any], _: datetime) -> None:
        incident = Incident.from_dict(data["incident"])
        self.incidents[incident.id] = incident
        resolved = [i for i in self.incidents.values() if not i.is_open]
        if len(resolved) > self.resolved_limit:
            resolved.sort(key=lambda i: _moment(i.resolved_at))
            for old in resolved[: len(resolved) - self.resolved_limit]:
                del self.incidents[old.id]
                self.timeline.pop(old.id, None)
        self.dirty.update(("incidents", "packs"))

    def _entry(self, data: dict[str, Any], _: datetime) -> None:
        self._put_entry(TimelineEntry.from_dict(data["entry"]))
        self.dirty.add("timeline")

    def _put_entry(self, entry: TimelineEntry) -> None:
        entries = self.timeline.get(entry.incident_id)
        if entries is None:
            entries = self.timeline[entry.incident_id] = deque(maxlen=self.timeline_limit)
        entries.append(entry)

    def _switch(self, data: dict[str, Any], _: datetime) -> None:
        switch = SwitchState.from_dict(data["switch"])
        self.switches[_switch_key(switch)] = switch
        if switch.scope != GLOBAL and switch.pack and switch.pack not in self.packs:
            self.packs.append(switch.pack)
        self.dirty.update(("packs", "banner"))

    # -- time -----------------------------------------------------------------

    def hub_now(self, local_now: datetime) -> datetime:
        """The hub's clock now: the local clock corrected by the measured skew."""
        return local_now + self.skew

    def data_age(self, now: datetime) -> float | None:
        """How old the newest data is, or None before the first frame: the longer of the
        time since a frame arrived and, by the hub's clock, since the newest was made."""
        if self.last_frame_at is None:
            return None
        age = (now - self.last_frame_at).total_seconds()
        if self.newest_hub_ts is not None:
            age = max(age, (self.hub_now(now) - self.newest_hub_ts).total_seconds())
        return max(0.0, age)

    def is_stale(self, now: datetime) -> bool:
        """True once the newest data is ``stale_after_heartbeats`` heartbeat intervals old."""
        age = self.data_age(now)
        limit = self.heartbeat_interval_s * self.stale_after_heartbeats
        return age is not None and age > limit

    def data_now(self, now: datetime) -> datetime:
        """The hub time countdowns are computed at: now while the data is fresh, the moment
        of the last frame once it is STALE, so no countdown ticks on as if live."""
        if self.last_frame_at is not None and self.is_stale(now):
            return self.hub_now(self.last_frame_at)
        return self.hub_now(now)

    def connection_view(self, now: datetime) -> ConnectionView:
        """The connection bar's label: STALE wins over everything but a refusal. With
        several hub replicas, the detail says which one the stream is on or trying."""
        view = self._connection_view(now)
        replica = self.status.replica
        if replica is None:
            return view
        where = f"on {replica}" if self.status.state == "live" else f"trying {replica}"
        return replace(view, detail=f"{view.detail} — {where}" if view.detail else where)

    def _connection_view(self, now: datetime) -> ConnectionView:
        status = self.status
        detail = status.last_error or ""
        if status.state == "unauthorized":
            label = "FORBIDDEN" if status.close_code in (403, 4403) else "UNAUTHORIZED"
            return ConnectionView("unauthorized", label, detail)
        if self.resyncing is not None:
            behind = format_duration(self.resyncing, "short")
            return ConnectionView(
                "reconnecting", f"BEHIND {behind}: RESYNCING", "too far behind the hub"
            )
        if self.is_stale(now):
            age = self.data_age(now) or 0.0
            return ConnectionView("stale", f"STALE {format_duration(age, 'short')}", detail)
        if status.state == "live":
            recent = self.resynced_at is not None and (
                (now - self.resynced_at).total_seconds() < RESYNC_SHOWN_S
            )
            if recent:
                return ConnectionView("resynced", "RESYNCED", "re-synced after a gap")
            if self.hub_recovery:
                return ConnectionView("live", "LIVE", f"HUB STORE RECOVERED: {self.hub_recovery}")
            return ConnectionView("live", "LIVE")
        if status.state == "reconnecting":
            return ConnectionView("reconnecting", f"RECONNECTING ({status.attempt})", detail)
        return ConnectionView("connecting", "CONNECTING", detail)

    # -- derived views --------------------------------------------------------

    def anomalies(self) -> dict[str, int]:
        """Nonzero anomaly counters: the stream's, plus events whose data was unusable."""
        counts = self.status.counters.nonzero()
        if self.bad_events:
            counts["bad data"] = self.bad_events
        if self.unknown_types:
            counts["unknown"] = self.unknown_types
        if self.ingest_refused:
            counts["alerts refused"] = self.ingest_refused
        return counts

    def open_incidents(self) -> list[Incident]:
        """Open incidents, most severe first, then the oldest (longest waiting) first."""
        return sorted(
            (i for i in self.incidents.values() if i.is_open),
            key=lambda i: (_SEV_RANK.get(i.severity, len(SEVERITIES)), _moment(i.opened_at), i.id),
        )

    def alerts_newest_first(self, limit: int | None = None) -> list[Alert]:
        """Alerts by last seen (else started) time, newest first; one per fingerprint."""
        ordered = sorted(self.alerts.values(), key=_alert_moment, reverse=True)
        return ordered if limit is None else ordered[:limit]

    def global_switch(self) -> SwitchState | None:
        """The global switch, once known."""
        return self.switches.get(GLOBAL)

    @property
    def global_engaged(self) -> bool:
        """True while the global kill switch stops all agent execution."""
        switch = self.global_switch()
        return switch is not None and not switch.enabled

    def agents_by_pack(self) -> dict[str, list[Agent]]:
        """Agents grouped by pack (every known pack present, maybe empty)."""
        grouped: dict[str, list[Agent]] = {pack: [] for pack in self.packs}
        for agent in self.agents.values():
            grouped.setdefault(agent.pack, []).append(agent)
        return grouped

    def pack_summaries(self) -> list[PackSummary]:
        """One summary per pack, in the hub's pack order."""
        summaries = []
        for pack, agents in self.agents_by_pack().items():
            counts = dict.fromkeys(AGENT_STATES, 0)
            for agent in agents:
                counts[agent.state] = counts.get(agent.state, 0) + 1
            switch = self.switches.get(pack)
            summaries.append(
                PackSummary(
                    pack=pack,
                    enabled=switch.enabled if switch is not None else True,
                    counts=counts,
                    total=len(agents),
                    calls_per_min=sum(a.tool_calls_per_min for a in agents),
                    switch=switch,
                )
            )
        return summaries


def _items(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ModelError(f"snapshot.{key}: expected a list, got {type(value).__name__}")
    return value


def _switch_key(switch: SwitchState) -> str:
    return GLOBAL if switch.scope == GLOBAL else str(switch.pack)


def _alert_moment(alert: Alert) -> tuple[datetime, str]:
    return (_moment(alert.last_seen_at or alert.started_at), alert.fingerprint)


_HANDLERS = {
    "snapshot": ConsoleState._snapshot,
    "heartbeat": ConsoleState._heartbeat,
    "agent.status": ConsoleState._agent,
    "alert.fired": ConsoleState._alert,
    "alert.resolved": ConsoleState._alert,
    "incident.opened": ConsoleState._incident,
    "incident.updated": ConsoleState._incident,
    "incident.escalated": ConsoleState._incident,
    "incident.resolved": ConsoleState._incident,
    "timeline.entry": ConsoleState._entry,
    "killswitch.changed": ConsoleState._switch,
    "ingest.refused": ConsoleState._ingest_refused,
}
