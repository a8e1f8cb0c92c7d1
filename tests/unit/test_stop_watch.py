"""The console's stops start from the hub's progress (the snapshot's ``stops``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.console.stop_watch import StopWatch

SINCE = datetime(2026, 11, 25, 18, 10, 40, tzinfo=UTC)
STOPPED_AT = "2026-11-25T18:10:40.000Z"
AGENTS = {"support": [("a", "stopped"), ("b", "error"), ("c", "error")]}
SWITCHES = {"pack:support": (False, SINCE)}
LATER = SINCE + timedelta(seconds=45)


def test_without_the_hubs_progress_silent_agents_are_not_stopped() -> None:
    watch = StopWatch()
    watch.observe(SWITCHES, AGENTS)
    assert watch.done("pack:support") is None
    assert [v.agents for v in watch.late(LATER)] == [("b", "c")]


def test_the_hubs_progress_counts_an_agent_that_stopped_then_went_silent() -> None:
    watch = StopWatch()
    watch.observe(SWITCHES, AGENTS, {"pack:support": (STOPPED_AT, frozenset({"a", "b"}))})
    assert [v.agents for v in watch.late(LATER)] == [("c",)]


def test_progress_of_another_stop_of_the_same_pack_is_not_used() -> None:
    watch = StopWatch()
    earlier = "2026-11-25T17:00:00.000Z"
    watch.observe(SWITCHES, AGENTS, {"pack:support": (earlier, frozenset({"a", "b", "c"}))})
    assert [v.agents for v in watch.late(LATER)] == [("b", "c")]


def test_every_agent_seen_stopped_by_the_hub_confirms() -> None:
    watch = StopWatch()
    watch.observe(SWITCHES, AGENTS, {"pack:support": (STOPPED_AT, frozenset({"a", "b", "c"}))})
    assert watch.done("pack:support") == 3
    assert watch.late(LATER) == []
