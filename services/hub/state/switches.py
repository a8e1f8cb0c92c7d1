"""Kill switches (global + one per pack) and their audit: durable in the store.

AgentOS semantics: ``enabled: false`` stops execution. A pack's agents may run
only when both its own switch and the global switch are enabled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from services.domain.models import GLOBAL, AuditAction, AuditRecord, SwitchState
from services.domain.timeutil import Clock, to_rfc3339
from services.hub.errors import NotFound
from services.hub.state.common import Actor, load_models, number_of
from services.hub.state.events import EventLog
from storage.hub_store import HubStore

log = logging.getLogger("warroom.hub")


class SwitchBoard:
    """The global switch, one switch per configured pack, and the audit trail."""

    def __init__(self, store: HubStore, events: EventLog, clock: Clock, packs: list[str]) -> None:
        self._store = store
        self._events = events
        self._clock = clock
        self._pack_names = list(packs)
        self.watchers: list[Callable[[], None]] = []
        """Called after every change of a switch (and a reload): held heartbeats re-check."""
        self.reload()

    def reload(self) -> None:
        """(Re)load the switches and the audit from the store (after a failed write)."""
        self._global = SwitchState(scope=GLOBAL)
        self._packs = {pack: SwitchState(scope="pack", pack=pack) for pack in self._pack_names}
        for switch in load_models(SwitchState, self._store.load_switches(), "switch"):
            if switch.scope == GLOBAL:
                self._global = switch
            elif switch.pack in self._packs:
                self._packs[switch.pack] = switch
        self._audit = load_models(AuditRecord, self._store.load_audit(), "audit record")
        self._audit_counter = max((number_of(a.id, "AUD-") for a in self._audit), default=0)
        self._moved()

    def _moved(self) -> None:
        for watcher in self.watchers:
            watcher()

    @property
    def packs(self) -> list[str]:
        """The configured packs, in config order."""
        return list(self._packs)

    def get(self, pack: str | None) -> SwitchState:
        """The global switch (``pack`` None) or a pack's; raises :class:`NotFound`."""
        if pack is None:
            return self._global
        switch = self._packs.get(pack)
        if switch is None:
            raise NotFound(f"unknown pack {pack!r}")
        return switch

    def all(self) -> list[SwitchState]:
        """The global switch, then each pack's."""
        return [self._global, *self._packs.values()]

    def audit(self) -> list[AuditRecord]:
        """Every audit record, oldest first."""
        return list(self._audit)

    def record(
        self, action: AuditAction, target: str, reason: str, incident_id: str | None, actor: Actor
    ) -> AuditRecord:
        """An audit record for an action that is not a switch change (a silence)."""
        self._audit_counter += 1
        record = AuditRecord(
            id=f"AUD-{self._audit_counter}",
            at=to_rfc3339(self._clock()),
            user=actor.user,
            role=actor.role,
            action=action,
            target=target,
            reason=reason,
            incident_id=incident_id,
            client=actor.client,
            idempotency_key=actor.idempotency_key,
        )
        self._store.append_audit(record.to_dict())
        self._audit.append(record)
        return record

    def allowed(self, pack: str) -> tuple[bool, str | None]:
        """May agents of ``pack`` run? And if not, why (for the heartbeat answer)."""
        for switch, what in ((self._global, "global kill switch"), (self.get(pack), None)):
            if not switch.enabled:
                label = what or f"pack {pack}"
                return False, f"{label} stopped by {switch.changed_by}: {switch.reason}"
        return True, None

    def set(
        self,
        pack: str | None,
        enabled: bool,
        reason: str,
        incident_id: str | None,
        actor: Actor,
        *,
        requested_by: str | None = None,
        agents: dict[str, int] | None = None,
    ) -> tuple[SwitchState, AuditRecord | None]:
        """Set a switch; the audit record is None when it already had that state.

        ``requested_by`` names who asked for a two-person global stop that ``actor``
        confirmed; ``agents`` (the target's agent counts) goes into the event.
        """
        switch = self.get(pack)
        if switch.enabled == enabled:
            return switch, None
        now = to_rfc3339(self._clock())
        switch.enabled = enabled
        switch.changed_by = actor.user
        switch.changed_at = now
        switch.reason = reason
        switch.incident_id = incident_id
        self._audit_counter += 1
        record = AuditRecord(
            id=f"AUD-{self._audit_counter}",
            at=now,
            user=actor.user,
            role=actor.role,
            action="enable" if enabled else "stop",
            target=switch.target,
            reason=reason,
            incident_id=incident_id,
            client=actor.client,
            idempotency_key=actor.idempotency_key,
            requested_by=requested_by,
            confirmed_by=actor.user if requested_by is not None else None,
        )
        # The switch and its audit are durable before anyone is told.
        self._store.save_switch(switch.to_dict())
        self._store.append_audit(record.to_dict())
        self._audit.append(record)
        data = {"switch": switch.to_dict(), "audit": record.to_dict()}
        if agents is not None:
            data["agents"] = agents
        self._events.append("killswitch.changed", data)
        self._moved()
        log.warning(
            "kill switch %s %s by %s (%s): %s",
            switch.target,
            record.action,
            actor.user,
            actor.role,
            reason,
        )
        return switch, record
