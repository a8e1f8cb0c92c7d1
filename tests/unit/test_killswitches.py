"""The console's kill-switch logic without Textual: journal, tracker, stop rule, audit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.console.containment import Phase
from services.console.hub_client import HubClient
from services.console.identity import Identity
from services.console.killswitches import Killswitches, lock_reason
from services.console.outbox import Delivery, Outbox
from services.console.state import ConsoleState, StreamStatus
from services.domain.models import Envelope
from storage.console_store import ConsoleStore, OutboxItem
from tests.hubtools import RunningHub

T0 = datetime(2026, 11, 25, 18, 12, 0, tzinfo=UTC)
IC = Identity("dana", "incident-commander", ("killswitch.global", "killswitch.pack", "read"))


def envelope(seq: int, kind: str, data: dict[str, Any]) -> Envelope:
    return Envelope.from_dict(
        {"v": 1, "seq": seq, "ts": "2026-11-25T18:12:00.000Z", "type": kind, "data": data}
    )


def switch(pack: str | None, enabled: bool, at: str | None = None) -> dict[str, Any]:
    return {
        "scope": "pack" if pack else "global",
        "pack": pack,
        "enabled": enabled,
        "changed_by": "dana" if at else None,
        "changed_at": at,
        "reason": None,
        "incident_id": None,
    }


def agent(agent_id: str, state: str, pack: str = "support") -> dict[str, Any]:
    return {
        "id": agent_id,
        "pack": pack,
        "state": state,
        "last_heartbeat": "2026-11-25T18:11:59.000Z",
        "run_id": None,
        "tool_calls_per_min": 0.0,
        "tokens_per_min": 0.0,
    }


@dataclass
class Context:
    """What a session gives the kill-switch logic: here a real state, store and outbox."""

    state: ConsoleState
    outbox: Outbox | None
    identity: Identity | None = IC
    now: datetime = T0
    journalled: list[OutboxItem] = field(default_factory=list)

    def clock(self) -> datetime:
        return self.now

    def journal(
        self, kind: str, path: str, body: dict[str, Any], *, incident_id: str | None = None
    ) -> OutboxItem | None:
        if self.outbox is None:
            return None
        item = self.outbox.submit(kind, path, body, incident_id=incident_id)
        self.journalled.append(item)
        return item


@pytest.fixture
def context(tmp_path: Path) -> Iterator[Context]:
    store = ConsoleStore(tmp_path)
    # The outbox is never flushed here: nothing is sent to this address.
    outbox = Outbox(store, HubClient("http://127.0.0.1:9", "t"), lambda: T0)
    yield Context(ConsoleState(), outbox)
    store.close()


def feed(control: Killswitches, context: Context, *envelopes: Envelope) -> None:
    for item in envelopes:
        context.state.apply(item, context.now)
        control.on_envelope(item, context.now)


def answered(control: Killswitches, context: Context, item: OutboxItem) -> None:
    """The hub applied ``item`` (as the outbox reports it)."""
    context.outbox.store.finish(item.key, "done", {"changed": True}, "x")  # type: ignore[union-attr]
    done = context.outbox.store.get(item.key)  # type: ignore[union-attr]
    control.on_delivery(Delivery(done, "done"))


@pytest.mark.parametrize(
    ("identity", "reason"),
    [
        (None, "locked: waiting for the hub to say what this token may do"),
        (
            Identity("v", "viewer", ("read",)),
            "locked: role viewer cannot stop packs or use the global switch",
        ),
        (
            Identity("o", "on-call", ("killswitch.pack",)),
            "locked: role on-call cannot use the global switch",
        ),
        (IC, ""),
    ],
)
def test_lock_reason(identity: Identity | None, reason: str) -> None:
    assert lock_reason(identity) == reason


def test_a_confirmed_stop_is_one_journalled_request_with_a_quoted_path(context: Context) -> None:
    control = Killswitches(context, context.journal)
    action = control.set_switch("a/b?c", False, "PII", "INC-3")
    assert action is not None and action.phase is Phase.REQUESTED
    (item,) = context.journalled
    assert (item.kind, item.path) == ("killswitch", "/api/killswitch/pack/a%2Fb%3Fc")
    assert item.body == {"enabled": False, "reason": "PII", "incident_id": "INC-3"}
    assert action.key == item.key and action.target == "pack:a/b?c"
    audit = context.outbox.store.audit()  # type: ignore[union-attr]
    assert [(r["target"], r["state"], r["user"]) for r in audit] == [
        ("pack:a/b?c", "REQUESTED", "dana")
    ]


def test_nothing_is_tracked_when_nothing_could_be_journalled(tmp_path: Path) -> None:
    context = Context(ConsoleState(), None)
    control = Killswitches(context, context.journal)
    assert control.set_switch(None, False, "stop", None) is None
    assert control.confirm_pending("gstop-1", "me too") is None
    assert control.tracker.actions == {}


def stop_support(control: Killswitches, context: Context, *states: str) -> Any:
    """support's agents in ``states``, then a stop of support applied by the hub."""
    members = [agent(f"s{i}", state) for i, state in enumerate(states)]
    snapshot = {"packs": ["support"], "switches": [switch("support", True)], "agents": members}
    feed(control, context, envelope(1, "snapshot", snapshot))
    action = control.set_switch("support", False, "PII", None)
    assert action is not None
    stopped = switch("support", False, "2026-11-25T18:12:00.000Z")
    feed(control, context, envelope(2, "killswitch.changed", {"switch": stopped}))
    answered(control, context, context.journalled[-1])
    assert action.phase is Phase.APPLIED
    return action


