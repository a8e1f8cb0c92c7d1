"""The containment state machine and the restore plan, driven by events with ``now``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.console.containment import ContainmentTracker, Phase
from services.console.restore_plan import RestorePlan

T0 = datetime(2026, 11, 25, 18, 12, 0, tzinfo=UTC)
# The switches as the stream has them: support stopped at T0, the rest on.
SUPPORT_STOPPED = {
    "global": (True, None),
    "pack:support": (False, T0),
    "pack:finance": (True, None),
}
SUPPORT_ON = {**SUPPORT_STOPPED, "pack:support": (True, T0)}


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def agents(*states: str, pack: str = "support") -> dict[str, list[tuple[str, str]]]:
    """``pack``'s agents a0, a1, … in ``states``."""
    return {pack: [(f"a{i}", state) for i, state in enumerate(states)]}


def applied(enabled: bool = False, pack: str | None = "support") -> dict[str, object]:
    return {"applied": {"scope": "pack", "pack": pack, "enabled": enabled}, "changed": True}


def test_stop_goes_requested_applied_confirmed_with_the_time_from_the_keypress() -> None:
    tracker = ContainmentTracker()
    action = tracker.request("k1", "pack:support", False, "INC-3: PII", "INC-3", T0)
    assert action.phase is Phase.REQUESTED
    tracker.delivered("k1", "done", applied(), None, at(0.05))
    assert action.phase is Phase.APPLIED
    tracker.observe(SUPPORT_STOPPED, agents("stopped", "running"), at(0.8))
    assert action.phase is Phase.APPLIED  # one still runs
    everyone = {**agents(*["stopped"] * 6), **agents("running", pack="finance")}
    tracker.observe(SUPPORT_STOPPED, everyone, at(1.4))
    assert action.phase is Phase.CONFIRMED
    assert action.summary() == "all 6 agents stopped in 1.4 s"
    assert [p for p, _ in action.history] == [Phase.REQUESTED, Phase.APPLIED, Phase.CONFIRMED]


def test_agents_stopped_before_the_answer_do_not_skip_applied() -> None:
    tracker = ContainmentTracker()
    action = tracker.request("k1", "pack:support", False, "r", None, T0)
    tracker.observe(SUPPORT_STOPPED, agents("stopped"), at(0.1))
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
    tracker.observe(SUPPORT_ON, agents("stopped", "running"), at(0.5))
    assert action.phase is Phase.APPLIED
    tracker.observe(SUPPORT_ON, agents("running", "idle"), at(1.0))
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
    tracker.observe(SUPPORT_STOPPED, agents("stopped"), at(6))
    assert action.phase is Phase.UNKNOWN
    still_on = {"global": {"enabled": True}, "packs": [{"name": "support", "enabled": True}]}
    tracker.reconcile(still_on, at(7))
    assert action.phase is Phase.UNKNOWN and "not applied" in action.detail
    stopped = {"global": {"enabled": True}, "packs": [{"name": "support", "enabled": False}]}
    tracker.reconcile(stopped, at(8))
    assert action.phase is Phase.APPLIED
    tracker.observe(SUPPORT_STOPPED, agents("stopped"), at(9))
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
    tracker = ContainmentTracker()
    fleet = {**agents("stopped", "running"), **agents("running", pack="finance")}
    tracker.observe(SUPPORT_STOPPED, fleet, at(1))
    assert tracker.violations(at(30)) == []
    (violation,) = tracker.violations(at(31))
    assert violation.target == "pack:support" and violation.agents == ("a1",)
    assert violation.source == "console"
    assert "1 agent still running 31 s after the stop: a1" in violation.text()
    # a1 seen stopped, then silent (error): stopped, as the hub counts it.
    tracker.observe(SUPPORT_STOPPED, agents("stopped", "stopped"), at(40))
    tracker.observe(SUPPORT_STOPPED, agents("stopped", "error"), at(50))
    assert tracker.violations(at(60)) == []


def test_an_agent_in_error_before_it_was_seen_stopped_is_late() -> None:
    # The hub's rule (services.domain.stop_rule): it may still be running somewhere.
    tracker = ContainmentTracker()
    tracker.observe(SUPPORT_STOPPED, agents("stopped", "error"), at(1))
    (violation,) = tracker.violations(at(31))
    assert violation.agents == ("a1",)


def test_every_agent_in_error_never_confirms_a_stop() -> None:
    tracker = ContainmentTracker()
    action = tracker.request("k1", "pack:support", False, "r", None, T0)
    tracker.delivered("k1", "done", applied(), None, at(0.1))
    for second in (0.5, 5, 40):
        tracker.observe(SUPPORT_STOPPED, agents("error", "error"), at(second))
    assert action.phase is Phase.APPLIED
    assert [v.agents for v in tracker.violations(at(40))] == [("a0", "a1")]


def test_seen_stopped_then_error_confirms_and_stays_confirmed() -> None:
    tracker = ContainmentTracker()
    action = tracker.request("k1", "pack:support", False, "r", None, T0)
    tracker.observe(SUPPORT_STOPPED, agents("stopped", "running"), at(0.05))
    tracker.delivered("k1", "done", applied(), None, at(0.1))
    tracker.observe(SUPPORT_STOPPED, agents("error", "stopped"), at(0.5))
    assert action.phase is Phase.CONFIRMED and action.agents == 2
    tracker.observe(SUPPORT_STOPPED, agents("error", "error"), at(60))
    assert action.phase is Phase.CONFIRMED
    assert tracker.violations(at(60)) == []


def test_a_new_stop_forgets_what_the_previous_one_saw() -> None:
    tracker = ContainmentTracker()
    tracker.observe(SUPPORT_STOPPED, agents("stopped"), at(1))
    tracker.observe(SUPPORT_ON, agents("running"), at(2))  # re-enabled
    again = {**SUPPORT_STOPPED, "pack:support": (False, at(3))}
    tracker.observe(again, agents("error"), at(4))  # silent before seen stopped this time
    assert [v.agents for v in tracker.violations(at(34))] == [("a0",)]


def test_a_pack_held_during_a_global_stop_is_a_stop_of_its_own() -> None:
    # As for the hub: holding a pack starts a new stop, and an agent silent since
    # the global stop saw it stopped has not been seen stopped by this one.
    tracker = ContainmentTracker()
    both = {"global": (False, T0), "pack:support": (True, None)}
    tracker.observe(both, agents("stopped"), at(1))
    tracker.observe(both, agents("error"), at(2))
    assert tracker.stops.still_running("support", [("a0", "error")]) == frozenset()
    held = {"global": (False, T0), "pack:support": (False, at(5))}
    tracker.observe(held, agents("error"), at(6))
    assert tracker.stops.still_running("support", [("a0", "error")]) == {"a0"}
    assert [(v.target, v.agents) for v in tracker.violations(at(60))] == [("pack:support", ("a0",))]


def test_hub_violation_held_until_the_agents_stop_or_the_pack_is_re_enabled() -> None:
    tracker = ContainmentTracker()
    tracker.on_event("killswitch.violation", {"target": "pack:support", "agents": ["b"]}, T0)
    assert [v.target for v in tracker.violations(T0)] == ["pack:support"]
    tracker.observe(SUPPORT_STOPPED, agents("stopped", "running"), at(1))
    assert tracker.violations(at(1))
    tracker.on_event(
        "killswitch.changed", {"switch": {"scope": "pack", "pack": "support", "enabled": True}}, T0
    )
    assert tracker.violations(T0) == []


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
