"""``HubState``: the hub's domain — packs, agents, alerts, incidents, kill switches.

Agents and alerts are telemetry, kept in memory; incidents, timelines, switches
and audit are durable in the :class:`~storage.hub_store.HubStore`. Every change
goes out as events on the :class:`~services.hub.state.events.EventLog`. Methods are
called on the server's event loop, one at a time, and never await, so each
change is applied and announced as one step.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from services.domain.models import AGENT_STATES, Agent, AgentState, Severity
from services.domain.policy import Policy
from services.domain.runbook import Runbook
from services.domain.timeutil import Clock, to_rfc3339
from services.hub.errors import NotFound
from services.hub.state.alertmanager import IncomingAlert, decode_json, parse_webhook
from services.hub.state.alerts import MAX_ALERTS, AlertBook
from services.hub.state.atomic import Atomic
from services.hub.state.common import Actor
from services.hub.state.escalations import Deliver, EscalationEngine
from services.hub.state.events import EventLog
from services.hub.state.incidents import Answer, IncidentDesk, describe_new
from services.hub.state.ingest_routing import IngestRouter
from services.hub.state.silences import SilenceRecords
from services.hub.state.switch_actions import SwitchActions
from services.hub.state.switches import SwitchBoard
from storage.alert_file import AlertFile
from storage.hub_store import HubStore

log = logging.getLogger("warroom.hub")

# An agent's rates alone are re-announced at most this often.
RATE_EVENT_INTERVAL = timedelta(seconds=5)


class _DryRun(Exception):
    """Undoes a dry run (:meth:`HubState.tick_changes`)."""


@dataclass
class _Tracked:
    agent: Agent
    seen: datetime  # hub time of the last heartbeat
    announced: datetime  # hub time of the last agent.status
    shown: tuple[float, float] = (0.0, 0.0)  # visible_rates of the last agent.status


def visible_rates(agent: Agent) -> tuple[float, float]:
    """The rates as a console can show them: calls/min as a whole number, tokens/min to
    two significant figures. A change below these is not worth a frame to every console."""
    tokens = agent.tokens_per_min
    return (float(round(agent.tool_calls_per_min)), float(f"{tokens:.2g}"))


class HubState:
    """The hub's state and rules; the HTTP layer calls these methods."""

    def __init__(
        self,
        *,
        packs: list[str],
        store: HubStore,
        events: EventLog,
        clock: Clock,
        policy: Policy,
        agent_timeout_s: float = 15.0,
        max_alerts: int = MAX_ALERTS,
        two_person_global: bool = False,
        two_person_window_s: float = 300.0,
        stop_deadline_s: float = 30.0,
        deliver: Deliver | None = None,
        alert_file: AlertFile | None = None,
        alert_save_interval_s: float = 1.0,
        runbook: Runbook | None = None,
    ) -> None:
        self.events = events
        self.policy = policy
        self._store = store
        self._clock = clock
        self._agent_timeout = timedelta(seconds=agent_timeout_s)
        self._agents: dict[str, _Tracked] = {}
        # The ``now`` of the last tick that ran to the end (tests wait on it).
        self.last_tick: datetime | None = None
        self.switches = SwitchBoard(store, events, clock, packs)
        self.incidents = IncidentDesk(store, events, clock, runbook)
        self.alerts = AlertBook(events, max_alerts)
        self.alerts.router = IngestRouter(packs)
        self.silences = SilenceRecords(self.alerts, self.incidents, self.switches, events, store)
        # The active alerts survive a restart through their own file, saved whole at
        # most once per interval (storage/alert_file.py says why not the store).
        self._alert_file = alert_file
        self._alert_save_interval = timedelta(seconds=alert_save_interval_s)
        self._alerts_saved_at: datetime | None = None
        if alert_file is not None:
            rows, intervals = alert_file.load()
            if self.alerts.restore(rows, intervals):
                log.info("%d alerts restored from %s", len(self.alerts), alert_file.path)
        # The last webhook refused (too large, malformed): /health and every console say so.
        self.last_ingest_refusal: dict[str, Any] | None = None
        # When pull mode last reconciled with Alertmanager (RFC 3339), if it runs.
        self.last_pull: str | None = None
        self.escalations = EscalationEngine(self.incidents, policy, clock, deliver)
        self.incidents.after_change = self.escalations.run_for
        self.containment = SwitchActions(
            switches=self.switches,
            desk=self.incidents,
            store=store,
            events=events,
            clock=clock,
            agents=self.agents,
            two_person_global=two_person_global,
            two_person_window_s=two_person_window_s,
            stop_deadline_s=stop_deadline_s,
        )
        # Every change goes through ``atomic``: it takes effect only once durable.
        self.atomic = Atomic(
            store, events, self._reload, self.containment.verifier.save, self.incidents.save
        )

    def _reload(self) -> None:
        self.switches.reload()
        self.incidents.reload()
        self.containment.two_person.reload()
        log.error("a write failed: the hub's state is back to what its store holds")

    def _save_agent(self, agent_id: str) -> Callable[[], Callable[[], None]]:
        def save() -> Callable[[], None]:
            old = self._agents.get(agent_id)
            kept = None if old is None else replace(old, agent=copy.copy(old.agent))

            def restore() -> None:
                if kept is None:
                    self._agents.pop(agent_id, None)
                else:
                    self._agents[agent_id] = kept

            return restore

        return save

    @property
    def packs(self) -> list[str]:
        return self.switches.packs

    # -- reading ----------------------------------------------------------------
    def snapshot(self, reason: str) -> dict[str, Any]:
        """The ``data`` of a ``snapshot`` message."""
        return {
            "reason": reason,
            "hub_time": to_rfc3339(self._clock()),
            "epoch": self.events.epoch,
            # Said on every console until the hub restarts cleanly: state was lost.
            "recovery": self._store.recovery,
            "packs": self.packs,
            "switches": [s.to_dict() for s in self.switches.all()],
            "agents": [t.agent.to_dict() for t in self._agents.values()],
            "alerts": self.alerts.snapshot(),
            "incidents": [i.to_dict() for i in self.incidents.all()],
            "timeline": [e.to_dict() for e in self.incidents.open_timelines()],
            "pending_global": self.containment.two_person.pending,
            # The effective policy, so every console's countdowns are the hub's own.
            "policy": self.policy.raw,
            # Its runbook, so every console shows the hub's checklists and causes.
            "runbook": self.incidents.runbook.to_dict(),
            # Each stop's progress under the one stop rule, for consoles that join later.
            "stops": self.containment.verifier.progress(),
        }

    def packs_status(self) -> dict[str, Any]:
        """``GET /api/packs/status``: switches and agent counts per pack (AgentOS's shape)."""
        packs = []
        for pack in self.packs:
            counts = dict.fromkeys(AGENT_STATES, 0)
            for tracked in self._agents.values():
                if tracked.agent.pack == pack:
                    counts[tracked.agent.state] += 1
            switch = self.switches.get(pack).to_dict()
            del switch["scope"]
            switch["name"] = switch.pop("pack")
            packs.append({**switch, "agents": {"total": sum(counts.values()), **counts}})
        return {
            "global": self.switches.get(None).to_dict(),
            "packs": packs,
            "pending_global": self.containment.two_person.pending,
        }

    def agents(self) -> list[Agent]:
        """Every agent ever heard from, as last reported."""
        return [t.agent for t in self._agents.values()]

    def incident_detail(self, incident_id: str) -> dict[str, Any]:
        """``GET /api/incidents/{id}``."""
        incident = self.incidents.get(incident_id)
        timeline = self.incidents.timeline(incident_id)
        return {"incident": incident.to_dict(), "timeline": [e.to_dict() for e in timeline]}

    # -- agents ---------------------------------------------------------------------
    def heartbeat(
        self,
        agent_id: str,
        *,
        pack: str,
        state: AgentState,
        run_id: str | None,
        tool_calls_per_min: float,
        tokens_per_min: float,
    ) -> dict[str, Any]:
        """Record a heartbeat and answer whether the agent may run."""
        answer = self.quiet_heartbeat(
            agent_id,
            pack=pack,
            state=state,
            run_id=run_id,
            tool_calls_per_min=tool_calls_per_min,
            tokens_per_min=tokens_per_min,
            may_announce=True,
        )
        assert answer is not None
        return answer

    def quiet_heartbeat(
        self,
        agent_id: str,
        *,
        pack: str,
        state: AgentState,
        run_id: str | None,
        tool_calls_per_min: float,
        tokens_per_min: float,
        may_announce: bool = False,
    ) -> dict[str, Any] | None:
        """A heartbeat that changes nothing a console shows, recorded and answered; None
        (and nothing recorded) when it would announce and ``may_announce`` is False.

        A replica of a cluster answers such heartbeats on its own; the others change
        the replicated state, so they go through the cluster's log."""
        if pack not in self.packs:
            raise NotFound(f"unknown pack {pack!r}")
        now = self._clock()
        stamp = to_rfc3339(now)
        agent = Agent(
            id=agent_id,
            pack=pack,
            state=state,
            last_heartbeat=stamp,
            run_id=run_id,
            tool_calls_per_min=float(tool_calls_per_min),
            tokens_per_min=float(tokens_per_min),
        )
        tracked = self._agents.get(agent_id)
        if tracked is None:
            announce = True
        else:
            old = tracked.agent
            changed = (old.state, old.run_id, old.pack) != (state, run_id, pack)
            # Against what consoles were last told, not the last heartbeat: rates that
            # drift without changing what a console shows are never announced.
            rates = visible_rates(agent) != tracked.shown
            # State changes go out at once; rate changes alone at most every 5 s.
            announce = changed or (rates and now - tracked.announced >= RATE_EVENT_INTERVAL)
        if announce and not may_announce:
            return None
        if announce:
            with self.atomic(self._save_agent(agent_id)):
                self._agents[agent_id] = _Tracked(
                    agent, seen=now, announced=now, shown=visible_rates(agent)
                )
                self.events.append("agent.status", {"agent": agent.to_dict()})
                self.containment.agents_changed(now, agent)
        else:
            assert tracked is not None
            # The stored agent stays current (snapshots show the latest rates);
            # only the event is held back.
            tracked.agent.last_heartbeat = agent.last_heartbeat
            tracked.agent.tool_calls_per_min = agent.tool_calls_per_min
            tracked.agent.tokens_per_min = agent.tokens_per_min
            tracked.seen = now
        allowed, reason = self.switches.allowed(pack)
        return {"allowed": allowed, "reason": reason, "hub_time": stamp}

    def silent_agents(self, now: datetime) -> list[dict[str, Any]]:
        """The agents not heard from within the timeout and not yet marked, as last seen."""
        return [
            t.agent.to_dict()
            for t in self._agents.values()
            if t.agent.state != "error" and now - t.seen > self._agent_timeout
        ]

    def tick(self, now: datetime, silent: list[dict[str, Any]] | None = None) -> None:
        """Called about once a second: agent liveness, the two-person window, stop
        verification and the escalation engine; their writes reach the disk once.

        ``silent``: the agents to mark silent, as one replica of a cluster saw them (its
        tick is applied by every replica); None: those this hub has not heard from."""
        with self.atomic():
            self._tick(now, self.silent_agents(now) if silent is None else silent)
        self.save_alerts(now)
        self.last_tick = now

    def _tick(self, now: datetime, silent: list[dict[str, Any]], *, age: bool = True) -> None:
        for row in silent:
            agent_id = str(row.get("id", ""))
            tracked = self._agents.get(agent_id)
            if tracked is None or tracked.agent.state == "error":
                continue
            # Only an agent that changes is copied for a rollback: copying all of
            # them every second cost the tick time in proportion to the fleet.
            with self.atomic(self._save_agent(agent_id)):
                agent = Agent.from_dict({**row, "state": "error"})
                seen = tracked.seen
                self._agents[agent_id] = replace(tracked, agent=agent, announced=now)
                silent_s = (now - seen).total_seconds()
                log.warning(
                    "agent %s (%s): no heartbeat for %.0f s", agent.id, agent.pack, silent_s
                )
                self.events.append("agent.status", {"agent": agent.to_dict()})
        self.incidents.flush_alert_entries(now)
        self.containment.tick(now)
        self.escalations.run(now)
        if age:
            self.alerts.age(now)

    def tick_changes(self, now: datetime) -> bool:
        """Whether a tick now (with no agent going silent) would change anything; a dry
        run, undone. A cluster's leader writes a tick to the log only when it would.

        Alerts going stale are asked, not tried: the dry run copies no alert book."""
        if self.alerts.ages(now):
            return True
        changed = False
        quiet, log.disabled = log.disabled, True  # what it would log is logged when it runs
        try:
            with contextlib.suppress(_DryRun), self.atomic():
                changes = self._store.changes
                self._tick(now, [], age=False)
                changed = self.events.holding > 0 or self._store.changes != changes
                raise _DryRun
        finally:
            log.disabled = quiet
        return changed

    def seen_elsewhere(
        self, agent_id: str, seen: datetime, tool_calls_per_min: float, tokens_per_min: float
    ) -> None:
        """Another replica of a cluster heard this agent (a heartbeat that changed nothing)."""
        tracked = self._agents.get(agent_id)
        if tracked is None or seen <= tracked.seen:
            return
        tracked.seen = seen
        tracked.agent.last_heartbeat = to_rfc3339(seen)
        tracked.agent.tool_calls_per_min = tool_calls_per_min
        tracked.agent.tokens_per_min = tokens_per_min

    def save_alerts(self, now: datetime, *, force: bool = False) -> None:
        """Save the alert set when it changed, at most once per interval (or now, ``force``)."""
        if self._alert_file is None or not self.alerts.dirty:
            return
        due = (
            self._alerts_saved_at is None
            or now - self._alerts_saved_at >= self._alert_save_interval
        )
        if due or force:
            rows, intervals = self.alerts.saved_form()
            self._alert_file.save(rows, intervals)
            self._alerts_saved_at = now

    # -- kill switches ------------------------------------------------------------------
    def set_switch(
        self,
        pack: str | None,
        *,
        enabled: bool,
        reason: str,
        incident_id: str | None,
        actor: Actor,
    ) -> dict[str, Any]:
        """Set the global switch (``pack`` None) or a pack's at once; the protocol's answer.

        ``POST /api/killswitch/global`` goes through ``containment.set_global`` instead,
        which applies the two-person rule.
        """
        return self.containment.set_switch(
            pack, enabled=enabled, reason=reason, incident_id=incident_id, actor=actor
        )

    # -- alerts ----------------------------------------------------------------------
    def parse_alertmanager(self, raw: bytes) -> list[IncomingAlert]:
        """A webhook body checked and derived; pure, so it runs off the event loop.
        Raises BadRequest before anything is applied."""
        return parse_webhook(decode_json(raw), self.policy, self._clock())

    def ingest_alertmanager(self, payload: Any) -> dict[str, Any]:
        """Apply an Alertmanager webhook body (version 4); raises BadRequest before
        applying anything."""
        return self.apply_alertmanager(parse_webhook(payload, self.policy, self._clock()))

    def apply_alertmanager(self, incoming: list[IncomingAlert]) -> dict[str, Any]:
        """Apply a webhook's parsed alerts."""
        # One file write per webhook at most, and none when only repeats came in.
        with self.atomic(self.alerts.save):
            counts = self.alerts.ingest(incoming, self.incidents, self._clock())
        return {"status": "ok", **counts}

    def reconcile_alertmanager(self, pulled: list[IncomingAlert]) -> dict[str, int]:
        """Apply what Alertmanager holds (pull mode)."""
        with self.atomic(self.alerts.save):
            return self.alerts.reconcile(pulled, self.incidents, self._clock())

    def ingest_refused(self, code: str, message: str) -> None:
        """A webhook was refused: remember it for /health and tell every console."""
        count = (self.last_ingest_refusal or {}).get("count", 0) + 1
        self.last_ingest_refusal = {
            "at": to_rfc3339(self._clock()),
            "code": code,
            "message": message[:500],
            "count": count,
        }
        self.events.append("ingest.refused", dict(self.last_ingest_refusal))

    # -- incidents -------------------------------------------------------------------
    def open_incident(
        self,
        *,
        title: str,
        severity: Severity,
        category: str,
        packs: list[str] | None,
        alert_fingerprint: str | None,
        actor: Actor,
    ) -> Answer:
        """Open an incident by hand, linking the alert it was opened from (if any)."""
        alert = self.alerts.get(alert_fingerprint) if alert_fingerprint else None
        if packs is None:
            packs = [alert.pack] if alert is not None and alert.pack else []
        answer = self.incidents.open(
            title=title,
            severity=severity,
            category=category,
            packs=packs,
            fingerprints=[alert_fingerprint] if alert_fingerprint else [],
            author=actor.user,
            text=describe_new(title, severity, category, actor.user),
        )
        if alert_fingerprint:
            self.alerts.link(alert_fingerprint, answer["incident"]["id"])
        return answer
