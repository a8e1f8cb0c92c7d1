"""HubState rules with a frozen, steppable clock (no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.domain.models import Alert, Severity
from services.domain.policy import load_policy
from services.hub.state.alertmanager import IncomingAlert
from services.hub.state.events import MemoryEventLog
from services.hub.state.hub import HubState
from services.hub.state.incidents import IncidentDesk
from storage.hub_store import TinyHubStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 18, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state(tmp_path: Path, clock: Clock) -> HubState:
    store = TinyHubStore(tmp_path, fsync=False)
    events = MemoryEventLog(store, clock, ring_size=1000)
    return HubState(
        packs=["support", "legal"],
        store=store,
        events=events,
        clock=clock,
        policy=load_policy(),
        agent_timeout_s=15.0,
        max_alerts=3,
    )


def statuses(state: HubState) -> list[dict[str, Any]]:
    events = state.events.since(0) or []
    return [e["data"]["agent"] for e in events if e["type"] == "agent.status"]


def beat(hub_state: HubState, /, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "pack": "support",
        "state": "running",
        "run_id": "r1",
        "tool_calls_per_min": 10.0,
        "tokens_per_min": 100.0,
    }
    body.update(changes)
    return hub_state.heartbeat("bot", **body)


def test_agent_status_on_state_or_run_change(state: HubState, clock: Clock) -> None:
    beat(state)
    clock.advance(1)
    beat(state)  # nothing new
    beat(state, run_id="r2")
    beat(state, state="stopped", run_id=None)
    assert [(a["state"], a["run_id"]) for a in statuses(state)] == [
        ("running", "r1"),
        ("running", "r2"),
        ("stopped", None),
    ]


def test_rate_changes_at_most_every_five_seconds(state: HubState, clock: Clock) -> None:
    beat(state)
    for rate in (11.0, 12.0, 13.0, 14.0):
        clock.advance(1)
        beat(state, tool_calls_per_min=rate)
    assert len(statuses(state)) == 1
    assert state.agents()[0].tool_calls_per_min == 14.0  # the state itself is current
    clock.advance(1)
    beat(state, tool_calls_per_min=15.0)
    assert [a["tool_calls_per_min"] for a in statuses(state)] == [10.0, 15.0]


def test_silent_agent_is_marked_error_once(state: HubState, clock: Clock) -> None:
    beat(state)
    clock.advance(15)
    state.tick(clock())
    assert len(statuses(state)) == 1
    clock.advance(0.1)
    state.tick(clock())
    state.tick(clock())
    assert [a["state"] for a in statuses(state)] == ["running", "error"]
    beat(state)  # it is back
    assert [a["state"] for a in statuses(state)] == ["running", "error", "running"]


def test_heartbeat_for_an_unknown_pack_is_404(state: HubState) -> None:
    from services.hub.errors import NotFound

    with pytest.raises(NotFound):
        beat(state, pack="billing")


def _alert(fingerprint: str, firing: bool = True) -> IncomingAlert:
    alert = Alert(
        fingerprint=fingerprint,
        status="firing" if firing else "resolved",
        severity="SEV4",
        category="rate_limit_breach",
        title=fingerprint,
        started_at="2026-11-25T17:00:00.000Z",
        pack="support",
        ended_at=None if firing else "2026-11-25T17:30:00.000Z",
    )
    return IncomingAlert(alert=alert, firing=firing)


def test_alerts_are_bounded_evicting_resolved_first(state: HubState) -> None:
    state.alerts.ingest([_alert("a"), _alert("b"), _alert("c")], state.incidents)
    state.alerts.ingest([_alert("b", firing=False)], state.incidents)
    state.alerts.ingest([_alert("d")], state.incidents)
    assert [a.fingerprint for a in state.alerts.all()] == ["a", "c", "d"]
    state.alerts.ingest([_alert("e")], state.incidents)
    assert [a.fingerprint for a in state.alerts.all()] == ["c", "d", "e"]


def test_a_refiring_alert_opens_a_new_incident_once_the_old_is_resolved(state: HubState) -> None:
    from services.hub.state.common import Actor

    state.alerts.ingest([_alert("a")], state.incidents)
    first = state.alerts.get("a")
    assert first is not None and first.incident_id == "INC-1"
    state.alerts.ingest([_alert("a", firing=False)], state.incidents)
    state.alerts.ingest([_alert("a")], state.incidents)  # fires again: same incident, still open
    again = state.alerts.get("a")
    assert again is not None and (again.incident_id, again.repeat_count) == ("INC-1", 1)
    state.incidents.resolve("INC-1", "fixed", Actor("alice", "cto"))
    state.alerts.ingest([_alert("a", firing=False)], state.incidents)
    state.alerts.ingest([_alert("a")], state.incidents)
    latest = state.alerts.get("a")
    assert latest is not None and latest.incident_id == "INC-2"


def _one_pack(store: TinyHubStore, clock: Clock) -> HubState:
    return HubState(
        packs=["support"],
        store=store,
        events=MemoryEventLog(store, clock, ring_size=100),
        clock=clock,
        policy=load_policy(),
    )


def test_incident_fingerprints_are_bounded_and_counted(tmp_path: Path, clock: Clock) -> None:
    store = TinyHubStore(tmp_path / "big", fsync=False)
    big = _one_pack(store, clock)
    big.alerts.ingest([_alert("first")], big.incidents)
    for batch in range(5):
        big.alerts.ingest([_alert(f"a{batch}-{i}") for i in range(50)], big.incidents)
    [incident] = big.incidents.all()
    assert incident.alert_count == 251
    assert len(incident.alert_fingerprints) == 200
    assert incident.alert_fingerprints[-1] == "a4-49"
    assert "first" not in incident.alert_fingerprints
    # The first batch is written at once; the next four wait for the interval.
    entries = [e.text for e in big.incidents.timeline(incident.id) if e.kind == "alert"]
    assert entries == [
        "50 alerts attached: " + "; ".join(f"a0-{i} (a0-{i})" for i in range(5)) + "; and 45 more"
    ]
    clock.advance(9.9)
    big.tick(clock())
    assert len([e for e in big.incidents.timeline(incident.id) if e.kind == "alert"]) == 1
    clock.advance(0.1)
    big.tick(clock())
    entry = [e for e in big.incidents.timeline(incident.id) if e.kind == "alert"][-1]
    assert entry.text.startswith("200 alerts attached: a1-0 (a1-0); a1-1 (a1-1); ")
    assert entry.text.endswith("; and 195 more")
    # An incident stored before alert_count existed counts its fingerprints.
    raw = store.load_incidents()[0]
    del raw["alert_count"]
    old = TinyHubStore(tmp_path / "old", fsync=False)
    old.save_incident(raw)
    reloaded = IncidentDesk(old, MemoryEventLog(old, clock), clock)
    assert reloaded.get(incident.id).alert_count == 200


def _open(desk: IncidentDesk, severity: Severity) -> dict[str, Any]:
    return desk.open(
        title="t",
        severity=severity,
        category="runaway_agent",
        packs=[],
        fingerprints=[],
        author="alice",
        text="opened",
    )


def test_the_engine_escalates_on_tick_only_once(state: HubState, clock: Clock) -> None:
    from services.hub.state.common import Actor

    _open(state.incidents, "SEV1")
    assert [e["key"] for e in state.incidents.get("INC-1").escalations] == [
        "open:on-call",
        "open:engineering-manager",
    ]
    clock.advance(1800)
    for _ in range(3):
        state.tick(clock())
    incident = state.incidents.get("INC-1")
    assert len(incident.escalations) == 3
    assert incident.last_progress_at == "2026-11-25T18:00:00.000Z"
    state.incidents.resolve("INC-1", "fixed", Actor("alice", "cto"))
    clock.advance(3600)
    state.tick(clock())
    assert len(state.incidents.get("INC-1").escalations) == 3


class TickingClock(Clock):
    """A clock that moves a millisecond each time it is read, as a busy hub's does."""

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def test_an_action_stamps_the_incident_and_its_entry_with_one_moment(tmp_path: Path) -> None:
    from services.hub.state.common import Actor

    hub = _one_pack(TinyHubStore(tmp_path, fsync=False), TickingClock())
    desk, alice = hub.incidents, Actor("alice", "cto")
    opened = _open(desk, "SEV3")
    incident = opened["incident"]
    assert incident["opened_at"] == incident["last_progress_at"] == opened["entry"]["at"]
    iid = incident["id"]
    acked = desk.ack(iid, alice)
    assert acked["incident"]["acknowledged_at"] == acked["entry"]["at"]
    for answer in (
        acked,
        desk.set_status(iid, "investigating", alice),
        desk.set_severity(iid, "SEV2", alice),
        desk.add_note(iid, "a note", alice),
        desk.check(iid, "contain.pack-stop", True, alice),
        desk.set_cause(iid, None, "a loop", alice),
        desk.record_status_update(iid, "status", "words", alice),
        desk.confirm_breach(iid, alice),
    ):
        assert answer["incident"]["last_progress_at"] == answer["entry"]["at"], answer["entry"]
    resolved = desk.resolve(iid, "fixed", alice)
    assert resolved["incident"]["resolved_at"] == resolved["entry"]["at"]
    assert resolved["incident"]["last_progress_at"] == resolved["entry"]["at"]
