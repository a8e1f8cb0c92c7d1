"""The containment state machine and the restore plan, driven by events with ``now``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.console.containment import ContainmentTracker, Phase, late_agents
from services.console.restore_plan import RestorePlan

T0 = datetime(2026, 11, 25, 18, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def applied(enabled: bool = False, pack: str | None = "support") -> dict[str, object]:
    return {"applied": {"scope": "pack", "pack": pack, "enabled": enabled}, "changed": True}


def test_stop_goes_requested_applied_confirmed_with_the_time_from_the_keypress() -> None:
    tracker = ContainmentTracker()
    action = tracker.request("k1", "pack:support", False, "INC-3: PII", "INC-3", T0)
    assert action.phase is Phase.REQUESTED
    tracker.delivered("k1", "done", applied(), None, at(0.05))
    assert action.phase is Phase.APPLIED
    tracker.observe_agents({"support": ["stopped", "running"]}, at(0.8))
    assert action.phase is Phase.APPLIED  # one still runs
    tracker.observe_agents({"support": ["stopped"] * 6, "finance": ["running"]}, at(1.4))
    assert action.phase is Phase.CONFIRMED
    assert action.summary() == "all 6 agents stopped in 1.4 s"
    assert [p for p, _ in action.history] == [Phase.REQUESTED, Phase.APPLIED, Phase.CONFIRMED]


def test_agents_stopped_before_the_answer_do_not_skip_applied() -> None:
    tracker = ContainmentTracker()
    action = tracker.request("k1", "pack:support", False, "r", None, T0)
    tracker.observe_agents({"support": ["stopped"]}, at(0.1))
    assert action.phase is Phase.REQUESTED


def test_hub_confirmation_confirms_with_its_agent_count() -> None:
    tracker = ContainmentTracker()
    action = tracker.request("k1", "pack:support", False, "r", None, T0)
    tracker.delivered("k1", "done", applied(), None, at(0.1))
    tracker.on_event("killswitch.confirmed", {"target": "pack:support", "agents": 6}, at(2.0))
    assert action.phase is Phase.CONFIRMED and action.agents == 6


def test_re_enable_confirms_when_every_agent_runs_again() -> None:
    tracker = ContainmentTracker()
    action = tracker.request("k1", "pack:support", True, "r", None, T0)
    tracker.delivered("k1", "done", applied(True), None, at(0.1))
    tracker.observe_agents({"support": ["stopped", "running"]}, at(0.5))
    assert action.phase is Phase.APPLIED
    tracker.observe_agents({"support": ["running", "idle"]}, at(1.0))
    assert action.phase is Phase.CONFIRMED
    assert action.summary() == "all 2 agents running again in 1.0 s"


@pytest.mark.parametrize("how", ["timeout", "no answer"])
def test_unknown_is_never_success_and_reconciles_from_pack_status(how: str) -> None:
    tracker = ContainmentTracker(answer_timeout_s=5.0)
    action = tracker.request("k1", "pack:support", False, "r", None, T0)
    if how == "timeout":
        tracker.tick(at(4.9))
        assert action.phase is Phase.REQUESTED
        tracker.tick(at(5.0))
    else:
        tracker.delivered("k1", "pending", None, "connection refused", at(0.2))
    assert action.phase is Phase.UNKNOWN
    # Agents seen stopped do not turn UNKNOWN into success.
    tracker.observe_agents({"support": ["stopped"]}, at(6))
    assert action.phase is Phase.UNKNOWN
    still_on = {"global": {"enabled": True}, "packs": [{"name": "support", "enabled": True}]}
    tracker.reconcile(still_on, at(7))
    assert action.phase is Phase.UNKNOWN and "not applied" in action.detail
    stopped = {"global": {"enabled": True}, "packs": [{"name": "support", "enabled": False}]}
    tracker.reconcile(stopped, at(8))
    assert action.phase is Phase.APPLIED
    tracker.observe_agents({"support": ["stopped"]}, at(9))
    assert action.phase is Phase.CONFIRMED


def test_refusal_is_final() -> None:
    tracker = ContainmentTracker()
    action = tracker.request("k1", "pack:support", False, "r", None, T0)
    tracker.delivered("k1", "refused", None, "role viewer lacks killswitch.pack", at(0.1))
    tracker.delivered("k1", "done", applied(), None, at(0.2))
    assert action.phase is Phase.REFUSED and "viewer" in action.detail


def test_two_person_global_stop_waits_then_applies_or_expires() -> None:
    tracker = ContainmentTracker()
    pending = {"id": "gstop-1", "requested_by": "alice", "expires_at": "2026-11-25T18:17:00Z"}
    action = tracker.request("k1", "global", False, "r", None, T0)
    tracker.delivered("k1", "done", {"pending": pending}, None, at(0.1))
    assert action.phase is Phase.WAITING and tracker.pending_global == pending
    tracker.on_event(
        "killswitch.pending",
        {"state": "confirmed", "pending": pending, "confirmed_by": "bob"},
        at(30),
    )
    assert action.phase is Phase.APPLIED and "bob" in action.detail
    assert tracker.pending_global is None

    other = ContainmentTracker()
    late = other.request("k2", "global", False, "r", None, T0)
    other.delivered("k2", "done", {"pending": pending}, None, at(0.1))
    other.on_event("killswitch.pending", {"state": "expired", "pending": pending}, at(300))
    assert late.phase is Phase.EXPIRED


def test_a_second_console_sees_the_pending_request_from_the_stream() -> None:
    tracker = ContainmentTracker()
    pending = {"id": "gstop-1", "requested_by": "alice"}
    tracker.on_event("killswitch.pending", {"state": "requested", "pending": pending}, T0)
    assert tracker.pending_global == pending
    tracker.on_event("snapshot", {"pending_global": None}, at(1))
    assert tracker.pending_global is None


def test_thirty_second_rule_computed_locally() -> None:
    switches = {"support": (False, T0), "finance": (True, None), "global": (True, None)}
    agents = {"support": [("a", "stopped"), ("b", "running")], "finance": [("c", "running")]}
    assert late_agents(switches, agents, at(30)) == []
    (violation,) = late_agents(switches, agents, at(31))
    assert violation.target == "pack:support" and violation.agents == ("b",)
    assert "1 agent still running 31 s after the stop: b" in violation.text()
    agents["support"] = [("a", "stopped"), ("b", "error")]
    assert late_agents(switches, agents, at(60)) == []


def test_hub_violation_held_until_the_agents_stop_or_the_pack_is_re_enabled() -> None:
    tracker = ContainmentTracker()
    tracker.on_event("killswitch.violation", {"target": "pack:support", "agents": ["b"]}, T0)
    assert [v.target for v in tracker.violations([])] == ["pack:support"]
    tracker.observe_agents({"support": ["stopped", "running"]}, at(1))
    assert tracker.violations([])
    tracker.on_event(
        "killswitch.changed", {"switch": {"scope": "pack", "pack": "support", "enabled": True}}, T0
    )
    assert tracker.violations([]) == []


def test_restore_plan_holds_releases_then_enables_one_at_a_time() -> None:
    packs = ["marketing", "finance", "support"]
    plan = RestorePlan(packs, keep_off={"marketing"}, watch_s=300)
    on = dict.fromkeys(packs, True)
    stopped = dict.fromkeys(packs, True)
    step = plan.next_step(False, on, stopped, T0)
    assert step.kind == "hold" and step.packs == tuple(packs)
    off = dict.fromkeys(packs, False)
    assert plan.next_step(False, off, {**stopped, "support": False}, T0).packs == ("support",)
    assert plan.next_step(False, off, stopped, T0).kind == "release"
    step = plan.next_step(True, off, stopped, T0)
    assert step.kind == "enable" and step.packs == ("finance",)  # marketing stays off
    plan.note_enabled("finance", T0)
    step = plan.next_step(True, off, stopped, at(60))
    assert step.kind == "wait" and step.seconds_left == pytest.approx(240)
    assert plan.next_step(True, off, stopped, at(300)).packs == ("support",)
    plan.note_enabled("support", at(300))
    plan.note_alerts([("support", "PII again", at(310)), ("finance", "old", at(10))])
    step = plan.next_step(True, off, stopped, at(700))
    assert step.kind == "flagged" and step.detail == "PII again"
    plan.override("override: known false positive")
    assert plan.next_step(True, off, stopped, at(701)).kind == "done"
    plan.toggle_keep_off("marketing")
    assert plan.next_step(True, off, stopped, at(701)).packs == ("marketing",)