def test_agents_all_in_error_never_confirm(context: Context) -> None:
    control = Killswitches(context, context.journal)
    action = stop_support(control, context, "error", "error")
    context.now = T0 + timedelta(seconds=40)
    feed(control, context, envelope(3, "agent.status", {"agent": agent("s0", "error")}))
    assert action.phase is Phase.APPLIED
    (violation,) = control.violations(context.now)
    assert violation.agents == ("s0", "s1") and violation.source == "console"
    assert control.running_counts()["pack:support"] == 2
    assert control.stopped_packs() == {"support": False}


def test_seen_stopped_then_error_stays_confirmed(context: Context) -> None:
    control = Killswitches(context, context.journal)
    action = stop_support(control, context, "running", "running")
    for seq, (agent_id, state) in enumerate(
        [("s0", "stopped"), ("s1", "stopped"), ("s0", "error")], start=3
    ):
        feed(control, context, envelope(seq, "agent.status", {"agent": agent(agent_id, state)}))
    assert action.phase is Phase.CONFIRMED and action.agents == 2
    context.now = T0 + timedelta(seconds=60)
    feed(control, context, envelope(9, "agent.status", {"agent": agent("s1", "error")}))
    assert action.phase is Phase.CONFIRMED
    assert control.violations(context.now) == []
    assert control.stopped_packs() == {"support": True}
    control.tick(context.now)  # state changes reach the audit on the app's tick
    audit = context.outbox.store.audit()  # type: ignore[union-attr]
    assert [r["state"] for r in audit] == ["REQUESTED", "APPLIED", "CONFIRMED"]


def test_reconcile_is_due_for_unknown_actions_while_live(context: Context) -> None:
    control = Killswitches(context, context.journal)
    control.set_switch("finance", False, "drill", None)
    control.tick(T0 + timedelta(seconds=6))  # no answer in 5 s: UNKNOWN
    assert not control.tick(T0 + timedelta(seconds=6))  # not live
    context.state.set_status(StreamStatus(state="live"), T0)
    assert control.tick(T0 + timedelta(seconds=7))
    assert not control.tick(T0 + timedelta(seconds=8))  # checked a second ago
    assert control.tick(T0 + timedelta(seconds=9))


async def test_reconcile_from_the_hubs_pack_status(context: Context, hub: RunningHub) -> None:
    control = Killswitches(context, context.journal)
    action = control.set_switch("finance", False, "drill", None)
    assert action is not None
    control.tick(T0 + timedelta(seconds=6))
    assert action.phase is Phase.UNKNOWN
    # The request did reach the hub; only its answer was lost.
    body = {"enabled": False, "reason": "drill"}
    hub.client("incident-commander").post("/api/killswitch/pack/finance", json=body)
    async with HubClient(hub.url, hub.tokens["viewer"]) as client:
        await control.reconcile(client)
    assert action.phase is Phase.APPLIED
    assert "reconciled" in action.detail


def test_a_restore_override_is_in_the_local_audit(context: Context) -> None:
    Killswitches(context, context.journal).record_override("finance", "override: known")
    (record,) = context.outbox.store.audit()  # type: ignore[union-attr]
    assert (record["action"], record["target"], record["reason"]) == (
        "restore-override",
        "pack:finance",
        "override: known",
    )
